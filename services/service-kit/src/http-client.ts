/**
 * @module The resilient client for service-to-service calls. Each call has an overall deadline; each attempt has
 * its own timeout; failed attempts are retried with exponential backoff and full jitter, but only when a retry
 * is safe (GET, or a POST carrying an `Idempotency-Key`) and only on network errors, timeouts, 429, 502, 503 and
 * 504. `Retry-After` is honoured when it fits in the deadline.
 *
 * Every attempt goes through {@link sendAttempt}, wrapped once by the instrumentation (`wrapAttempt`): that is
 * where telemetry creates one client span per attempt. Inbound `x-request-id`/B3 headers are forwarded by
 * {@link headersToForward}.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { type AttemptFunction, type AttemptRequest, type Instrumentation, instrumentation } from './instrumentation.ts';
import { headersToForward } from './request-context.ts';
import type { RetryReason } from './telemetry/contract.ts';

export interface ServiceClientOptions {
  /** The called service, e.g. `payment-service`. */
  peerService: string;
  /** e.g. `http://127.0.0.1:8083` */
  baseUrl: string;
  /** Timeout of one attempt. @default 1000 */
  attemptTimeoutMs?: number;
  /** Budget for the whole call, retries and waits included. @default 3000 */
  deadlineMs?: number;
  /** Retries after the first attempt. @default 2 */
  retries?: number;
  /** Backoff: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs × 2ⁿ)] (full jitter). @default 50 */
  baseDelayMs?: number;
  /** @default 1000 */
  maxDelayMs?: number;
  /** @default the registered instrumentation */
  hooks?: Instrumentation;
}

export interface ServiceRequest {
  method: 'GET' | 'POST';
  /** Route template on the callee (`/users/:id`), for telemetry. */
  route: string;
  /** The concrete path (`/users/0190…`). */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Makes a POST safe to retry: the callee answers a repeat with the first result. */
  idempotencyKey?: string;
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or `undefined` for an empty or non-JSON body. */
  readonly body: unknown;
}

/**
 * The dependency gave no usable answer within the deadline.
 * - `unreachable`: no attempt reached it (connection refused, unresolvable): it did nothing.
 * - `unknown`: some attempt may have been processed (timeout, reset, 5xx): the effect is unknown.
 */
export class DependencyUnavailableError extends Error {
  readonly peerService: string;
  readonly outcome: 'unreachable' | 'unknown';
  /** What to tell our own caller in `Retry-After`. */
  readonly retryAfterSeconds: number;
  constructor(peerService: string, outcome: 'unreachable' | 'unknown', retryAfterSeconds: number, cause: unknown) {
    super(`${peerService} is unavailable (${outcome})`, { cause });
    this.name = 'DependencyUnavailableError';
    this.peerService = peerService;
    this.outcome = outcome;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

// Failures that happen before a request is written: the callee cannot have acted on it.
const NOT_SENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Default `Retry-After` we answer with when the dependency did not suggest one. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** One failed attempt: why it failed and whether the request can have reached the callee. */
class AttemptFailure extends Error {
  readonly reason: RetryReason;
  readonly notSent: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(reason: RetryReason, notSent: boolean, retryAfterMs: number | undefined, cause?: unknown) {
    super(`attempt failed: ${reason}`, { cause });
    this.name = 'AttemptFailure';
    this.reason = reason;
    this.notSent = notSent;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The single function that performs an HTTP attempt. Telemetry wraps it; nothing else calls `fetch`. */
export const sendAttempt: AttemptFunction = (request: AttemptRequest) =>
  fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    signal: request.signal,
    redirect: 'manual',
  });

const errorCodes = (error: unknown): string[] => {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (typeof cause !== 'object' || cause === null) return [];
  const { code, errors } = cause as { code?: unknown; errors?: unknown };
  const nested = Array.isArray(errors) ? errors.map((inner) => (inner as { code?: unknown }).code) : [];
  return [code, ...nested].filter((value): value is string => typeof value === 'string');
};

const classifyThrown = (error: unknown, signal: AbortSignal): AttemptFailure => {
  if (signal.aborted) {
    return new AttemptFailure('timeout', false, undefined, error);
  }
  const codes = errorCodes(error);
  const notSent = codes.length > 0 && codes.every((code) => NOT_SENT_ERROR_CODES.has(code));
  return new AttemptFailure('network_error', notSent, undefined, error);
};

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds; undefined when absent or unparseable. */
export const parseRetryAfterMs = (value: string | null, now = Date.now()): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

const parseJson = (text: string): unknown => {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * @example
 * const payments = createServiceClient({ peerService: 'payment-service', baseUrl: config.PAYMENT_SERVICE_URL });
 * const response = await payments.request({ method: 'POST', route: '/payments', path: '/payments',
 *   body: { orderId, amountMinor, currency }, idempotencyKey: orderId });
 */
export const createServiceClient = ({
  peerService,
  baseUrl,
  attemptTimeoutMs = 1000,
  deadlineMs = 3000,
  retries = 2,
  baseDelayMs = 50,
  maxDelayMs = 1000,
  hooks = instrumentation(),
}: ServiceClientOptions) => {
  const attempt = hooks.wrapAttempt(sendAttempt);

  const request = async ({ method, route, path, body, idempotencyKey }: ServiceRequest): Promise<ServiceResponse> => {
    const startedAt = performance.now();
    const deadline = AbortSignal.timeout(deadlineMs);
    const url = new URL(path, baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const retryable = method === 'GET' || idempotencyKey !== undefined;
    let everyAttemptNotSent = true;
    let retryAfterMs: number | undefined;

    const runAttempt = async (attemptNumber: number): Promise<ServiceResponse> => {
      const headers = new Headers({ accept: 'application/json' });
      for (const [name, value] of headersToForward()) {
        headers.set(name, value);
      }
      if (payload !== undefined) headers.set('content-type', 'application/json');
      if (idempotencyKey !== undefined) headers.set('idempotency-key', idempotencyKey);
      const signal = AbortSignal.any([AbortSignal.timeout(attemptTimeoutMs), deadline]);
      try {
        const response = await attempt({
          peerService,
          method,
          route,
          url,
          headers,
          body: payload,
          resendCount: attemptNumber - 1,
          signal,
        });
        everyAttemptNotSent = false;
        if (RETRYABLE_STATUSES.has(response.status)) {
          retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
          await response.body?.cancel();
          throw new AttemptFailure(String(response.status) as RetryReason, false, retryAfterMs);
        }
        return { status: response.status, headers: response.headers, body: parseJson(await response.text()) };
      } catch (error) {
        if (error instanceof AttemptFailure) throw error;
        const failure = classifyThrown(error, signal);
        everyAttemptNotSent &&= failure.notSent;
        throw failure;
      }
    };

    const backoffMs = (resendCount: number, failure: AttemptFailure): number => {
      const jittered = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** resendCount);
      return Math.max(jittered, failure.retryAfterMs ?? 0);
    };

    try {
      return await pRetry(runAttempt, {
        retries: retryable ? retries : 0,
        signal: deadline,
        // Delays are ours (full jitter, Retry-After), so p-retry's own backoff is off.
        minTimeout: 0,
        shouldRetry: async ({ error, attemptNumber }) => {
          if (!(error instanceof AttemptFailure)) return false;
          const delayMs = backoffMs(attemptNumber - 1, error);
          if (performance.now() + delayMs >= startedAt + deadlineMs) return false;
          hooks.onRetry({ peerService, route, reason: error.reason, resendCount: attemptNumber - 1, delayMs });
          await sleep(delayMs, undefined, { signal: deadline });
          return true;
        },
      });
    } catch (error) {
      const retryAfterSeconds = Math.max(DEFAULT_RETRY_AFTER_SECONDS, Math.ceil((retryAfterMs ?? 0) / 1000));
      throw new DependencyUnavailableError(
        peerService,
        everyAttemptNotSent ? 'unreachable' : 'unknown',
        retryAfterSeconds,
        error,
      );
    }
  };

  return { peerService, baseUrl, request };
};

export type ServiceClient = ReturnType<typeof createServiceClient>;
