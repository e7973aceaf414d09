/**
 * @module One call that turns telemetry on for a service: metrics registry, tracing SDK, and the kit's
 * instrumentation hooks (server middleware, client attempts, database log, log mixin, `/metrics`, shutdown).
 *
 * Call it as the first statement of `main.ts`, before the logger, database, clients and apps are created: they
 * read the hooks when they are built. Nothing is monkey-patched, so no `--import` preload is needed.
 */
import { registerInstrumentation } from '../instrumentation.ts';
import { METRICS_PATH } from '../stack.ts';
import { type BusinessTelemetry, businessTelemetry } from './business.ts';
import { resolveTelemetryConfig, type TelemetryOptions } from './config.ts';
import { FORWARDED_TRACE_HEADERS } from './contract.ts';
import { type DbSystemName, databaseTelemetry } from './database.ts';
import { httpClientTelemetry } from './http-client.ts';
import { httpServerTelemetry } from './http-server.ts';
import { traceLogFields } from './logging.ts';
import { createServiceMetrics, type ServiceMetrics } from './metrics.ts';
import { metricsHandler } from './metrics-handler.ts';
import { startTelemetry, type Telemetry } from './sdk.ts';

export interface SetupTelemetryOptions extends TelemetryOptions {
  /** Used when `OTEL_SERVICE_NAME` is not set. */
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** [default=`postgresql` when `DATABASE_URL` is set, else `sqlite`] */
  readonly databaseSystem?: DbSystemName;
  /** [default=process.env] */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ServiceTelemetry {
  readonly telemetry: Telemetry;
  readonly metrics: ServiceMetrics;
  readonly business: BusinessTelemetry;
}

/**
 * `MESH_STACK_TELEMETRY=off` leaves every hook a no-op (no middleware, no spans, no `/metrics`): the "bare"
 * baseline of `npm run bench`. Operators turn tracing off with the standard `OTEL_SDK_DISABLED` instead.
 */
export const TELEMETRY_SWITCH_ENV = 'MESH_STACK_TELEMETRY';

/** Inbound B3 headers the kit forwards; replaced on each attempt by the attempt's own span (parent of the callee). */
const B3_HEADERS = FORWARDED_TRACE_HEADERS.filter((header) => header === 'b3' || header.startsWith('x-b3-'));

let current: BusinessTelemetry | undefined;
const NOOP_BUSINESS: BusinessTelemetry = {
  orderPlaced: () => {},
  paymentProcessed: () => {},
  faultSettings: () => {},
  step: () => {},
  annotate: () => {},
};

/** Business telemetry of this process: no-op until {@link setupTelemetry} ran (unit tests of a service's app). */
export const business = (): BusinessTelemetry => current ?? NOOP_BUSINESS;

/**
 * @example
 * // services/order-service/src/main.ts, first statement
 * setupTelemetry({ serviceName: SERVICE_NAME, serviceVersion: SERVICE_VERSION })
 */
export const setupTelemetry = (options: SetupTelemetryOptions): ServiceTelemetry => {
  const env = options.env ?? process.env;
  const metrics = createServiceMetrics({
    serviceVersion: options.serviceVersion,
    defaultMetrics: env[TELEMETRY_SWITCH_ENV] !== 'off',
  });
  if (env[TELEMETRY_SWITCH_ENV] === 'off') {
    const off: Telemetry = {
      config: resolveTelemetryConfig(options, { ...options, disabled: true }, env).config,
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    return { telemetry: off, metrics, business: NOOP_BUSINESS };
  }
  const telemetry = startTelemetry({ ...options, env, metrics });
  const client = httpClientTelemetry({ metrics });
  const system = options.databaseSystem ?? (env.DATABASE_URL ? 'postgresql' : 'sqlite');

  registerInstrumentation({
    serverMiddleware: [httpServerTelemetry({ metrics })],
    wrapAttempt: (send) => (request) =>
      client.attempt(
        {
          peerService: request.peerService,
          method: request.method,
          routeTemplate: request.route,
          url: request.url,
          resendCount: request.resendCount,
        },
        (headers) => {
          for (const header of B3_HEADERS) request.headers.delete(header);
          for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
          return send(request);
        },
      ),
    onRetry: (event) => client.recordRetry(event.peerService, event.route, event.reason),
    databaseLog: databaseTelemetry({ system, metrics }),
    logMixin: traceLogFields,
    mountAdminRoutes: (admin) => {
      admin.get(METRICS_PATH, metricsHandler(metrics.registry));
    },
    shutdown: () => telemetry.shutdown(),
  });
  current = businessTelemetry({ metrics });
  return { telemetry, metrics, business: current };
};
