/**
 * @module Symptom alerts: conditions an operator should look at even while the SLOs hold (a target down, a
 * payment decline spike, retry storms, event-loop lag, lost spans, mesh circuit breakers), plus the Watchdog
 * that proves the alerting pipeline works. Each alert comes with a firing and a silent promtool case.
 */
import { LABEL, METRIC, RUNTIME_METRIC } from '@mesh-stack/service-kit/contract';
import { LOCAL_PORTS } from '@mesh-stack/service-kit/stack';
import {
  COLLECTOR_LABEL,
  COLLECTOR_METRIC,
  ISTIO_LABEL,
  ISTIO_METRIC,
  ISTIO_VALUE,
  PROMETHEUS_METRIC,
} from '../external-metrics.ts';
import { count, eq, ne, oneOf, rate, re, sel, sumBy } from '../promql/build.ts';
import { SCRAPE_JOB } from '../scrape/jobs.ts';
import { TARGET_LABEL } from '../targets.ts';
import { ALERT_PREFIX, type AlertRule, type AlertTestCase, type InputSeries, type RuleFile } from './model.ts';

export const SYMPTOM_ALERT = {
  watchdog: `${ALERT_PREFIX}Watchdog`,
  targetDown: `${ALERT_PREFIX}TargetDown`,
  paymentDeclineSpike: `${ALERT_PREFIX}PaymentDeclineSpike`,
  retryStorm: `${ALERT_PREFIX}RetryStorm`,
  eventLoopLag: `${ALERT_PREFIX}EventLoopLag`,
  spansDropped: `${ALERT_PREFIX}SpansDropped`,
  collectorDroppingSpans: `${ALERT_PREFIX}CollectorDroppingSpans`,
  meshCircuitBreakerTripped: `${ALERT_PREFIX}MeshCircuitBreakerTripped`,
} as const;

/** Thresholds, each with the reason it is where it is. */
export const THRESHOLD = {
  /** Declines are normal business; a third of all payments declined is not. */
  paymentDeclineRatio: 0.3,
  /** One retry in five attempts: the dependency is struggling and retries multiply its load. */
  retryRatio: 0.2,
  /** p99 event-loop lag above 100 ms delays every request on the process by that much. */
  eventLoopLagSeconds: 0.1,
  /** More than 1% of a mesh edge's requests rejected by the client proxy's breaker or finding no healthy host. */
  circuitBreakerRatio: 0.01,
} as const;

const byJob = [TARGET_LABEL.job];
const byJobInstance = [TARGET_LABEL.job, TARGET_LABEL.instance];
const istioEdge = [
  ISTIO_LABEL.sourceWorkload,
  ISTIO_LABEL.destinationWorkload,
  ISTIO_LABEL.destinationWorkloadNamespace,
];

export const SYMPTOM_ALERTS: readonly AlertRule[] = [
  {
    alert: SYMPTOM_ALERT.watchdog,
    expr: 'vector(1)',
    severity: 'info',
    summary: 'The alerting pipeline is working.',
    description:
      "Always firing. Route it to a heartbeat (dead man's switch) receiver: if it stops arriving, Prometheus or Alertmanager is broken.",
  },
  {
    alert: SYMPTOM_ALERT.targetDown,
    expr: `100 * (count by (${byJob.join(', ')}) (${PROMETHEUS_METRIC.up.name} == 0) / count by (${byJob.join(', ')}) (${PROMETHEUS_METRIC.up.name})) > 10`,
    for: '5m',
    severity: 'warning',
    summary: 'One or more targets are unreachable.',
    description: '{{ $value | humanize }}% of the {{ $labels.job }} targets are down.',
  },
  {
    alert: SYMPTOM_ALERT.paymentDeclineSpike,
    expr: `${sumBy(byJob, rate(sel(METRIC.paymentsTotal.name, eq(LABEL.outcome, 'declined')), '10m'))} / ${sumBy(byJob, rate(METRIC.paymentsTotal.name, '10m'))} > ${THRESHOLD.paymentDeclineRatio}`,
    for: '5m',
    severity: 'warning',
    summary: 'An unusual share of payments is being declined.',
    description:
      '{{ $value | humanizePercentage }} of the payments processed by {{ $labels.job }} over 10 minutes were declined.',
  },
  {
    alert: SYMPTOM_ALERT.retryStorm,
    expr: `${sumBy([...byJob, LABEL.peerService], rate(METRIC.httpClientRetries.name, '5m'))} / ${sumBy([...byJob, LABEL.peerService], rate(count(METRIC.httpClientRequestDuration.name), '5m'))} > ${THRESHOLD.retryRatio}`,
    for: '5m',
    severity: 'warning',
    summary: 'A service is retrying calls to a dependency at a high rate.',
    description:
      '{{ $value | humanizePercentage }} of the attempts from {{ $labels.job }} to {{ $labels.peer_service }} are retries.',
  },
  {
    alert: SYMPTOM_ALERT.eventLoopLag,
    expr: `max by (${byJobInstance.join(', ')}) (${RUNTIME_METRIC.eventLoopLagP99}) > ${THRESHOLD.eventLoopLagSeconds}`,
    for: '10m',
    severity: 'warning',
    summary: 'A Node.js event loop is lagging.',
    description:
      'The p99 event-loop lag of {{ $labels.job }} on {{ $labels.instance }} is {{ $value | humanizeDuration }}.',
  },
  {
    alert: SYMPTOM_ALERT.spansDropped,
    expr: `(${sumBy(byJob, rate(sel(METRIC.spansProcessed.name, ne(LABEL.errorType, '')), '5m'))} > 0) or (${sumBy(byJob, rate(sel(METRIC.spansExported.name, ne(LABEL.errorType, '')), '5m'))} > 0)`,
    for: '10m',
    severity: 'warning',
    summary: 'A service is losing spans before they reach the collector.',
    description:
      '{{ $labels.job }} is losing {{ $value | humanize }} spans per second: its batch queue is full or exports to the collector fail.',
  },
  {
    alert: SYMPTOM_ALERT.collectorDroppingSpans,
    expr: [
      COLLECTOR_METRIC.receiverRefusedSpans,
      COLLECTOR_METRIC.exporterSendFailedSpans,
      COLLECTOR_METRIC.exporterEnqueueFailedSpans,
    ]
      .map((metric) => `(${sumBy(byJobInstance, rate(metric.name, '5m'))} > 0)`)
      .join(' or '),
    for: '10m',
    severity: 'warning',
    summary: 'The OpenTelemetry Collector is refusing or dropping spans.',
    description:
      'The collector {{ $labels.instance }} refuses or drops {{ $value | humanize }} spans per second (memory limiter, full queue or failing exporter).',
  },
  {
    alert: SYMPTOM_ALERT.meshCircuitBreakerTripped,
    expr: `${sumBy(istioEdge, rate(sel(ISTIO_METRIC.requests.name, eq(ISTIO_LABEL.reporter, ISTIO_VALUE.reporterSource), re(ISTIO_LABEL.responseFlags, oneOf(ISTIO_VALUE.circuitBreakerFlags))), '5m'))} / ${sumBy(istioEdge, rate(sel(ISTIO_METRIC.requests.name, eq(ISTIO_LABEL.reporter, ISTIO_VALUE.reporterSource)), '5m'))} > ${THRESHOLD.circuitBreakerRatio}`,
    for: '5m',
    severity: 'warning',
    summary: 'Envoy circuit breakers or outlier detection are rejecting mesh requests.',
    description:
      '{{ $value | humanizePercentage }} of requests from {{ $labels.source_workload }} to {{ $labels.destination_workload }} ({{ $labels.destination_workload_namespace }}) end with response flag UO (overflow) or UH (no healthy upstream).',
  },
];

/* ---------- promtool unit tests: at least one firing and one silent case per alert ---------- */

/** Alerts that fire by design all the time, so they can have no silent case. */
export const ALWAYS_FIRING: ReadonlySet<string> = new Set([SYMPTOM_ALERT.watchdog]);

const series = (metric: string, labels: Readonly<Record<string, string>>, values: string): InputSeries => ({
  series: sel(metric, ...Object.entries(labels).map(([name, value]) => eq(name, value))),
  values,
});

const target = (job: keyof typeof LOCAL_PORTS) => ({
  [TARGET_LABEL.job]: job,
  [TARGET_LABEL.instance]: `127.0.0.1:${LOCAL_PORTS[job].adminPort}`,
});
const collectorTarget = {
  [TARGET_LABEL.job]: SCRAPE_JOB.collector,
  [TARGET_LABEL.instance]: '127.0.0.1:8888',
};

const silent = (alert: string) => ({ alert, firing: [] });
const fires = (alert: string, severity: AlertRule['severity'], labels: Record<string, string>, valueText: string) => ({
  alert,
  firing: [{ severity, labels, valueText }],
});

const paymentEdge = {
  [LABEL.peerService]: 'payment-service',
  [LABEL.httpRoute]: '/payments',
};
const meshEdge = (flags: string, code: string) => ({
  [ISTIO_LABEL.reporter]: ISTIO_VALUE.reporterSource,
  [ISTIO_LABEL.sourceWorkload]: 'order-service',
  [ISTIO_LABEL.destinationWorkload]: 'payment-service',
  [ISTIO_LABEL.destinationWorkloadNamespace]: 'mesh-stack',
  [ISTIO_LABEL.responseFlags]: flags,
  [ISTIO_LABEL.responseCode]: code,
});
const meshEdgeLabels = {
  [ISTIO_LABEL.sourceWorkload]: 'order-service',
  [ISTIO_LABEL.destinationWorkload]: 'payment-service',
  [ISTIO_LABEL.destinationWorkloadNamespace]: 'mesh-stack',
};
const spanProcessed = (job: keyof typeof LOCAL_PORTS, dropsPerMinute: number): InputSeries[] => [
  series(METRIC.spansProcessed.name, target(job), '0+600x30'),
  series(METRIC.spansProcessed.name, { ...target(job), [LABEL.errorType]: 'queue_full' }, `0+${dropsPerMinute}x30`),
];
const collectorReceiver = {
  ...collectorTarget,
  [COLLECTOR_LABEL.receiver]: 'otlp',
  [COLLECTOR_LABEL.transport]: 'http',
};
const collectorExporter = { ...collectorTarget, [COLLECTOR_LABEL.exporter]: 'otlp_grpc/jaeger' };

export const SYMPTOM_TESTS: readonly AlertTestCase[] = [
  {
    name: 'Watchdog always fires',
    interval: '1m',
    inputSeries: [],
    evalTime: '1m',
    expectations: [fires(SYMPTOM_ALERT.watchdog, 'info', {}, '')],
  },
  {
    name: 'a service target down for 10 minutes fires TargetDown',
    interval: '1m',
    inputSeries: [series(PROMETHEUS_METRIC.up.name, target('payment-service'), '0x10')],
    evalTime: '10m',
    expectations: [fires(SYMPTOM_ALERT.targetDown, 'warning', { [TARGET_LABEL.job]: 'payment-service' }, '100')],
  },
  {
    name: 'targets that are up keep TargetDown silent',
    interval: '1m',
    inputSeries: [series(PROMETHEUS_METRIC.up.name, target('payment-service'), '1x10')],
    evalTime: '10m',
    expectations: [silent(SYMPTOM_ALERT.targetDown)],
  },
  {
    name: 'half the payments declined fires PaymentDeclineSpike',
    interval: '1m',
    inputSeries: [
      series(METRIC.paymentsTotal.name, { ...target('payment-service'), [LABEL.outcome]: 'declined' }, '0+5x30'),
      series(METRIC.paymentsTotal.name, { ...target('payment-service'), [LABEL.outcome]: 'succeeded' }, '0+5x30'),
    ],
    evalTime: '20m',
    expectations: [
      fires(SYMPTOM_ALERT.paymentDeclineSpike, 'warning', { [TARGET_LABEL.job]: 'payment-service' }, '50%'),
    ],
  },
  {
    name: 'one payment in ten declined keeps PaymentDeclineSpike silent',
    interval: '1m',
    inputSeries: [
      series(METRIC.paymentsTotal.name, { ...target('payment-service'), [LABEL.outcome]: 'declined' }, '0+1x30'),
      series(METRIC.paymentsTotal.name, { ...target('payment-service'), [LABEL.outcome]: 'succeeded' }, '0+9x30'),
    ],
    evalTime: '20m',
    expectations: [silent(SYMPTOM_ALERT.paymentDeclineSpike)],
  },
  {
    name: 'three retries per ten attempts fires RetryStorm',
    interval: '1m',
    inputSeries: [
      series(
        METRIC.httpClientRetries.name,
        { ...target('order-service'), ...paymentEdge, [LABEL.retryReason]: '503' },
        '0+3x30',
      ),
      series(
        count(METRIC.httpClientRequestDuration.name),
        {
          ...target('order-service'),
          ...paymentEdge,
          [LABEL.httpRequestMethod]: 'POST',
          [LABEL.httpResponseStatusCode]: '201',
        },
        '0+10x30',
      ),
    ],
    evalTime: '20m',
    expectations: [
      fires(
        SYMPTOM_ALERT.retryStorm,
        'warning',
        { [TARGET_LABEL.job]: 'order-service', [LABEL.peerService]: 'payment-service' },
        '30%',
      ),
    ],
  },
  {
    name: 'one retry per twenty attempts keeps RetryStorm silent',
    interval: '1m',
    inputSeries: [
      series(
        METRIC.httpClientRetries.name,
        { ...target('order-service'), ...paymentEdge, [LABEL.retryReason]: '503' },
        '0+1x30',
      ),
      series(
        count(METRIC.httpClientRequestDuration.name),
        {
          ...target('order-service'),
          ...paymentEdge,
          [LABEL.httpRequestMethod]: 'POST',
          [LABEL.httpResponseStatusCode]: '201',
        },
        '0+20x30',
      ),
    ],
    evalTime: '20m',
    expectations: [silent(SYMPTOM_ALERT.retryStorm)],
  },
  {
    name: '250 ms of p99 event-loop lag for 15 minutes fires EventLoopLag',
    interval: '1m',
    inputSeries: [series(RUNTIME_METRIC.eventLoopLagP99, target('order-service'), '0.25x20')],
    evalTime: '15m',
    expectations: [fires(SYMPTOM_ALERT.eventLoopLag, 'warning', target('order-service'), '250ms')],
  },
  {
    name: '20 ms of p99 event-loop lag keeps EventLoopLag silent',
    interval: '1m',
    inputSeries: [series(RUNTIME_METRIC.eventLoopLagP99, target('order-service'), '0.02x20')],
    evalTime: '15m',
    expectations: [silent(SYMPTOM_ALERT.eventLoopLag)],
  },
  {
    name: 'a full span queue dropping a span per second fires SpansDropped',
    interval: '1m',
    inputSeries: spanProcessed('order-service', 60),
    evalTime: '20m',
    expectations: [fires(SYMPTOM_ALERT.spansDropped, 'warning', { [TARGET_LABEL.job]: 'order-service' }, '1')],
  },
  {
    name: 'a drop counter that stays at zero keeps SpansDropped silent',
    interval: '1m',
    inputSeries: spanProcessed('order-service', 0),
    evalTime: '20m',
    expectations: [silent(SYMPTOM_ALERT.spansDropped)],
  },
  {
    name: 'a collector refusing two spans per second fires CollectorDroppingSpans',
    interval: '1m',
    inputSeries: [
      series(COLLECTOR_METRIC.receiverAcceptedSpans.name, collectorReceiver, '0+600x30'),
      series(COLLECTOR_METRIC.receiverRefusedSpans.name, collectorReceiver, '0+120x30'),
      series(COLLECTOR_METRIC.exporterSendFailedSpans.name, collectorExporter, '0x30'),
    ],
    evalTime: '20m',
    expectations: [fires(SYMPTOM_ALERT.collectorDroppingSpans, 'warning', collectorTarget, '2')],
  },
  {
    name: 'a collector with zero refused and failed spans keeps CollectorDroppingSpans silent',
    interval: '1m',
    inputSeries: [
      series(COLLECTOR_METRIC.receiverAcceptedSpans.name, collectorReceiver, '0+600x30'),
      series(COLLECTOR_METRIC.receiverRefusedSpans.name, collectorReceiver, '0x30'),
      series(COLLECTOR_METRIC.exporterSendFailedSpans.name, collectorExporter, '0x30'),
      series(COLLECTOR_METRIC.exporterEnqueueFailedSpans.name, collectorExporter, '0x30'),
    ],
    evalTime: '20m',
    expectations: [silent(SYMPTOM_ALERT.collectorDroppingSpans)],
  },
  {
    name: 'one request in ten overflowing the breaker fires MeshCircuitBreakerTripped',
    interval: '1m',
    inputSeries: [
      series(ISTIO_METRIC.requests.name, meshEdge('UO', '503'), '0+6x30'),
      series(ISTIO_METRIC.requests.name, meshEdge(ISTIO_VALUE.noResponseFlags, '201'), '0+54x30'),
    ],
    evalTime: '20m',
    expectations: [fires(SYMPTOM_ALERT.meshCircuitBreakerTripped, 'warning', meshEdgeLabels, '10%')],
  },
  {
    name: 'no flagged responses keep MeshCircuitBreakerTripped silent',
    interval: '1m',
    inputSeries: [
      series(ISTIO_METRIC.requests.name, meshEdge('UO', '503'), '0x30'),
      series(ISTIO_METRIC.requests.name, meshEdge(ISTIO_VALUE.noResponseFlags, '201'), '0+60x30'),
    ],
    evalTime: '20m',
    expectations: [silent(SYMPTOM_ALERT.meshCircuitBreakerTripped)],
  },
];

export const symptomRuleFile = (): RuleFile => ({
  name: 'symptoms',
  groups: [
    { name: 'meta.rules', rules: SYMPTOM_ALERTS.filter((rule) => rule.alert === SYMPTOM_ALERT.watchdog) },
    { name: 'symptoms.rules', rules: SYMPTOM_ALERTS.filter((rule) => rule.alert !== SYMPTOM_ALERT.watchdog) },
  ],
  tests: SYMPTOM_TESTS,
});
