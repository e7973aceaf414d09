/**
 * @module Collects per-step latencies in HdrHistograms (hdr-histogram-js: the JavaScript port of Gil Tene's
 * HdrHistogram, as wrk2 uses) plus status and error counts, and turns them into a {@link LoadSummary} piece.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import { STEP_NAMES, type StepName } from '../scenario.ts';
import type { LatencySummary, StepSummary } from './summary.ts';

/** Microsecond resolution, three significant digits; grows as needed (a stalled request can take minutes). */
const newHistogram = (): Histogram =>
  build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    autoResize: true,
    numberOfSignificantValueDigits: 3,
    // The pure-JS build: deterministic, no WebAssembly instantiation per histogram.
    useWebAssembly: false,
  });

const toMicros = (milliseconds: number): number => Math.max(1, Math.round(milliseconds * 1000));
const toMillis = (micros: number): number => Math.round(micros) / 1000;

const summarise = (histogram: Histogram): LatencySummary =>
  histogram.totalCount === 0
    ? { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 }
    : {
        count: histogram.totalCount,
        p50: toMillis(histogram.getValueAtPercentile(50)),
        p90: toMillis(histogram.getValueAtPercentile(90)),
        p99: toMillis(histogram.getValueAtPercentile(99)),
        max: toMillis(histogram.maxValue),
        mean: toMillis(histogram.mean),
      };

const increment = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Why a request failed: its status, `check_failed`, `timeout` or `network_error`. */
export type FailureCause = string;

export interface RequestRecord {
  readonly step: StepName;
  /** Milliseconds from the intended send time to the end of the response. */
  readonly latencyMs: number;
  /** Milliseconds from the actual send time to the end of the response. */
  readonly serviceTimeMs: number;
  /** HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** Undefined when the request succeeded and every check passed. */
  readonly failure: FailureCause | undefined;
}

class StepRecorder {
  readonly latency = newHistogram();
  readonly serviceTime = newHistogram();
  readonly statuses: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  requests = 0;
  failed = 0;

  record(entry: RequestRecord): void {
    this.requests += 1;
    this.latency.recordValue(toMicros(entry.latencyMs));
    this.serviceTime.recordValue(toMicros(entry.serviceTimeMs));
    if (entry.status !== undefined) increment(this.statuses, String(entry.status));
    if (entry.failure !== undefined) {
      this.failed += 1;
      increment(this.errors, entry.failure);
    }
  }

  summary(): StepSummary {
    return {
      requests: this.requests,
      failed: this.failed,
      statuses: { ...this.statuses },
      errors: { ...this.errors },
      latencyMs: summarise(this.latency),
      serviceTimeMs: summarise(this.serviceTime),
    };
  }
}

export class Recorder {
  readonly #steps = new Map<StepName, StepRecorder>(STEP_NAMES.map((step) => [step, new StepRecorder()]));
  readonly #iterations = newHistogram();

  recordRequest(entry: RequestRecord): void {
    this.#steps.get(entry.step)?.record(entry);
  }

  /** A completed iteration, from its intended start to the end of its last response (think time included). */
  recordIteration(latencyMs: number): void {
    this.#iterations.recordValue(toMicros(latencyMs));
  }

  get requests(): number {
    let total = 0;
    for (const step of this.#steps.values()) total += step.requests;
    return total;
  }

  get failedRequests(): number {
    let total = 0;
    for (const step of this.#steps.values()) total += step.failed;
    return total;
  }

  stepLatency(step: StepName): LatencySummary {
    const recorder = this.#steps.get(step);
    return recorder === undefined ? summarise(newHistogram()) : summarise(recorder.latency);
  }

  iterationLatency(): LatencySummary {
    return summarise(this.#iterations);
  }

  steps(): Record<StepName, StepSummary> {
    const result = {} as Record<StepName, StepSummary>;
    for (const [step, recorder] of this.#steps) result[step] = recorder.summary();
    return result;
  }

  errorsByStatus(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const step of this.#steps.values()) {
      for (const [cause, count] of Object.entries(step.errors)) total[cause] = (total[cause] ?? 0) + count;
    }
    return total;
  }
}
