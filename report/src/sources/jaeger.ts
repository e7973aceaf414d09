/**
 * @module The Jaeger query API the Jaeger UI reads (`/api/traces`): trace search over a window with a minimum
 * duration, and one trace by id. Times are microseconds since the epoch, as the API returns them.
 */
import { getJson } from './http.ts';

export interface JaegerTag {
  readonly key: string;
  readonly value: unknown;
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references?: readonly { readonly refType: string; readonly traceID: string; readonly spanID: string }[];
  /** Microseconds since the epoch. */
  readonly startTime: number;
  /** Microseconds. */
  readonly duration: number;
  readonly processID: string;
  readonly tags?: readonly JaegerTag[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

export interface TraceSearch {
  readonly service: string;
  readonly startMicros: number;
  readonly endMicros: number;
  /** Go duration such as `250ms`; omitted for no minimum. */
  readonly minDuration?: string;
  readonly limit: number;
}

export interface JaegerClient {
  readonly baseUrl: string;
  search(search: TraceSearch): Promise<JaegerTrace[]>;
  /** The trace, or undefined when Jaeger does not know it. */
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  services(): Promise<string[]>;
}

export const jaegerClient = (baseUrl: string): JaegerClient => {
  const backend = `Jaeger at ${baseUrl}`;
  return {
    baseUrl,
    search: async ({ service, startMicros, endMicros, minDuration, limit }) => {
      const params = new URLSearchParams({
        service,
        start: String(Math.floor(startMicros)),
        end: String(Math.ceil(endMicros)),
        limit: String(limit),
      });
      if (minDuration !== undefined) params.set('minDuration', minDuration);
      const body = await getJson<{ data: JaegerTrace[] | null }>(backend, `${baseUrl}/api/traces?${params}`);
      return body?.data ?? [];
    },
    trace: async (traceId) => {
      const body = await getJson<{ data: JaegerTrace[] | null }>(
        backend,
        `${baseUrl}/api/traces/${encodeURIComponent(traceId)}`,
        { allowNotFound: true },
      );
      return body?.data?.[0];
    },
    services: async () => (await getJson<{ data: string[] | null }>(backend, `${baseUrl}/api/services`))?.data ?? [],
  };
};
