/**
 * runService's shutdown, in process on real loopback ports: readiness reports `draining` on the admin port at once,
 * a request that outlives the grace period is cut when it ends (the drain is bounded), the service's resources are
 * released once, and the last log line says how long the drain took.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { pino } from 'pino';
import { eventually } from '../../../test/support/eventually.ts';
import { runService } from '../src/server.ts';

/** Far longer than the grace period: only the bound can end the drain in time. */
const SLOW_REQUEST_MS = 30_000;
const SHUTDOWN_GRACE_MS = 300;

const capturedLogger = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
};

describe('runService shutdown', () => {
  it('reports draining at once, cuts what outlives the grace period, releases resources once', async () => {
    const { logger, lines } = capturedLogger();
    const publicApp = new Hono();
    let slowStarted = false;
    publicApp.get('/slow', async (c) => {
      slowStarted = true;
      await sleep(SLOW_REQUEST_MS, undefined, { ref: false });
      return c.text('too late');
    });
    let closed = 0;
    const running = await runService({
      logger,
      publicApp,
      adminApp: new Hono(),
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      shutdownGraceMs: SHUTDOWN_GRACE_MS,
      readinessChecks: { database: async () => {} },
      close: async () => {
        closed++;
      },
      exitOnShutdown: false,
    });
    const admin = `http://127.0.0.1:${running.adminPort}`;
    assert.equal((await fetch(`${admin}/health/ready`)).status, 200);

    const slow = fetch(`http://127.0.0.1:${running.publicPort}/slow`).then(
      (response) => response.status,
      (error: unknown) => error as Error,
    );
    await eventually('the slow request in its handler', async () => (slowStarted ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 10,
    });

    const startedAt = performance.now();
    const stopping = running.shutdown('test');
    assert.equal(running.shutdown('again'), stopping, 'a second shutdown joins the first');
    const draining = await fetch(`${admin}/health/ready`);
    assert.equal(draining.status, 503);
    assert.deepEqual(await draining.json(), { status: 'draining', checks: {} });

    await stopping;
    const tookMs = performance.now() - startedAt;
    assert.ok(tookMs < SLOW_REQUEST_MS / 3, `the shutdown waited ${Math.round(tookMs)} ms`);
    assert.ok((await slow) instanceof Error, 'the request that outlived the grace period was not cut');
    assert.equal(closed, 1);
    assert.ok(lines.some((line) => line.msg === 'grace period over: closed the remaining connections'));
    const stopped = lines.at(-1);
    assert.equal(stopped?.msg, 'stopped');
    assert.ok(typeof stopped?.drainMs === 'number' && stopped.drainMs >= SHUTDOWN_GRACE_MS);
  });
});
