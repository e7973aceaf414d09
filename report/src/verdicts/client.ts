/**
 * @module The client's view of the run: the Node load driver's {@link LoadSummary} (latency from each request's
 * intended start, so coordinated omission is not hidden) or k6's end-of-test JSON (`handleSummary`), shaped into
 * one table per step, threshold results and dropped iterations.
 */
import type { LoadProgress, LoadSummary } from '@mesh-stack/loadtest/driver';
import { MAX_ERROR_RATE, STEP_LATENCY_LIMITS_MS } from '../../../loadtest/profiles.ts';

export interface ThresholdResult {
  /** What is measured, e.g. `create_order p99` or k6's `http_req_duration{step:create_order}`. */
  readonly metric: string;
  /** The limit as written, e.g. `p(99)<500` or `< 500 ms`. */
  readonly limit: string;
  /** The measured value, formatted; empty when the tool does not report it (k6 only says ok or not). */
  readonly observed: string;
  readonly ok: boolean;
}

export interface StepRow {
  readonly step: string;
  readonly requests: number | undefined;
  readonly failed: number | undefined;
  /** Milliseconds by percentile label (`p50`, `p90`, `p95`, `p99`, `max`, `mean`). */
  readonly latencyMs: Readonly<Record<string, number>>;
  /** Driver only: from the actual send, the server's share. */
  readonly serviceTimeP99Ms: number | undefined;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: Readonly<Record<string, number>>;
}

/** Progress of the driver over time (every few seconds); latency percentiles are cumulative since the start. */
export interface ClientTimeline {
  /** Unix seconds. */
  readonly times: readonly number[];
  readonly iterationsPerSecond: readonly number[];
  readonly failedIterations: readonly number[];
  readonly droppedIterations: readonly number[];
  readonly createOrderP50Ms: readonly number[];
  readonly createOrderP99Ms: readonly number[];
}

export interface ClientSection {
  readonly tool: 'load driver' | 'k6';
  readonly summary: string;
  readonly latencyNote: string;
  readonly dropped: number;
  readonly steps: readonly StepRow[];
  readonly errorsByCause: Readonly<Record<string, number>>;
  readonly thresholds: readonly ThresholdResult[];
  readonly timeline: ClientTimeline | undefined;
}

/** A progress report of the driver with the time it was received. */
export interface TimedProgress {
  readonly atMs: number;
  readonly progress: LoadProgress;
}

const ms = (value: number): string => `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;

/** The driver's gates (`--max-error-rate`, no dropped iterations) and the per-step p99 limits the k6 profiles use. */
export const driverThresholds = (summary: LoadSummary, maxErrorRate: number): ThresholdResult[] => [
  {
    metric: 'dropped iterations',
    limit: '== 0',
    observed: String(summary.iterations.dropped),
    ok: summary.iterations.dropped === 0,
  },
  {
    metric: 'failed requests',
    limit: `≤ ${(maxErrorRate * 100).toPrecision(3)}%`,
    observed: `${(summary.errorRate * 100).toFixed(3)}%`,
    ok: summary.errorRate <= maxErrorRate,
  },
  ...Object.entries(STEP_LATENCY_LIMITS_MS).flatMap(([step, limits]) => {
    const stats = summary.steps[step as keyof typeof summary.steps];
    if (stats === undefined || stats.requests === 0) return [];
    return [
      {
        metric: `${step} p99 (from intended start)`,
        limit: `< ${limits.p99} ms`,
        observed: ms(stats.latencyMs.p99),
        ok: stats.latencyMs.p99 < limits.p99,
      },
    ];
  }),
];

export const timelineOf = (progress: readonly TimedProgress[]): ClientTimeline | undefined =>
  progress.length === 0
    ? undefined
    : {
        times: progress.map((entry) => entry.atMs / 1000),
        iterationsPerSecond: progress.map((entry) => entry.progress.recentIterationsPerSecond),
        failedIterations: progress.map((entry) => entry.progress.failed),
        droppedIterations: progress.map((entry) => entry.progress.dropped),
        createOrderP50Ms: progress.map((entry) => entry.progress.createOrderLatencyMs.p50),
        createOrderP99Ms: progress.map((entry) => entry.progress.createOrderLatencyMs.p99),
      };

export const driverSection = (
  summary: LoadSummary,
  options: { readonly maxErrorRate?: number; readonly progress?: readonly TimedProgress[] } = {},
): ClientSection => ({
  tool: 'load driver',
  summary:
    `run ${summary.runId}: ${summary.targetRatePerSecond} iterations/s for ${summary.targetDurationSeconds} s` +
    `${summary.aborted ? ' (aborted)' : ''}, ${summary.elapsedSeconds.toFixed(1)} s elapsed; ` +
    `${summary.iterations.completed} iterations completed, ${summary.iterations.failed} failed, ` +
    `${summary.iterations.dropped} dropped, ${summary.iterations.late} started late; ` +
    `${summary.throughput.requestsPerSecond.toFixed(2)} requests/s`,
  latencyNote:
    'Latency is measured from when each request should have been sent (coordinated omission corrected); service time from when it was sent.',
  dropped: summary.iterations.dropped,
  steps: Object.entries(summary.steps).map(([step, stats]) => ({
    step,
    requests: stats.requests,
    failed: stats.failed,
    latencyMs: {
      p50: stats.latencyMs.p50,
      p90: stats.latencyMs.p90,
      p99: stats.latencyMs.p99,
      max: stats.latencyMs.max,
    },
    serviceTimeP99Ms: stats.serviceTimeMs.p99,
    statuses: stats.statuses,
    errors: stats.errors,
  })),
  errorsByCause: summary.errorsByStatus,
  thresholds: driverThresholds(summary, options.maxErrorRate ?? MAX_ERROR_RATE),
  timeline: timelineOf(options.progress ?? []),
});

/* ---------- k6: the `data` handleSummary receives (https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/) ---------- */

interface K6Metric {
  readonly type?: string;
  readonly contains?: string;
  readonly values?: Readonly<Record<string, number>>;
  readonly thresholds?: Readonly<Record<string, { readonly ok?: boolean }>>;
}

export interface K6Summary {
  readonly metrics?: Readonly<Record<string, K6Metric>>;
  readonly state?: { readonly testRunDurationMs?: number };
}

const K6_PERCENTILES: Readonly<Record<string, string>> = {
  med: 'p50',
  'p(90)': 'p90',
  'p(95)': 'p95',
  'p(99)': 'p99',
  max: 'max',
  avg: 'mean',
};

/** Reads `metric{tag:value}` submetric names. */
const submetric = (name: string): { metric: string; tag: string; value: string } | undefined => {
  const match = /^([^{]+)\{([^:}]+):([^}]+)\}$/.exec(name);
  return match?.[1] && match[2] && match[3] ? { metric: match[1], tag: match[2], value: match[3] } : undefined;
};

export const k6Section = (summary: K6Summary): ClientSection => {
  const metrics = summary.metrics ?? {};
  const steps = new Map<string, StepRow>();
  for (const [name, metric] of Object.entries(metrics)) {
    const sub = submetric(name);
    if (sub?.metric !== 'http_req_duration' || sub.tag !== 'step') continue;
    const latencyMs: Record<string, number> = {};
    for (const [k6Name, label] of Object.entries(K6_PERCENTILES)) {
      const value = metric.values?.[k6Name];
      if (value !== undefined) latencyMs[label] = value;
    }
    const failedRate = metrics[`http_req_failed{step:${sub.value}}`]?.values;
    const requests = metrics[`http_reqs{step:${sub.value}}`]?.values?.count;
    steps.set(sub.value, {
      step: sub.value,
      requests,
      failed: failedRate?.passes,
      latencyMs,
      serviceTimeP99Ms: undefined,
      statuses: {},
      errors: {},
    });
  }
  const thresholds: ThresholdResult[] = Object.entries(metrics).flatMap(([name, metric]) =>
    Object.entries(metric.thresholds ?? {}).map(([limit, result]) => ({
      metric: name,
      limit,
      observed: '',
      ok: result.ok !== false,
    })),
  );
  const requests = metrics.http_reqs?.values?.count ?? 0;
  const failedRate = metrics.http_req_failed?.values?.rate ?? 0;
  const iterations = metrics.iterations?.values?.count ?? 0;
  const dropped = metrics.dropped_iterations?.values?.count ?? 0;
  const seconds = (summary.state?.testRunDurationMs ?? 0) / 1000;
  return {
    tool: 'k6',
    summary: `${iterations} iterations, ${requests} requests in ${seconds.toFixed(1)} s; ${(failedRate * 100).toFixed(3)}% failed; ${dropped} iterations dropped`,
    latencyNote:
      "k6's http_req_duration runs from when each request was sent; its arrival-rate executors start iterations on schedule, so a slow server shows as dropped iterations.",
    dropped,
    steps: [...steps.values()],
    errorsByCause: {},
    thresholds,
    timeline: undefined,
  };
};
