/**
 * @module Meta-monitoring: the telemetry and alerting pipeline watching itself. The Watchdog proves alerts get out
 * (route it to a dead man's switch); the others catch a pipeline that silently stopped doing its job: spans no
 * longer arriving from a service that serves traffic, rules failing to evaluate, notifications failing, the
 * collector's export queue about to overflow.
 */
import {
  ALERTMANAGER_METRIC,
  aggregateBy,
  COLLECTOR_LABEL,
  COLLECTOR_METRIC,
  count,
  eq,
  increase,
  PROMETHEUS_LABEL,
  PROMETHEUS_METRIC,
  rate,
  SERVICE_IDENTITY,
  SPANMETRICS_LABEL,
  SPANMETRICS_METRIC,
  sel,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { METRIC } from '@mesh-stack/service-kit/contract';
import { LOCAL_PORTS } from '@mesh-stack/stack';
import { SCRAPE_JOB } from '../scrape/jobs.ts';
import { ALERT_PREFIX, type AlertRule, type AlertTestCase, type InputSeries, type RuleGroup } from './model.ts';
import { SERVICE_REQUEST_RATE } from './outage.ts';
import { humanize, humanizePercentage } from './traffic.ts';

export const META_ALERT = {
  watchdog: `${ALERT_PREFIX}Watchdog`,
  spansStopped: `${ALERT_PREFIX}SpansStopped`,
  ruleEvaluationFailures: `${ALERT_PREFIX}RuleEvaluationFailures`,
  notificationsFailing: `${ALERT_PREFIX}NotificationsFailing`,
  alertsDropped: `${ALERT_PREFIX}AlertsDropped`,
  collectorQueueFilling: `${ALERT_PREFIX}CollectorQueueFilling`,
} as const;

export const META_THRESHOLD = {
  /**
   * Below this request rate a service may legitimately send no span for 10 minutes (a sampler at 1% and a request
   * a minute); above it, at the default always-on sampler, no span at all means the pipeline broke.
   */
  spansExpectedAboveRequestsPerSecond: 0.1,
  /** The OpenTelemetry Demo alerts at 80% of the exporter queue: past it, the next burst drops spans. */
  collectorQueueRatio: 0.8,
} as const;

const withInstance = [...SERVICE_IDENTITY, TARGET_LABEL.instance];
const byExporter = [...withInstance, COLLECTOR_LABEL.exporter];
/** Alertmanager's label naming the failing integration (webhook, pagerduty, slack…). */
const INTEGRATION = 'integration';

/** The spans the collector received per service (its span-metrics connector counts every span it sees). */
const spansReceivedByService = `label_replace(${sumBy(
  [SPANMETRICS_LABEL.serviceName],
  rate(SPANMETRICS_METRIC.calls.name, '10m'),
)} > 0, "${TARGET_LABEL.job}", "$1", "${SPANMETRICS_LABEL.serviceName}", "(.*)")`;

export const META_ALERTS: readonly AlertRule[] = [
  {
    alert: META_ALERT.watchdog,
    expr: 'vector(1)',
    severity: 'info',
    summary: 'The alerting pipeline is working.',
    meaning:
      "Always firing, on purpose: Alertmanager repeats it every minute to a dead man's switch, which pages when it stops arriving.",
    description:
      "Always firing. Route it to a heartbeat (dead man's switch) receiver: if it stops arriving, Prometheus or Alertmanager is broken.",
  },
  {
    alert: META_ALERT.spansStopped,
    expr: `(${SERVICE_REQUEST_RATE} > ${META_THRESHOLD.spansExpectedAboveRequestsPerSecond}) unless on (${TARGET_LABEL.job}) ${spansReceivedByService}`,
    for: '10m',
    severity: 'warning',
    summary: 'A service serving traffic sends no spans to the collector.',
    meaning:
      'Traces of a busy service stopped arriving (SDK, network or collector receiver broken): incidents can no longer be traced.',
    description:
      '{{ $labels.job }} serves {{ $value | humanize }} requests per second but the collector has received none of its spans for 10 minutes.',
  },
  {
    alert: META_ALERT.ruleEvaluationFailures,
    expr: `${sumBy([...withInstance, PROMETHEUS_LABEL.ruleGroup], increase(PROMETHEUS_METRIC.ruleEvaluationFailures.name, '5m'))} > 0`,
    for: '15m',
    severity: 'critical',
    summary: 'Prometheus is failing to evaluate rules.',
    meaning:
      'Recording or alerting rules fail to evaluate, so the alerts built on them cannot fire: page (prometheus-mixin severity).',
    description:
      '{{ $labels.instance }} failed {{ $value | humanize }} rule evaluations of group {{ $labels.rule_group }} in 5 minutes.',
  },
  {
    alert: META_ALERT.notificationsFailing,
    expr: `${sumBy([...withInstance, INTEGRATION], rate(ALERTMANAGER_METRIC.notificationsFailed.name, '5m'))} > 0`,
    for: '10m',
    severity: 'warning',
    summary: 'Alertmanager is failing to deliver notifications.',
    meaning:
      'An integration (webhook, pager, chat) rejects or times out: alerts routed to it reach nobody, which the Watchdog heartbeat also reveals.',
    description:
      'Alertmanager {{ $labels.instance }} fails {{ $value | humanize }} notifications per second to its {{ $labels.integration }} integration.',
  },
  {
    alert: META_ALERT.alertsDropped,
    expr: `${sumBy(withInstance, increase(PROMETHEUS_METRIC.notificationsDropped.name, '5m'))} > 0`,
    for: '10m',
    severity: 'warning',
    summary: 'Prometheus is dropping alerts instead of sending them to Alertmanager.',
    meaning:
      'Alerts evaluated as firing never reach Alertmanager (unreachable, rejecting, or the send queue overflowing): nobody is notified of them.',
    description:
      '{{ $labels.instance }} dropped {{ $value | humanize }} alert notifications for Alertmanager in 5 minutes.',
  },
  {
    alert: META_ALERT.collectorQueueFilling,
    expr: `${aggregateBy('max', byExporter, COLLECTOR_METRIC.exporterQueueSize.name)} / ${aggregateBy('min', byExporter, COLLECTOR_METRIC.exporterQueueCapacity.name)} > ${META_THRESHOLD.collectorQueueRatio}`,
    for: '5m',
    keepFiringFor: '5m',
    severity: 'warning',
    summary: "The OpenTelemetry Collector's export queue is almost full.",
    meaning:
      'The exporter cannot keep up with incoming spans (slow or failing backend): once the queue is full the collector drops spans.',
    description:
      'The {{ $labels.exporter }} queue of collector {{ $labels.instance }} is {{ $value | humanizePercentage }} full.',
  },
];

export const META_GROUPS: readonly RuleGroup[] = [{ name: 'meta.rules', rules: META_ALERTS }];

/** Alerts that fire by design all the time, so they can have no silent case. */
export const ALWAYS_FIRING: ReadonlySet<string> = new Set([META_ALERT.watchdog]);

/* ---------- promtool cases ---------- */

const series = (metric: string, labels: Readonly<Record<string, string>>, values: string): InputSeries => ({
  series: sel(metric, ...Object.entries(labels).map(([name, value]) => eq(name, value))),
  values,
});
const silent = (alert: string) => ({ alert, firing: [] });
const fires = (alert: string, severity: AlertRule['severity'], labels: Record<string, string>, valueText: string) => ({
  alert,
  firing: [{ severity, labels, valueText }],
});

const orderService = {
  [TARGET_LABEL.job]: 'order-service',
  [TARGET_LABEL.instance]: `127.0.0.1:${LOCAL_PORTS['order-service'].adminPort}`,
};
const orderRequests = (perMinute: number) =>
  series(
    count(METRIC.httpServerRequestDuration.name),
    { ...orderService, http_request_method: 'POST', http_route: '/orders', http_response_status_code: '201' },
    `0+${perMinute}x40`,
  );
const spanMetrics = (service: string, perMinute: number) =>
  series(
    SPANMETRICS_METRIC.calls.name,
    {
      [TARGET_LABEL.job]: SCRAPE_JOB.collectorSpanMetrics,
      [TARGET_LABEL.instance]: '127.0.0.1:8889',
      [SPANMETRICS_LABEL.serviceName]: service,
      [SPANMETRICS_LABEL.spanName]: 'POST /orders',
      [SPANMETRICS_LABEL.spanKind]: 'SPAN_KIND_SERVER',
      [SPANMETRICS_LABEL.statusCode]: 'STATUS_CODE_UNSET',
    },
    `0+${perMinute}x40`,
  );
const prometheusTarget = { [TARGET_LABEL.job]: SCRAPE_JOB.prometheus, [TARGET_LABEL.instance]: '127.0.0.1:9090' };
const alertmanagerTarget = { [TARGET_LABEL.job]: SCRAPE_JOB.alertmanager, [TARGET_LABEL.instance]: '127.0.0.1:9093' };
const collectorTarget = { [TARGET_LABEL.job]: SCRAPE_JOB.collector, [TARGET_LABEL.instance]: '127.0.0.1:8888' };
const jaegerExporter = { ...collectorTarget, [COLLECTOR_LABEL.exporter]: 'otlp_grpc/jaeger' };
const queue = (size: string) => [
  series(COLLECTOR_METRIC.exporterQueueSize.name, jaegerExporter, size),
  series(COLLECTOR_METRIC.exporterQueueCapacity.name, jaegerExporter, '1000x30'),
];

export const META_TESTS: readonly AlertTestCase[] = [
  {
    name: 'Watchdog always fires',
    interval: '1m',
    inputSeries: [],
    evalTime: '1m',
    expectations: [fires(META_ALERT.watchdog, 'info', {}, '')],
  },
  {
    name: 'order-service serving 10 requests per second with no span reaching the collector fires SpansStopped',
    interval: '1m',
    inputSeries: [orderRequests(600), spanMetrics('user-service', 60)],
    evalTime: '30m',
    expectations: [fires(META_ALERT.spansStopped, 'warning', { [TARGET_LABEL.job]: 'order-service' }, humanize(10))],
  },
  {
    name: 'order-service whose spans reach the collector keeps SpansStopped silent',
    interval: '1m',
    inputSeries: [orderRequests(600), spanMetrics('order-service', 600)],
    evalTime: '30m',
    expectations: [silent(META_ALERT.spansStopped)],
  },
  {
    name: 'an idle order-service sending no spans keeps SpansStopped silent',
    interval: '1m',
    inputSeries: [orderRequests(0)],
    evalTime: '30m',
    expectations: [silent(META_ALERT.spansStopped)],
  },
  {
    name: 'a rule group failing every minute fires RuleEvaluationFailures',
    interval: '1m',
    inputSeries: [
      series(
        PROMETHEUS_METRIC.ruleEvaluationFailures.name,
        { ...prometheusTarget, [PROMETHEUS_LABEL.ruleGroup]: 'rules/slo.yaml;slo-sli.rules' },
        '0+1x30',
      ),
    ],
    evalTime: '25m',
    expectations: [
      fires(
        META_ALERT.ruleEvaluationFailures,
        'critical',
        { ...prometheusTarget, [PROMETHEUS_LABEL.ruleGroup]: 'rules/slo.yaml;slo-sli.rules' },
        humanize(5),
      ),
    ],
  },
  {
    name: 'rules evaluating without failures keep RuleEvaluationFailures silent',
    interval: '1m',
    inputSeries: [
      series(
        PROMETHEUS_METRIC.ruleEvaluationFailures.name,
        { ...prometheusTarget, [PROMETHEUS_LABEL.ruleGroup]: 'rules/slo.yaml;slo-sli.rules' },
        '0x30',
      ),
    ],
    evalTime: '25m',
    expectations: [silent(META_ALERT.ruleEvaluationFailures)],
  },
  {
    name: 'a webhook failing 6 notifications a minute fires NotificationsFailing',
    interval: '1m',
    inputSeries: [
      series(
        ALERTMANAGER_METRIC.notificationsFailed.name,
        { ...alertmanagerTarget, [INTEGRATION]: 'webhook' },
        '0+6x30',
      ),
    ],
    evalTime: '20m',
    expectations: [
      fires(
        META_ALERT.notificationsFailing,
        'warning',
        { ...alertmanagerTarget, [INTEGRATION]: 'webhook' },
        humanize(0.1),
      ),
    ],
  },
  {
    name: 'notifications that all succeed keep NotificationsFailing silent',
    interval: '1m',
    inputSeries: [
      series(ALERTMANAGER_METRIC.notificationsFailed.name, { ...alertmanagerTarget, [INTEGRATION]: 'webhook' }, '0x30'),
    ],
    evalTime: '20m',
    expectations: [silent(META_ALERT.notificationsFailing)],
  },
  {
    name: 'Prometheus dropping 2 alert notifications a minute fires AlertsDropped',
    interval: '1m',
    inputSeries: [series(PROMETHEUS_METRIC.notificationsDropped.name, prometheusTarget, '0+2x30')],
    evalTime: '20m',
    expectations: [fires(META_ALERT.alertsDropped, 'warning', prometheusTarget, humanize(10))],
  },
  {
    name: 'Prometheus delivering every alert keeps AlertsDropped silent',
    interval: '1m',
    inputSeries: [series(PROMETHEUS_METRIC.notificationsDropped.name, prometheusTarget, '0x30')],
    evalTime: '20m',
    expectations: [silent(META_ALERT.alertsDropped)],
  },
  {
    name: 'an exporter queue 90% full for 10 minutes fires CollectorQueueFilling',
    interval: '1m',
    inputSeries: queue('100x10 900x20'),
    evalTime: '20m',
    expectations: [fires(META_ALERT.collectorQueueFilling, 'warning', jaegerExporter, humanizePercentage(0.9))],
  },
  {
    name: 'a queue dipping under 80% for 2 minutes keeps CollectorQueueFilling firing',
    interval: '1m',
    inputSeries: queue('900x10 500x1 900x10'),
    evalTime: '12m',
    expectations: [fires(META_ALERT.collectorQueueFilling, 'warning', jaegerExporter, humanizePercentage(0.9))],
  },
  {
    name: 'an exporter queue 50% full keeps CollectorQueueFilling silent',
    interval: '1m',
    inputSeries: queue('500x30'),
    evalTime: '20m',
    expectations: [silent(META_ALERT.collectorQueueFilling)],
  },
];
