/**
 * @module Symptom alerts: conditions an operator should look at even while the SLOs hold (a target down, a
 * payment decline spike, retry storms, event-loop lag, lost spans, mesh circuit breakers). Each alert comes with a
 * firing and a silent promtool case; every ratio alert also has a minimum-traffic guard (and a case showing too
 * little traffic stays silent), and the ones that hover around their threshold keep firing through a short dip.
 */
import {
  COLLECTOR_LABEL,
  COLLECTOR_METRIC,
  count,
  eq,
  ISTIO_LABEL,
  ISTIO_METRIC,
  ISTIO_VALUE,
  increase,
  ne,
  PROMETHEUS_METRIC,
  rate,
  re,
  SERVICE_IDENTITY,
  sel,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { LABEL, METRIC, RUNTIME_METRIC } from '@mesh-stack/service-kit/contract';
import { LOCAL_PORTS } from '@mesh-stack/stack';
import { SCRAPE_JOB } from '../scrape/jobs.ts';
import { ALWAYS_FIRING, META_ALERT } from './meta.ts';
import { ALERT_PREFIX, type AlertRule, type AlertTestCase, type InputSeries, type RuleGroup } from './model.ts';
import { humanizePercentage } from './traffic.ts';

export { ALWAYS_FIRING };

export const SYMPTOM_ALERT = {
  /** Defined with the meta-monitoring alerts (meta.ts); kept here for the importers of this module. */
  watchdog: META_ALERT.watchdog,
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

/**
 * Minimum traffic behind each ratio alert, in events over the alert's window: below it one event swings the
 * ratio by more than the threshold (PaymentDeclineSpike once fired on two payments, both declined).
 */
export const MIN_EVENTS = {
  /** Payments in 10 minutes: at 20, one decline moves the ratio by 5 points, well under the 30% threshold. */
  payments: 20,
  /** Client attempts to one dependency in 5 minutes. */
  clientAttempts: 20,
  /** Requests on one mesh edge in 5 minutes: at 100, one rejected request is exactly the 1% threshold. */
  meshRequests: 100,
} as const;

/** Ratios that hover around their threshold keep firing this long through a dip, so one incident is one ticket. */
const KEEP_FIRING_FOR = '10m';

/**
 * Envoy joins several response flags with commas (`UH,URX`), so a flag matches anywhere in the list, not only as
 * the whole value.
 */
export const responseFlagPattern = (flags: readonly string[]): string => `(.*,)?(${flags.join('|')})(,.*)?`;

const byJob = SERVICE_IDENTITY;
const byJobInstance = [...SERVICE_IDENTITY, TARGET_LABEL.instance];
const istioEdge = [
  TARGET_LABEL.cluster,
  ISTIO_LABEL.sourceWorkloadNamespace,
  ISTIO_LABEL.sourceWorkload,
  ISTIO_LABEL.destinationWorkload,
  ISTIO_LABEL.destinationWorkloadNamespace,
];

export const SYMPTOM_ALERTS: readonly AlertRule[] = [
  {
    alert: SYMPTOM_ALERT.targetDown,
    expr: `100 * (count by (${byJob.join(', ')}) (${PROMETHEUS_METRIC.up.name} == 0) / count by (${byJob.join(', ')}) (${PROMETHEUS_METRIC.up.name})) > 10`,
    for: '5m',
    severity: 'warning',
    summary: 'One or more targets are unreachable.',
    meaning:
      'Part of a job does not answer scrapes: reduced capacity or a blind spot; MeshStackServiceDown pages when all of a service is gone.',
    description: '{{ $value | humanize }}% of the {{ $labels.job }} targets are down.',
  },
  {
    alert: SYMPTOM_ALERT.paymentDeclineSpike,
    expr: `${sumBy(byJob, rate(sel(METRIC.paymentsTotal.name, eq(LABEL.outcome, 'declined')), '10m'))} / ${sumBy(byJob, rate(METRIC.paymentsTotal.name, '10m'))} > ${THRESHOLD.paymentDeclineRatio} and ${sumBy(byJob, increase(METRIC.paymentsTotal.name, '10m'))} >= ${MIN_EVENTS.payments}`,
    for: '5m',
    keepFiringFor: KEEP_FIRING_FOR,
    severity: 'warning',
    summary: 'An unusual share of payments is being declined.',
    meaning:
      'Customers are being refused at checkout far more than usual (provider issue, fraud rule, bad request data): lost revenue.',
    description:
      '{{ $value | humanizePercentage }} of the payments processed by {{ $labels.job }} over 10 minutes were declined.',
  },
  {
    alert: SYMPTOM_ALERT.retryStorm,
    expr: `${sumBy([...byJob, LABEL.peerService], rate(METRIC.httpClientRetries.name, '5m'))} / ${sumBy([...byJob, LABEL.peerService], rate(count(METRIC.httpClientRequestDuration.name), '5m'))} > ${THRESHOLD.retryRatio} and ${sumBy([...byJob, LABEL.peerService], increase(count(METRIC.httpClientRequestDuration.name), '5m'))} >= ${MIN_EVENTS.clientAttempts}`,
    for: '5m',
    keepFiringFor: KEEP_FIRING_FOR,
    severity: 'warning',
    meaning:
      'A dependency is failing or slow enough that a fifth of the calls to it are retries, which multiplies its load as it struggles.',
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
    meaning: 'A process spends its time on CPU-bound work or GC pauses, delaying every request it serves.',
    description:
      'The p99 event-loop lag of {{ $labels.job }} on {{ $labels.instance }} is {{ $value | humanizeDuration }}.',
  },
  {
    alert: SYMPTOM_ALERT.spansDropped,
    expr: `(${sumBy(byJob, rate(sel(METRIC.spansProcessed.name, ne(LABEL.errorType, '')), '5m'))} > 0) or (${sumBy(byJob, rate(sel(METRIC.spansExported.name, ne(LABEL.errorType, '')), '5m'))} > 0)`,
    for: '10m',
    severity: 'warning',
    summary: 'A service is losing spans before they reach the collector.',
    meaning: 'Traces of a service are incomplete because its SDK drops spans (full queue or failing exports).',
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
    meaning: 'Spans are lost inside the collector (memory limiter, full queue, failing exporter): traces have holes.',
    description:
      'The collector {{ $labels.instance }} refuses or drops {{ $value | humanize }} spans per second (memory limiter, full queue or failing exporter).',
  },
  {
    alert: SYMPTOM_ALERT.meshCircuitBreakerTripped,
    expr: `${sumBy(istioEdge, rate(sel(ISTIO_METRIC.requests.name, eq(ISTIO_LABEL.reporter, ISTIO_VALUE.reporterSource), re(ISTIO_LABEL.responseFlags, responseFlagPattern(ISTIO_VALUE.circuitBreakerFlags))), '5m'))} / ${sumBy(istioEdge, rate(sel(ISTIO_METRIC.requests.name, eq(ISTIO_LABEL.reporter, ISTIO_VALUE.reporterSource)), '5m'))} > ${THRESHOLD.circuitBreakerRatio} and ${sumBy(istioEdge, increase(sel(ISTIO_METRIC.requests.name, eq(ISTIO_LABEL.reporter, ISTIO_VALUE.reporterSource)), '5m'))} >= ${MIN_EVENTS.meshRequests}`,
    for: '5m',
    keepFiringFor: KEEP_FIRING_FOR,
    severity: 'warning',
    summary: 'Envoy circuit breakers or outlier detection are rejecting mesh requests.',
    meaning:
      'The client-side proxy rejects calls on a mesh edge because the breaker is open or every upstream host is ejected.',
    description:
      '{{ $value | humanizePercentage }} of requests from {{ $labels.source_workload }} to {{ $labels.destination_workload }} ({{ $labels.destination_workload_namespace }}) carry response flag UO (overflow) or UH (no healthy upstream), alone or with other flags.',
  },
];

/* ---------- promtool unit tests: at least one firing and one silent case per alert ---------- */

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
  [ISTIO_LABEL.sourceWorkloadNamespace]: 'mesh-stack',
  [ISTIO_LABEL.sourceWorkload]: 'order-service',
  [ISTIO_LABEL.destinationWorkload]: 'payment-service',
  [ISTIO_LABEL.destinationWorkloadNamespace]: 'mesh-stack',
  [ISTIO_LABEL.responseFlags]: flags,
  [ISTIO_LABEL.responseCode]: code,
});
const meshEdgeLabels = {
  [ISTIO_LABEL.sourceWorkloadNamespace]: 'mesh-stack',
  [ISTIO_LABEL.sourceWorkload]: 'order-service',
  [ISTIO_LABEL.destinationWorkload]: 'payment-service',
  [ISTIO_LABEL.destinationWorkloadNamespace]: 'mesh-stack',
};
const spanProcessed = (job: keyof typeof LOCAL_PORTS, dropsPerMinute: number): InputSeries[] => [
  series(METRIC.spansProcessed.name, target(job), '0+600x30'),
  series(METRIC.spansProcessed.name, { ...target(job), [LABEL.errorType]: 'queue_full' }, `0+${dropsPerMinute}x30`),
];
const payments = (declined: string, succeeded: string): InputSeries[] => [
  series(METRIC.paymentsTotal.name, { ...target('payment-service'), [LABEL.outcome]: 'declined' }, declined),
  series(METRIC.paymentsTotal.name, { ...target('payment-service'), [LABEL.outcome]: 'succeeded' }, succeeded),
];
const collectorReceiver = {
  ...collectorTarget,
  [COLLECTOR_LABEL.receiver]: 'otlp',
  [COLLECTOR_LABEL.transport]: 'http',
};
const collectorExporter = { ...collectorTarget, [COLLECTOR_LABEL.exporter]: 'otlp_grpc/jaeger' };

export const SYMPTOM_TESTS: readonly AlertTestCase[] = [
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
  {
    name: 'two payments in ten minutes, both declined, are too little traffic for PaymentDeclineSpike',
    interval: '1m',
    inputSeries: payments('0x10 1 2x19', '0x30'),
    evalTime: '20m',
    expectations: [silent(SYMPTOM_ALERT.paymentDeclineSpike)],
  },
  {
    name: 'a decline ratio dipping under the threshold for 3 minutes keeps PaymentDeclineSpike firing',
    interval: '1m',
    // Half the payments declined for 20 minutes, then a burst of successful ones drops the 10-minute ratio under
    // 30% from minute 21: three evaluations below the threshold do not resolve the ticket.
    inputSeries: payments('0+5x20 100x13', '0+5x20 200+100x13'),
    evalTime: '23m',
    expectations: [
      fires(
        SYMPTOM_ALERT.paymentDeclineSpike,
        'warning',
        { [TARGET_LABEL.job]: 'payment-service' },
        humanizePercentage(0.5),
      ),
    ],
  },
  {
    name: 'three retries in five attempts are too little traffic for RetryStorm',
    interval: '1m',
    inputSeries: [
      series(
        METRIC.httpClientRetries.name,
        { ...target('order-service'), ...paymentEdge, [LABEL.retryReason]: '503' },
        '0x15 3x15',
      ),
      series(
        count(METRIC.httpClientRequestDuration.name),
        {
          ...target('order-service'),
          ...paymentEdge,
          [LABEL.httpRequestMethod]: 'POST',
          [LABEL.httpResponseStatusCode]: '503',
        },
        '0x15 5x15',
      ),
    ],
    evalTime: '20m',
    expectations: [silent(SYMPTOM_ALERT.retryStorm)],
  },
  {
    name: 'a multi-flag value (UH,URX) counts as no healthy upstream for MeshCircuitBreakerTripped',
    interval: '1m',
    inputSeries: [
      series(ISTIO_METRIC.requests.name, meshEdge('UH,URX', '503'), '0+6x30'),
      series(ISTIO_METRIC.requests.name, meshEdge(ISTIO_VALUE.noResponseFlags, '201'), '0+54x30'),
    ],
    evalTime: '20m',
    expectations: [fires(SYMPTOM_ALERT.meshCircuitBreakerTripped, 'warning', meshEdgeLabels, humanizePercentage(0.1))],
  },
  {
    name: 'one rejected request out of ten in five minutes is too little traffic for MeshCircuitBreakerTripped',
    interval: '1m',
    inputSeries: [
      series(ISTIO_METRIC.requests.name, meshEdge('UO', '503'), '0x15 1x15'),
      series(ISTIO_METRIC.requests.name, meshEdge(ISTIO_VALUE.noResponseFlags, '201'), '0x15 9x15'),
    ],
    evalTime: '20m',
    expectations: [silent(SYMPTOM_ALERT.meshCircuitBreakerTripped)],
  },
];

export const SYMPTOM_GROUPS: readonly RuleGroup[] = [{ name: 'symptoms.rules', rules: SYMPTOM_ALERTS }];
