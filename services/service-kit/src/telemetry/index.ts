/**
 * @module `@mesh-stack/service-kit/telemetry`: traces, metrics and log correlation for the stack's services.
 * Names come from `./contract.ts`; docs/telemetry.md lists every metric, span and log field.
 */
export { type BusinessTelemetry, businessTelemetry } from './business.ts';
export { resolveTelemetryConfig, type TelemetryConfig, type TelemetryOptions } from './config.ts';
export { type DatabaseTelemetryOptions, type DbSystemName, databaseTelemetry, summarizeQuery } from './database.ts';
export {
  type AttemptOutcome,
  type ClientAttempt,
  type HttpClientTelemetry,
  type HttpClientTelemetryOptions,
  httpClientTelemetry,
  retryReason,
} from './http-client.ts';
export {
  type HttpServerTelemetryOptions,
  httpServerTelemetry,
  matchedRouteTemplate,
  normalizeMethod,
} from './http-server.ts';
export { traceLogFields } from './logging.ts';
export { createServiceMetrics, type ServiceMetrics, type ServiceMetricsOptions } from './metrics.ts';
export { metricsHandler } from './metrics-handler.ts';
export { createPropagator, RequestIdPropagator, requestIdFrom } from './propagation.ts';
export { INSTRUMENTATION_SCOPE } from './scope.ts';
export { type StartTelemetryOptions, startTelemetry, type Telemetry } from './sdk.ts';
export { business, type ServiceTelemetry, type SetupTelemetryOptions, setupTelemetry } from './setup.ts';
