/**
 * @module Client telemetry for the resilient HTTP client: one CLIENT span per attempt (so retries show as
 * separate spans with `http.request.resend_count`), the per-attempt duration histogram and the retry counter with a
 * bounded reason. It classifies nothing itself: the client hands it each attempt's {@link AttemptOutcome}, and
 * the client's header builder injects the attempt's span (`outgoing-attempt.ts`).
 */
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { ClientTelemetry } from '../instrumentation.ts';
import type { AttemptOutcome, OutgoingAttempt } from '../outgoing-attempt.ts';
import { inboundContext } from '../request-context.ts';
import { ATTR, LABEL, LABEL_VALUE, spanName } from './contract.ts';
import type { DurationSeries } from './duration-histogram.ts';
import { normalizeMethod } from './http-server.ts';
import type { ServiceMetrics } from './metrics.ts';
import { kitTracer } from './scope.ts';

/** `send` threw instead of returning an outcome: a bug in the client, recorded rather than lost. */
const UNCLASSIFIED: AttemptOutcome = {
  status: undefined,
  errorType: '_OTHER',
  retryReason: undefined,
  mayHaveReachedCallee: true,
  retryAfterMs: undefined,
  error: undefined,
};

/** Attributes of a recording attempt span (semantic conventions for HTTP clients). */
const attemptAttributes = (attempt: OutgoingAttempt, method: string): Attributes => {
  const attributes: Attributes = {
    [ATTR.httpRequestMethod]: method,
    [ATTR.serverAddress]: attempt.url.hostname,
    [ATTR.serverPort]: Number(attempt.url.port) || (attempt.url.protocol === 'https:' ? 443 : 80),
    [ATTR.urlFull]: `${attempt.url.origin}${attempt.url.pathname}`,
    [ATTR.peerService]: attempt.peerService,
    [ATTR.httpRoute]: attempt.route,
  };
  // Only retries carry the attribute (semantic conventions: "SHOULD NOT be set on the first attempt").
  if (attempt.resendCount > 0) attributes[ATTR.httpRequestResendCount] = attempt.resendCount;
  return attributes;
};

const MAX_CACHED_SERIES = 1024;

export interface HttpClientTelemetryOptions {
  readonly metrics: Pick<ServiceMetrics, 'httpClientRequestDuration' | 'httpClientRetries'>;
  /** [default=the kit's tracer] */
  readonly tracer?: Tracer;
}

/**
 * @example
 * const client = createServiceClient({ peerService, baseUrl, budget,
 *   telemetry: { ...NO_TELEMETRY, client: httpClientTelemetry({ metrics }) } })
 */
export const httpClientTelemetry = ({ metrics, tracer = kitTracer() }: HttpClientTelemetryOptions): ClientTelemetry => {
  const { httpClientRequestDuration: duration, httpClientRetries: retries } = metrics;
  // Series resolved once per call site and outcome: routes come from the code, status codes and error types are
  // bounded sets, so the cache stays small; the bound only guards against a peer answering every status there is.
  const seriesCache = new Map<string, DurationSeries>();
  const seriesFor = (attempt: OutgoingAttempt, method: string, outcome: AttemptOutcome): DurationSeries => {
    const { status, errorType } = outcome;
    const key = `${attempt.peerService}\0${method}\0${attempt.route}\0${status ?? ''}\0${errorType ?? ''}`;
    let series = seriesCache.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {
        [LABEL.peerService]: attempt.peerService,
        [LABEL.httpRequestMethod]: method,
        [LABEL.httpRoute]: attempt.route,
        [LABEL.httpResponseStatusCode]: status === undefined ? LABEL_VALUE.noStatusCode : String(status),
      };
      if (errorType !== undefined) labels[LABEL.errorType] = errorType;
      series = duration.series(labels);
      if (seriesCache.size < MAX_CACHED_SERIES) seriesCache.set(key, series);
    }
    return series;
  };

  const finish = (span: Span, attempt: OutgoingAttempt, method: string, startMs: number, outcome: AttemptOutcome) => {
    const { status, errorType } = outcome;
    if (span.isRecording()) {
      if (status !== undefined) span.setAttribute(ATTR.httpResponseStatusCode, status);
      if (errorType !== undefined) {
        span.setAttribute(ATTR.errorType, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      if (outcome.error instanceof Error) span.recordException(outcome.error);
    }
    span.end();
    const nowMs = performance.now();
    seriesFor(attempt, method, outcome).observe(
      (nowMs - startMs) / 1000,
      nowMs,
      span.spanContext(),
      errorType !== undefined,
    );
  };

  return {
    async attempt(attempt, send) {
      const method = normalizeMethod(attempt.method);
      // Inside a traced request the active context holds the server span (built on the caller's context); an app
      // without server telemetry leaves only the request's inbound context, still worth propagating.
      const parent = trace.getSpan(context.active()) === undefined ? inboundContext() : context.active();
      const span = tracer.startSpan(spanName.http(method, attempt.route), { kind: SpanKind.CLIENT }, parent);
      // The stack's samplers decide on the parent and trace id alone: an unsampled attempt builds no attributes.
      if (span.isRecording()) span.setAttributes(attemptAttributes(attempt, method));
      const attemptContext = trace.setSpan(parent, span);
      const startMs = performance.now();
      let outcome: AttemptOutcome | undefined;
      try {
        outcome = await context.with(attemptContext, () => send(attemptContext));
        return outcome;
      } finally {
        try {
          finish(span, attempt, method, startMs, outcome ?? UNCLASSIFIED);
        } catch {
          // Telemetry never fails a request.
        }
      }
    },
    retried({ peerService, route, reason }) {
      retries.inc({ [LABEL.peerService]: peerService, [LABEL.httpRoute]: route, [LABEL.retryReason]: reason });
    },
  };
};
