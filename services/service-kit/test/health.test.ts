/**
 * Health semantics: `/health/ready` depends on the readiness checks and the drain only; dependency checks show in
 * `/health` and never change a status; while draining nothing runs; a dependency's state is what its calls showed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { createHealth, type HealthCheck, HealthCheckError, observeCalls } from '../src/health.ts';
import { NO_TELEMETRY } from '../src/instrumentation.ts';
import type { AttemptOutcome, OutgoingAttempt } from '../src/outgoing-attempt.ts';

const ok: HealthCheck = async () => {};
const down: HealthCheck = async () => {
  throw new HealthCheckError('unreachable');
};
const leaky: HealthCheck = async () => {
  throw new Error('connect ECONNREFUSED postgres://mesh:secret@10.0.0.1/orders');
};

const appWith = (options: Parameters<typeof createHealth>[0]) => {
  const app = new Hono();
  createHealth({ cacheMs: 0, ...options }).mount(app);
  const get = async (path: string) => {
    const response = await app.request(path);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return get;
};

describe('health', () => {
  it('stays ready while every dependency is down, and shows them in /health only', async () => {
    const get = appWith({
      checks: { database: ok },
      dependencyChecks: { 'user-service': down, 'payment-service': ok },
      isDraining: () => false,
    });
    const ready = await get('/health/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ok');
    assert.deepEqual(Object.keys(ready.body.checks as object), ['database']);
    assert.equal(ready.body.dependencies, undefined);

    const summary = await get('/health');
    assert.equal(summary.status, 200);
    assert.equal(summary.body.status, 'ok');
    const dependencies = summary.body.dependencies as Record<string, { status: string; error?: string }>;
    assert.equal(dependencies['user-service']?.status, 'failed');
    assert.equal(dependencies['user-service']?.error, 'unreachable');
    assert.equal(dependencies['payment-service']?.status, 'ok');

    assert.equal((await get('/health/live')).status, 200);
  });

  it('is unready when its own database fails, without leaking the error message', async () => {
    const get = appWith({
      checks: { database: leaky },
      dependencyChecks: { 'user-service': ok },
      isDraining: () => false,
    });
    for (const path of ['/health/ready', '/health']) {
      const response = await get(path);
      assert.equal(response.status, 503);
      assert.equal(response.body.status, 'unavailable');
      const checks = response.body.checks as Record<string, { status: string; error?: string }>;
      assert.deepEqual(checks.database?.status, 'failed');
      assert.equal(checks.database?.error, 'Error');
      assert.ok(!JSON.stringify(response.body).includes('secret'));
    }
  });

  it('reports draining at once, without running any check', async () => {
    let runs = 0;
    const counted: HealthCheck = async () => {
      runs++;
    };
    const get = appWith({
      checks: { database: counted },
      dependencyChecks: { other: counted },
      isDraining: () => true,
    });
    for (const path of ['/health/ready', '/health']) {
      const response = await get(path);
      assert.equal(response.status, 503);
      assert.equal(response.body.status, 'draining');
    }
    assert.equal(runs, 0);
    assert.equal((await get('/health/live')).status, 200);
  });

  it('shares one round of checks between concurrent probes', async () => {
    let runs = 0;
    const slow: HealthCheck = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const health = createHealth({ checks: { database: slow }, isDraining: () => false, cacheMs: 60_000 });
    await Promise.all(Array.from({ length: 10 }, () => health.readiness()));
    await health.readiness();
    assert.equal(runs, 1);
  });

  describe('observed calls', () => {
    const attempt: OutgoingAttempt = {
      peerService: 'user-service',
      method: 'GET',
      route: '/users/:id',
      url: new URL('http://127.0.0.1:1/users/1'),
      resendCount: 0,
    };
    const outcome = (status: number | undefined, errorType: string | undefined): AttemptOutcome => ({
      status,
      errorType,
      retryReason: undefined,
      mayHaveReachedCallee: status !== undefined,
      retryAfterMs: undefined,
      error: undefined,
    });

    it('reports the last call: none yet, an answer (even a 404), a failure, a recovery', async () => {
      let clock = 1_000_000;
      const calls = observeCalls(() => clock);
      const telemetry = calls.observe(NO_TELEMETRY);
      const call = (result: AttemptOutcome) => telemetry.client.attempt(attempt, async () => result);
      const signal = new AbortController().signal;

      assert.equal(await calls.check(signal), 'no call yet');
      await call(outcome(404, '404'));
      clock += 3000;
      assert.equal(await calls.check(signal), 'last call 3 s ago');
      await call(outcome(undefined, 'ECONNREFUSED'));
      await assert.rejects(calls.check(signal), { name: 'HealthCheckError', message: /failed 0 s ago: ECONNREFUSED/ });
      await call(outcome(503, '503'));
      await assert.rejects(calls.check(signal), /503/);
      // Our own caller going away says nothing about the dependency.
      await call(outcome(undefined, 'canceled'));
      assert.equal(await calls.check(signal), 'last call 0 s ago');
      await call(outcome(200, undefined));
      assert.equal(await calls.check(signal), 'last call 0 s ago');
    });

    it('passes the outcome through unchanged and keeps the rest of the telemetry', async () => {
      const calls = observeCalls();
      const telemetry = calls.observe(NO_TELEMETRY);
      const result = outcome(201, undefined);
      assert.equal(await telemetry.client.attempt(attempt, async () => result), result);
      assert.equal(telemetry.serverMiddleware, NO_TELEMETRY.serverMiddleware);
      assert.equal(telemetry.client.retried, NO_TELEMETRY.client.retried);
    });

    it('shows in /health without gating it', async () => {
      const calls = observeCalls();
      await calls.observe(NO_TELEMETRY).client.attempt(attempt, async () => outcome(undefined, 'timeout'));
      const get = appWith({
        checks: { database: ok },
        dependencyChecks: { 'user-service': calls.check },
        isDraining: () => false,
      });
      const summary = await get('/health');
      assert.equal(summary.status, 200);
      const dependencies = summary.body.dependencies as Record<string, { status: string; error?: string }>;
      assert.equal(dependencies['user-service']?.status, 'failed');
      assert.match(dependencies['user-service']?.error ?? '', /timeout/);
      assert.equal((await get('/health/ready')).status, 200);
    });
  });
});
