/**
 * @module Health endpoints, the same on the public and the admin port: `/health/live` (the process runs),
 * `/health/ready` (its database and required dependencies answer, and it is not draining) and `/health` (the
 * readiness report with every check). The report is cached briefly so that many probes cost one round of checks.
 */
import type { Env, Hono } from 'hono';
import { HEALTH_PATHS } from './stack.ts';

/** Resolves when the thing it checks answers; rejects (or aborts on `signal`) when it does not. */
export type HealthCheck = (signal: AbortSignal) => Promise<void>;

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
  /** A short reason; never a connection string or a stack. */
  readonly error?: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'unavailable' | 'draining';
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export interface HealthOptions {
  checks: Readonly<Record<string, HealthCheck>>;
  /** True once shutdown started: readiness fails at once, without running checks. */
  isDraining: () => boolean;
  /** @default 1000 */
  cacheMs?: number;
  /** Per check. @default 1000 */
  timeoutMs?: number;
}

export interface Health {
  readiness(): Promise<HealthReport>;
  /** Adds the three health routes to an app. */
  mount(app: Hono<Env>): void;
}

const runCheck = async (check: HealthCheck, timeoutMs: number): Promise<CheckResult> => {
  const startedAt = performance.now();
  const durationMs = () => Math.round(performance.now() - startedAt);
  try {
    await check(AbortSignal.timeout(timeoutMs));
    return { status: 'ok', durationMs: durationMs() };
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

export const createHealth = ({ checks, isDraining, cacheMs = 1000, timeoutMs = 1000 }: HealthOptions): Health => {
  let cached: { report: HealthReport; expiresAt: number } | undefined;
  let inFlight: Promise<HealthReport> | undefined;

  const runChecks = async (): Promise<HealthReport> => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    const results = Object.fromEntries(entries);
    const healthy = entries.every(([, result]) => result.status === 'ok');
    return { status: healthy ? 'ok' : 'unavailable', checks: results };
  };

  const readiness = async (): Promise<HealthReport> => {
    if (isDraining()) {
      return { status: 'draining', checks: {} };
    }
    const now = performance.now();
    if (cached && cached.expiresAt > now) {
      return cached.report;
    }
    // Concurrent probes share one round of checks instead of each running their own.
    inFlight ??= runChecks().finally(() => {
      inFlight = undefined;
    });
    const report = await inFlight;
    cached = { report, expiresAt: performance.now() + cacheMs };
    return report;
  };

  const mount = (app: Hono<Env>): void => {
    app.get(HEALTH_PATHS.live, (c) => c.json({ status: 'ok' }));
    app.get(HEALTH_PATHS.ready, async (c) => {
      const report = await readiness();
      return c.json(report, report.status === 'ok' ? 200 : 503);
    });
    app.get(HEALTH_PATHS.summary, async (c) => {
      const report = await readiness();
      return c.json(report, report.status === 'ok' ? 200 : 503);
    });
  };

  return { readiness, mount };
};

/** A readiness check that asks another service's `/health/ready`, without retries: a probe must be quick. */
export const dependencyReadyCheck =
  (baseUrl: string): HealthCheck =>
  async (signal) => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${HEALTH_PATHS.ready}`, { signal });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new HealthCheckError('unreachable');
    }
    await response.body?.cancel();
    if (!response.ok) {
      throw new HealthCheckError(`not ready (status ${response.status})`);
    }
  };
