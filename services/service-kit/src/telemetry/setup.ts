/**
 * @module One call that turns telemetry on for a service: metrics registry, tracing SDK, and the
 * {@link ServiceTelemetry} the service hands to everything it builds (server middleware, client attempts, database
 * log, log mixin, business telemetry, `/metrics`, shutdown). Nothing is global and nothing is monkey-patched, so it
 * does not matter what `main.ts` creates first: what needs telemetry receives it.
 */

import { METRICS_PATH } from '@mesh-stack/stack';
import { NO_TELEMETRY, type ServiceTelemetry } from '../instrumentation.ts';
import { businessTelemetry } from './business.ts';
import { resolveTelemetryConfig, type TelemetryOptions } from './config.ts';
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

/** What {@link setupTelemetry} started: the kit's seams, plus the SDK and the registry behind them. */
export interface StartedTelemetry extends ServiceTelemetry {
  readonly sdk: Telemetry;
  readonly metrics: ServiceMetrics;
}

/**
 * `MESH_STACK_TELEMETRY=off` leaves every hook a no-op (no middleware, no spans, no `/metrics`): the "bare"
 * baseline of `npm run bench`. Operators turn tracing off with the standard `OTEL_SDK_DISABLED` instead.
 */
export const TELEMETRY_SWITCH_ENV = 'MESH_STACK_TELEMETRY';

/**
 * @example
 * // services/order-service/src/main.ts
 * const telemetry = setupTelemetry({ serviceName: SERVICE_NAME, serviceVersion: SERVICE_VERSION });
 * const app = createApp({ …, telemetry });
 */
export const setupTelemetry = (options: SetupTelemetryOptions): StartedTelemetry => {
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
    return { ...NO_TELEMETRY, sdk: off, metrics };
  }
  const sdk = startTelemetry({ ...options, env, metrics });
  const system = options.databaseSystem ?? (env.DATABASE_URL ? 'postgresql' : 'sqlite');
  return {
    serverMiddleware: [httpServerTelemetry({ metrics })],
    client: httpClientTelemetry({ metrics }),
    databaseLog: databaseTelemetry({ system, metrics }),
    logMixin: traceLogFields,
    business: businessTelemetry({ metrics }),
    mountAdminRoutes: (admin) => {
      admin.get(METRICS_PATH, metricsHandler(metrics.registry));
    },
    shutdown: () => sdk.shutdown(),
    sdk,
    metrics,
  };
};
