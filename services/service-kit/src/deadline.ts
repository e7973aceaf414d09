/**
 * @module Deadlines: how long the work of one request may still take, and the header that carries what is left of
 * it to the next hop. docs/resilience.md explains how the deadline, the client's attempt timeouts and retries, and
 * the mesh's route timeouts fit together.
 *
 * The header is gRPC's `grpc-timeout` (https://grpc.github.io/grpc/core/md_doc__p_r_o_t_o_c_o_l-_h_t_t_p2.html):
 * a relative duration, so the clocks of caller and callee never have to agree; the most widely implemented deadline
 * propagation format (every gRPC library, Envoy, Connect); and a strict grammar (at most 8 digits and a unit) that
 * bounds what a caller can send. Plain HTTP has no standard for it: Envoy's `x-envoy-expected-rq-timeout-ms` is set
 * by Envoy only (and not by Linkerd), and Connect's `Connect-Timeout-Ms` is known to fewer implementations.
 */

/** Carries the caller's remaining budget to the callee. */
export const DEADLINE_HEADER = 'grpc-timeout';

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
const TIMEOUT_PATTERN = /^(\d{1,8})([HMSmun])$/;
const MAX_TIMEOUT_VALUE = 99_999_999;
/** Longer than Node's largest timer (about 24.8 days) is as good as no deadline. */
const MAX_TIMER_MS = 2_147_483_647;

/** A `grpc-timeout` value in milliseconds; undefined when absent or not in the grammar (it is then ignored). */
export const parseTimeoutHeader = (value: string | null | undefined): number | undefined => {
  if (value === null || value === undefined) return undefined;
  const match = TIMEOUT_PATTERN.exec(value.trim());
  if (match === null) return undefined;
  const [, digits = '', unit = ''] = match;
  return Number(digits) * (UNIT_MS[unit] ?? Number.NaN);
};

/** `remainingMs` as a `grpc-timeout` value: whole milliseconds rounded up (never 0, which would mean "none left"). */
export const formatTimeoutHeader = (remainingMs: number): string => {
  const ms = Math.max(1, Math.ceil(remainingMs));
  if (ms <= MAX_TIMEOUT_VALUE) return `${ms}m`;
  return `${Math.min(MAX_TIMEOUT_VALUE, Math.ceil(ms / 1000))}S`;
};

/**
 * When the work for one request must be done by, and the signal that stops it. Times are on the monotonic
 * `performance.now()` clock, so a wall-clock step never moves a deadline.
 */
export interface Deadline {
  /** `performance.now()` value at which the caller stops waiting; `Infinity` when there is no deadline. */
  readonly expiresAt: number;
  /** Milliseconds left (0 once expired; `Infinity` without a deadline). */
  remainingMs(): number;
  /** The time is up, or the caller went away: nobody waits for the result any more. */
  expired(): boolean;
  /**
   * Aborts when the deadline passes or the caller goes away (client disconnect). Pass it to downstream calls and
   * database work that should stop with the request. Created on first use.
   */
  readonly signal: AbortSignal;
  /** The work is over: lets go of the signal's timer and of its listener on the caller's signal. Idempotent. */
  dispose(): void;
}

export interface DeadlineOptions {
  /** [default=no deadline] */
  readonly timeoutMs?: number;
  /** Aborts when the caller goes away, e.g. Hono's `c.req.raw.signal`; read on first use of `signal`. */
  readonly cancelled?: () => AbortSignal;
  /** [default=performance.now] */
  readonly now?: () => number;
}

/**
 * @example
 * const deadline = createDeadline({ timeoutMs: 8000, cancelled: () => c.req.raw.signal });
 * if (deadline.expired()) return; // the caller is gone: do nothing it can no longer use
 */
export const createDeadline = ({ timeoutMs, cancelled, now = () => performance.now() }: DeadlineOptions): Deadline => {
  const expiresAt = timeoutMs === undefined ? Number.POSITIVE_INFINITY : now() + Math.max(0, timeoutMs);
  const remainingMs = () => Math.max(0, expiresAt - now());
  let signal: AbortSignal | undefined;
  let release = () => {};
  return {
    expiresAt,
    remainingMs,
    expired: () => remainingMs() <= 0 || (cancelled?.().aborted ?? false),
    // One controller, one timer and one listener on the caller's signal, all let go by dispose(). Not
    // `AbortSignal.any([caller, AbortSignal.timeout()])`: Node keeps such a composite alive through its sources, and
    // order-service's heap grew by one AbortSignal with its Set and WeakRefs per order for ever (docs/scaling.md).
    get signal() {
      if (signal === undefined) {
        const controller = new AbortController();
        signal = controller.signal;
        const caller = cancelled?.();
        if (caller?.aborted) {
          controller.abort(caller.reason);
          return signal;
        }
        let timer: NodeJS.Timeout | undefined;
        const onCancel = () => abort(caller?.reason);
        release = () => {
          clearTimeout(timer);
          caller?.removeEventListener('abort', onCancel);
        };
        const abort = (reason: unknown) => {
          release();
          controller.abort(reason);
        };
        const remaining = remainingMs();
        if (remaining <= MAX_TIMER_MS) {
          const timeout = () => abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
          // Unreferenced: a pending deadline never keeps a process from exiting.
          timer = setTimeout(timeout, Math.ceil(remaining)).unref();
        }
        caller?.addEventListener('abort', onCancel, { once: true });
      }
      return signal;
    },
    dispose: () => release(),
  };
};

/** The tighter of a deadline and a new budget from now: a deadline can be shortened on the way down, never extended. */
export const tightenDeadline = (deadline: Deadline | undefined, options: DeadlineOptions): Deadline => {
  const now = options.now ?? (() => performance.now());
  const timeoutMs =
    deadline === undefined || !Number.isFinite(deadline.expiresAt)
      ? options.timeoutMs
      : Math.min(options.timeoutMs ?? Number.POSITIVE_INFINITY, deadline.expiresAt - now());
  return createDeadline({ ...options, timeoutMs, now });
};
