/**
 * @module Renders docs/telemetry.md from the contract. `npm run generate:telemetry-docs` writes it; a test fails
 * when the committed file differs from what this renders.
 */

import {
  ALL_METRICS,
  EXEMPLAR_TRACE_ID_LABEL,
  FORWARDED_TRACE_HEADERS,
  KNOWN_CURRENCIES,
  KNOWN_HTTP_METHODS,
  LABEL,
  LABEL_VALUE,
  LOG_FIELD,
  type MetricDefinition,
  RETRY_REASONS,
  RUNTIME_METRIC,
  SPAN_EVENT,
  SPANS,
  type SpanDefinition,
} from './contract.ts';
import { samplingSection } from './sampling-docs.ts';
import {
  DEFAULT_ATTRIBUTE_COUNT_LIMIT,
  DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  DEFAULT_SPAN_EVENT_COUNT_LIMIT,
  DEFAULT_SPAN_LINK_COUNT_LIMIT,
} from './span-limits.ts';

export const TELEMETRY_DOCS_PATH = 'docs/telemetry.md';

const code = (value: string | number): string => `\`${value}\``;
const list = (values: readonly (string | number)[]): string =>
  values.length === 0 ? '—' : values.map(code).join(', ');

/** The sample names Prometheus stores for a metric (histograms have three). */
const sampleNames = (metric: MetricDefinition): string =>
  metric.type === 'histogram'
    ? ['_bucket', '_sum', '_count'].map((suffix) => code(`${metric.name}${suffix}`)).join('<br>')
    : code(metric.name);

const metricRow = (metric: MetricDefinition): string =>
  `| ${sampleNames(metric)} | ${metric.type} | ${metric.unit ? code(metric.unit) : '—'} | ${list(metric.labels)} | ${metric.help}${
    metric.buckets ? `<br>Buckets: ${metric.buckets.join(', ')}` : ''
  } |`;

const spanSection = (key: string, span: SpanDefinition): string[] => [
  `### ${key}: ${code(span.name)} (${span.kind})`,
  '',
  span.help,
  '',
  `- Attributes: ${list(span.attributes)}`,
  `- When they apply: ${list(span.conditionalAttributes)}`,
  ...(span.events.length > 0 ? [`- Events: ${list(span.events)}`] : []),
  '',
];

export const renderTelemetryDocs = (): string =>
  [
    '# Telemetry reference',
    '',
    '<!-- Generated from services/service-kit/src/telemetry/contract.ts by `npm run generate:telemetry-docs`. Do not edit. -->',
    '',
    'Every metric, span and log field the services emit. Names live in `@mesh-stack/service-kit/contract`; the',
    'implementation is `@mesh-stack/service-kit/telemetry`. Service identity (`job`, `namespace`, `pod`) comes from',
    'Prometheus target labels and the OpenTelemetry resource (`service.name`, `service.version`, `service.instance.id`),',
    'never from metric labels.',
    '',
    '## Configuration',
    '',
    'Standard OpenTelemetry variables, read once at start-up:',
    '',
    '| Variable | Default | Meaning |',
    '|---|---|---|',
    "| `OTEL_SERVICE_NAME` | the service's name | `service.name` |",
    '| `OTEL_RESOURCE_ATTRIBUTES` | — | extra resource attributes, e.g. `k8s.pod.name=…,service.instance.id=…` |',
    '| `OTEL_EXPORTER_OTLP_ENDPOINT` | `http://localhost:4318` | OTLP/HTTP (protobuf) base URL; `/v1/traces` is appended |',
    '| `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | — | full traces URL, wins over the base URL |',
    '| `OTEL_EXPORTER_OTLP_HEADERS`, `_TIMEOUT`, `_COMPRESSION` | —, 10000, none | read by the exporter |',
    '| `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` | `parentbased_always_on` / 1 | also `always_on`, `always_off`, `traceidratio`, `parentbased_traceidratio`, `parentbased_always_off`; Kubernetes and compose deploy the production profile (see Sampling below) |',
    '| `OTEL_TRACES_EXPORTER` | `otlp` | `none` stops exporting (propagation continues) |',
    '| `OTEL_SDK_DISABLED` | `false` | `true` turns tracing off (metrics and logs stay) |',
    '| `OTEL_BSP_MAX_QUEUE_SIZE`, `_MAX_EXPORT_BATCH_SIZE`, `_SCHEDULE_DELAY`, `_EXPORT_TIMEOUT` | 2048, 512, 5000, 30000 | batch span processor |',
    `| \`OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT\` (or \`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT\`) | ${DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT} | longer attribute values are cut to this many characters |`,
    `| \`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT\` (or \`OTEL_ATTRIBUTE_COUNT_LIMIT\`) | ${DEFAULT_ATTRIBUTE_COUNT_LIMIT} | attributes per span; \`OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT\`, \`OTEL_LINK_ATTRIBUTE_COUNT_LIMIT\` per event and link |`,
    `| \`OTEL_SPAN_EVENT_COUNT_LIMIT\`, \`OTEL_SPAN_LINK_COUNT_LIMIT\` | ${DEFAULT_SPAN_EVENT_COUNT_LIMIT}, ${DEFAULT_SPAN_LINK_COUNT_LIMIT} | events and links per span |`,
    "| `OTEL_LOG_LEVEL` | `warn` | the SDK's own diagnostics: one JSON line each on stderr (`component: opentelemetry-sdk`), a repeated message at most once a minute with a `suppressed` count |",
    "| `MESH_STACK_TELEMETRY` | on | `off` removes all telemetry (no middleware, spans or `/metrics`): the benchmark's bare baseline only |",
    '',
    "Each service's `main.ts` calls `setupTelemetry()` and hands what it returns to everything it builds (apps, clients,",
    'database, logger, server): nothing is global and nothing is monkey-patched (no instrumentation-http, no `--import`',
    "preload). A route-aware Hono middleware, the HTTP client's attempt hook and Kysely's `log` hook create every span.",
    'What that costs at 100% sampling, and how to lower it (sampling, fewer spans per order), is measured in',
    'BENCHMARKS.md.',
    '',
    'Spans are bounded and carry no client-typed text: the span limits above apply to every span (the SDK keeps',
    "values of any length otherwise); the server span's `url.path` keeps only a route's literal segments and UUID",
    'parameter values (`/users/{id}` for anything else) and is absent for unmatched requests; query strings, headers',
    'and bodies are never recorded.',
    '',
    ...samplingSection(),
    '## Metrics',
    '',
    `Served on the admin port at \`/metrics\`: OpenMetrics 1.0 when the scrape's \`Accept\` asks for it (Prometheus does by`,
    'default), the classic text format 0.0.4 otherwise. Histograms of request, attempt and query duration carry a',
    `${code(EXEMPLAR_TRACE_ID_LABEL)} exemplar (OpenMetrics only) for sampled requests, refreshed at most once a second`,
    'per series and bucket (Prometheus keeps one per bucket per scrape); failed attempts and queries always carry one.',
    'Health probes and `/metrics` scrapes are neither traced nor counted.',
    '',
    '| Metric | Type | Unit | Labels | Meaning |',
    '|---|---|---|---|---|',
    ...ALL_METRICS.map(metricRow),
    '',
    '### Bounded label values',
    '',
    `- ${code(LABEL.httpRequestMethod)}: ${list(KNOWN_HTTP_METHODS)}, anything else ${code(LABEL_VALUE.otherMethod)}.`,
    `- ${code(LABEL.httpRoute)}: the matched route template; no matching route ${code(LABEL_VALUE.unmatchedRoute)}.`,
    `- ${code(LABEL.httpResponseStatusCode)}: the status the service answered; ${code(LABEL_VALUE.noStatusCode)} on a client attempt that got no response.`,
    `- ${code(LABEL.retryReason)}: ${list(RETRY_REASONS)}.`,
    `- ${code(LABEL.currency)}: ${list(KNOWN_CURRENCIES)}, anything else ${code(LABEL_VALUE.other)}.`,
    `- ${code(LABEL.errorType)}: on \`otel_sdk_*\` ${list(['queue_full', 'export_failed'])}; on client attempts the status code, \`timeout\` (the attempt's), \`deadline_exceeded\` (the request's), \`canceled\` (our caller went away) or the socket error code; on queries the driver's error code.`,
    `- ${code(LABEL.dbCollectionName)}: a table name from the query tree (plain identifiers only).`,
    '',
    '### Node.js runtime (prom-client `collectDefaultMetrics`)',
    '',
    "The ones dashboards and alerts use (all of prom-client's defaults are exposed):",
    '',
    list(Object.values(RUNTIME_METRIC)),
    '',
    'prom-client names three gauges `nodejs_active_{handles,requests,resources}_total`; `promtool check metrics`',
    'reports their suffix, and that is the only finding it has on this exposition.',
    '',
    '## Spans',
    '',
    'Exported over OTLP/HTTP (protobuf) through a batch span processor; resource attributes `service.name`,',
    '`service.version`, `service.instance.id`.',
    '',
    ...Object.entries(SPANS).flatMap(([key, span]) => spanSection(key, span)),
    '### Span events (business steps, on the server span)',
    '',
    ...Object.values(SPAN_EVENT).map((event) => `- ${code(event)}`),
    '',
    '## Propagation',
    '',
    '- Accepted: W3C `traceparent`/`tracestate`, `baggage`, B3 single (`b3`) and multi-header (`x-b3-*`); W3C wins when both arrive.',
    "- Read once per request, by the kit's request context: the caller's context becomes the parent of the server span; a public entry point drops baggage keys it does not allow-list.",
    "- Sent on every attempt, each header once (built in the kit's `outgoing-attempt.ts`): W3C `traceparent`/`tracestate`/`baggage` and B3 multi-header (`x-b3-traceid`, `x-b3-spanid`, `x-b3-sampled`) for the attempt's client span (the caller's span when tracing is off), the incoming `x-request-id`, and `grpc-timeout` with what is left of the request's deadline (docs/resilience.md).",
    `- What Istio/Envoy need repeated on outgoing calls, read from the caller: ${list(FORWARDED_TRACE_HEADERS)} (B3 goes out as multi-header).`,
    '',
    '## Logs',
    '',
    'pino JSON lines on stdout. Inside a request every line carries:',
    '',
    ...Object.values(LOG_FIELD).map((field) => `- ${code(field)}`),
    '',
    'Emails and names (PII) appear in no span, metric or log line; SQL is recorded with placeholders only.',
    '',
  ].join('\n');
