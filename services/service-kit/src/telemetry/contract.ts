/**
 * @module The telemetry contract: every metric, label, bucket set, span name, span attribute and log field the
 * stack emits. Services, dashboards, alert rules, docs and tests import these names; nobody writes them as literals.
 *
 * Stable OpenTelemetry names come from `@opentelemetry/semantic-conventions`; Prometheus names are their
 * documented translation (dots become underscores, unit suffix, `_total` on counters).
 */
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';

/** Prometheus label names. Service identity (`job`, `instance`, `namespace`, `pod`) comes from scrape targets. */
export const LABEL = {
  httpRequestMethod: 'http_request_method',
  httpRoute: 'http_route',
  httpResponseStatusCode: 'http_response_status_code',
  /** The called service, e.g. `payment-service` (OTel `peer.service`). */
  peerService: 'peer_service',
  errorType: 'error_type',
  retryReason: 'reason',
  dbSystemName: 'db_system_name',
  dbOperationName: 'db_operation_name',
  dbCollectionName: 'db_collection_name',
  outcome: 'outcome',
  currency: 'currency',
  fault: 'fault',
  version: 'version',
  /** prom-client's `nodejs_gc_duration_seconds` label: `major`, `minor`, `incremental`, `weakcb`. */
  gcKind: 'kind',
} as const;
export type LabelName = (typeof LABEL)[keyof typeof LABEL];

/** Bounded label values that stand in for anything a client could vary. */
export const LABEL_VALUE = {
  /** Any path that matches no route: one series, whatever clients send. */
  unmatchedRoute: '_unmatched',
  /** Any method outside {@link KNOWN_HTTP_METHODS} (OTel's `_OTHER`). */
  otherMethod: '_OTHER',
  /** No HTTP response was received (network error, timeout). */
  noStatusCode: '0',
  /** Any other value outside a fixed list (e.g. a currency outside {@link KNOWN_CURRENCIES}). */
  other: '_OTHER',
} as const;

/** ISO 4217 codes the API accepts (docs/api.md); the `currency` label takes only these or `_OTHER`. */
export const KNOWN_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'SEK'] as const;

export const KNOWN_HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * OpenTelemetry semantic-convention bucket boundaries for `http.server.request.duration` and
 * `http.client.request.duration` (seconds). https://opentelemetry.io/docs/specs/semconv/http/http-metrics/
 */
export const HTTP_DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;

/** Semantic-convention boundaries for `db.client.operation.duration` (seconds). */
export const DB_DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] as const;

/** Order values in minor units (cents): 1 to 10,000 in the major unit. */
export const ORDER_VALUE_BUCKETS_MINOR = [
  100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 1_000_000,
] as const;

export const ORDER_OUTCOMES = ['paid', 'payment_failed', 'payment_unavailable', 'rejected'] as const;
export type OrderOutcome = (typeof ORDER_OUTCOMES)[number];

/**
 * How the reconciler resolved one order it claimed (docs/consistency.md): completed from the payment it found
 * (`paid`, `payment_failed`), charged again with the same key because payment-service had none (`recharged`), or
 * left pending for the next pass because payment-service could not say (`deferred`).
 */
export const RECONCILE_OUTCOMES = ['paid', 'payment_failed', 'recharged', 'deferred'] as const;
export type ReconcileOutcome = (typeof RECONCILE_OUTCOMES)[number];

export const PAYMENT_OUTCOMES = ['succeeded', 'declined', 'failed'] as const;
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];

export const FAULT_KINDS = ['error_rate', 'added_latency_seconds', 'decline_rate'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Why a client attempt is retried: a status code class or a network error kind, never free text. */
export const RETRY_REASONS = ['429', '502', '503', '504', 'network_error', 'timeout'] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

export const SPAN_EXPORT_ERROR_TYPES = ['queue_full', 'export_failed'] as const;

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  /** UCUM-style unit, as in OpenTelemetry; empty for dimensionless counts. */
  readonly unit: string;
  readonly help: string;
  readonly labels: readonly LabelName[];
  readonly buckets?: readonly number[];
  /** Where the metric comes from: this stack's services, or a library they embed. */
  readonly source: 'service' | 'runtime';
}

/** Every metric the services expose on their admin port. */
export const METRIC = {
  httpServerRequestDuration: {
    name: 'http_server_request_duration_seconds',
    type: 'histogram',
    unit: 's',
    help: 'Duration of HTTP server requests, by route template (OTel http.server.request.duration).',
    labels: [LABEL.httpRequestMethod, LABEL.httpRoute, LABEL.httpResponseStatusCode],
    buckets: HTTP_DURATION_BUCKETS_SECONDS,
    source: 'service',
  },
  httpServerActiveRequests: {
    name: 'http_server_active_requests',
    type: 'gauge',
    unit: '{request}',
    help: 'Requests being served right now (OTel http.server.active_requests).',
    labels: [],
    source: 'service',
  },
  httpClientRequestDuration: {
    name: 'http_client_request_duration_seconds',
    type: 'histogram',
    unit: 's',
    help: 'Duration of each outgoing HTTP attempt to a dependency (OTel http.client.request.duration).',
    labels: [
      LABEL.peerService,
      LABEL.httpRequestMethod,
      LABEL.httpRoute,
      LABEL.httpResponseStatusCode,
      LABEL.errorType,
    ],
    buckets: HTTP_DURATION_BUCKETS_SECONDS,
    source: 'service',
  },
  httpClientRetries: {
    name: 'http_client_request_retries_total',
    type: 'counter',
    unit: '{retry}',
    help: 'Outgoing HTTP attempts that were retried, by dependency and reason.',
    labels: [LABEL.peerService, LABEL.httpRoute, LABEL.retryReason],
    source: 'service',
  },
  dbClientOperationDuration: {
    name: 'db_client_operation_duration_seconds',
    type: 'histogram',
    unit: 's',
    help: 'Duration of database operations (OTel db.client.operation.duration).',
    labels: [LABEL.dbSystemName, LABEL.dbOperationName, LABEL.dbCollectionName, LABEL.errorType],
    buckets: DB_DURATION_BUCKETS_SECONDS,
    source: 'service',
  },
  ordersTotal: {
    name: 'app_orders_total',
    type: 'counter',
    unit: '{order}',
    help: 'Orders placed, by outcome.',
    labels: [LABEL.outcome],
    source: 'service',
  },
  orderValue: {
    name: 'app_order_value_minor_units',
    type: 'histogram',
    unit: '{minor_unit}',
    help: 'Value of paid orders in minor currency units (cents), by currency.',
    labels: [LABEL.currency],
    buckets: ORDER_VALUE_BUCKETS_MINOR,
    source: 'service',
  },
  paymentsTotal: {
    name: 'app_payments_total',
    type: 'counter',
    unit: '{payment}',
    help: 'Payments processed (idempotent replays excluded), by outcome.',
    labels: [LABEL.outcome],
    source: 'service',
  },
  ordersPending: {
    name: 'app_orders_pending',
    type: 'gauge',
    unit: '{order}',
    help: 'Orders pending right now (payment outcome not recorded yet), read from the shared database by each replica.',
    labels: [],
    source: 'service',
  },
  ordersPendingOldestAge: {
    name: 'app_orders_pending_oldest_age_seconds',
    type: 'gauge',
    unit: 's',
    help: 'Age of the oldest pending order; 0 when none is pending.',
    labels: [],
    source: 'service',
  },
  orderReconciliations: {
    name: 'app_order_reconciliations_total',
    type: 'counter',
    unit: '{order}',
    help: 'Pending orders the reconciler handled, by outcome (paid, payment_failed, recharged, deferred).',
    labels: [LABEL.outcome],
    source: 'service',
  },
  faultInjection: {
    name: 'app_fault_injection_setting',
    type: 'gauge',
    unit: '1',
    help: 'Current fault-injection setting (rates 0..1, latency in seconds); 0 when off.',
    labels: [LABEL.fault],
    source: 'service',
  },
  buildInfo: {
    name: 'app_build_info',
    type: 'gauge',
    unit: '1',
    help: 'Always 1; the service version as a label.',
    labels: [LABEL.version],
    source: 'service',
  },
  spansProcessed: {
    name: 'otel_sdk_processor_span_processed_total',
    type: 'counter',
    unit: '{span}',
    help: 'Spans that reached the batch span processor; error_type="queue_full" counts spans dropped on a full queue.',
    labels: [LABEL.errorType],
    source: 'service',
  },
  spansExported: {
    name: 'otel_sdk_exporter_span_exported_total',
    type: 'counter',
    unit: '{span}',
    help: 'Spans handed to the OTLP exporter; error_type is set when the export failed.',
    labels: [LABEL.errorType],
    source: 'service',
  },
  spanQueueSize: {
    name: 'otel_sdk_processor_span_queue_size',
    type: 'gauge',
    unit: '{span}',
    help: 'Spans waiting in the batch span processor queue.',
    labels: [],
    source: 'service',
  },
} as const satisfies Record<string, MetricDefinition>;

/** prom-client `collectDefaultMetrics` names the dashboards and alerts rely on. */
export const RUNTIME_METRIC = {
  eventLoopLagP99: 'nodejs_eventloop_lag_p99_seconds',
  eventLoopLagMean: 'nodejs_eventloop_lag_mean_seconds',
  heapUsed: 'nodejs_heap_size_used_bytes',
  heapTotal: 'nodejs_heap_size_total_bytes',
  gcDuration: 'nodejs_gc_duration_seconds',
  activeHandles: 'nodejs_active_handles_total',
  cpuSeconds: 'process_cpu_seconds_total',
  residentMemory: 'process_resident_memory_bytes',
  openFds: 'process_open_fds',
  startTime: 'process_start_time_seconds',
} as const;

/** Span attribute keys: semantic conventions where they exist, `app.<service>.<field>` otherwise. */
export const ATTR = {
  httpRequestMethod: ATTR_HTTP_REQUEST_METHOD,
  httpRoute: ATTR_HTTP_ROUTE,
  httpResponseStatusCode: ATTR_HTTP_RESPONSE_STATUS_CODE,
  httpRequestResendCount: ATTR_HTTP_REQUEST_RESEND_COUNT,
  urlPath: ATTR_URL_PATH,
  urlFull: ATTR_URL_FULL,
  urlScheme: ATTR_URL_SCHEME,
  serverAddress: ATTR_SERVER_ADDRESS,
  serverPort: ATTR_SERVER_PORT,
  errorType: ATTR_ERROR_TYPE,
  peerService: 'peer.service',
  dbSystemName: ATTR_DB_SYSTEM_NAME,
  dbOperationName: ATTR_DB_OPERATION_NAME,
  dbCollectionName: ATTR_DB_COLLECTION_NAME,
  /** Parameterised SQL only: values are bound, never inlined, so no PII reaches a span. */
  dbQueryText: ATTR_DB_QUERY_TEXT,
  /** A transaction's statements as `OPERATION table` pairs, e.g. `INSERT orders INSERT order_items`. */
  dbQuerySummary: ATTR_DB_QUERY_SUMMARY,
  /** Statements a transaction ran (its span stands for all of them). */
  dbOperationBatchSize: ATTR_DB_OPERATION_BATCH_SIZE,
  userId: 'app.user.id',
  orderId: 'app.order.id',
  orderTotalMinor: 'app.order.total_minor',
  orderCurrency: 'app.order.currency',
  orderItemCount: 'app.order.item_count',
  orderStatus: 'app.order.status',
  paymentId: 'app.payment.id',
  paymentOutcome: 'app.payment.outcome',
  paymentFaultInjected: 'app.payment.fault_injected',
  idempotentReplay: 'app.idempotent_replay',
  /** How the reconciler resolved an order: one of {@link RECONCILE_OUTCOMES}. */
  reconcileOutcome: 'app.order.reconcile_outcome',
  /** Orders one reconciliation pass claimed. */
  reconcileClaimed: 'app.order.reconcile_claimed',
} as const;

/** Span events marking business steps inside a server span. */
export const SPAN_EVENT = {
  userValidated: 'order.user_validated',
  orderStored: 'order.stored',
  paymentRequested: 'order.payment_requested',
  orderCompleted: 'order.completed',
  paymentDecided: 'payment.decided',
  faultInjected: 'payment.fault_injected',
  idempotentReplay: 'idempotent_replay',
} as const;

/** Server and client spans are named `METHOD /route/template`; database spans `OPERATION table`. */
export const spanName = {
  http: (method: string, routeTemplate: string): string => `${method} ${routeTemplate}`,
  db: (operation: string, collection: string | undefined): string =>
    collection ? `${operation} ${collection}` : operation,
} as const;

export type SpanKindName = 'SERVER' | 'CLIENT' | 'INTERNAL';

export interface SpanDefinition {
  /** The name pattern, e.g. `METHOD /route/template`. */
  readonly name: string;
  readonly kind: SpanKindName;
  readonly help: string;
  /** Attributes always set when they apply. */
  readonly attributes: readonly string[];
  /** Attributes set only in some cases (errors, retries, business steps). */
  readonly conditionalAttributes: readonly string[];
  readonly events: readonly string[];
}

/** Every span the services create (docs/telemetry.md is generated from this). */
export const SPANS = {
  httpServer: {
    name: 'METHOD /route/template',
    kind: 'SERVER',
    help:
      'One per request, named after the matched route (`_unmatched` when none); 5xx marks it as an error. ' +
      '`url.path` is the route with only UUID parameter values filled in (others stay `{name}`), and is absent ' +
      'for unmatched requests: no client-typed text (an email in a path, a 15 KB URL) reaches a span.',
    attributes: [ATTR.httpRequestMethod, ATTR.httpRoute, ATTR.httpResponseStatusCode, ATTR.urlScheme],
    conditionalAttributes: [
      ATTR.urlPath,
      ATTR.errorType,
      ATTR.userId,
      ATTR.orderId,
      ATTR.orderTotalMinor,
      ATTR.orderCurrency,
      ATTR.orderItemCount,
      ATTR.orderStatus,
      ATTR.paymentId,
      ATTR.paymentOutcome,
      ATTR.paymentFaultInjected,
      ATTR.idempotentReplay,
    ],
    events: Object.values(SPAN_EVENT),
  },
  httpClient: {
    name: 'METHOD /route/template',
    kind: 'CLIENT',
    help: 'One per outgoing attempt, so retries are separate spans; any 4xx/5xx or network error marks it as an error.',
    attributes: [
      ATTR.httpRequestMethod,
      ATTR.httpRoute,
      ATTR.serverAddress,
      ATTR.serverPort,
      ATTR.urlFull,
      ATTR.peerService,
      ATTR.httpResponseStatusCode,
    ],
    conditionalAttributes: [ATTR.httpRequestResendCount, ATTR.errorType],
    events: [],
  },
  database: {
    name: 'OPERATION table',
    kind: 'CLIENT',
    help:
      'One per statement run outside a transaction, back-dated by its measured duration; only parameterised SQL ' +
      'is recorded, never values.',
    attributes: [ATTR.dbSystemName, ATTR.dbOperationName, ATTR.dbQueryText],
    conditionalAttributes: [ATTR.dbCollectionName, ATTR.errorType],
    events: [],
  },
  databaseTransaction: {
    name: 'OPERATION table OPERATION table …',
    kind: 'CLIENT',
    help:
      'One per transaction, from its BEGIN to its COMMIT or ROLLBACK, named by its `db.query.summary`: the ' +
      'statements it ran are its attributes (`db.operation.name` `BATCH`, their parameterised SQL joined by `; `), ' +
      'and transaction control (BEGIN, COMMIT, ROLLBACK, savepoints) gets no span of its own. A failed statement ' +
      'or a rollback marks it as an error. The duration histogram still counts every statement.',
    attributes: [
      ATTR.dbSystemName,
      ATTR.dbOperationName,
      ATTR.dbQuerySummary,
      ATTR.dbQueryText,
      ATTR.dbOperationBatchSize,
    ],
    conditionalAttributes: [ATTR.dbCollectionName, ATTR.errorType],
    events: [],
  },
  reconcilePass: {
    name: 'orders.reconcile',
    kind: 'INTERNAL',
    help:
      'A root span per reconciliation pass of order-service that claimed pending orders (idle passes are not ' +
      'traced); its children are one span per order.',
    attributes: [ATTR.reconcileClaimed],
    conditionalAttributes: [],
    events: [],
  },
  reconcileOrder: {
    name: 'order.reconcile',
    kind: 'INTERNAL',
    help: 'One per pending order a reconciliation pass resolves: the payment lookup and any re-charge are its children.',
    attributes: [ATTR.orderId, ATTR.reconcileOutcome],
    conditionalAttributes: [ATTR.orderStatus, ATTR.paymentId, ATTR.errorType],
    events: [],
  },
} as const satisfies Record<string, SpanDefinition>;

/** Log fields that join a log line to its trace. */
export const LOG_FIELD = {
  traceId: 'trace_id',
  spanId: 'span_id',
  traceFlags: 'trace_flags',
} as const;

/** The exemplar label carrying the trace id, linked to Jaeger by the Grafana datasource. */
export const EXEMPLAR_TRACE_ID_LABEL = 'trace_id';

/** Headers forwarded on every outgoing call so Istio/Envoy and Zipkin-style tracers join the same trace. */
export const FORWARDED_TRACE_HEADERS = [
  'x-request-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
] as const;

export const ALL_METRICS: readonly MetricDefinition[] = Object.values(METRIC);
