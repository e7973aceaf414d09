/**
 * @module What a load run reports: the JSON shape other code reads (tests, the bench) and its text rendering.
 * All latencies are milliseconds measured from the **intended** start (see `run-load.ts`).
 */
import type { StepName } from '../scenario.ts';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface StepSummary {
  readonly requests: number;
  readonly failed: number;
  /** Every response by HTTP status, successful ones included. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Failed requests by cause: an HTTP status, `check_failed` (right status, wrong body), `timeout` or `network_error`. */
  readonly errors: Readonly<Record<string, number>>;
  /** From when the request should have been sent to the end of the response: what a user waits. */
  readonly latencyMs: LatencySummary;
  /** From when it was actually sent: the server's share. Differs from `latencyMs` when the driver fell behind. */
  readonly serviceTimeMs: LatencySummary;
}

export interface IterationCounts {
  /** Iterations due by the schedule (rate × elapsed scheduling time). */
  readonly scheduled: number;
  readonly completed: number;
  readonly failed: number;
  /** Due while the concurrency cap and the backlog were full: never sent (k6's `dropped_iterations`). */
  readonly dropped: number;
  /** Cut short by the end of the run (abort, or the graceful-stop window ran out). */
  readonly interrupted: number;
  /** Started later than the late threshold after their intended start (still measured from the intended start). */
  readonly late: number;
}

export interface LoadSummary {
  readonly runId: string;
  readonly startedAt: string;
  readonly targetRatePerSecond: number;
  readonly targetDurationSeconds: number;
  readonly elapsedSeconds: number;
  readonly aborted: boolean;
  readonly iterations: IterationCounts;
  readonly throughput: { readonly iterationsPerSecond: number; readonly requestsPerSecond: number };
  readonly iterationLatencyMs: LatencySummary;
  readonly steps: Readonly<Record<StepName, StepSummary>>;
  /** Failed requests across all steps by cause, as in {@link StepSummary.errors}. */
  readonly errorsByStatus: Readonly<Record<string, number>>;
  /** Failed requests / requests. */
  readonly errorRate: number;
}

const pad = (text: string, width: number): string => text.padStart(width);
const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const byCause = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([cause, count]) => `${cause}×${count}`)
    .join(' ') || '-';

/** A terminal-friendly report, one line per step, in the spirit of wrk2's and k6's end-of-test summaries. */
export const formatSummary = (summary: LoadSummary): string => {
  const { iterations, throughput } = summary;
  const header = ['step', 'requests', 'failed', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors'];
  const widths = [14, 9, 7, 8, 8, 8, 8, 0];
  const row = (cells: readonly string[]): string =>
    cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[0] ?? 0) : pad(cell, widths[index] ?? 0))).join(' ');
  const stepRows = Object.entries(summary.steps).map(([step, stats]) =>
    row([
      step,
      String(stats.requests),
      String(stats.failed),
      ms(stats.latencyMs.p50),
      ms(stats.latencyMs.p90),
      ms(stats.latencyMs.p99),
      ms(stats.latencyMs.max),
      ` ${byCause(stats.errors)}`,
    ]),
  );
  const it = summary.iterationLatencyMs;
  return [
    `load run ${summary.runId}: ${summary.targetRatePerSecond}/s for ${summary.targetDurationSeconds}s` +
      `${summary.aborted ? ' (aborted)' : ''}, ${summary.elapsedSeconds.toFixed(1)}s elapsed`,
    `iterations: ${iterations.scheduled} scheduled, ${iterations.completed} completed, ${iterations.failed} failed, ` +
      `${iterations.dropped} dropped, ${iterations.interrupted} interrupted, ${iterations.late} started late`,
    `throughput: ${throughput.iterationsPerSecond.toFixed(2)} iterations/s, ${throughput.requestsPerSecond.toFixed(2)} requests/s; ` +
      `error rate ${(summary.errorRate * 100).toFixed(2)}%`,
    `iteration latency (from intended start): p50 ${ms(it.p50)} ms, p90 ${ms(it.p90)} ms, p99 ${ms(it.p99)} ms, max ${ms(it.max)} ms`,
    row(header),
    ...stepRows,
  ].join('\n');
};
