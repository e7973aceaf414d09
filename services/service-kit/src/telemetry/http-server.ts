/**
 * @module Route-aware HTTP server telemetry for Hono: one SERVER span per request named `METHOD /route/template`
 * and `http_server_request_duration_seconds` with a `trace_id` exemplar.
 *
 * Why not instrumentation-http plus @hono/otel: measured on this machine they cost about 80% of the throughput of a
 * light route (docs/telemetry.md, BENCHMARKS.md). This middleware does only what the contract needs: its parent is
 * the context the kit's request context extracted once from the headers Node already parsed, it never touches
 * `c.res.headers` (that forces @hono/node-server to build a real `Response`), and it caches span names and label sets per route, so the steady state allocates one span, one
 * context and one exemplar label object per request.
 */

import { HEALTH_PATHS, METRICS_PATH } from '@mesh-stack/stack';
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { findTargetHandler, isMiddleware } from 'hono/utils/handler';
import { isUuid } from '../ids.ts';
import { inboundContext } from '../request-context.ts';
import { ATTR, KNOWN_HTTP_METHODS, LABEL, LABEL_VALUE, spanName } from './contract.ts';
import type { DurationSeries } from './duration-histogram.ts';
import type { ServiceMetrics } from './metrics.ts';
import { kitTracer } from './scope.ts';

export interface HttpServerTelemetryOptions {
  readonly metrics: Pick<ServiceMetrics, 'httpServerRequestDuration' | 'httpServerActiveRequests'>;
  /** [default=the kit's tracer] */
  readonly tracer?: Tracer;
  /** `url.scheme` of the server span. [default=http] (TLS ends at the sidecar or gateway) */
  readonly urlScheme?: string;
  /**
   * Exact paths served without a span or a sample: probes and scrapes, which would otherwise fill traces with
   * noise every few seconds. [default=the health and metrics paths]
   */
  readonly ignorePaths?: ReadonlySet<string>;
}

const DEFAULT_IGNORED_PATHS: ReadonlySet<string> = new Set([...Object.values(HEALTH_PATHS), METRICS_PATH]);

const KNOWN_METHODS: ReadonlySet<string> = new Set(KNOWN_HTTP_METHODS);

/** Unknown methods become `_OTHER` (semantic conventions), so a client cannot mint label values. */
export const normalizeMethod = (method: string): string =>
  KNOWN_METHODS.has(method) ? method : LABEL_VALUE.otherMethod;

/**
 * The template of the route that matched, or `_unmatched` when only middleware matched (a 404 from `notFound`).
 * `routePath(c, -1)` alone would answer `/*` for unmatched paths: the catch-all middleware is the last match.
 */
export const matchedRouteTemplate = (c: Context): string => {
  const routes = matchedRoutes(c);
  for (let index = routes.length - 1; index >= 0; index--) {
    const route = routes[index];
    if (route && !isMiddleware(findTargetHandler(route.handler))) return route.path;
  }
  return LABEL_VALUE.unmatchedRoute;
};

/**
 * The request path as the contract allows it on a span: the route's literal segments, and a parameter's value only
 * when it is a UUID (an id, never PII); any other value is replaced by `{name}`. An unmatched request gets no
 * `url.path` at all (its route is `_unmatched`): nothing a client typed reaches a span, and the value stays short.
 */
export const contractPath = (path: string, route: string): string | undefined => {
  if (route === LABEL_VALUE.unmatchedRoute) return undefined;
  // Most routes have no parameter (`POST /orders`): the template is the path, with nothing to split or test.
  if (!route.includes('/:') || route.includes('*')) return route;
  const templateSegments = templateSegmentsOf(route);
  const pathSegments = path.split('/');
  if (templateSegments.length !== pathSegments.length) return route;
  let contract = '';
  for (let index = 0; index < templateSegments.length; index++) {
    const segment = templateSegments[index] as string;
    if (index > 0) contract += '/';
    if (!segment.startsWith(':')) {
      contract += segment;
      continue;
    }
    const value = pathSegments[index] as string;
    contract += isUuid(value) ? value.toLowerCase() : `{${segment.slice(1)}}`;
  }
  return contract;
};

/** Route templates come from the app, not from clients: a bounded set, each split once. */
const templateSegmentCache = new Map<string, readonly string[]>();
const templateSegmentsOf = (route: string): readonly string[] => {
  let segments = templateSegmentCache.get(route);
  if (segments === undefined) {
    segments = Object.freeze(route.split('/'));
    templateSegmentCache.set(route, segments);
  }
  return segments;
};

/**
 * Requests in flight, counted in a plain number and published when Prometheus scrapes (prom-client calls a
 * gauge's `collect` before rendering it): two prom-client updates per request saved. One counter per gauge, shared
 * by every middleware instance recording into it (the public and admin apps).
 */
const inFlightCounters = new WeakMap<object, { count: number }>();
const inFlightCounter = (gauge: ServiceMetrics['httpServerActiveRequests']): { count: number } => {
  let counter = inFlightCounters.get(gauge);
  if (counter === undefined) {
    const created = { count: 0 };
    (gauge as unknown as { collect: () => void }).collect = () => gauge.set(created.count);
    inFlightCounters.set(gauge, created);
    counter = created;
  }
  return counter;
};

/** Per route and method: the span name and the duration series by status code. */
interface MethodEntry {
  readonly spanName: string;
  readonly series: Map<number, DurationSeries>;
}

/**
 * Creates the server telemetry middleware. Register it on `*` right after the kit's `requestContext()` (which
 * extracts the caller's context it continues; `createServiceApp` does both), so it measures everything after it.
 * @example
 * app.use(httpServerTelemetry({ metrics }))
 */
export const httpServerTelemetry = ({
  metrics,
  tracer = kitTracer(),
  urlScheme = 'http',
  ignorePaths = DEFAULT_IGNORED_PATHS,
}: HttpServerTelemetryOptions): MiddlewareHandler => {
  const { httpServerRequestDuration: duration, httpServerActiveRequests: active } = metrics;
  const inFlight = inFlightCounter(active);

  // Bounded caches keyed without building strings: methods are normalized, routes and status codes come from the
  // app, not from clients.
  const cache = new Map<string, Map<string, MethodEntry>>();
  const entryFor = (method: string, route: string): MethodEntry => {
    let byMethod = cache.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      cache.set(route, byMethod);
    }
    let entry = byMethod.get(method);
    if (entry === undefined) {
      entry = { spanName: spanName.http(method, route), series: new Map() };
      byMethod.set(method, entry);
    }
    return entry;
  };
  const seriesFor = (entry: MethodEntry, method: string, route: string, status: number): DurationSeries => {
    let series = entry.series.get(status);
    if (series === undefined) {
      series = duration.series({
        [LABEL.httpRequestMethod]: method,
        [LABEL.httpRoute]: route,
        [LABEL.httpResponseStatusCode]: String(status),
      });
      entry.series.set(status, series);
    }
    return series;
  };

  return async function httpServerTelemetry(c, next) {
    const path = c.req.path;
    if (ignorePaths.has(path)) return next();
    const startMs = performance.now();
    const method = normalizeMethod(c.req.method);
    // Extracted once per request by the kit's request context (which runs first), with its baggage policy applied.
    const parent = inboundContext();
    // Named by method until routing resolves; renamed below. Attributes are set only on recording spans: the
    // stack's samplers decide on trace id and parent alone, and an unsampled span then costs no attribute checks.
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) {
      // No `url.path` yet: the raw path is client input (an email in `/users/ada@example.org`, 15 KB of junk).
      span.setAttributes({ [ATTR.httpRequestMethod]: method, [ATTR.urlScheme]: urlScheme });
    }
    inFlight.count++;
    let thrown: unknown;
    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      inFlight.count--;
      try {
        finish(c, span, method, startMs, thrown);
      } catch {
        // Telemetry never fails a request.
      }
    }
  };

  function finish(c: Context, span: Span, method: string, startMs: number, thrown: unknown): void {
    const route = matchedRouteTemplate(c);
    const entry = entryFor(method, route);
    // An exception that escaped Hono's error handler still ends as a 500 in @hono/node-server.
    const status = thrown === undefined ? c.res.status : 500;
    // Exemplars point only at spans this process records (and so exports), never at an upstream id alone.
    const recording = span.isRecording();
    if (recording) {
      span.updateName(entry.spanName);
      span.setAttribute(ATTR.httpRoute, route);
      const urlPath = contractPath(c.req.path, route);
      if (urlPath !== undefined) span.setAttribute(ATTR.urlPath, urlPath);
      span.setAttribute(ATTR.httpResponseStatusCode, status);
      if (status >= 500) {
        const error = thrown ?? c.error;
        span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (error instanceof Error) span.recordException(error);
      }
    }
    span.end();
    const nowMs = performance.now();
    const seconds = (nowMs - startMs) / 1000;
    // A span that never recorded only carries the caller's context: its trace id is not this request's. Each status
    // code is a series with its own exemplar clock, so 5xx responses get exemplars of their own without `failed`.
    seriesFor(entry, method, route, status).observe(seconds, nowMs, recording ? span.spanContext() : undefined);
  }
};
