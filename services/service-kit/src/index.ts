/** @module The service kit's public surface: everything a service's `app.ts` and `main.ts` import. */
export {
  baseConfigShape,
  ConfigError,
  DEFAULT_SERVER_LIMITS,
  durationMsSchema,
  loadConfig,
  parseConfig,
  portSchema,
  type ServerLimits,
  serverLimits,
  serviceUrlSchema,
} from './config.ts';
export {
  type DatabaseSystem,
  isUniqueViolation,
  type Migration,
  migrateToLatest,
  openDatabase,
  type ServiceDatabase,
} from './database/database.ts';
export {
  createDeadline,
  DEADLINE_HEADER,
  type Deadline,
  formatTimeoutHeader,
  parseTimeoutHeader,
  tightenDeadline,
} from './deadline.ts';
export {
  createHealth,
  type HealthCheck,
  HealthCheckError,
  type HealthReport,
  type HealthSummary,
  type ObservedCalls,
  observeCalls,
} from './health.ts';
export {
  type AttemptBudget,
  createServiceClient,
  DependencyUnavailableError,
  edgeBudget,
  type ServiceClient,
  type ServiceClientOptions,
  type ServiceRequest,
  type ServiceResponse,
} from './http-client.ts';
export {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  IdempotencyKeySchema,
  requestFingerprint,
} from './idempotency.ts';
export { idFromPath, isUuid, newId } from './ids.ts';
export {
  type ClientTelemetry,
  NO_BUSINESS_TELEMETRY,
  NO_TELEMETRY,
  type RetryEvent,
  type ServiceTelemetry,
} from './instrumentation.ts';
export { createLogger, type Logger } from './logger.ts';
export { jsonBody, MAX_BODY_BYTES } from './middleware/json-body.ts';
export { AmountMinorSchema, CURRENCIES, type Currency, CurrencySchema, MAX_TOTAL_AMOUNT_MINOR } from './money.ts';
export {
  type AttemptOutcome,
  classifyError,
  classifyResponse,
  NO_EFFECT_HEADER,
  type OutgoingAttempt,
  outgoingHeaders,
  parseRetryAfterMs,
} from './outgoing-attempt.ts';
export {
  decodeCursor,
  encodeCursor,
  type Page,
  pageQueryShape,
  pageSchema,
  queryInteger,
  toPage,
} from './pagination.ts';
export {
  PROBLEM,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  ProblemError,
  type ProblemKind,
  ProblemSchema,
  problemContent,
  problemResponse,
  SEMANTIC_RULE,
} from './problem.ts';
export {
  deadlineExpired,
  inboundContext,
  type RequestContextOptions,
  requestDeadline,
  requestDeadlineMiddleware,
} from './request-context.ts';
export { type RunningService, runService } from './server.ts';
export { createAdminApp, createServiceApp, serveOpenApiDocument } from './service-app.ts';
