/**
 * @module `@mesh-stack/service-kit/telemetry`: traces, metrics and log correlation for the stack's services.
 * Names come from `./contract.ts`; docs/telemetry.md lists every metric, span and log field.
 */
export { type BusinessTelemetry, businessTelemetry } from './business.ts';
export { PRODUCTION_SAMPLING, resolveTelemetryConfig, type TelemetryConfig, type TelemetryOptions } from './config.ts';
export { type DatabaseTelemetryOptions, type DbSystemName, databaseTelemetry, summarizeQuery } from './database.ts';
export { DurationHistogram, DurationSeries, EXEMPLAR_MIN_INTERVAL_MS } from './duration-histogram.ts';
export { type HttpClientTelemetryOptions, httpClientTelemetry } from './http-client.ts';
export {
  type HttpServerTelemetryOptions,
  httpServerTelemetry,
  matchedRouteTemplate,
  normalizeMethod,
} from './http-server.ts';
export { traceLogFields } from './logging.ts';
export { createServiceMetrics, type ServiceMetrics, type ServiceMetricsOptions } from './metrics.ts';
export { metricsHandler } from './metrics-handler.ts';
export {
  type BaggagePolicy,
  createPropagator,
  extractInbound,
  filterBaggage,
  injectOutgoing,
  RequestIdPropagator,
  requestIdFrom,
} from './propagation.ts';
export {
  NO_RECONCILIATION_TELEMETRY,
  type ReconciliationTelemetry,
  reconciliationTelemetry,
} from './reconciliation.ts';
export { INSTRUMENTATION_SCOPE } from './scope.ts';
export { type StartTelemetryOptions, startTelemetry, type Telemetry } from './sdk.ts';
export {
  type SetupTelemetryOptions,
  type StartedTelemetry,
  setupTelemetry,
  TELEMETRY_SWITCH_ENV,
} from './setup.ts';
