/**
 * @module Tiny PromQL builders so dashboards and rules compose queries from contract names instead of
 * hand-written strings. They only format text; `inspect.ts` parses the result to check it.
 */

/** One label matcher, rendered as `label<op>"value"`. */
export type Matcher = string;

const quote = (value: string): string => JSON.stringify(value);

export const eq = (label: string, value: string): Matcher => `${label}=${quote(value)}`;
export const ne = (label: string, value: string): Matcher => `${label}!=${quote(value)}`;
export const re = (label: string, pattern: string): Matcher => `${label}=~${quote(pattern)}`;
export const nre = (label: string, pattern: string): Matcher => `${label}!~${quote(pattern)}`;

/** A regex matching exactly one of the given literal values. */
export const oneOf = (values: readonly string[]): string =>
  values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

/** `metric{m1,m2}`; matchers that are `undefined` are skipped so callers can add them conditionally. */
export const sel = (metric: string, ...matchers: readonly (Matcher | undefined)[]): string => {
  const present = matchers.filter((matcher): matcher is Matcher => matcher !== undefined);
  return present.length === 0 ? metric : `${metric}{${present.join(',')}}`;
};

/** Grafana's rate window: at least four scrape intervals, so `rate` never sees fewer than two samples. */
export const RATE_INTERVAL = '$__rate_interval';

export const rate = (selector: string, window: string = RATE_INTERVAL): string => `rate(${selector}[${window}])`;
export const increase = (selector: string, window: string = RATE_INTERVAL): string =>
  `increase(${selector}[${window}])`;

export type Aggregation = 'sum' | 'max' | 'min' | 'count';
export const aggregateBy = (op: Aggregation, labels: readonly string[], expr: string): string =>
  labels.length === 0 ? `${op}(${expr})` : `${op} by (${labels.join(', ')}) (${expr})`;
export const sumBy = (labels: readonly string[], expr: string): string => aggregateBy('sum', labels, expr);

/** Histogram suffixes of a classic Prometheus histogram. */
export const bucket = (metric: string): string => `${metric}_bucket`;
export const count = (metric: string): string => `${metric}_count`;
export const sum = (metric: string): string => `${metric}_sum`;

/** The `le` label of classic histogram buckets. */
export const LE = 'le';

/** `histogram_quantile(q, sum by (le, …) (rate(metric_bucket{…}[w])))`. */
export const quantile = (
  q: number,
  histogram: string,
  matchers: readonly (Matcher | undefined)[],
  by: readonly string[] = [],
  window: string = RATE_INTERVAL,
): string => `histogram_quantile(${q}, ${sumBy([LE, ...by], rate(sel(bucket(histogram), ...matchers), window))})`;

/**
 * `(part or total * 0) / total`: a ratio that is 0, not absent, while `part` has no series yet (a counter with
 * labels has no series until its first increment), and that still exists when every request is a `part`.
 */
export const ratioOrZero = (part: string, total: string): string => `(${part} or ${total} * 0) / ${total}`;

/**
 * `part` broken down by more labels than `total` (e.g. by job and reason), or a single 0 per group (`by`) where no
 * `part` series exists yet. The plain `part or total * 0` would add a zero line to every group, even beside its
 * real series, since the two sides never have the same labels.
 */
export const orZeroPerGroup = (part: string, total: string, by: readonly string[]): string =>
  `${part} or (${total} * 0 unless on (${by.join(', ')}) ${part})`;
