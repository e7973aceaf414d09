/**
 * Health semantics: `/health/ready` depends on the readiness checks and the drain only; dependency checks show in
 * `/health` and never change a status; while draining nothing runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { createHealth, type HealthCheck, HealthCheckError } from '../src/health.ts';

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
});
