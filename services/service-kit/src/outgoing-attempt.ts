/**
 * @module One HTTP attempt to a dependency, in one place: what it is ({@link OutgoingAttempt}), every header it
 * carries ({@link outgoingHeaders}) and how it ended ({@link classifyResponse}, {@link classifyError}). The client's
 * retry loop and the client span read the same {@link AttemptOutcome}; nothing else classifies a failure.
 */
import type { Context } from '@opentelemetry/api';
import { DEADLINE_HEADER, formatTimeoutHeader } from './deadline.ts';
import { IDEMPOTENCY_KEY_HEADER } from './idempotency.ts';
import type { RetryReason } from './telemetry/contract.ts';
import { injectOutgoing } from './telemetry/propagation.ts';

/** One attempt of a call, as the client makes it and telemetry records it. */
export interface OutgoingAttempt {
  /** The called service, e.g. `payment-service` (`peer.service`). */
  readonly peerService: string;
  readonly method: 'GET' | 'POST';
  /** Route template on the callee, e.g. `/users/:id`: the only route value telemetry may use as a label. */
  readonly route: string;
  readonly url: URL;
  /** 0 for the first attempt, then 1, 2…: OTel `http.request.resend_count`. */
  readonly resendCount: number;
}

/** How one attempt ended. */
export interface AttemptOutcome {
  /** The response's status; undefined when none came. */
  readonly status: number | undefined;
  /**
   * OTel `error.type`: the status code for a 4xx or 5xx (for a client every one is an error), `timeout` for an
   * attempt that ran out of time, `deadline_exceeded` when the request's deadline passed, `canceled` when our own
   * caller went away, else the socket error's code (`ECONNREFUSED`) or class name. Undefined on success.
   */
  readonly errorType: string | undefined;
  /** Set when another attempt may get a better answer (and the call is safe to repeat). */
  readonly retryReason: RetryReason | undefined;
  /**
   * False when the callee cannot have acted on the request: it never left, or the callee answered with
   * {@link NO_EFFECT_HEADER} (it refused before doing anything).
   */
  readonly mayHaveReachedCallee: boolean;
  /** The callee's `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** What was thrown, for the span's exception event and the final error's cause. */
  readonly error: unknown;
}

/**
 * A callee sets `No-Effect: true` on an error answer that guarantees the request changed nothing (an injected
 * fault, overload shedding, validation). With it, a caller whose every attempt got such answers knows the call did
 * nothing (`unreachable`), not that its outcome is unknown, and can undo its own side of the work at once.
 */
export const NO_EFFECT_HEADER = 'no-effect';

/** Overloaded or restarting: the answer may differ next time. 500 is an answer (a bug does not heal by retrying). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Failures that happen before a request is written: the callee cannot have acted on it. */
const NOT_SENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds; undefined when absent or unparseable. */
export const parseRetryAfterMs = (value: string | null, now = Date.now()): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

export const classifyResponse = (status: number, headers: Headers): AttemptOutcome => {
  const retryable = RETRYABLE_STATUSES.has(status);
  return {
    status,
    errorType: status >= 400 ? String(status) : undefined,
    retryReason: retryable ? (String(status) as RetryReason) : undefined,
    mayHaveReachedCallee: !(status >= 400 && headers.get(NO_EFFECT_HEADER) === 'true'),
    retryAfterMs: retryable ? parseRetryAfterMs(headers.get('retry-after')) : undefined,
    error: undefined,
  };
};

/** Which of the attempt's signals stopped it, if one did. */
export type AbortCause = 'attempt_timeout' | 'deadline_exceeded' | 'canceled' | undefined;

/** The socket error codes fetch wraps: `TypeError: fetch failed` with `cause.code`, or an AggregateError of them. */
const errorCodes = (error: unknown): string[] => {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (typeof cause !== 'object' || cause === null) return [];
  const { code, errors } = cause as { code?: unknown; errors?: unknown };
  const nested = Array.isArray(errors) ? errors.map((inner) => (inner as { code?: unknown }).code) : [];
  return [code, ...nested].filter((value): value is string => typeof value === 'string');
};

export const classifyError = (error: unknown, abortCause: AbortCause): AttemptOutcome => {
  const failed = { status: undefined, retryAfterMs: undefined, error };
  switch (abortCause) {
    case 'attempt_timeout':
      // The request was sent: the callee may be working on it right now.
      return { ...failed, errorType: 'timeout', retryReason: 'timeout', mayHaveReachedCallee: true };
    case 'deadline_exceeded':
      return { ...failed, errorType: 'deadline_exceeded', retryReason: undefined, mayHaveReachedCallee: true };
    case 'canceled':
      return { ...failed, errorType: 'canceled', retryReason: undefined, mayHaveReachedCallee: true };
    case undefined: {
      const codes = errorCodes(error);
      const notSent = codes.length > 0 && codes.every((code) => NOT_SENT_ERROR_CODES.has(code));
      const errorType = codes[0] ?? (error instanceof Error ? error.name : '_OTHER');
      return { ...failed, errorType, retryReason: 'network_error', mayHaveReachedCallee: !notSent };
    }
  }
};

export interface OutgoingHeadersOptions {
  /** Trace context (the attempt's own span when tracing), baggage and `x-request-id` to propagate. */
  readonly propagation: Context;
  /** Sets `content-type: application/json`. */
  readonly hasJsonBody: boolean;
  readonly idempotencyKey: string | undefined;
  /** What is left of the request's deadline; `Infinity` sends no deadline. */
  readonly remainingMs: number;
}

/**
 * Every header of an outgoing attempt, each set exactly once: `accept`, `content-type`, `idempotency-key`,
 * `grpc-timeout` (the remaining deadline), and through the propagator `traceparent`, `tracestate`, `baggage`, B3
 * (`x-b3-*`, for Envoy's Zipkin tracer) and `x-request-id`.
 */
export const outgoingHeaders = ({
  propagation,
  hasJsonBody,
  idempotencyKey,
  remainingMs,
}: OutgoingHeadersOptions): Headers => {
  const headers = new Headers({ accept: 'application/json' });
  injectOutgoing(propagation, headers);
  if (hasJsonBody) headers.set('content-type', 'application/json');
  if (idempotencyKey !== undefined) headers.set(IDEMPOTENCY_KEY_HEADER, idempotencyKey);
  if (Number.isFinite(remainingMs)) headers.set(DEADLINE_HEADER, formatTimeoutHeader(remainingMs));
  return headers;
};
