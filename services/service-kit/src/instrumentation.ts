/**
 * @module The seams where telemetry plugs into the kit. The kit itself records nothing: it calls a
 * {@link ServiceTelemetry} handed to it explicitly (`createServiceApp({ logger, telemetry })`,
 * `createServiceClient({ …, telemetry })`, `runService({ …, telemetry })`). `setupTelemetry()` builds the real one;
 * {@link NO_TELEMETRY} is the default, so an app built in a unit test needs no telemetry and nothing depends on
 * what was started first.
 */
import type { Context } from '@opentelemetry/api';
import type { Env, Hono, MiddlewareHandler } from 'hono';
import type { LogEvent } from 'kysely';
import type { AttemptOutcome, OutgoingAttempt } from './outgoing-attempt.ts';
import { inboundContext } from './request-context.ts';
import type { BusinessTelemetry } from './telemetry/business.ts';
import type { RetryReason } from './telemetry/contract.ts';

export interface RetryEvent {
  readonly peerService: string;
  readonly route: string;
  readonly reason: RetryReason;
  /** The attempt that failed (0-based) and the delay before the next one. */
  readonly resendCount: number;
  readonly delayMs: number;
}

/** Telemetry of the client: one span and one duration sample per attempt, one count per retry. */
export interface ClientTelemetry {
  /**
   * Runs one attempt. `send` gets the context to propagate (with the attempt's own span when tracing) and returns
   * the classified outcome; the span ends when it settles.
   */
  attempt(attempt: OutgoingAttempt, send: (propagation: Context) => Promise<AttemptOutcome>): Promise<AttemptOutcome>;
  /** Called once for every attempt that is going to be retried. */
  retried(event: RetryEvent): void;
}

export interface ServiceTelemetry {
  /** Runs on every public and admin app, inside the request context and before routing (server spans, metrics). */
  readonly serverMiddleware: readonly MiddlewareHandler[];
  readonly client: ClientTelemetry;
  /** Kysely's `log` hook for database spans and metrics; receives every query and error with its duration. */
  readonly databaseLog: ((event: LogEvent) => void) | undefined;
  /** Fields merged into every log line (trace_id, span_id). */
  readonly logMixin: (() => Record<string, unknown>) | undefined;
  /** Business outcomes (orders, payments), fault settings and business span events. */
  readonly business: BusinessTelemetry;
  /** Adds routes to the admin app (`GET /metrics`). */
  readonly mountAdminRoutes: (admin: Hono<Env>) => void;
  /** Flushes and stops telemetry during graceful shutdown, after requests drained and before the database closes. */
  readonly shutdown: () => Promise<void>;
}

export const NO_BUSINESS_TELEMETRY: BusinessTelemetry = {
  orderPlaced: () => {},
  paymentProcessed: () => {},
  faultSettings: () => {},
  step: () => {},
  annotate: () => {},
};

/** Records nothing; still propagates the caller's trace context and request id on outgoing calls. */
export const NO_TELEMETRY: ServiceTelemetry = {
  serverMiddleware: [],
  client: {
    attempt: (_attempt, send) => send(inboundContext()),
    retried: () => {},
  },
  databaseLog: undefined,
  logMixin: undefined,
  business: NO_BUSINESS_TELEMETRY,
  mountAdminRoutes: () => {},
  shutdown: async () => {},
};
