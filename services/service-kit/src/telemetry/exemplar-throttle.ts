/**
 * @module Duration observations with a `trace_id` exemplar at most once a second per series and bucket; failures
 * always keep theirs. Used by the server, client and database duration histograms alike.
 *
 * Why: Prometheus keeps the one exemplar per bucket a scrape finds, so refreshing it more often is wasted work,
 * and measured with prom-client an observation with an exemplar costs more than twice one without (an extra label
 * hash, validation and a timestamp).
 */
import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import type { Histogram } from 'prom-client';
import { EXEMPLAR_TRACE_ID_LABEL } from './contract.ts';

export const EXEMPLAR_MIN_INTERVAL_MS = 1000;

/** One series' buckets and when each last got an exemplar (the last slot is +Inf). */
export interface ExemplarClock {
  readonly buckets: readonly number[];
  readonly lastMs: Float64Array;
}

export const exemplarClock = (buckets: readonly number[]): ExemplarClock => ({
  buckets,
  lastMs: new Float64Array(buckets.length + 1).fill(Number.NEGATIVE_INFINITY),
});

/** Index of the bucket `value` falls in, the last index being +Inf. */
const bucketIndex = (buckets: readonly number[], value: number): number => {
  for (let index = 0; index < buckets.length; index++) {
    if (value <= (buckets[index] as number)) return index;
  }
  return buckets.length;
};

export interface DurationObservation {
  readonly labels: Readonly<Record<string, string>>;
  readonly seconds: number;
  /** `performance.now()` when the measured operation ended: the clock the throttle runs on. */
  readonly nowMs: number;
  /** The operation's span; no exemplar when it is missing or not sampled. */
  readonly spanContext: SpanContext | undefined;
  /** The series' clock, created once per series with {@link exemplarClock}. */
  readonly clock: ExemplarClock;
  /** Failed operations are rare and the exemplars most worth having: they are never throttled. */
  readonly failed: boolean;
}

/** Observes `seconds`, with the span's trace id as exemplar when the span is sampled and its bucket is due one. */
export const observeDuration = (histogram: Histogram<string>, observation: DurationObservation): void => {
  const { labels, seconds, nowMs, spanContext, clock, failed } = observation;
  if (spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED) {
    const bucket = bucketIndex(clock.buckets, seconds);
    if (failed || nowMs - (clock.lastMs[bucket] as number) >= EXEMPLAR_MIN_INTERVAL_MS) {
      clock.lastMs[bucket] = nowMs;
      histogram.observe({ labels, value: seconds, exemplarLabels: { [EXEMPLAR_TRACE_ID_LABEL]: spanContext.traceId } });
      return;
    }
  }
  // The object form: an exemplar-enabled prom-client histogram has no `(labels, value)` overload.
  histogram.observe({ labels, value: seconds });
};
