/**
 * The bench's server-process protocol on real processes: a light server started as the bench starts it, its
 * probe (preloaded with `--import`) answering over IPC with event-loop delay, GC and memory, a reset that starts a
 * new window, and a clean stop that the IPC channel does not hold up.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type JsonChild, startJsonChild } from './processes.ts';

describe('bench server processes and their probe', () => {
  let server: JsonChild;

  before(async () => {
    server = await startJsonChild([join(import.meta.dirname, 'server-process.ts'), 'hono-bare']);
  });
  after(async () => {
    await server?.stop();
  });

  it('answers a sample with the process memory, its event-loop delay and GC since the last reset', async () => {
    assert.equal(typeof server.ready.port, 'number');
    await server.resetProbe();
    const response = await fetch(`http://127.0.0.1:${server.ready.port}/users/0190a6f2-7c1e-7000-8000-000000000042`);
    assert.equal(response.status, 200);
    const sample = await server.sampleProbe();
    assert.ok(sample, 'no probe answer');
    assert.ok(sample.memory.rss > sample.memory.heapUsed && sample.memory.heapUsed > 0);
    const { p50, p99, max } = sample.eventLoopDelayMs;
    assert.ok(Number.isFinite(p99) && p50 <= p99 && p99 <= max, JSON.stringify(sample.eventLoopDelayMs));
    assert.ok(sample.gc.count >= 0 && sample.gc.maxMs <= sample.gc.totalMs + 1e-9);
  });

  it('stops on SIGTERM with the IPC channel open', async () => {
    const other = await startJsonChild([join(import.meta.dirname, 'server-process.ts'), 'node-http']);
    assert.ok(await other.sampleProbe());
    await other.stop();
    // Exit code 0: it drained and exited on SIGTERM, not killed after the grace period (the channel did not hold it).
    assert.equal(other.child.exitCode, 0);
    assert.equal(await other.sampleProbe(), undefined, 'a stopped process answers nothing');
  });
});
