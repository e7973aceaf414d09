/**
 * @module Service level objectives for the order flow and each service, as recording rules and multiwindow,
 * multi-burn-rate alerts (Google SRE Workbook, "Alerting on SLOs", table 5-8 plus its fourth pair; the same
 * windows as Sloth's `google-30d`): page on 1h/5m at 14.4× and 6h/30m at 6×, ticket on 1d/2h at 3× and 3d/6h at 1×.
 *
 * Every ratio is a ratio of counts: per window, the rule records how many requests there were and how many were
 * bad, and divides those. The 30-day budget divides the 30-day increases, so a busy clean hour and a quiet failing
 * hour weigh by their traffic, not by their duration (an average of 5-minute ratios would weigh them equally).
 * The promtool cases are in slo-tests.ts.
 */
import {
  bucket,
  count,
  eq,
  increase,
  LE,
  type Matcher,
  ne,
  rate,
  re,
  SERVICE_IDENTITY,
  sel,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { HTTP_DURATION_BUCKETS_SECONDS, LABEL, LABEL_VALUE, METRIC } from '@mesh-stack/service-kit/contract';
import { SERVICE_NAMES, type ServiceName } from '@mesh-stack/stack';
import { ALERT_LABEL, ALERT_PREFIX, type AlertRule, type RecordingRule, type Severity } from './model.ts';

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

/**
 * Minimum-traffic guard: a burn alert also needs this many bad events in its long window. Below it the ratio is
 * noise (one timeout among three requests reads as 33%); a service that fails everything it is asked is still
 * caught by MeshStackServiceDown / MeshStackSLIMissing when it stops answering, and by this alert once it has
 * failed a handful of requests.
 */
export const SLO_MIN_BAD_EVENTS = 5;

export const SLO_RECORD = {
  requestRate: (window: string): string => `slo:sli_requests:rate${window}`,
  errorRate: (window: string): string => `slo:sli_errors:rate${window}`,
  errorRatio: (window: string): string => `slo:sli_error:ratio_rate${window}`,
  requestsPeriod: `slo:sli_requests:increase${SLO_PERIOD_DAYS}d`,
  errorsPeriod: `slo:sli_errors:increase${SLO_PERIOD_DAYS}d`,
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

export const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(6))}%`;

const DURATION_SECONDS: Readonly<Record<string, number>> = { m: 60, h: 3600, d: 86_400 };
/** `5m`, `6h`, `3d` in seconds (the only forms the SLO windows use). */
export const windowSeconds = (window: string): number => {
  const match = /^(\d+)([mhd])$/.exec(window);
  const unit = match?.[2];
  if (!match || unit === undefined) throw new Error(`unsupported window ${window}`);
  return Number(match[1]) * (DURATION_SECONDS[unit] ?? 0);
};

/**
 * The threshold must be a bucket boundary that is not an integer: Prometheus 3 writes `le` as a float
 * (`1.0`) where 2.x kept the exposition text (`1`), so only a fractional `le` matches in both.
 */
export const latencyBucketLabel = (slo: SloDefinition): string => {
  const threshold = slo.thresholdSeconds;
  if (threshold === undefined || !(HTTP_DURATION_BUCKETS_SECONDS as readonly number[]).includes(threshold)) {
    throw new Error(`${slo.id}: the latency threshold must be one of the histogram buckets`);
  }
  if (Number.isInteger(threshold)) throw new Error(`${slo.id}: use a fractional bucket boundary (see above)`);
  return String(threshold);
};

const requestMatchers = (slo: SloDefinition): Matcher[] => [eq(TARGET_LABEL.job, slo.service), ...slo.matchers];

type Counting = (selector: string, window: string) => string;

/** Requests the SLO counts over `window`, as a rate or an increase. */
const requestsExpr = (slo: SloDefinition, window: string, counting: Counting): string =>
  sumBy(SERVICE_IDENTITY, counting(sel(count(METRIC.httpServerRequestDuration.name), ...requestMatchers(slo)), window));

/** Bad events over `window`: 5xx responses, or responses slower than the threshold. */
const badEventsExpr = (slo: SloDefinition, window: string, counting: Counting): string => {
  const requests = requestsExpr(slo, window, counting);
  if (slo.kind === 'availability') {
    const errors = sumBy(
      SERVICE_IDENTITY,
      counting(
        sel(
          count(METRIC.httpServerRequestDuration.name),
          ...requestMatchers(slo),
          re(LABEL.httpResponseStatusCode, '5..'),
        ),
        window,
      ),
    );
    // The 5xx series exist only after the first 5xx: until then there were zero, not "unknown".
    return `${errors} or ${requests} * 0`;
  }
  const fast = sumBy(
    SERVICE_IDENTITY,
    counting(
      sel(bucket(METRIC.httpServerRequestDuration.name), ...requestMatchers(slo), eq(LE, latencyBucketLabel(slo))),
      window,
    ),
  );
  return `${requests} - ${fast}`;
};

/** The bad-event ratio over any `window`, straight from the counters (for ad-hoc queries over arbitrary ranges). */
export const sliErrorRatioExpr = (slo: SloDefinition, window: string): string =>
  `(${badEventsExpr(slo, window, rate)}) / (${requestsExpr(slo, window, rate)} > 0)`;

const sloLabels = (slo: SloDefinition): Record<string, string> => ({ [ALERT_LABEL.slo]: slo.id });
export const sloSelector = (record: string, slo: SloDefinition): string => sel(record, eq(ALERT_LABEL.slo, slo.id));
const recordedLabels = [...SERVICE_IDENTITY, ALERT_LABEL.slo];

/** Per window: the request rate, the bad-event rate, and their ratio (absent without traffic, never NaN). */
const sliRecordingRules = (slo: SloDefinition): RecordingRule[] =>
  SLI_WINDOWS.flatMap((window): RecordingRule[] => [
    {
      record: SLO_RECORD.requestRate(window),
      expr: requestsExpr(slo, window, rate),
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
    {
      record: SLO_RECORD.errorRate(window),
      expr: badEventsExpr(slo, window, rate),
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
    {
      record: SLO_RECORD.errorRatio(window),
      expr: `${sloSelector(SLO_RECORD.errorRate(window), slo)} / (${sloSelector(SLO_RECORD.requestRate(window), slo)} > 0)`,
      // Already on the operands; restated so promtool's lint tells the rules of different SLOs apart.
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
  ]);

/**
 * The SLO period from counts: the 30-day increases of requests and bad events, their ratio, and the budget left
 * (1 when nothing was requested: no request, no budget spent).
 */
const budgetRecordingRules = (slo: SloDefinition): RecordingRule[] => {
  const staticLabels = { ...sloLabels(slo), [TARGET_LABEL.job]: slo.service };
  const period = `${SLO_PERIOD_DAYS}d`;
  const requests = sloSelector(SLO_RECORD.requestsPeriod, slo);
  return [
    {
      record: SLO_RECORD.objective,
      expr: `vector(${slo.objective})`,
      labels: staticLabels,
      outputLabels: [TARGET_LABEL.job, ALERT_LABEL.slo],
    },
    {
      record: SLO_RECORD.errorBudget,
      expr: `vector(${errorBudget(slo)})`,
      labels: staticLabels,
      outputLabels: [TARGET_LABEL.job, ALERT_LABEL.slo],
    },
    {
      record: SLO_RECORD.requestsPeriod,
      expr: requestsExpr(slo, period, increase),
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
    {
      record: SLO_RECORD.errorsPeriod,
      expr: badEventsExpr(slo, period, increase),
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
    {
      record: SLO_ERROR_RATIO_PERIOD,
      expr: `${sloSelector(SLO_RECORD.errorsPeriod, slo)} / (${requests} > 0)`,
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
    {
      record: SLO_RECORD.errorBudgetRemaining,
      expr: `(1 - ${sloSelector(SLO_ERROR_RATIO_PERIOD, slo)} / ${errorBudget(slo)}) or (${requests} == 0) * 0 + 1`,
      labels: sloLabels(slo),
      outputLabels: recordedLabels,
    },
  ];
};

/** The burn threshold of a window pair for an SLO, as a number (e.g. 14.4 × 0.001). */
export const burnThreshold = (slo: SloDefinition, pair: BurnWindowPair): number => pair.factor * errorBudget(slo);

const burnCondition = (slo: SloDefinition, pair: BurnWindowPair): string => {
  const threshold = `(${pair.factor} * ${errorBudget(slo)})`;
  return (
    `(${sloSelector(SLO_RECORD.errorRatio(pair.long), slo)} > ${threshold}` +
    ` and ${sloSelector(SLO_RECORD.errorRatio(pair.short), slo)} > ${threshold}` +
    ` and ${sloSelector(SLO_RECORD.errorRate(pair.long), slo)} * ${windowSeconds(pair.long)} >= ${SLO_MIN_BAD_EVENTS})`
  );
};

export const sloAlertFor = (severity: Severity): string => ALERT_FOR[severity];

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
      meaning:
        severity === 'critical'
          ? `At the current rate ${slo.id} spends its whole ${SLO_PERIOD_DAYS}-day budget in days (2% of it in an hour, or 5% in six hours): someone must act now.`
          : `${slo.id} spends its budget faster than it can afford over ${SLO_PERIOD_DAYS} days (10% of it in a day or in three days): fix it this week.`,
      description:
        `{{ $value | humanizePercentage }} of {{ $labels.job }} requests in SLO {{ $labels.slo }} ${badEvents[slo.kind]} ` +
        `over the long window, against an error budget of ${percent(errorBudget(slo))} ` +
        `(burn rate ${windows}).`,
    };
  });

/** The SLO rule file: per-window counts and ratios, the 30-day budget, and the burn alerts. */
export const SLO_GROUPS = [
  { name: 'slo-sli.rules', rules: SLOS.flatMap(sliRecordingRules) },
  { name: 'slo-budget.rules', rules: SLOS.flatMap(budgetRecordingRules) },
  { name: 'slo-alerts.rules', rules: SLOS.flatMap(sloAlertRules) },
] as const;
