/**
 * @module Typed reads of the live backends' HTTP APIs for the end-to-end suite (Prometheus, Alertmanager, Jaeger).
 */

const REQUEST_TIMEOUT_MS = 10_000;

export const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
};

export { eventually, TimeoutError } from './eventually.ts';

/* ---------- Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/) ---------- */

interface PrometheusEnvelope<T> {
  readonly status: 'success' | 'error';
  readonly data: T;
  readonly error?: string;
}

export interface PrometheusTarget {
  readonly labels: Readonly<Record<string, string>>;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
}

export interface PrometheusAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
  readonly value: string;
}

export interface PrometheusSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

export interface ExemplarSeries {
  readonly seriesLabels: Readonly<Record<string, string>>;
  readonly exemplars: readonly { labels: Readonly<Record<string, string>>; value: string; timestamp: number }[];
}

export interface PrometheusRuleGroup {
  readonly name: string;
  readonly file: string;
  readonly rules: readonly { name: string; type: 'alerting' | 'recording'; health: string; lastError?: string }[];
}

export const prometheusApi = (baseUrl: string) => {
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const url = `${baseUrl}/api/v1/${path}?${new URLSearchParams(params)}`;
    const body = await getJson<PrometheusEnvelope<T>>(url);
    if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? body.status}`);
    return body.data;
  };
  return {
    activeTargets: async (): Promise<PrometheusTarget[]> =>
      (await api<{ activeTargets: PrometheusTarget[] }>('targets', { state: 'active' })).activeTargets,
    alerts: async (): Promise<PrometheusAlert[]> => (await api<{ alerts: PrometheusAlert[] }>('alerts')).alerts,
    ruleGroups: async (): Promise<PrometheusRuleGroup[]> =>
      (await api<{ groups: PrometheusRuleGroup[] }>('rules')).groups,
    /** An instant query at "now"; a scalar result comes back as one sample without labels. */
    query: async (expr: string): Promise<PrometheusSample[]> => {
      const data = await api<
        | { resultType: 'vector'; result: PrometheusSample[] }
        | { resultType: 'scalar'; result: [number, string] }
        | { resultType: 'matrix' | 'string'; result: unknown }
      >('query', { query: expr });
      if (data.resultType === 'vector') return data.result;
      if (data.resultType === 'scalar') return [{ metric: {}, value: data.result }];
      throw new Error(`unexpected ${data.resultType} result for ${expr}`);
    },
    exemplars: async (expr: string, startSeconds: number, endSeconds: number): Promise<ExemplarSeries[]> =>
      api<ExemplarSeries[]>('query_exemplars', {
        query: expr,
        start: String(startSeconds),
        end: String(endSeconds),
      }),
  };
};
export type PrometheusApi = ReturnType<typeof prometheusApi>;

/* ---------- Alertmanager API v2 ---------- */

export interface AlertmanagerAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly status: { readonly state: 'active' | 'suppressed' | 'unprocessed' };
  readonly receivers: readonly { readonly name: string }[];
  readonly startsAt: string;
}

export const alertmanagerApi = (baseUrl: string) => ({
  alerts: async (): Promise<AlertmanagerAlert[]> => getJson<AlertmanagerAlert[]>(`${baseUrl}/api/v2/alerts`),
});

/* ---------- Jaeger query API (the JSON the Jaeger UI reads: /api/traces) ---------- */

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  readonly processID: string;
  readonly startTime: number;
  readonly tags: readonly { key: string; value: unknown }[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { serviceName: string }>>;
}

export interface TraceSearch {
  readonly service: string;
  readonly operation?: string;
  /** Microseconds since the epoch. */
  readonly startMicros?: number;
  readonly limit?: number;
}

export const jaegerApi = (baseUrl: string) => ({
  search: async ({ service, operation, startMicros, limit = 20 }: TraceSearch): Promise<JaegerTrace[]> => {
    const params = new URLSearchParams({ service, limit: String(limit), end: String(Date.now() * 1000) });
    if (operation !== undefined) params.set('operation', operation);
    if (startMicros !== undefined) params.set('start', String(startMicros));
    return (await getJson<{ data: JaegerTrace[] | null }>(`${baseUrl}/api/traces?${params}`)).data ?? [];
  },
  /** The trace, or undefined while Jaeger does not know it (404). */
  trace: async (traceId: string): Promise<JaegerTrace | undefined> => {
    const response = await fetch(`${baseUrl}/api/traces/${traceId}`, {
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw new Error(`GET /api/traces/${traceId} → ${response.status}`);
    const body = (await response.json()) as { data: JaegerTrace[] | null };
    return body.data?.[0];
  },
});

/** Jaeger prints trace ids without leading zeros; OpenTelemetry writes all 32 hex digits. */
export const normalizeTraceId = (id: string): string => id.toLowerCase().padStart(32, '0');

/** The value of the span tag `key` (`span.kind` holds OpenTelemetry's span kind in lower case). */
export const spanTag = (span: JaegerSpan, key: string): unknown => span.tags.find((tag) => tag.key === key)?.value;
