/**
 * @module Service level objectives for the order flow and each service, as recording rules and multiwindow,
 * multi-burn-rate alerts (Google SRE Workbook, "Alerting on SLOs", table 5-8 plus its fourth pair; the same
 * windows as Sloth's `google-30d`): page on 1h/5m at 14.4× and 6h/30m at 6×, ticket on 1d/2h at 3× and 3d/6h at 1×.
 */
import { HTTP_DURATION_BUCKETS_SECONDS, LABEL, LABEL_VALUE, METRIC } from '@mesh-stack/service-kit/contract';
import { LOCAL_PORTS, SERVICE_NAMES, type ServiceName } from '@mesh-stack/service-kit/stack';
import { bucket, count, eq, LE, type Matcher, ne, rate, re, sel, sumBy } from '../promql/build.ts';
import { TARGET_LABEL } from '../targets.ts';
import {
  ALERT_LABEL,
  ALERT_PREFIX,
  type AlertRule,
  type AlertTestCase,
  type RecordingRule,
  type RuleFile,
  type Severity,
} from './model.ts';

export type SloKind = 'availability' | 'latency';

export interface SloDefinition {
  /** Label value of `slo` on every recorded series and alert. */
  readonly id: string;
  readonly service: ServiceName;
  readonly kind: SloKind;
  /** Fraction of good events over 30 days. */
  readonly objective: number;
  /** Who is served and what "good" means, in one sentence (shown on the SLO dashboard and in docs). */
  readonly description: string;
  /** Extra matchers narrowing the requests counted (e.g. one route). */
  readonly matchers: readonly Matcher[];
  /** Latency SLOs: a request is good when it completes within this many seconds (a bucket boundary). */
  readonly thresholdSeconds?: number;
}

export const SLO_PERIOD_DAYS = 30;
/** The order flow's entry point: `POST /orders` on order-service (docs/api.md). */
export const ORDER_FLOW = { service: 'order-service', method: 'POST', route: '/orders' } as const;

const orderFlowMatchers = [eq(LABEL.httpRequestMethod, ORDER_FLOW.method), eq(LABEL.httpRoute, ORDER_FLOW.route)];
/** Requests that matched no route are client noise (404s), not service behaviour. */
const knownRoutes = ne(LABEL.httpRoute, LABEL_VALUE.unmatchedRoute);

/** order-service waits for user-service and payment-service on its main route, so it gets their budget too. */
const SERVICE_LATENCY_THRESHOLD_SECONDS: Readonly<Record<ServiceName, number>> = {
  'user-service': 0.25,
  'order-service': 0.5,
  'payment-service': 0.25,
};

export const SLOS: readonly SloDefinition[] = [
  {
    id: 'order-flow-availability',
    service: ORDER_FLOW.service,
    kind: 'availability',
    objective: 0.999,
    description: 'POST /orders answers without a 5xx (a declined payment is a correct answer, not an error).',
    matchers: orderFlowMatchers,
  },
  {
    id: 'order-flow-latency',
    service: ORDER_FLOW.service,
    kind: 'latency',
    objective: 0.99,
    description: 'POST /orders, including the user and payment calls, completes within 500 ms.',
    matchers: orderFlowMatchers,
    thresholdSeconds: 0.5,
  },
  ...SERVICE_NAMES.flatMap((service): SloDefinition[] => [
    {
      id: `${service}-availability`,
      service,
      kind: 'availability',
      objective: 0.999,
      description: `Every ${service} route answers without a 5xx.`,
      matchers: [knownRoutes],
    },
    {
      id: `${service}-latency`,
      service,
      kind: 'latency',
      objective: 0.99,
      description: `Every ${service} route completes within ${SERVICE_LATENCY_THRESHOLD_SECONDS[service] * 1000} ms.`,
      matchers: [knownRoutes],
      thresholdSeconds: SERVICE_LATENCY_THRESHOLD_SECONDS[service],
    },
  ]),
];

export interface BurnWindowPair {
  readonly long: string;
  readonly short: string;
  readonly factor: number;
  readonly severity: Severity;
}

/** SRE Workbook ch. 5 for a 30-day objective: 2%, 5%, 10% and 10% of the budget consumed. */
export const BURN_WINDOWS: readonly BurnWindowPair[] = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'critical' },
  { long: '6h', short: '30m', factor: 6, severity: 'critical' },
  { long: '1d', short: '2h', factor: 3, severity: 'warning' },
  { long: '3d', short: '6h', factor: 1, severity: 'warning' },
];
export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** `for` per severity: the short window already resets quickly, so only a brief confirmation is needed. */
const ALERT_FOR: Readonly<Record<Severity, string>> = { critical: '2m', warning: '15m', info: '0m' };

export const SLO_RECORD = {
  errorRatio: (window: string): string => `slo:sli_error:ratio_rate${window}`,
  objective: 'slo:objective:ratio',
  errorBudget: 'slo:error_budget:ratio',
  errorBudgetRemaining: 'slo:error_budget_remaining:ratio',
} as const;
export const SLO_ERROR_RATIO_PERIOD = SLO_RECORD.errorRatio(`${SLO_PERIOD_DAYS}d`);

export const SLO_ALERT: Readonly<Record<SloKind, string>> = {
  availability: `${ALERT_PREFIX}AvailabilityBudgetBurn`,
  latency: `${ALERT_PREFIX}LatencyBudgetBurn`,
};

/** `1 - objective` without floating-point noise (0.001, not 0.0010000000000000009). */
export const errorBudget = (slo: SloDefinition): number => Number((1 - slo.objective).toPrecision(12));

const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(6))}%`;

/**
 * The threshold must be a bucket boundary that is not an integer: Prometheus 3 writes `le` as a float
 * (`1.0`) where 2.x kept the exposition text (`1`), so only a fractional `le` matches in both.
 */
const latencyBucketLabel = (slo: SloDefinition): string => {
  const threshold = slo.thresholdSeconds;
  if (threshold === undefined || !(HTTP_DURATION_BUCKETS_SECONDS as readonly number[]).includes(threshold)) {
    throw new Error(`${slo.id}: the latency threshold must be one of the histogram buckets`);
  }
  if (Number.isInteger(threshold)) throw new Error(`${slo.id}: use a fractional bucket boundary (see above)`);
  return String(threshold);
};

const requestMatchers = (slo: SloDefinition): Matcher[] => [eq(TARGET_LABEL.job, slo.service), ...slo.matchers];
const byJob = [TARGET_LABEL.job];

/** The bad-event ratio over `window`: 5xx responses, or responses slower than the threshold. */
export const sliErrorRatioExpr = (slo: SloDefinition, window: string): string => {
  const requests = sumBy(
    byJob,
    rate(sel(count(METRIC.httpServerRequestDuration.name), ...requestMatchers(slo)), window),
  );
  // No traffic gives no sample rather than 0/0 = NaN, which would poison the 30-day average for 30 days.
  const withTraffic = `(${requests} > 0)`;
  if (slo.kind === 'availability') {
    const errors = sumBy(
      byJob,
      rate(
        sel(
          count(METRIC.httpServerRequestDuration.name),
          ...requestMatchers(slo),
          re(LABEL.httpResponseStatusCode, '5..'),
        ),
        window,
      ),
    );
    return `(${errors} or ${requests} * 0) / ${withTraffic}`;
  }
  const fast = sumBy(
    byJob,
    rate(
      sel(bucket(METRIC.httpServerRequestDuration.name), ...requestMatchers(slo), eq(LE, latencyBucketLabel(slo))),
      window,
    ),
  );
  return `(${requests} - ${fast}) / ${withTraffic}`;
};

const sloLabels = (slo: SloDefinition): Record<string, string> => ({ [ALERT_LABEL.slo]: slo.id });
const sloSelector = (record: string, slo: SloDefinition): string => sel(record, eq(ALERT_LABEL.slo, slo.id));
const recordedLabels = [TARGET_LABEL.job, ALERT_LABEL.slo];

const sliRecordingRules = (slo: SloDefinition): RecordingRule[] =>
  SLI_WINDOWS.map((window) => ({
    record: SLO_RECORD.errorRatio(window),
    expr: sliErrorRatioExpr(slo, window),
    labels: sloLabels(slo),
    outputLabels: recordedLabels,
  }));

const metaRecordingRules = (slo: SloDefinition): RecordingRule[] => {
  const staticLabels = { ...sloLabels(slo), [TARGET_LABEL.job]: slo.service };
  const shortest = sloSelector(SLO_RECORD.errorRatio(SLI_WINDOWS[0]), slo);
  const period = `${SLO_PERIOD_DAYS}d`;
  return [
    {
      record: SLO_RECORD.objective,
      expr: `vector(${slo.objective})`,
      labels: staticLabels,
      outputLabels: recordedLabels,
    },
    {
      record: SLO_RECORD.errorBudget,
      expr: `vector(${errorBudget(slo)})`,
      labels: staticLabels,
      outputLabels: recordedLabels,
    },
    {
      // Sloth's approach: the mean of the 5m ratios, so the 30-day value costs one sample per evaluation.
      record: SLO_ERROR_RATIO_PERIOD,
      expr: `sum_over_time(${shortest}[${period}]) / count_over_time(${shortest}[${period}])`,
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
    {
      record: SLO_RECORD.errorBudgetRemaining,
      expr: `1 - ${sloSelector(SLO_ERROR_RATIO_PERIOD, slo)} / ${errorBudget(slo)}`,
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
  ];
};

const burnCondition = (slo: SloDefinition, pair: BurnWindowPair): string => {
  const threshold = `(${pair.factor} * ${errorBudget(slo)})`;
  return `(${sloSelector(SLO_RECORD.errorRatio(pair.long), slo)} > ${threshold} and ${sloSelector(SLO_RECORD.errorRatio(pair.short), slo)} > ${threshold})`;
};

const SUMMARY: Readonly<Record<SloKind, Readonly<Record<'critical' | 'warning', string>>>> = {
  availability: {
    critical: 'A service is failing requests fast enough to exhaust its 30-day error budget within days.',
    warning: 'A service is failing requests faster than its 30-day error budget allows.',
  },
  latency: {
    critical: 'A service is answering slowly often enough to exhaust its 30-day latency budget within days.',
    warning: 'A service is answering slowly more often than its 30-day latency budget allows.',
  },
};

const badEvents: Readonly<Record<SloKind, string>> = {
  availability: 'failed with a 5xx',
  latency: 'were slower than the SLO threshold',
};

export const sloAlertRules = (slo: SloDefinition): AlertRule[] =>
  (['critical', 'warning'] as const).map((severity) => {
    const pairs = BURN_WINDOWS.filter((pair) => pair.severity === severity);
    const windows = pairs.map((pair) => `${pair.long}/${pair.short} above ${pair.factor}×`).join(' or ');
    return {
      alert: SLO_ALERT[slo.kind],
      expr: pairs.map((pair) => burnCondition(slo, pair)).join(' or '),
      for: ALERT_FOR[severity],
      severity,
      labels: sloLabels(slo),
      summary: SUMMARY[slo.kind][severity],
      description:
        `{{ $value | humanizePercentage }} of {{ $labels.job }} requests in SLO {{ $labels.slo }} ${badEvents[slo.kind]} ` +
        `over the long window, against an error budget of ${percent(errorBudget(slo))} ` +
        `(burn rate ${windows}).`,
    };
  });

/* ---------- promtool unit tests, three per SLO: page, ticket only, healthy ---------- */

const testInstance = (slo: SloDefinition): string => `127.0.0.1:${LOCAL_PORTS[slo.service].adminPort}`;

/** A real route of the service for test series: the order flow, or another route the service serves. */
const TEST_ROUTE: Readonly<Record<ServiceName, { method: string; route: string }>> = {
  'user-service': { method: 'GET', route: '/users/:id' },
  'order-service': { method: 'GET', route: '/orders/:id' },
  'payment-service': { method: 'POST', route: '/payments' },
};
const isOrderFlow = (slo: SloDefinition): boolean => slo.id.startsWith('order-flow-');
const testRoute = (slo: SloDefinition) => (isOrderFlow(slo) ? ORDER_FLOW : TEST_ROUTE[slo.service]);

const seriesLabels = (slo: SloDefinition, extra: Record<string, string>): string => {
  const { method, route } = testRoute(slo);
  const labels = {
    [TARGET_LABEL.job]: slo.service,
    [TARGET_LABEL.instance]: testInstance(slo),
    [LABEL.httpRequestMethod]: method,
    [LABEL.httpRoute]: route,
    ...extra,
  };
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(',')}}`;
};

/**
 * SLOs that the test traffic of `slo` also feeds: order-flow requests count towards order-service's own SLOs of
 * the same kind too (for latency, when both read the same bucket).
 */
const alsoBurning = (slo: SloDefinition): SloDefinition[] =>
  isOrderFlow(slo)
    ? SLOS.filter(
        (other) =>
          other.service === slo.service &&
          other.kind === slo.kind &&
          other.thresholdSeconds === slo.thresholdSeconds &&
          !isOrderFlow(other),
      )
    : [];

/**
 * Input series where `badPerMinute` of `totalPerMinute` requests are bad, for `minutes` minutes: 5xx responses
 * for availability, responses above the threshold for latency.
 */
const trafficSeries = (
  slo: SloDefinition,
  totalPerMinute: number,
  badPerMinute: number,
  minutes: number,
  idleMinutes = 0,
) => {
  const good = totalPerMinute - badPerMinute;
  // Counters rise for `minutes`, then stay flat for `idleMinutes` (no requests).
  const counter = (perMinute: number): string =>
    idleMinutes === 0 ? `0+${perMinute}x${minutes}` : `0+${perMinute}x${minutes} ${perMinute * minutes}x${idleMinutes}`;
  const histogram = METRIC.httpServerRequestDuration.name;
  if (slo.kind === 'availability') {
    return [
      {
        series: `${count(histogram)}${seriesLabels(slo, { [LABEL.httpResponseStatusCode]: '201' })}`,
        values: counter(good),
      },
      {
        series: `${count(histogram)}${seriesLabels(slo, { [LABEL.httpResponseStatusCode]: '503' })}`,
        values: counter(badPerMinute),
      },
    ];
  }
  const ok = { [LABEL.httpResponseStatusCode]: '201' };
  return [
    { series: `${count(histogram)}${seriesLabels(slo, ok)}`, values: counter(totalPerMinute) },
    {
      series: `${bucket(histogram)}${seriesLabels(slo, { ...ok, [LE]: latencyBucketLabel(slo) })}`,
      values: counter(good),
    },
  ];
};

const firingAt = (slo: SloDefinition, severities: readonly Severity[], valueText: string) => ({
  alert: SLO_ALERT[slo.kind],
  firing: [slo, ...alsoBurning(slo)].flatMap((burning) =>
    severities.map((severity) => ({
      severity,
      labels: { [TARGET_LABEL.job]: burning.service, ...sloLabels(burning) },
      valueText,
    })),
  ),
});

/*
 * Windows are short on purpose: a ratio of two rates does not depend on how much history the window holds, so
 * 25 minutes of traffic already give the 1d and 3d ratios their final value and keep promtool quick.
 */
export const sloAlertTests = (slo: SloDefinition): AlertTestCase[] => {
  const budget = errorBudget(slo);
  // Bad-event rates chosen against the budget: 500× (pages), 4× (ticket only, under 6× and 14.4×), 0.5× (fine).
  const total = 10_000;
  const badAt = (burn: number): number => Math.round(total * budget * burn);
  const ticketBad = badAt(4);
  return [
    {
      name: `${slo.id}: half the requests bad pages and opens a ticket`,
      interval: '1m',
      inputSeries: trafficSeries(slo, total, total / 2, 30),
      evalTime: '25m',
      expectations: [firingAt(slo, ['critical', 'warning'], '50%')],
    },
    {
      name: `${slo.id}: a burn rate of 4 opens a ticket but does not page`,
      interval: '1m',
      inputSeries: trafficSeries(slo, total, ticketBad, 30),
      evalTime: '25m',
      expectations: [firingAt(slo, ['warning'], percent(ticketBad / total))],
    },
    {
      name: `${slo.id}: a burn rate of 0.5 stays silent`,
      interval: '1m',
      inputSeries: trafficSeries(slo, total, badAt(0.5), 30),
      evalTime: '25m',
      expectations: [{ alert: SLO_ALERT[slo.kind], firing: [] }],
    },
  ];
};

/**
 * Why the short windows exist: once an incident is over, the page resolves within minutes (the 5m and 30m
 * windows are clean again) while the ticket stays open, because the long windows still hold the spent budget.
 * 30 minutes at 50% errors, then 35 healthy minutes.
 */
const recoveryTest = (slo: SloDefinition): AlertTestCase => {
  const histogram = count(METRIC.httpServerRequestDuration.name);
  const status = (code: string) => seriesLabels(slo, { [LABEL.httpResponseStatusCode]: code });
  // 1d ratio at 65m: 150,000 errors of 650,000 requests.
  return {
    name: `${slo.id}: after the incident ends the page resolves and the ticket stays`,
    interval: '1m',
    inputSeries: [
      { series: `${histogram}${status('201')}`, values: '0+5000x30 160000+10000x34' },
      { series: `${histogram}${status('503')}`, values: '0+5000x30 150000x34' },
    ],
    evalTime: '65m',
    expectations: [firingAt(slo, ['warning'], '23.08%')],
  };
};

/**
 * Idle periods record no ratio instead of NaN: after 30 busy and 30 idle minutes the 5m ratio is absent and the
 * 30-day ratio and the budget left are still numbers.
 */
const idleTest = (slo: SloDefinition): AlertTestCase => {
  const labels = `{${TARGET_LABEL.job}=${JSON.stringify(slo.service)},${ALERT_LABEL.slo}=${JSON.stringify(slo.id)}}`;
  const isNumber = (record: string) => `(${sloSelector(record, slo)} > -Inf) * 0 + 1`;
  return {
    name: `${slo.id}: an idle half hour records no ratio and leaves the 30-day ratio a number`,
    interval: '1m',
    inputSeries: trafficSeries(slo, 10_000, Math.round(10_000 * errorBudget(slo) * 0.5), 30, 30),
    evalTime: '60m',
    expectations: [{ alert: SLO_ALERT[slo.kind], firing: [] }],
    exprChecks: [
      {
        expr: `absent(${sloSelector(SLO_RECORD.errorRatio(SLI_WINDOWS[0]), slo)})`,
        samples: [{ labels: `{${ALERT_LABEL.slo}=${JSON.stringify(slo.id)}}`, value: 1 }],
      },
      { expr: isNumber(SLO_ERROR_RATIO_PERIOD), samples: [{ labels, value: 1 }] },
      { expr: isNumber(SLO_RECORD.errorBudgetRemaining), samples: [{ labels, value: 1 }] },
    ],
  };
};

export const sloRuleFile = (): RuleFile => ({
  name: 'slo',
  groups: [
    { name: 'slo-sli.rules', rules: SLOS.flatMap(sliRecordingRules) },
    { name: 'slo-budget.rules', rules: SLOS.flatMap(metaRecordingRules) },
    { name: 'slo-alerts.rules', rules: SLOS.flatMap(sloAlertRules) },
  ],
  tests: [
    ...SLOS.flatMap(sloAlertTests),
    ...SLOS.filter((slo) => isOrderFlow(slo) && slo.kind === 'availability').map(recoveryTest),
    ...SLOS.filter(isOrderFlow).map(idleTest),
  ],
});
