/**
 * @module Client telemetry for the resilient HTTP client: one CLIENT span per attempt (so retries show as
 * separate spans with `http.request.resend_count`), trace headers injected into each attempt, the per-attempt
 * duration histogram and the retry counter with a bounded reason.
 */
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapSetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR,
  HTTP_DURATION_BUCKETS_SECONDS,
  LABEL,
  LABEL_VALUE,
  RETRY_REASONS,
  type RetryReason,
  spanName,
} from './contract.ts';
import { type ExemplarClock, exemplarClock, observeDuration } from './exemplar-throttle.ts';
import { normalizeMethod } from './http-server.ts';
import type { ServiceMetrics } from './metrics.ts';
import { kitTracer } from './scope.ts';

export interface ClientAttempt {
  /** The called service, e.g. `payment-service` (`peer.service`, label `peer_service`). */
  readonly peerService: string;
  readonly method: string;
  /** The callee's route template, e.g. `/users/:id`: the span name and the `http_route` label. */
  readonly routeTemplate: string;
  readonly url: URL;
  /** 0 for the first attempt, then 1, 2, ... */
  readonly resendCount: number;
}

/** What one attempt produced: a response status, or an error before any response. */
export type AttemptOutcome = { readonly status: number } | { readonly error: unknown };

export interface HttpClientTelemetry {
  /**
   * Runs one attempt inside a CLIENT span. `send` receives the headers to add (traceparent, baggage, B3,
   * x-request-id) and must return the response (or throw). The span ends when `send` settles: reading the body
   * afterwards is not part of the attempt.
   */
  attempt<T extends { readonly status: number }>(
    attempt: ClientAttempt,
    send: (headers: Record<string, string>) => Promise<T>,
  ): Promise<T>;
  /** Counts a retry of `routeTemplate` on `peerService`, with a reason from {@link retryReason}. */
  recordRetry(peerService: string, routeTemplate: string, reason: RetryReason): void;
}

const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const RETRY_REASON_SET: ReadonlySet<string> = new Set(RETRY_REASONS);

/**
 * The bounded retry reason for an outcome: the status code when it is one of {@link RETRY_REASONS}, `timeout` for
 * aborts and timeouts, `network_error` for anything else thrown before a response.
 */
export const retryReason = (outcome: AttemptOutcome): RetryReason => {
  if ('status' in outcome) {
    const status = String(outcome.status);
    return RETRY_REASON_SET.has(status) ? (status as RetryReason) : 'network_error';
  }
  const name = outcome.error instanceof Error ? outcome.error.name : '';
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error';
};

/** `error.type` for a thrown error: a timeout, or the error's code (`ECONNREFUSED`) or class name. */
const errorTypeOf = (error: unknown): string => {
  if (!(error instanceof Error)) return '_OTHER';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  // fetch wraps socket errors: `TypeError: fetch failed` with `cause.code === 'ECONNREFUSED'`.
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
};

export interface HttpClientTelemetryOptions {
  readonly metrics: Pick<ServiceMetrics, 'httpClientRequestDuration' | 'httpClientRetries'>;
  /** [default=the kit's tracer] */
  readonly tracer?: Tracer;
}

/**
 * @example
 * const clientTelemetry = httpClientTelemetry({ metrics })
 * const res = await clientTelemetry.attempt(
 *   { peerService: 'user-service', method: 'GET', routeTemplate: '/users/:id', url, resendCount: 0 },
 *   (headers) => fetch(url, { headers }),
 * )
 */
export const httpClientTelemetry = ({
  metrics,
  tracer = kitTracer(),
}: HttpClientTelemetryOptions): HttpClientTelemetry => {
  const { httpClientRequestDuration: duration, httpClientRetries: retries } = metrics;
  // One exemplar clock per dependency route and method: bounded by the call sites in the code, not by responses.
  const clocks = new Map<string, ExemplarClock>();
  const clockFor = (attempt: ClientAttempt, method: string): ExemplarClock => {
    const key = `${attempt.peerService} ${method} ${attempt.routeTemplate}`;
    let clock = clocks.get(key);
    if (clock === undefined) {
      clock = exemplarClock(HTTP_DURATION_BUCKETS_SECONDS);
      clocks.set(key, clock);
    }
    return clock;
  };

  const finish = (span: Span, attempt: ClientAttempt, method: string, startMs: number, outcome: AttemptOutcome) => {
    let status: number | undefined;
    let errorType: string | undefined;
    if ('status' in outcome) {
      status = outcome.status;
      span.setAttribute(ATTR.httpResponseStatusCode, status);
      // For clients every 4xx and 5xx is an error (semantic conventions, HTTP spans).
      if (status >= 400) errorType = String(status);
    } else {
      errorType = errorTypeOf(outcome.error);
      if (outcome.error instanceof Error) span.recordException(outcome.error);
    }
    if (errorType !== undefined) {
      span.setAttribute(ATTR.errorType, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
    const labels: Record<string, string> = {
      [LABEL.peerService]: attempt.peerService,
      [LABEL.httpRequestMethod]: method,
      [LABEL.httpRoute]: attempt.routeTemplate,
      [LABEL.httpResponseStatusCode]: status === undefined ? LABEL_VALUE.noStatusCode : String(status),
    };
    if (errorType !== undefined) labels[LABEL.errorType] = errorType;
    const nowMs = performance.now();
    observeDuration(duration, {
      labels,
      seconds: (nowMs - startMs) / 1000,
      nowMs,
      spanContext: span.spanContext(),
      clock: clockFor(attempt, method),
      failed: errorType !== undefined,
    });
  };

  return {
    async attempt(attempt, send) {
      const method = normalizeMethod(attempt.method);
      const attributes: Attributes = {
        [ATTR.httpRequestMethod]: method,
        [ATTR.serverAddress]: attempt.url.hostname,
        [ATTR.serverPort]: Number(attempt.url.port) || (attempt.url.protocol === 'https:' ? 443 : 80),
        [ATTR.urlFull]: `${attempt.url.origin}${attempt.url.pathname}`,
        [ATTR.peerService]: attempt.peerService,
        [ATTR.httpRoute]: attempt.routeTemplate,
      };
      // Only retries carry the attribute (semantic conventions: "SHOULD NOT be set on the first attempt").
      if (attempt.resendCount > 0) attributes[ATTR.httpRequestResendCount] = attempt.resendCount;
      const span = tracer.startSpan(
        spanName.http(method, attempt.routeTemplate),
        { kind: SpanKind.CLIENT, attributes },
        context.active(),
      );
      const headers: Record<string, string> = {};
      const attemptContext = trace.setSpan(context.active(), span);
      propagation.inject(attemptContext, headers, headerSetter);
      const startMs = performance.now();
      let outcome: AttemptOutcome | undefined;
      try {
        const response = await context.with(attemptContext, () => send(headers));
        outcome = { status: response.status };
        return response;
      } catch (error) {
        outcome = { error };
        throw error;
      } finally {
        try {
          if (outcome) finish(span, attempt, method, startMs, outcome);
        } catch {
          // Telemetry never fails a request.
        }
      }
    },
    recordRetry(peerService, routeTemplate, reason) {
      retries.inc({ [LABEL.peerService]: peerService, [LABEL.httpRoute]: routeTemplate, [LABEL.retryReason]: reason });
    },
  };
};
