/**
 * @module Synthetic traffic for promtool cases, and an independent model of what Prometheus computes from it, so a
 * case's expected values come from the series it feeds and never from the rule under test.
 *
 * Traffic is a list of segments (so many requests and bad requests per minute, for so many minutes). From it come
 * the counters' samples (one a minute, promtool's expanding notation) and, at any minute, the exact counts in a
 * window. The model reproduces `increase`/`rate` as Prometheus evaluates them (extrapolation included) under both
 * range semantics promtool runs here: 2.x selects `[t - w, t]`, 3.x `(t - w, t]`. A case whose expectation
 * would differ between the two is refused at generation time: pick traffic that does not straddle a boundary.
 */

export interface Segment {
  readonly minutes: number;
  /** Requests per minute. */
  readonly total: number;
  /** Bad requests per minute (5xx, or slower than the threshold), at most `total`. */
  readonly bad: number;
}

export type Traffic = readonly Segment[];

export const steady = (minutes: number, total: number, bad = 0): Segment => ({ minutes, total, bad });

export const trafficMinutes = (traffic: Traffic): number => traffic.reduce((sum, segment) => sum + segment.minutes, 0);

/** Per-minute increments of the chosen count, minute 1 to the end (minute 0 is the counter's first sample, 0). */
const increments = (traffic: Traffic, pick: (segment: Segment) => number): number[] =>
  traffic.flatMap((segment) => Array.from({ length: segment.minutes }, () => pick(segment)));

/** Cumulative counter samples at minutes 0…end. */
export const counterSamples = (traffic: Traffic, pick: (segment: Segment) => number): number[] => {
  const samples = [0];
  for (const step of increments(traffic, pick)) samples.push((samples.at(-1) ?? 0) + step);
  return samples;
};

/**
 * promtool's expanding notation for the counter: `0` then one `start+step x (n-1)` run per segment, which yields
 * exactly one sample a minute (`a+bxn` expands to n+1 values).
 */
export const counterValues = (traffic: Traffic, pick: (segment: Segment) => number): string => {
  const parts = ['0'];
  let value = 0;
  for (const segment of traffic) {
    if (segment.minutes === 0) continue;
    const step = pick(segment);
    parts.push(`${value + step}+${step}x${segment.minutes - 1}`);
    value += step * segment.minutes;
  }
  return parts.join(' ');
};

export const totalOf = (segment: Segment): number => segment.total;
export const badOf = (segment: Segment): number => segment.bad;
export const goodOf = (segment: Segment): number => segment.total - segment.bad;

export type RangeSemantics = 'closed' | 'left-open';
/** Prometheus 2.x selects `[t - w, t]`; 3.x selects `(t - w, t]`. */
export const PROMETHEUS_RANGE_SEMANTICS: readonly RangeSemantics[] = ['closed', 'left-open'];

/**
 * `increase(counter[window])` at minute `at` for counter samples one a minute from minute 0, as Prometheus's
 * extrapolatedRate computes it (promql/functions.go): extrapolate to the window's edges when the first and last
 * samples are within 1.1 average intervals of them, but never below the counter's zero point. `undefined` where
 * Prometheus returns no sample (fewer than two samples in the window).
 */
export const modelIncrease = (
  samples: readonly number[],
  at: number,
  windowMinutes: number,
  semantics: RangeSemantics,
): number | undefined => {
  const start = at - windowMinutes;
  const points: { t: number; v: number }[] = [];
  for (let t = 0; t < samples.length && t <= at; t++) {
    const inside = semantics === 'closed' ? t >= start : t > start;
    const value = samples[t];
    if (inside && value !== undefined) points.push({ t, v: value });
  }
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || points.length < 2) return undefined;
  let result = last.v - first.v;
  for (let i = 1; i < points.length; i++) {
    const previous = points[i - 1]?.v ?? 0;
    if ((points[i]?.v ?? 0) < previous) result += previous;
  }
  const sampled = last.t - first.t;
  const average = sampled / (points.length - 1);
  const threshold = average * 1.1;
  let toStart = first.t - start;
  let toEnd = at - last.t;
  const toZero = result > 0 && first.v >= 0 ? sampled * (first.v / result) : Number.POSITIVE_INFINITY;
  if (semantics === 'closed') {
    // 2.x: the zero point first, then the threshold.
    if (toZero < toStart) toStart = toZero;
    if (toStart >= threshold) toStart = average / 2;
  } else {
    // 3.x: the threshold first, then the zero point.
    if (toStart >= threshold) toStart = average / 2;
    if (toZero < toStart) toStart = toZero;
  }
  if (toEnd >= threshold) toEnd = average / 2;
  return result * ((sampled + toStart + toEnd) / sampled);
};

/** `rate(counter[window])` per second. */
export const modelRate = (
  samples: readonly number[],
  at: number,
  windowMinutes: number,
  semantics: RangeSemantics,
): number | undefined => {
  const increase = modelIncrease(samples, at, windowMinutes, semantics);
  return increase === undefined ? undefined : increase / (windowMinutes * 60);
};

/** The bad-event ratio of `traffic` over a window, or `undefined` where the rule records nothing (no traffic). */
export interface WindowCounts {
  readonly requests: number | undefined;
  readonly bad: number | undefined;
}

export const windowCounts = (
  traffic: Traffic,
  at: number,
  windowMinutes: number,
  semantics: RangeSemantics,
): WindowCounts => ({
  requests: modelIncrease(counterSamples(traffic, totalOf), at, windowMinutes, semantics),
  bad: modelIncrease(counterSamples(traffic, badOf), at, windowMinutes, semantics),
});

export const ratioOf = (counts: WindowCounts): number | undefined =>
  counts.requests === undefined || counts.bad === undefined || !(counts.requests > 0)
    ? undefined
    : counts.bad / counts.requests;

/**
 * The same value under both range semantics, or an error naming the case: its expectation would depend on the
 * Prometheus version.
 */
export const agreed = <T>(what: string, compute: (semantics: RangeSemantics) => T, same = Object.is): T => {
  const [closed, leftOpen] = PROMETHEUS_RANGE_SEMANTICS.map(compute) as [T, T];
  if (!same(closed, leftOpen)) {
    throw new Error(
      `${what}: Prometheus 2.x would give ${String(closed)} and 3.x ${String(leftOpen)}; change the traffic`,
    );
  }
  return closed;
};

/** Equal up to floating-point noise: the two semantics reach the same ratio by different sums. */
export const nearlyEqual = (a: number | undefined, b: number | undefined): boolean =>
  a === undefined || b === undefined ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Whether an alert is firing at minute `at`, evaluated once a minute from minute 0 as promtool does: pending from
 * the first minute its condition holds, firing once it has held for `forMinutes`, and kept firing for
 * `keepFiringForMinutes` after the condition clears (Prometheus resets that grace when the condition returns).
 */
export const modelFiring = (
  condition: (minute: number) => boolean,
  at: number,
  forMinutes: number,
  keepFiringForMinutes = 0,
): boolean => {
  let activeSince: number | undefined;
  let firing = false;
  let clearedSince: number | undefined;
  for (let minute = 0; minute <= at; minute++) {
    if (condition(minute)) {
      activeSince ??= minute;
      clearedSince = undefined;
      if (minute - activeSince >= forMinutes) firing = true;
      continue;
    }
    if (firing && keepFiringForMinutes > 0) {
      clearedSince ??= minute;
      if (minute - clearedSince < keepFiringForMinutes) continue;
    }
    activeSince = undefined;
    clearedSince = undefined;
    firing = false;
  }
  return firing;
};

/** Go's `%.4g`: four significant digits, trailing zeros dropped, exponent form outside 1e-4…1e4. */
export const formatG4 = (value: number): string => {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  const [mantissa = '', exponentText = '0'] = value.toExponential(3).split('e');
  const exponent = Number(exponentText);
  const trim = (digits: string): string => (digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits);
  if (exponent < -4 || exponent >= 4) {
    const sign = exponent < 0 ? '-' : '+';
    return `${trim(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return trim(value.toFixed(Math.max(0, 3 - exponent)));
};

/** Prometheus's `humanizePercentage` template function. */
export const humanizePercentage = (ratio: number): string => `${formatG4(ratio * 100)}%`;

/** Prometheus's `humanize` template function (SI prefixes). */
export const humanize = (value: number): string => {
  if (value === 0 || !Number.isFinite(value)) return formatG4(value);
  let scaled = value;
  let prefix = '';
  if (Math.abs(scaled) >= 1) {
    for (const next of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(scaled) < 1000) break;
      prefix = next;
      scaled /= 1000;
    }
  } else {
    for (const next of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
      if (Math.abs(scaled) >= 1) break;
      prefix = next;
      scaled *= 1000;
    }
  }
  return `${formatG4(scaled)}${prefix}`;
};

/** PromQL's `round(v, to_nearest)`, bit for bit (promql/functions.go), for recorded values checked exactly. */
export const promRound = (value: number, toNearest: number): number => {
  const inverse = 1 / toNearest;
  return Math.floor(value * inverse + 0.5) / inverse;
};

/** Prometheus's `humanizeDuration` template function, for durations of a second or more. */
export const humanizeDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || Math.abs(seconds) < 1) throw new Error('only durations of 1 s or more');
  const whole = Math.trunc(seconds);
  const days = Math.trunc(whole / 86_400);
  const hours = Math.trunc((whole / 3600) % 24);
  const minutes = Math.trunc((whole / 60) % 60);
  const rest = whole % 60;
  if (days !== 0) return `${days}d ${hours}h ${minutes}m ${rest}s`;
  if (hours !== 0) return `${hours}h ${minutes}m ${rest}s`;
  if (minutes !== 0) return `${minutes}m ${rest}s`;
  return `${formatG4(seconds)}s`;
};
