/**
 * @module Metrics the stack reads but does not emit itself: Istio and Linkerd sidecars, the OpenTelemetry
 * Collector (its span-metrics connector and its own telemetry), Prometheus and Alertmanager. The contract check
 * accepts these names and labels next to the telemetry contract; each entry cites where the name is documented.
 */
import { LABEL, type MetricType } from '@mesh-stack/service-kit/contract';

export type ExternalSource = 'istio' | 'linkerd' | 'otel-collector' | 'prometheus' | 'alertmanager';

export interface ExternalMetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly source: ExternalSource;
  /** Where the name and labels are documented. */
  readonly reference: string;
}

/** Istio standard metric labels (istio.io/latest/docs/reference/config/metrics/). */
export const ISTIO_LABEL = {
  reporter: 'reporter',
  sourceWorkload: 'source_workload',
  sourceWorkloadNamespace: 'source_workload_namespace',
  sourceApp: 'source_app',
  sourceVersion: 'source_version',
  sourcePrincipal: 'source_principal',
  destinationWorkload: 'destination_workload',
  destinationWorkloadNamespace: 'destination_workload_namespace',
  destinationService: 'destination_service',
  destinationServiceName: 'destination_service_name',
  destinationApp: 'destination_app',
  destinationVersion: 'destination_version',
  destinationPrincipal: 'destination_principal',
  requestProtocol: 'request_protocol',
  responseCode: 'response_code',
  responseFlags: 'response_flags',
  connectionSecurityPolicy: 'connection_security_policy',
} as const;

/** Values of Istio labels the dashboards and alerts filter on. */
export const ISTIO_VALUE = {
  /** The server-side proxy: sees every inbound request, including from outside the mesh. */
  reporterDestination: 'destination',
  /** The client-side proxy: the only side that sees client-side Envoy failures (UO, UH, URX). */
  reporterSource: 'source',
  mutualTls: 'mutual_tls',
  /** Envoy's `%RESPONSE_FLAGS%` when nothing is flagged. */
  noResponseFlags: '-',
  /** UO: upstream overflow (circuit breaker / connection pool); UH: no healthy upstream (all hosts ejected). */
  circuitBreakerFlags: ['UO', 'UH'],
} as const;

/** Linkerd proxy labels (linkerd.io/2-edge/reference/proxy-metrics/). */
export const LINKERD_LABEL = {
  direction: 'direction',
  authority: 'authority',
  tls: 'tls',
  statusCode: 'status_code',
  classification: 'classification',
  /** Collection-time label from `linkerd.io/proxy-deployment`, set by the `linkerd-proxy` scrape job. */
  deployment: 'deployment',
  dstDeployment: 'dst_deployment',
  dstNamespace: 'dst_namespace',
} as const;

export const LINKERD_VALUE = {
  inbound: 'inbound',
  outbound: 'outbound',
  success: 'success',
  tlsOn: 'true',
} as const;

/** Labels of the collector's spanmetrics connector with `namespace: traces.span.metrics`. */
export const SPANMETRICS_LABEL = {
  serviceName: 'service_name',
  spanName: 'span_name',
  spanKind: 'span_kind',
  statusCode: 'status_code',
} as const;

/** Labels of the collector's own telemetry (component ids). */
export const COLLECTOR_LABEL = {
  receiver: 'receiver',
  exporter: 'exporter',
  processor: 'processor',
  transport: 'transport',
} as const;

/** Labels of Prometheus's own metrics used by the dashboards. */
export const PROMETHEUS_LABEL = { ruleGroup: 'rule_group' } as const;

/** Labels Prometheus attaches to its synthetic `ALERTS` series. */
export const ALERTS_LABEL = {
  alertname: 'alertname',
  alertstate: 'alertstate',
  severity: 'severity',
} as const;

const ISTIO_DOC = 'https://istio.io/latest/docs/reference/config/metrics/';
const LINKERD_DOC = 'https://linkerd.io/2-edge/reference/proxy-metrics/';
const COLLECTOR_DOC = 'https://opentelemetry.io/docs/collector/internal-telemetry/#lists-of-internal-metrics';
const SPANMETRICS_DOC =
  'https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/connector/spanmetricsconnector';
const PROMETHEUS_DOC =
  'https://prometheus.io/docs/concepts/jobs_instances/#automatically-generated-labels-and-time-series';

const istioRequestLabels = Object.values(ISTIO_LABEL);
const linkerdLabels = Object.values(LINKERD_LABEL);
/** The connector's standard labels plus the span attributes our collector config adds as dimensions. */
const spanMetricsLabels = [
  ...Object.values(SPANMETRICS_LABEL),
  LABEL.httpRequestMethod,
  LABEL.httpResponseStatusCode,
  LABEL.httpRoute,
];

export const ISTIO_METRIC = {
  requests: {
    name: 'istio_requests_total',
    type: 'counter',
    labels: istioRequestLabels,
    source: 'istio',
    reference: ISTIO_DOC,
  },
  /** In milliseconds: divide by 1000 for seconds. */
  requestDuration: {
    name: 'istio_request_duration_milliseconds',
    type: 'histogram',
    labels: istioRequestLabels,
    source: 'istio',
    reference: ISTIO_DOC,
  },
} as const satisfies Record<string, ExternalMetricDefinition>;

export const LINKERD_METRIC = {
  requests: {
    name: 'request_total',
    type: 'counter',
    labels: linkerdLabels,
    source: 'linkerd',
    reference: LINKERD_DOC,
  },
  responses: {
    name: 'response_total',
    type: 'counter',
    labels: linkerdLabels,
    source: 'linkerd',
    reference: LINKERD_DOC,
  },
  /** Time to first byte, in milliseconds. */
  responseLatency: {
    name: 'response_latency_ms',
    type: 'histogram',
    labels: linkerdLabels,
    source: 'linkerd',
    reference: LINKERD_DOC,
  },
} as const satisfies Record<string, ExternalMetricDefinition>;

/** The collector's spanmetrics connector (`namespace: traces.span.metrics`, histogram unit seconds). */
export const SPANMETRICS_METRIC = {
  calls: {
    name: 'traces_span_metrics_calls_total',
    type: 'counter',
    labels: spanMetricsLabels,
    source: 'otel-collector',
    reference: SPANMETRICS_DOC,
  },
  duration: {
    name: 'traces_span_metrics_duration_seconds',
    type: 'histogram',
    labels: spanMetricsLabels,
    source: 'otel-collector',
    reference: SPANMETRICS_DOC,
  },
} as const satisfies Record<string, ExternalMetricDefinition>;

const collectorCounter = (name: string, labels: readonly string[]): ExternalMetricDefinition => ({
  name,
  type: 'counter',
  labels,
  source: 'otel-collector',
  reference: COLLECTOR_DOC,
});
const receiverLabels = [COLLECTOR_LABEL.receiver, COLLECTOR_LABEL.transport];
const exporterLabels = [COLLECTOR_LABEL.exporter];

/** The collector's own telemetry, scraped from its internal Prometheus endpoint. */
export const COLLECTOR_METRIC = {
  receiverAcceptedSpans: collectorCounter('otelcol_receiver_accepted_spans_total', receiverLabels),
  /** Refused by the pipeline, e.g. by memory_limiter under memory pressure: the client sees an error. */
  receiverRefusedSpans: collectorCounter('otelcol_receiver_refused_spans_total', receiverLabels),
  exporterSentSpans: collectorCounter('otelcol_exporter_sent_spans_total', exporterLabels),
  /** Dropped after the exporter gave up retrying. */
  exporterSendFailedSpans: collectorCounter('otelcol_exporter_send_failed_spans_total', exporterLabels),
  /** Dropped because the sending queue was full. */
  exporterEnqueueFailedSpans: collectorCounter('otelcol_exporter_enqueue_failed_spans_total', exporterLabels),
  exporterQueueSize: {
    name: 'otelcol_exporter_queue_size',
    type: 'gauge',
    labels: exporterLabels,
    source: 'otel-collector',
    reference: COLLECTOR_DOC,
  },
  exporterQueueCapacity: {
    name: 'otelcol_exporter_queue_capacity',
    type: 'gauge',
    labels: exporterLabels,
    source: 'otel-collector',
    reference: COLLECTOR_DOC,
  },
} as const satisfies Record<string, ExternalMetricDefinition>;

/** Series Prometheus writes itself, for every target and for firing alerts. */
export const PROMETHEUS_METRIC = {
  up: { name: 'up', type: 'gauge', labels: [], source: 'prometheus', reference: PROMETHEUS_DOC },
  scrapeDuration: {
    name: 'scrape_duration_seconds',
    type: 'gauge',
    labels: [],
    source: 'prometheus',
    reference: PROMETHEUS_DOC,
  },
  scrapeSamples: {
    name: 'scrape_samples_scraped',
    type: 'gauge',
    labels: [],
    source: 'prometheus',
    reference: PROMETHEUS_DOC,
  },
  alerts: {
    name: 'ALERTS',
    type: 'gauge',
    labels: Object.values(ALERTS_LABEL),
    source: 'prometheus',
    reference:
      'https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/#inspecting-alerts-during-runtime',
  },
  ruleEvaluationFailures: {
    name: 'prometheus_rule_evaluation_failures_total',
    type: 'counter',
    labels: [PROMETHEUS_LABEL.ruleGroup],
    source: 'prometheus',
    reference: 'https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/',
  },
  notificationsDropped: {
    name: 'prometheus_notifications_dropped_total',
    type: 'counter',
    labels: [],
    source: 'prometheus',
    reference: 'https://prometheus.io/docs/prometheus/latest/configuration/configuration/#alertmanager_config',
  },
} as const satisfies Record<string, ExternalMetricDefinition>;

export const ALERTMANAGER_METRIC = {
  notificationsFailed: {
    name: 'alertmanager_notifications_failed_total',
    type: 'counter',
    labels: ['integration', 'receiver_name', 'reason'],
    source: 'alertmanager',
    reference: 'https://prometheus.io/docs/alerting/latest/alertmanager/',
  },
} as const satisfies Record<string, ExternalMetricDefinition>;

export const ALL_EXTERNAL_METRICS: readonly ExternalMetricDefinition[] = [
  ...Object.values(ISTIO_METRIC),
  ...Object.values(LINKERD_METRIC),
  ...Object.values(SPANMETRICS_METRIC),
  ...Object.values(COLLECTOR_METRIC),
  ...Object.values(PROMETHEUS_METRIC),
  ...Object.values(ALERTMANAGER_METRIC),
];
