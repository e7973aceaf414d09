/**
 * @module The slowest traces of the window, two ways: Jaeger's search (every service, with a minimum duration that
 * steps down until enough traces are found) and the exemplars Prometheus keeps on the latency histogram (trace ids
 * of slow observations), each fetched from Jaeger for its breakdown.
 */
import { EXEMPLAR_TRACE_ID_LABEL, METRIC } from '@mesh-stack/service-kit/contract';
import type { JaegerClient, JaegerTrace } from '../sources/jaeger.ts';
import type { Labels, PrometheusClient } from '../sources/prometheus.ts';
import { normalizeTraceId, summarizeTrace, type TraceSummary } from './shape.ts';

export const SLOWEST_COUNT = 10;
/** Minimum durations tried in turn: a long run has thousands of traces, the slow ones are what matters. */
export const MIN_DURATION_STEPS = ['5s', '2s', '1s', '500ms', '250ms', '100ms', '50ms', '10ms', undefined] as const;
const SEARCH_LIMIT = 50;

export const EXEMPLAR_QUERY = `${METRIC.httpServerRequestDuration.name}_bucket`;

export interface ExemplarTrace {
  readonly traceId: string;
  /** The observed latency, seconds. */
  readonly valueSeconds: number;
  /** Milliseconds since the epoch. */
  readonly atMs: number;
  readonly seriesLabels: Labels;
  /** Undefined when Jaeger did not have the trace (or was unreachable). */
  readonly trace: TraceSummary | undefined;
}

/** Distinct traces, longest first. */
export const slowestOf = (traces: readonly JaegerTrace[], count: number): TraceSummary[] => {
  const byId = new Map<string, TraceSummary>();
  for (const trace of traces) {
    if (trace.spans.length === 0) continue;
    const summary = summarizeTrace(trace);
    const known = byId.get(summary.traceId);
    // The same trace can come back from several services' searches, more complete the later it is read.
    if (known === undefined || summary.spanCount > known.spanCount) byId.set(summary.traceId, summary);
  }
  return [...byId.values()].sort((a, b) => b.durationMs - a.durationMs).slice(0, count);
};

export const searchSlowest = async (
  jaeger: JaegerClient,
  services: readonly string[],
  window: { readonly fromMs: number; readonly toMs: number },
  count = SLOWEST_COUNT,
): Promise<TraceSummary[]> => {
  const found: JaegerTrace[] = [];
  for (const minDuration of MIN_DURATION_STEPS) {
    const results = await Promise.all(
      services.map((service) =>
        jaeger.search({
          service,
          startMicros: window.fromMs * 1000,
          endMicros: window.toMs * 1000,
          minDuration,
          limit: SEARCH_LIMIT,
        }),
      ),
    );
    found.push(...results.flat());
    if (new Set(found.map((trace) => normalizeTraceId(trace.traceID))).size >= count) break;
  }
  // A search window is on the trace's start; keep only traces that started inside the report window.
  return slowestOf(
    found.filter((trace) => {
      const start = Math.min(...trace.spans.map((span) => span.startTime)) / 1000;
      return start >= window.fromMs && start <= window.toMs;
    }),
    count,
  );
};

export interface ExemplarCandidate {
  readonly traceId: string;
  readonly valueSeconds: number;
  readonly atMs: number;
  readonly seriesLabels: Labels;
}

/** The slowest exemplar per trace id, slowest first. */
export const slowestExemplars = (
  series: readonly {
    seriesLabels: Labels;
    exemplars: readonly { labels: Labels; value: string; timestamp: number }[];
  }[],
  count: number,
): ExemplarCandidate[] => {
  const byTrace = new Map<string, ExemplarCandidate>();
  for (const item of series) {
    for (const exemplar of item.exemplars) {
      const id = exemplar.labels[EXEMPLAR_TRACE_ID_LABEL];
      const value = Number(exemplar.value);
      if (id === undefined || !Number.isFinite(value)) continue;
      const traceId = normalizeTraceId(id);
      const known = byTrace.get(traceId);
      if (known === undefined || value > known.valueSeconds) {
        byTrace.set(traceId, {
          traceId,
          valueSeconds: value,
          atMs: exemplar.timestamp * 1000,
          seriesLabels: item.seriesLabels,
        });
      }
    }
  }
  return [...byTrace.values()].sort((a, b) => b.valueSeconds - a.valueSeconds).slice(0, count);
};

export const exemplarTraces = async (
  prometheus: PrometheusClient,
  jaeger: JaegerClient | undefined,
  window: { readonly fromMs: number; readonly toMs: number },
  count = SLOWEST_COUNT,
): Promise<ExemplarTrace[]> => {
  const series = await prometheus.exemplars(EXEMPLAR_QUERY, window.fromMs / 1000, window.toMs / 1000);
  const candidates = slowestExemplars(series, count);
  return Promise.all(
    candidates.map(async (candidate) => {
      const trace = jaeger === undefined ? undefined : await jaeger.trace(candidate.traceId).catch(() => undefined);
      return {
        ...candidate,
        trace: trace === undefined || trace.spans.length === 0 ? undefined : summarizeTrace(trace),
      };
    }),
  );
};
