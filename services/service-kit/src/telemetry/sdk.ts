/**
 * @module The tracing SDK, started once per process before the app serves anything.
 *
 * Deliberately lean (see BENCHMARKS.md and docs/telemetry.md): the 3.x `@opentelemetry/sdk-trace` TracerProvider,
 * an AsyncLocalStorage context manager, a BatchSpanProcessor and the OTLP/HTTP protobuf exporter. No NodeSDK (it
 * loads every exporter and turns on metric and log exporters) and no instrumentation-http (monkey-patching costs
 * 3-4x throughput on light routes and needs a loader hook under ESM): the route-aware Hono middleware, the HTTP
 * client attempt wrapper and the Kysely log handler in this folder create every span explicitly. Nothing is
 * monkey-patched, so starting the SDK as the first statement of `main.ts` is early enough: spans started before
 * it (there are none) would go to the API's proxy tracer.
 */
import { context, DiagLogLevel, diag, propagation, type Sampler as SamplerInterface, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, resourceAttributesEnvDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { resolveTelemetryConfig, type SamplerName, type TelemetryConfig, type TelemetryOptions } from './config.ts';
import { structuredDiagLogger, summarize } from './diagnostics.ts';
import { countingExporter, exportHealthMeterProvider } from './export-health.ts';
import type { ServiceMetrics } from './metrics.ts';
import { createPropagator } from './propagation.ts';
import { resolveSpanLimits } from './span-limits.ts';

/** `service.instance.id` is still incubating in the semantic conventions, so it is copied here. */
const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';

export interface StartTelemetryOptions extends TelemetryOptions {
  /** Used when `OTEL_SERVICE_NAME` is not set. */
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** Export health is recorded here (`otel_sdk_*`). */
  readonly metrics: ServiceMetrics;
  /** Replaces the OTLP exporter (tests, benchmarks). */
  readonly exporter?: SpanExporter;
  /** Where the SDK's diagnostic lines go (one JSON line each). [default=stderr] */
  readonly writeDiagnostic?: (line: string) => void;
  /** The environment to read `OTEL_*` from. [default=process.env] */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Telemetry {
  readonly config: TelemetryConfig;
  /** Exports every finished span now (tests, before a planned stop). */
  forceFlush(): Promise<void>;
  /** Flushes and stops the SDK once; later calls return the same promise. Never rejects. */
  shutdown(): Promise<void>;
}

const DIAG_LEVEL: Record<TelemetryConfig['diagLogLevel'], DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

const createSampler = (name: SamplerName, ratio: number): SamplerInterface => {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
};

/**
 * Starts tracing for this process: global context manager, propagators and tracer provider.
 * Propagation is installed even when the SDK is disabled, so incoming trace context still reaches dependencies.
 * @example
 * const metrics = createServiceMetrics({ serviceVersion })
 * const telemetry = startTelemetry({ serviceName: 'order-service', serviceVersion, metrics })
 * process.once('SIGTERM', async () => { await server.close(); await telemetry.shutdown() })
 */
export const startTelemetry = (options: StartTelemetryOptions): Telemetry => {
  const { config, warnings } = resolveTelemetryConfig(
    { serviceName: options.serviceName, serviceVersion: options.serviceVersion },
    options,
    options.env,
  );
  const { limits: spanLimits, warnings: limitWarnings } = resolveSpanLimits(options.env);
  // One structured, rate-limited line per diagnostic instead of console dumps with stack traces.
  const diagnostics = structuredDiagLogger({
    service: config.serviceName,
    ...(options.writeDiagnostic ? { write: options.writeDiagnostic } : {}),
  });
  diag.setLogger(diagnostics, {
    logLevel: DIAG_LEVEL[config.diagLogLevel],
    suppressOverrideMessage: true,
  });
  // A failed export reaches the SDK's global error handler (by default a JSON dump of the error with its stack).
  setGlobalErrorHandler((error) => diag.warn('span export failed', summarize(error)));
  for (const warning of [...warnings, ...limitWarnings]) {
    diag.warn(`telemetry config: ${warning.variable}: ${warning.message}`);
  }

  const contextManager = new AsyncLocalStorageContextManager();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(createPropagator());

  let provider: TracerProvider | undefined;
  if (!config.disabled && config.tracesExporter === 'otlp') {
    // OTEL_RESOURCE_ATTRIBUTES (e.g. k8s.pod.name from the Downward API) first, then what this process knows.
    const fromEnv = detectResources({ detectors: [resourceAttributesEnvDetector] });
    const own: Record<string, string> = {
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: config.serviceVersion,
    };
    if (fromEnv.attributes[ATTR_SERVICE_INSTANCE_ID] === undefined)
      own[ATTR_SERVICE_INSTANCE_ID] = config.serviceInstanceId;
    const exporter = options.exporter ?? new OTLPTraceExporter({ url: config.tracesEndpoint });
    provider = new TracerProvider({
      resource: fromEnv.merge(resourceFromAttributes(own)),
      sampler: createSampler(config.sampler, config.samplerRatio),
      // Bounded spans whatever a handler or a client puts in them (OTEL_*_LIMIT, see span-limits.ts).
      spanLimits,
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: countingExporter(exporter, options.metrics),
          ...config.batch,
          selfObsMeterProvider: exportHealthMeterProvider(options.metrics),
        }),
      ],
    });
    trace.setGlobalTracerProvider(provider);
  }

  let stopping: Promise<void> | undefined;
  return {
    config,
    forceFlush: () => provider?.forceFlush() ?? Promise.resolve(),
    shutdown() {
      stopping ??= (async () => {
        try {
          await provider?.shutdown();
        } catch (error) {
          diag.warn('telemetry: flushing spans at shutdown failed', error);
        } finally {
          // Lets a test (or a restart in the same process) install a fresh SDK.
          trace.disable();
          propagation.disable();
          context.disable();
        }
      })();
      return stopping;
    },
  };
};
