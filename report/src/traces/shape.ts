/**
 * @module A Jaeger trace as the report shows it: duration, the time each service spent itself (self time: a span's
 * duration minus the time covered by its children), and the span list as a tree, so the file explains a slow
 * request without Jaeger.
 */
import type { JaegerSpan, JaegerTrace } from '../sources/jaeger.ts';

/** Spans listed per trace; the rest are counted. */
export const MAX_SPANS_PER_TRACE = 150;

export interface SpanRow {
  readonly spanId: string;
  readonly depth: number;
  readonly service: string;
  readonly operation: string;
  /** Milliseconds from the trace's first span start. */
  readonly startOffsetMs: number;
  readonly durationMs: number;
  readonly selfMs: number;
  readonly kind: string;
  readonly error: boolean;
  /** `http.response.status_code`, when the span has one. */
  readonly httpStatus: string | undefined;
}

export interface ServiceShare {
  readonly service: string;
  readonly spans: number;
  readonly selfMs: number;
  /** selfMs / sum of every service's selfMs. */
  readonly share: number;
}

export interface TraceSummary {
  readonly traceId: string;
  readonly rootService: string;
  readonly rootOperation: string;
  /** Milliseconds since the epoch. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly spanCount: number;
  readonly error: boolean;
  readonly services: readonly ServiceShare[];
  readonly spans: readonly SpanRow[];
  readonly spansCut: number;
}

/** Jaeger prints trace ids without leading zeros; OpenTelemetry (and exemplars) write all 32 hex digits. */
export const normalizeTraceId = (id: string): string => id.toLowerCase().padStart(32, '0');

const tag = (span: JaegerSpan, key: string): unknown => span.tags?.find((entry) => entry.key === key)?.value;

const isError = (span: JaegerSpan): boolean =>
  tag(span, 'error') === true || tag(span, 'error') === 'true' || tag(span, 'otel.status_code') === 'ERROR';

const parentOf = (span: JaegerSpan): string | undefined =>
  span.references?.find((reference) => reference.refType === 'CHILD_OF')?.spanID ?? span.references?.[0]?.spanID;

/** Length of the union of intervals clipped to [start, end]. */
export const coveredLength = (
  intervals: readonly (readonly [number, number])[],
  start: number,
  end: number,
): number => {
  const clipped = intervals
    .map(([from, to]) => [Math.max(from, start), Math.min(to, end)] as const)
    .filter(([from, to]) => to > from)
    .sort(([a], [b]) => a - b);
  let covered = 0;
  let cursor = start;
  for (const [from, to] of clipped) {
    if (to <= cursor) continue;
    covered += to - Math.max(from, cursor);
    cursor = to;
  }
  return covered;
};

export const summarizeTrace = (trace: JaegerTrace): TraceSummary => {
  const spans = trace.spans;
  const ids = new Set(spans.map((span) => span.spanID));
  const children = new Map<string, JaegerSpan[]>();
  const roots: JaegerSpan[] = [];
  for (const span of spans) {
    const parent = parentOf(span);
    if (parent === undefined || !ids.has(parent)) roots.push(span);
    else children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const serviceOf = (span: JaegerSpan): string => trace.processes[span.processID]?.serviceName ?? span.processID;
  const start = Math.min(...spans.map((span) => span.startTime));
  const end = Math.max(...spans.map((span) => span.startTime + span.duration));
  const selfMicros = (span: JaegerSpan): number =>
    span.duration -
    coveredLength(
      (children.get(span.spanID) ?? []).map((child) => [child.startTime, child.startTime + child.duration] as const),
      span.startTime,
      span.startTime + span.duration,
    );

  const rows: SpanRow[] = [];
  const visit = (span: JaegerSpan, depth: number): void => {
    const status = tag(span, 'http.response.status_code');
    rows.push({
      spanId: span.spanID,
      depth,
      service: serviceOf(span),
      operation: span.operationName,
      startOffsetMs: (span.startTime - start) / 1000,
      durationMs: span.duration / 1000,
      selfMs: selfMicros(span) / 1000,
      kind: String(tag(span, 'span.kind') ?? ''),
      error: isError(span),
      httpStatus: status === undefined ? undefined : String(status),
    });
    for (const child of [...(children.get(span.spanID) ?? [])].sort((a, b) => a.startTime - b.startTime)) {
      visit(child, depth + 1);
    }
  };
  for (const root of [...roots].sort((a, b) => a.startTime - b.startTime)) visit(root, 0);

  const byService = new Map<string, { spans: number; selfMs: number }>();
  for (const row of rows) {
    const entry = byService.get(row.service) ?? { spans: 0, selfMs: 0 };
    entry.spans += 1;
    entry.selfMs += row.selfMs;
    byService.set(row.service, entry);
  }
  const totalSelf = [...byService.values()].reduce((sum, entry) => sum + entry.selfMs, 0);
  const root = [...roots].sort((a, b) => a.startTime - b.startTime)[0];
  return {
    traceId: normalizeTraceId(trace.traceID),
    rootService: root === undefined ? '' : serviceOf(root),
    rootOperation: root?.operationName ?? '',
    startMs: start / 1000,
    durationMs: (end - start) / 1000,
    spanCount: spans.length,
    error: rows.some((row) => row.error),
    services: [...byService.entries()]
      .map(([service, entry]) => ({ service, ...entry, share: totalSelf > 0 ? entry.selfMs / totalSelf : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs),
    spans: rows.slice(0, MAX_SPANS_PER_TRACE),
    spansCut: Math.max(0, rows.length - MAX_SPANS_PER_TRACE),
  };
};
