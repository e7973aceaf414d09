/**
 * @module The resilient client for service-to-service calls. A call lives within a deadline: the request's (what is
 * left of it when the call is made while serving a request), tightened by the call's own bound. Each attempt has
 * its own timeout; failed attempts are retried with exponential backoff and full jitter, but only when a retry is
 * safe (GET, or a POST carrying an `Idempotency-Key`), only for the failures {@link classifyResponse} and
 * {@link classifyError} mark retryable, and only while the next attempt can still start before the deadline.
 * `Retry-After` is honoured when it fits in the deadline. The callee is told what is left in `grpc-timeout`.
 *
 * Attempt timeouts and retries come from the call edge's budget in the stack map by default ({@link edgeBudget});
 * docs/resilience.md explains how they fit with the deadline and the mesh's route timeouts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type CallEdge, callEdge, type ServiceName } from '@mesh-stack/stack';
import { type Deadline, tightenDeadline } from './deadline.ts';
import { NO_TELEMETRY, type ServiceTelemetry } from './instrumentation.ts';
import {
  type AbortCause,
  type AttemptOutcome,
  classifyError,
  classifyResponse,
  type OutgoingAttempt,
  outgoingHeaders,
} from './outgoing-attempt.ts';
import { requestDeadline } from './request-context.ts';

/** How hard to try one route: the timeout of each attempt and how many retries may follow the first. */
export interface AttemptBudget {
  readonly attemptTimeoutMs: number;
  /** Retries after the first attempt (used only where a retry is safe). */
  readonly retries: number;
}

export interface ServiceClientOptions {
  /** The called service, e.g. `payment-service`. */
  peerService: string;
  /** e.g. `http://127.0.0.1:8083` */
  baseUrl: string;
  /** The budget of each route, or one for all: usually {@link edgeBudget}, the stack map's. */
  budget: AttemptBudget | ((method: ServiceRequest['method'], route: string) => AttemptBudget);
  /**
   * Upper bound of one call, retries and waits included, also when no request deadline applies (background work).
   * [default=what the attempts and backoff can take: timeout × attempts + maxDelayMs × retries]
   */
  callDeadlineMs?: number;
  /** Backoff: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs × 2ⁿ)] (full jitter). @default 50 */
  baseDelayMs?: number;
  /** @default 1000 */
  maxDelayMs?: number;
  /** @default {@link NO_TELEMETRY} */
  telemetry?: ServiceTelemetry;
}

export interface ServiceRequest {
  method: CallEdge['method'];
  /** Route template on the callee (`/users/:id`), for telemetry and the budget. */
  route: string;
  /** The concrete path (`/users/0190…`). */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Makes a POST safe to retry: the callee answers a repeat with the first result. */
  idempotencyKey?: string;
  /** [default=the deadline of the request being served, if any] */
  deadline?: Deadline;
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or `undefined` for an empty or non-JSON body. */
  readonly body: unknown;
}

/**
 * The dependency gave no usable answer within the deadline.
 * - `unreachable`: no attempt reached it (connection refused, unresolvable, or no time left for a first attempt):
 *   it did nothing.
 * - `unknown`: some attempt may have been processed (timeout, reset, 5xx): the effect is unknown.
 */
export class DependencyUnavailableError extends Error {
  readonly peerService: string;
  readonly outcome: 'unreachable' | 'unknown';
  /** What to tell our own caller in `Retry-After`. */
  readonly retryAfterSeconds: number;
  /** The last attempt's `error.type` (`503`, `timeout`, `deadline_exceeded`, `ECONNREFUSED`…), if one was made. */
  readonly lastErrorType: string | undefined;
  constructor(
    peerService: string,
    outcome: 'unreachable' | 'unknown',
    retryAfterSeconds: number,
    cause: unknown,
    lastErrorType?: string,
  ) {
    super(`${peerService} is unavailable (${outcome}${lastErrorType ? `, ${lastErrorType}` : ''})`, { cause });
    this.name = 'DependencyUnavailableError';
    this.peerService = peerService;
    this.outcome = outcome;
    this.retryAfterSeconds = retryAfterSeconds;
    this.lastErrorType = lastErrorType;
  }
}

/** Default `Retry-After` we answer with when the dependency did not suggest one. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * The stack map's budget for the calls `from` makes to `to` ({@link CallEdge.budget}); `overrides` (from config)
 * replace its values for every route. A route missing from the stack map throws: every call must be a known edge.
 * @example
 * budget: edgeBudget('order-service', 'payment-service', { attemptTimeoutMs: config.PAYMENT_SERVICE_TIMEOUT_MS })
 */
export const edgeBudget =
  (from: ServiceName, to: ServiceName, overrides: Partial<AttemptBudget> = {}) =>
  (method: CallEdge['method'], route: string): AttemptBudget => {
    const { budget } = callEdge(from, to, method, route);
    return {
      attemptTimeoutMs: overrides.attemptTimeoutMs ?? budget.attemptTimeoutMs,
      retries: overrides.retries ?? budget.clientRetries,
    };
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
 * Which signal stopped an attempt: the call's deadline (expired, or cancelled with our caller) before the attempt's
 * own; an attempt signal that aborted while the call's did not was stopped by its own timeout.
 */
const abortCause = (attemptAborted: boolean, deadline: Deadline): AbortCause => {
  if (deadline.signal.aborted) return deadline.remainingMs() <= 0 ? 'deadline_exceeded' : 'canceled';
  return attemptAborted ? 'attempt_timeout' : undefined;
};

/**
 * @example
 * const payments = createServiceClient({ peerService: 'payment-service', baseUrl: config.PAYMENT_SERVICE_URL,
 *   budget: edgeBudget('order-service', 'payment-service'), telemetry });
 * const response = await payments.request({ method: 'POST', route: '/payments', path: '/payments',
 *   body: { orderId, amountMinor, currency }, idempotencyKey: orderId });
 */
export const createServiceClient = ({
  peerService,
  baseUrl,
  budget,
  callDeadlineMs,
  baseDelayMs = 50,
  maxDelayMs = 1000,
  telemetry = NO_TELEMETRY,
}: ServiceClientOptions) => {
  const budgetOf = typeof budget === 'function' ? budget : () => budget;

  const request = async ({
    method,
    route,
    path,
    body,
    idempotencyKey,
    deadline: explicitDeadline,
  }: ServiceRequest): Promise<ServiceResponse> => {
    const { attemptTimeoutMs, retries } = budgetOf(method, route);
    const maxAttempts = method === 'GET' || idempotencyKey !== undefined ? retries + 1 : 1;
    const parent = explicitDeadline ?? requestDeadline();
    const deadline = tightenDeadline(parent, {
      timeoutMs: callDeadlineMs ?? attemptTimeoutMs * maxAttempts + maxDelayMs * (maxAttempts - 1),
      ...(parent ? { cancelled: () => parent.signal } : {}),
    });
    const url = new URL(path, baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let last: AttemptOutcome | undefined;
    let mayHaveReachedCallee = false;
    let retryAfterMs: number | undefined;

    try {
      // A plain loop rather than p-retry: the waits are ours (full jitter, at least the callee's Retry-After) and
      // every decision reads the deadline (no attempt and no wait that cannot end before it); p-retry would be left
      // with nothing to do but call this loop's body, its own backoff switched off.
      for (let resendCount = 0; resendCount < maxAttempts; resendCount++) {
        if (deadline.expired()) break;
        const attempt: OutgoingAttempt = { peerService, method, route, url, resendCount };
        // The attempt's own deadline inside the call's: its signal aborts on the attempt timeout or with the call,
        // and dispose() lets go of its timer and of its listener on the call's signal (docs/scaling.md "Memory").
        const attemptDeadline = tightenDeadline(deadline, {
          timeoutMs: attemptTimeoutMs,
          cancelled: () => deadline.signal,
        });
        const { signal } = attemptDeadline;
        let answer: ServiceResponse | undefined;
        const outcome = await telemetry.client.attempt(attempt, async (propagation) => {
          const headers = outgoingHeaders({
            propagation,
            hasJsonBody: payload !== undefined,
            idempotencyKey,
            // The callee's work is useless once this attempt stops waiting, whichever comes first.
            remainingMs: attemptDeadline.remainingMs(),
          });
          try {
            const response = await fetch(url, { method, headers, body: payload ?? null, signal, redirect: 'manual' });
            const classified = classifyResponse(response.status, response.headers);
            if (classified.retryReason === undefined) {
              const { status, headers: responseHeaders } = response;
              answer = { status, headers: responseHeaders, body: parseJson(await response.text()) };
            } else {
              await response.body?.cancel();
            }
            return classified;
          } catch (error) {
            answer = undefined;
            return classifyError(error, abortCause(signal.aborted, deadline));
          } finally {
            attemptDeadline.dispose();
          }
        });
        if (answer !== undefined) return answer;
        last = outcome;
        mayHaveReachedCallee ||= outcome.mayHaveReachedCallee;
        retryAfterMs = outcome.retryAfterMs ?? retryAfterMs;
        if (outcome.retryReason === undefined || resendCount + 1 >= maxAttempts) break;
        const jitteredMs = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** resendCount);
        const delayMs = Math.max(jitteredMs, outcome.retryAfterMs ?? 0);
        if (delayMs >= deadline.remainingMs()) break;
        telemetry.client.retried({ peerService, route, reason: outcome.retryReason, resendCount, delayMs });
        try {
          await sleep(delayMs, undefined, { signal: deadline.signal });
        } catch {
          break;
        }
      }

      const retryAfterSeconds = Math.max(DEFAULT_RETRY_AFTER_SECONDS, Math.ceil((retryAfterMs ?? 0) / 1000));
      throw new DependencyUnavailableError(
        peerService,
        mayHaveReachedCallee ? 'unknown' : 'unreachable',
        retryAfterSeconds,
        last?.error ?? new Error(last ? `answered ${last.status}` : 'no time left for an attempt'),
        last?.errorType ?? (deadline.remainingMs() <= 0 ? 'deadline_exceeded' : 'canceled'),
      );
    } finally {
      // The call's signal holds a timer and a listener on the request's: both go with the call.
      deadline.dispose();
    }
  };

  return { peerService, baseUrl, request };
};

export type ServiceClient = ReturnType<typeof createServiceClient>;
