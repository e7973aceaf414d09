/**
 * @module When a duration observation should carry a `trace_id` exemplar: at most once a second per series and
 * bucket.
 *
 * Why: Prometheus keeps the one exemplar per bucket a scrape finds, so refreshing it more often is wasted work,
 * and measured with prom-client an observation with an exemplar costs more than twice one without (an extra label
 * hash, validation and a timestamp).
 */

export const EXEMPLAR_MIN_INTERVAL_MS = 1000;

/** When each bucket of one series last got an exemplar (the last slot is +Inf). */
export type ExemplarClock = Float64Array;

export const exemplarClock = (buckets: readonly number[]): ExemplarClock =>
  new Float64Array(buckets.length + 1).fill(Number.NEGATIVE_INFINITY);

/** Index of the bucket `value` falls in, the last index being +Inf. */
export const bucketIndex = (buckets: readonly number[], value: number): number => {
  for (let index = 0; index < buckets.length; index++) {
    if (value <= (buckets[index] as number)) return index;
  }
  return buckets.length;
};

/** True, and the bucket's clock reset to `nowMs`, when the bucket of `value` is due a fresh exemplar. */
export const claimExemplar = (
  clock: ExemplarClock,
  buckets: readonly number[],
  value: number,
  nowMs: number,
): boolean => {
  const bucket = bucketIndex(buckets, value);
  if (nowMs - (clock[bucket] as number) < EXEMPLAR_MIN_INTERVAL_MS) return false;
  clock[bucket] = nowMs;
  return true;
};
