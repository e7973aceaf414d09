/**
 * @module The seams where telemetry plugs into the kit. The kit itself records nothing: it calls these hooks, which
 * are no-ops until the telemetry module registers real ones with {@link registerInstrumentation} (before `main.ts`
 * builds its app, e.g. from a `node --import` preload), the way OpenTelemetry's global providers work.
 */
import type { Env, Hono, MiddlewareHandler } from 'hono';
import type { LogEvent } from 'kysely';
import type { RetryReason } from './telemetry/contract.ts';

/** One HTTP attempt to a dependency, as the kit's client performs it. Headers may be added (trace context). */
export interface AttemptRequest {
  /** The called service, e.g. `payment-service` (`peer.service`). */
  readonly peerService: string;
  readonly method: 'GET' | 'POST';
  /** Route template on the callee, e.g. `/users/:id`: the only route value telemetry may use as a label. */
  readonly route: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string | undefined;
  /** 0 for the first attempt, then 1, 2…: OTel `http.request.resend_count`. */
  readonly resendCount: number;
  /** Aborts on the per-attempt timeout and on the overall deadline. */
  readonly signal: AbortSignal;
}

/** Sends one attempt; resolves with any HTTP response, rejects on network errors and timeouts. */
export type AttemptFunction = (request: AttemptRequest) => Promise<Response>;

export interface RetryEvent {
  readonly peerService: string;
  readonly route: string;
  readonly reason: RetryReason;
  /** The attempt that failed (0-based) and the delay before the next one. */
  readonly resendCount: number;
  readonly delayMs: number;
}

export interface Instrumentation {
  /** Runs outermost on every public and admin app, before routing (server spans, request metrics). */
  readonly serverMiddleware: readonly MiddlewareHandler[];
  /** Wraps the client's single attempt function: one client span and one duration sample per attempt. */
  readonly wrapAttempt: (attempt: AttemptFunction) => AttemptFunction;
  /** Called once for every attempt that is going to be retried. */
  readonly onRetry: (event: RetryEvent) => void;
  /** Kysely's `log` hook for database spans and metrics; receives every query and error with its duration. */
  readonly databaseLog: ((event: LogEvent) => void) | undefined;
  /** Fields merged into every log line (trace_id, span_id). */
  readonly logMixin: (() => Record<string, unknown>) | undefined;
  /** Adds routes to the admin app (`GET /metrics`). */
  readonly mountAdminRoutes: (admin: Hono<Env>) => void;
  /** Flushes and stops telemetry during graceful shutdown, after requests drained and before the database closes. */
  readonly shutdown: () => Promise<void>;
}

export const NOOP_INSTRUMENTATION: Instrumentation = {
  serverMiddleware: [],
  wrapAttempt: (attempt) => attempt,
  onRetry: () => {},
  databaseLog: undefined,
  logMixin: undefined,
  mountAdminRoutes: () => {},
  shutdown: async () => {},
};

let current: Instrumentation = NOOP_INSTRUMENTATION;

/** Installs the process-wide hooks. Call it once, before the app, client and database are created. */
export const registerInstrumentation = (hooks: Partial<Instrumentation>): void => {
  current = { ...NOOP_INSTRUMENTATION, ...hooks };
};

/** The hooks in force (the no-op set unless telemetry registered its own). */
export const instrumentation = (): Instrumentation => current;
