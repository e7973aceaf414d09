/**
 * @module Health endpoints, the same on the public and the admin port:
 *
 * - `/health/live`: the process runs. Always 200.
 * - `/health/ready`: this process can serve: its readiness checks (its own database) pass and it is not draining.
 *   200 `{ status: 'ok' }`, else 503 `{ status: 'unavailable' | 'draining' }`, with each check's result. Nothing
 *   else gates it: a dependency that is down must not take this process out of its load balancer, or one failing
 *   service turns every caller unready and the whole public API (reads included) into the load balancer's 503s.
 * - `/health`: the summary for people and dashboards: the readiness report plus `dependencies`, the state of each
 *   service it calls. Its `status` and HTTP status are exactly those of `/health/ready`; a failing dependency shows
 *   only in `dependencies` (and in the client metrics), because the process still serves: reads work, and writes
 *   that need the dependency answer 503 problem+json themselves.
 *
 * A dependency's state is what this service's own calls to it showed ({@link observeCalls}), not a probe: probing
 * would add traffic, and an edge that mesh policies would have to allow only for the probe.
 *
 * Reports are cached briefly so that many probes cost one round of checks; while draining no check runs.
 */

import { HEALTH_PATHS } from '@mesh-stack/stack';
import type { Env, Hono } from 'hono';
import type { ServiceTelemetry } from './instrumentation.ts';
import type { AttemptOutcome } from './outgoing-attempt.ts';

/**
 * Resolves when the thing it checks answers, optionally with a short detail for the report; rejects (or aborts on
 * `signal`) when it does not.
 */
export type HealthCheck = (signal: AbortSignal) => Promise<string | undefined> | Promise<void>;

/** A failed check whose message is safe to show in the report (other errors show only their name). */
export class HealthCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HealthCheckError';
  }
}

export interface CheckResult {
  readonly status: 'ok' | 'failed';
  readonly durationMs: number;
  /** What an `ok` check adds, e.g. `last call 3 s ago`. */
  readonly detail?: string;
  /** A short reason; never a connection string or a stack. */
  readonly error?: string;
}

export type CheckResults = Readonly<Record<string, CheckResult>>;

export interface HealthReport {
  readonly status: 'ok' | 'unavailable' | 'draining';
  readonly checks: CheckResults;
}

/** `/health`: the readiness report, plus the informational dependency checks that never change its status. */
export interface HealthSummary extends HealthReport {
  readonly dependencies: CheckResults;
}

export interface HealthOptions {
  /** Gate readiness: the process's own resources (its database). */
  checks: Readonly<Record<string, HealthCheck>>;
  /** Shown in `/health` only; never gate readiness nor change any status (the services this one calls). */
  dependencyChecks?: Readonly<Record<string, HealthCheck>>;
  /** True once shutdown started: readiness fails at once, without running checks. */
  isDraining: () => boolean;
  /** @default 1000 */
  cacheMs?: number;
  /** Per check. @default 1000 */
  timeoutMs?: number;
}

export interface Health {
  readiness(): Promise<HealthReport>;
  summary(): Promise<HealthSummary>;
  /** Adds the three health routes to an app. */
  mount(app: Hono<Env>): void;
}

const runCheck = async (check: HealthCheck, timeoutMs: number): Promise<CheckResult> => {
  const startedAt = performance.now();
  const durationMs = () => Math.round(performance.now() - startedAt);
  try {
    const detail = await check(AbortSignal.timeout(timeoutMs));
    return { status: 'ok', durationMs: durationMs(), ...(typeof detail === 'string' ? { detail } : {}) };
  } catch (error) {
    // Database errors can carry hosts or connection strings: only messages written for the report are shown.
    const reason =
      error instanceof HealthCheckError
        ? error.message
        : error instanceof Error && error.name === 'TimeoutError'
          ? 'timed out'
          : error instanceof Error
            ? error.name
            : 'failed';
    return { status: 'failed', durationMs: durationMs(), error: reason };
  }
};

/** Runs a set of checks at most once per `cacheMs`; concurrent callers share one round instead of each running it. */
const cachedChecks = (
  checks: Readonly<Record<string, HealthCheck>>,
  cacheMs: number,
  timeoutMs: number,
): (() => Promise<CheckResults>) => {
  let cached: { results: CheckResults; expiresAt: number } | undefined;
  let inFlight: Promise<CheckResults> | undefined;
  const runAll = async (): Promise<CheckResults> =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
      ),
    );
  return async () => {
    if (cached && cached.expiresAt > performance.now()) {
      return cached.results;
    }
    inFlight ??= runAll().finally(() => {
      inFlight = undefined;
    });
    const results = await inFlight;
    cached = { results, expiresAt: performance.now() + cacheMs };
    return results;
  };
};

const DRAINING: HealthReport = { status: 'draining', checks: {} };

export const createHealth = ({
  checks,
  dependencyChecks = {},
  isDraining,
  cacheMs = 1000,
  timeoutMs = 1000,
}: HealthOptions): Health => {
  const readinessResults = cachedChecks(checks, cacheMs, timeoutMs);
  const dependencyResults = cachedChecks(dependencyChecks, cacheMs, timeoutMs);

  const readiness = async (): Promise<HealthReport> => {
    if (isDraining()) return DRAINING;
    const results = await readinessResults();
    // Draining may have begun while the checks ran: it wins.
    if (isDraining()) return DRAINING;
    const healthy = Object.values(results).every((result) => result.status === 'ok');
    return { status: healthy ? 'ok' : 'unavailable', checks: results };
  };

  const summary = async (): Promise<HealthSummary> => {
    if (isDraining()) return { ...DRAINING, dependencies: {} };
    const [report, dependencies] = await Promise.all([readiness(), dependencyResults()]);
    return { ...report, dependencies };
  };

  const mount = (app: Hono<Env>): void => {
    app.get(HEALTH_PATHS.live, (c) => c.json({ status: 'ok' }));
    app.get(HEALTH_PATHS.ready, async (c) => {
      const report = await readiness();
      return c.json(report, report.status === 'ok' ? 200 : 503);
    });
    app.get(HEALTH_PATHS.summary, async (c) => {
      const report = await summary();
      return c.json(report, report.status === 'ok' ? 200 : 503);
    });
  };

  return { readiness, summary, mount };
};

/** Whether an attempt's outcome says the dependency is failing. An answer, even a 4xx, means it serves. */
const failedAttempt = (outcome: AttemptOutcome): boolean =>
  outcome.status === undefined ? outcome.errorType !== 'canceled' : outcome.status >= 500;

export interface ObservedCalls {
  /** The telemetry to hand to the dependency's client: the same, with every attempt's outcome observed. */
  observe(telemetry: ServiceTelemetry): ServiceTelemetry;
  /** For `dependencyChecks`: failed when the last call failed; ok (with the last call's age) otherwise. */
  readonly check: HealthCheck;
}

/**
 * A dependency's state as this service's own calls to it showed: the last attempt's outcome. Costs no traffic and
 * needs no edge beyond the calls themselves.
 *
 * @example
 * const users = observeCalls();
 * const userClient = createServiceClient({ peerService: 'user-service', …, telemetry: users.observe(telemetry) });
 * await runService({ …, dependencyChecks: { 'user-service': users.check } });
 */
export const observeCalls = (now: () => number = Date.now): ObservedCalls => {
  let last: { at: number; failed: boolean; errorType: string | undefined } | undefined;
  const ago = (at: number) => `${Math.round((now() - at) / 1000)} s ago`;
  return {
    observe: (telemetry) => ({
      ...telemetry,
      client: {
        ...telemetry.client,
        attempt: async (attempt, send) => {
          const outcome = await telemetry.client.attempt(attempt, send);
          last = { at: now(), failed: failedAttempt(outcome), errorType: outcome.errorType };
          return outcome;
        },
      },
    }),
    check: async () => {
      if (last === undefined) return 'no call yet';
      if (last.failed) throw new HealthCheckError(`last call failed ${ago(last.at)}: ${last.errorType ?? 'error'}`);
      return `last call ${ago(last.at)}`;
    },
  };
};
