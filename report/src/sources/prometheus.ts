/**
 * @module The parts of the Prometheus HTTP API the report reads (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * range and instant queries, exemplars, rules, label values and the scrape interval of the running config.
 */
import { BackendError, getJson } from './http.ts';

interface Envelope<T> {
  readonly status: 'success' | 'error';
  readonly data: T;
  readonly error?: string;
  readonly warnings?: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

/** One series of a range query: `[unix seconds, "value"]` pairs. */
export interface RangeSeries {
  readonly metric: Labels;
  readonly values: readonly (readonly [number, string])[];
}

export interface InstantSample {
  readonly metric: Labels;
  readonly value: readonly [number, string];
}

export interface ExemplarSeries {
  readonly seriesLabels: Labels;
  readonly exemplars: readonly { readonly labels: Labels; readonly value: string; readonly timestamp: number }[];
}

export interface RuleInfo {
  readonly name: string;
  readonly type: 'alerting' | 'recording';
  readonly health?: string;
  readonly annotations?: Labels;
  readonly labels?: Labels;
}

export interface RuleGroupInfo {
  readonly name: string;
  readonly file: string;
  readonly rules: readonly RuleInfo[];
}

export interface PrometheusClient {
  readonly baseUrl: string;
  queryRange(expr: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<RangeSeries[]>;
  query(expr: string, timeSeconds: number): Promise<InstantSample[]>;
  exemplars(expr: string, startSeconds: number, endSeconds: number): Promise<ExemplarSeries[]>;
  ruleGroups(): Promise<RuleGroupInfo[]>;
  labelValues(label: string, match: string | undefined, startSeconds: number, endSeconds: number): Promise<string[]>;
  /** The global `scrape_interval` of the running configuration, in seconds (undefined when it cannot be read). */
  scrapeIntervalSeconds(): Promise<number | undefined>;
}

/** Prometheus durations (`15s`, `1m30s`, `500ms`) in seconds. */
export const parsePrometheusDuration = (text: string): number | undefined => {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * (units[unit ?? ''] ?? 0), 0);
};

export const prometheusClient = (baseUrl: string): PrometheusClient => {
  const backend = `Prometheus at ${baseUrl}`;
  const api = async <T>(path: string, params: URLSearchParams): Promise<T> => {
    const url = `${baseUrl}/api/v1/${path}?${params}`;
    const body = await getJson<Envelope<T>>(backend, url);
    if (body === undefined || body.status !== 'success') {
      throw new BackendError(backend, `${path}: ${body?.error ?? 'no answer'}`, false);
    }
    return body.data;
  };
  return {
    baseUrl,
    queryRange: async (expr, start, end, step) => {
      const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) });
      const data = await api<{ resultType: string; result: RangeSeries[] }>('query_range', params);
      return data.resultType === 'matrix' ? data.result : [];
    },
    query: async (expr, time) => {
      const data = await api<{ resultType: string; result: unknown }>(
        'query',
        new URLSearchParams({ query: expr, time: String(time) }),
      );
      if (data.resultType === 'vector') return data.result as InstantSample[];
      if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
      return [];
    },
    exemplars: async (expr, start, end) =>
      api<ExemplarSeries[]>(
        'query_exemplars',
        new URLSearchParams({ query: expr, start: String(start), end: String(end) }),
      ),
    ruleGroups: async () => (await api<{ groups: RuleGroupInfo[] }>('rules', new URLSearchParams())).groups,
    labelValues: async (label, match, start, end) => {
      const params = new URLSearchParams({ start: String(start), end: String(end) });
      if (match !== undefined) params.set('match[]', match);
      return api<string[]>(`label/${encodeURIComponent(label)}/values`, params);
    },
    scrapeIntervalSeconds: async () => {
      const { yaml } = await api<{ yaml: string }>('status/config', new URLSearchParams());
      // The global section comes first in Prometheus's own serialisation of its config.
      const match = /^\s+scrape_interval:\s*(\S+)/m.exec(yaml);
      return match?.[1] === undefined ? undefined : parsePrometheusDuration(match[1]);
    },
  };
};
