/**
 * @module promtool cases for the SLO rules. Each case is a traffic shape; what must fire and what the recorded
 * budget must read are computed here from that traffic with the model in traffic.ts (counts per window, Prometheus's
 * extrapolation under 2.x and 3.x range semantics, `for:` state), never copied from the rules' output.
 */
import { bucket, count, LE, TARGET_LABEL } from '@mesh-stack/observability/promql';
import { LABEL, METRIC } from '@mesh-stack/service-kit/contract';
import { LOCAL_PORTS, type ServiceName } from '@mesh-stack/stack';
import { ALERT_LABEL, type AlertExpectation, type AlertTestCase, type ExprCheck, type Severity } from './model.ts';
import {
  BURN_WINDOWS,
  burnThreshold,
  errorBudget,
  latencyBucketLabel,
  ORDER_FLOW,
  SLO_ALERT,
  SLO_ERROR_RATIO_PERIOD,
  SLO_MIN_BAD_EVENTS,
  SLO_PERIOD_DAYS,
  SLO_RECORD,
  SLOS,
  type SloDefinition,
  sloAlertFor,
  sloSelector,
  windowSeconds,
} from './slo.ts';
import {
  agreed,
  badOf,
  counterValues,
  goodOf,
  humanizePercentage,
  modelFiring,
  nearlyEqual,
  promRound,
  type RangeSemantics,
  ratioOf,
  steady,
  type Traffic,
  totalOf,
  trafficMinutes,
  windowCounts,
} from './traffic.ts';

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
const affectedSlos = (slo: SloDefinition): SloDefinition[] => [
  slo,
  ...(isOrderFlow(slo)
    ? SLOS.filter(
        (other) =>
          other.service === slo.service &&
          other.kind === slo.kind &&
          other.thresholdSeconds === slo.thresholdSeconds &&
          !isOrderFlow(other),
      )
    : []),
];

/** The input series for `traffic`: 5xx and 2xx counts (availability), or all requests and the fast bucket (latency). */
const trafficSeries = (slo: SloDefinition, traffic: Traffic) => {
  const histogram = METRIC.httpServerRequestDuration.name;
  const ok = { [LABEL.httpResponseStatusCode]: '201' };
  if (slo.kind === 'availability') {
    return [
      { series: `${count(histogram)}${seriesLabels(slo, ok)}`, values: counterValues(traffic, goodOf) },
      {
        series: `${count(histogram)}${seriesLabels(slo, { [LABEL.httpResponseStatusCode]: '503' })}`,
        values: counterValues(traffic, badOf),
      },
    ];
  }
  return [
    { series: `${count(histogram)}${seriesLabels(slo, ok)}`, values: counterValues(traffic, totalOf) },
    {
      series: `${bucket(histogram)}${seriesLabels(slo, { ...ok, [LE]: latencyBucketLabel(slo) })}`,
      values: counterValues(traffic, goodOf),
    },
  ];
};

const minutesOf = (window: string): number => windowSeconds(window) / 60;

/** Whether one window pair's condition holds at `minute`: both ratios above the threshold, enough bad events. */
const pairHolds = (
  slo: SloDefinition,
  traffic: Traffic,
  pair: (typeof BURN_WINDOWS)[number],
  minute: number,
  semantics: RangeSemantics,
): boolean => {
  const threshold = burnThreshold(slo, pair);
  const long = windowCounts(traffic, minute, minutesOf(pair.long), semantics);
  const short = windowCounts(traffic, minute, minutesOf(pair.short), semantics);
  const longRatio = ratioOf(long);
  const shortRatio = ratioOf(short);
  const seconds = windowSeconds(pair.long);
  const badEvents = long.bad === undefined ? 0 : (long.bad / seconds) * seconds;
  return (
    longRatio !== undefined &&
    shortRatio !== undefined &&
    longRatio > threshold &&
    shortRatio > threshold &&
    badEvents >= SLO_MIN_BAD_EVENTS
  );
};

/** The burn alerts the model expects at `at`, with the value their description shows (the long-window ratio). */
export const expectedBurnAlerts = (slo: SloDefinition, traffic: Traffic, at: number): AlertExpectation => {
  const firing = affectedSlos(slo).flatMap((affected) =>
    (['critical', 'warning'] as const satisfies readonly Severity[]).flatMap((severity) => {
      const pairs = BURN_WINDOWS.filter((pair) => pair.severity === severity);
      const forMinutes = windowSeconds(sloAlertFor(severity)) / 60;
      const fires = agreed(`${slo.id} ${severity} at ${at}m`, (semantics) =>
        modelFiring(
          (minute) => pairs.some((pair) => pairHolds(affected, traffic, pair, minute, semantics)),
          at,
          forMinutes,
        ),
      );
      if (!fires) return [];
      // `or` keeps the first pair that holds; `and` keeps its left side, the long-window ratio.
      const valueText = agreed(`${slo.id} ${severity} value at ${at}m`, (semantics) => {
        const pair = pairs.find((candidate) => pairHolds(affected, traffic, candidate, at, semantics));
        const ratio = pair && ratioOf(windowCounts(traffic, at, minutesOf(pair.long), semantics));
        return ratio === undefined ? 'none' : humanizePercentage(ratio);
      });
      return [
        {
          severity,
          labels: { [TARGET_LABEL.job]: affected.service, [ALERT_LABEL.slo]: affected.id },
          valueText,
        },
      ];
    }),
  );
  return { alert: SLO_ALERT[slo.kind], firing };
};

/** Recorded values are compared after PromQL's `round`, so float noise in the last bits cannot fail a case. */
const ROUND_TO = 1e-9;
const recordedLabels = (slo: SloDefinition): string =>
  `{${TARGET_LABEL.job}=${JSON.stringify(slo.service)},${ALERT_LABEL.slo}=${JSON.stringify(slo.id)}}`;

/**
 * The 30-day ratio and budget left, computed from the traffic: the bad events over the requests since the
 * counters started (the case is shorter than 30 days), and 1 − ratio / budget; 1 without any request.
 */
export const expectedBudgetChecks = (slo: SloDefinition, traffic: Traffic, at: number): ExprCheck[] => {
  const periodMinutes = SLO_PERIOD_DAYS * 24 * 60;
  const ratio = agreed(
    `${slo.id} 30-day ratio at ${at}m`,
    (semantics) => ratioOf(windowCounts(traffic, at, periodMinutes, semantics)),
    nearlyEqual,
  );
  const rounded = (record: string) => `round(${sloSelector(record, slo)}, ${ROUND_TO})`;
  const checks: ExprCheck[] = [];
  if (ratio === undefined) {
    checks.push({
      expr: `absent(${sloSelector(SLO_ERROR_RATIO_PERIOD, slo)})`,
      samples: [{ labels: `{${ALERT_LABEL.slo}=${JSON.stringify(slo.id)}}`, value: 1 }],
    });
  } else {
    checks.push({
      expr: rounded(SLO_ERROR_RATIO_PERIOD),
      samples: [{ labels: recordedLabels(slo), value: promRound(ratio, ROUND_TO) }],
    });
  }
  const remaining = ratio === undefined ? 1 : 1 - ratio / errorBudget(slo);
  checks.push({
    expr: rounded(SLO_RECORD.errorBudgetRemaining),
    samples: [{ labels: recordedLabels(slo), value: promRound(remaining, ROUND_TO) }],
  });
  return checks;
};

const scenario = (slo: SloDefinition, name: string, traffic: Traffic, at: number, budget = false): AlertTestCase => {
  if (at > trafficMinutes(traffic)) throw new Error(`${slo.id} ${name}: evaluated after the traffic ends`);
  return {
    name: `${slo.id}: ${name}`,
    interval: '1m',
    inputSeries: trafficSeries(slo, traffic),
    evalTime: `${at}m`,
    expectations: [expectedBurnAlerts(slo, traffic, at)],
    ...(budget
      ? { exprChecks: affectedSlos(slo).flatMap((affected) => expectedBudgetChecks(affected, traffic, at)) }
      : {}),
  };
};

/**
 * Three steady cases per SLO, bad events at a multiple of the budget: 500× (pages and tickets), 4× (ticket only,
 * under 6× and 14.4×), 0.5× (silent). A ratio of counts does not depend on how much history a window holds, so
 * 20 minutes of traffic already give the 1d and 3d windows their value (and the ticket its 15 minutes of `for`).
 */
const steadyCases = (slo: SloDefinition): AlertTestCase[] => {
  const total = 10_000;
  const badAt = (burn: number): number => Math.min(total, Math.round(total * errorBudget(slo) * burn));
  return [
    scenario(slo, 'half the requests bad pages and opens a ticket', [steady(20, total, total / 2)], 18),
    scenario(slo, 'a burn rate of 4 opens a ticket but does not page', [steady(20, total, badAt(4))], 18),
    scenario(slo, 'a burn rate of 0.5 stays silent', [steady(20, total, badAt(0.5))], 18),
  ];
};

/**
 * Uneven traffic, on the order flow: the shapes where an average of short ratios goes wrong. Each states the
 * traffic only; the expectations follow from it.
 */
const unevenCases = (slo: SloDefinition): AlertTestCase[] => [
  // 60 busy clean minutes, then 65 quiet minutes at 50% errors: the page fires (half of today's users fail)
  // while the 30-day budget has barely moved (about 0.0001 of requests failed, 90% of the budget left).
  scenario(
    slo,
    'busy then quiet: the page fires and the budget counts requests, not minutes',
    [steady(60, 10_000), steady(65, 2, 1)],
    125,
    true,
  ),
  // A 3-minute burst of errors in steady traffic: spent budget is exactly the burst's share of requests.
  scenario(
    slo,
    'a burst of errors spends exactly its share of the budget',
    [steady(30, 1_000), steady(3, 1_000, 1_000), steady(27, 1_000)],
    60,
    true,
  ),
  // Counters that exist but never move: no ratio at all, the whole budget left, nothing fires.
  scenario(slo, 'zero traffic records no ratio and keeps the whole budget', [steady(60, 0)], 60, true),
  // Traffic then an idle half hour: the 5-minute ratio is absent (not NaN) and the 30-day values stay numbers.
  {
    ...scenario(
      slo,
      'an idle half hour records no short ratio and keeps the 30-day ratio',
      [steady(30, 10_000, Math.round(10_000 * errorBudget(slo) * 0.5)), steady(30, 0)],
      60,
      true,
    ),
  },
  // The page resolves minutes after the incident while the ticket stays: the long windows hold the spent budget.
  scenario(
    slo,
    'after the incident ends the page resolves and the ticket stays',
    [steady(30, 10_000, 5_000), steady(35, 10_000)],
    65,
    true,
  ),
  // Minimum traffic: two failed requests out of two are 100% but not an incident; ten are.
  scenario(
    slo,
    'two failed requests are too little traffic to alert',
    [steady(55, 0), steady(2, 1, 1), steady(3, 0)],
    60,
  ),
  scenario(slo, 'ten failed requests in a row page', [steady(50, 0), steady(10, 1, 1)], 60),
];

/** The idle case also checks the 5-minute ratio is absent rather than NaN. */
const idleShortRatioCheck = (slo: SloDefinition): ExprCheck => ({
  expr: `absent(${sloSelector(SLO_RECORD.errorRatio('5m'), slo)})`,
  samples: [{ labels: `{${ALERT_LABEL.slo}=${JSON.stringify(slo.id)}}`, value: 1 }],
});

/**
 * The uneven shapes run on both order-flow SLOs; the latency one takes only the shapes whose arithmetic differs
 * (a bad event is a slow request, counted as `requests - fast bucket`), which keeps promtool quick.
 */
const LATENCY_SHAPES = ['busy then quiet', 'zero traffic', 'too little traffic'];

export const sloTests = (): AlertTestCase[] => {
  const orderFlow = SLOS.filter(isOrderFlow);
  return [
    ...SLOS.flatMap(steadyCases),
    ...orderFlow.flatMap((slo) =>
      unevenCases(slo)
        .filter(
          (testCase) => slo.kind === 'availability' || LATENCY_SHAPES.some((shape) => testCase.name.includes(shape)),
        )
        .map((testCase) =>
          testCase.name.includes('idle half hour')
            ? { ...testCase, exprChecks: [...(testCase.exprChecks ?? []), idleShortRatioCheck(slo)] }
            : testCase,
        ),
    ),
  ];
};
