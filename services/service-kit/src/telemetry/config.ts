/**
 * @module Telemetry configuration from the standard `OTEL_*` environment variables, resolved once at start-up.
 *
 * Precedence is code option, then environment variable, then default (as in the OpenTelemetry SDKs). The 3.x
 * `@opentelemetry/sdk-trace` line no longer reads the environment itself, so this module does it for the sampler,
 * the batch span processor and the exporter endpoint.
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
import { randomUUID } from 'node:crypto';

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

const SAMPLER_NAMES: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

export interface BatchSpanProcessorConfig {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
}

export interface TelemetryConfig {
  /** `OTEL_SDK_DISABLED=true` turns tracing off entirely (metrics and logs stay). */
  readonly disabled: boolean;
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly serviceInstanceId: string;
  /** `OTEL_TRACES_EXPORTER`: `otlp` (default) or `none`. */
  readonly tracesExporter: 'otlp' | 'none';
  /** Full URL of the OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. */
  readonly tracesEndpoint: string;
  readonly sampler: SamplerName;
  /** Ratio for the `*traceidratio` samplers, 0..1. */
  readonly samplerRatio: number;
  readonly batch: BatchSpanProcessorConfig;
  /** `OTEL_LOG_LEVEL` for the SDK's own diagnostics. */
  readonly diagLogLevel: 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';
}

export type TelemetryOptions = Partial<Omit<TelemetryConfig, 'batch'>> & {
  readonly batch?: Partial<BatchSpanProcessorConfig>;
};

/** OTLP/HTTP default port and signal path (OTLP specification). */
export const DEFAULT_OTEL_EXPORTER_OTLP_ENDPOINT = 'http://localhost:4318';
const TRACES_SIGNAL_PATH = '/v1/traces';
/** Batch span processor defaults from the SDK environment-variable specification. */
export const DEFAULT_OTEL_BSP_MAX_QUEUE_SIZE = 2048;
export const DEFAULT_OTEL_BSP_MAX_EXPORT_BATCH_SIZE = 512;
export const DEFAULT_OTEL_BSP_SCHEDULE_DELAY = 5000;
export const DEFAULT_OTEL_BSP_EXPORT_TIMEOUT = 30_000;
/** Every request traced: what `npm start` and the tests run, to learn from whole traces. */
export const DEFAULT_OTEL_TRACES_SAMPLER: SamplerName = 'parentbased_always_on';
/**
 * The production profile (docs/telemetry.md, "Sampling"): the entry decides once per trace from its id, every
 * service follows its caller's decision. Kubernetes (`k8s/base`) and compose set it through the standard variables.
 */
export const PRODUCTION_SAMPLING = {
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
} as const satisfies { OTEL_TRACES_SAMPLER: SamplerName; OTEL_TRACES_SAMPLER_ARG: string };
const DIAG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Problems found while reading the environment; each one is reported once by the caller. */
export interface ConfigWarning {
  readonly variable: string;
  readonly message: string;
}

/**
 * Resolves the telemetry configuration.
 * @param defaults - the service's own name and version, used when `OTEL_SERVICE_NAME` is not set.
 * @param options - code options; they win over the environment.
 * @param env - the environment (`process.env` unless a test passes its own).
 */
export const resolveTelemetryConfig = (
  defaults: { readonly serviceName: string; readonly serviceVersion: string },
  options: TelemetryOptions = {},
  env: Env = process.env,
): { config: TelemetryConfig; warnings: ConfigWarning[] } => {
  const warnings: ConfigWarning[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const positiveInteger = (name: string, fallback: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value > 0) return value;
    warnings.push({ variable: name, message: `expected a positive integer, got "${raw}"; using ${fallback}` });
    return fallback;
  };

  const samplerRaw = text('OTEL_TRACES_SAMPLER')?.toLowerCase();
  let sampler = options.sampler ?? DEFAULT_OTEL_TRACES_SAMPLER;
  if (options.sampler === undefined && samplerRaw !== undefined) {
    if ((SAMPLER_NAMES as readonly string[]).includes(samplerRaw)) sampler = samplerRaw as SamplerName;
    else
      warnings.push({
        variable: 'OTEL_TRACES_SAMPLER',
        message: `unsupported sampler "${samplerRaw}"; using ${sampler}`,
      });
  }
  let samplerRatio = options.samplerRatio ?? 1;
  const ratioRaw = text('OTEL_TRACES_SAMPLER_ARG');
  if (options.samplerRatio === undefined && ratioRaw !== undefined && sampler.endsWith('traceidratio')) {
    const ratio = Number(ratioRaw);
    if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) samplerRatio = ratio;
    else
      warnings.push({
        variable: 'OTEL_TRACES_SAMPLER_ARG',
        message: `expected a ratio in [0, 1], got "${ratioRaw}"; using 1`,
      });
  }

  const exporterRaw = text('OTEL_TRACES_EXPORTER')?.toLowerCase();
  let tracesExporter: 'otlp' | 'none' = options.tracesExporter ?? 'otlp';
  if (options.tracesExporter === undefined && exporterRaw !== undefined) {
    if (exporterRaw === 'otlp' || exporterRaw === 'none') tracesExporter = exporterRaw;
    else
      warnings.push({
        variable: 'OTEL_TRACES_EXPORTER',
        message: `only "otlp" and "none" are supported, got "${exporterRaw}"; using otlp`,
      });
  }

  const baseEndpoint = text('OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesEndpoint =
    options.tracesEndpoint ??
    text('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ??
    `${baseEndpoint.replace(/\/+$/, '')}${TRACES_SIGNAL_PATH}`;

  const maxQueueSize =
    options.batch?.maxQueueSize ?? positiveInteger('OTEL_BSP_MAX_QUEUE_SIZE', DEFAULT_OTEL_BSP_MAX_QUEUE_SIZE);
  const batch: BatchSpanProcessorConfig = {
    maxQueueSize,
    maxExportBatchSize:
      options.batch?.maxExportBatchSize ??
      positiveInteger('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', DEFAULT_OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
    scheduledDelayMillis:
      options.batch?.scheduledDelayMillis ??
      positiveInteger('OTEL_BSP_SCHEDULE_DELAY', DEFAULT_OTEL_BSP_SCHEDULE_DELAY),
    exportTimeoutMillis:
      options.batch?.exportTimeoutMillis ?? positiveInteger('OTEL_BSP_EXPORT_TIMEOUT', DEFAULT_OTEL_BSP_EXPORT_TIMEOUT),
  };

  const diagRaw = text('OTEL_LOG_LEVEL')?.toLowerCase();
  const diagLogLevel = options.diagLogLevel ?? DIAG_LEVELS.find((level) => level === diagRaw) ?? 'warn';

  return {
    config: {
      disabled: options.disabled ?? text('OTEL_SDK_DISABLED')?.toLowerCase() === 'true',
      serviceName: options.serviceName ?? text('OTEL_SERVICE_NAME') ?? defaults.serviceName,
      serviceVersion: options.serviceVersion ?? defaults.serviceVersion,
      // One id per process: two replicas (or a restart) never share a series of spans.
      serviceInstanceId: options.serviceInstanceId ?? randomUUID(),
      tracesExporter,
      tracesEndpoint,
      sampler,
      samplerRatio,
      batch,
      diagLogLevel,
    },
    warnings,
  };
};
