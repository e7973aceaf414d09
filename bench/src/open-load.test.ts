import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openLoad } from './open-load.ts';

/**
 * A server that holds every response while a stall is on, as a GC pause or a blocked loop would, and fails the
 * requests whose path says so.
 */
describe('openLoad (open model, latency from the intended send time)', () => {
  let server: Server;
  let url: string;
  let stalledUntil = 0;
  let received = 0;

  before(async () => {
    server = createServer((request, response) => {
      received++;
      const answer = () =>
        request.url === '/fail' ? response.writeHead(500).end() : response.writeHead(200).end('{}');
      const wait = stalledUntil - performance.now();
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the whole schedule and counts what failed', async () => {
    received = 0;
    const ok = await openLoad({ url: `${url}/` }, 100, 4, 0.5);
    assert.equal(received, 50);
    assert.equal(ok.failures, 0);
    assert.equal(ok.throughput, 100);
    const failed = await openLoad({ url: `${url}/fail` }, 100, 4, 0.2);
    assert.equal(failed.failures, 20);
    assert.equal(failed.throughput, 0);
  });

  it('puts a stall into the latency of every request that was due during it, not only the one in flight', async () => {
    // 200 requests over 1 s on one connection; a 200 ms stall starts after 100 ms. Measured from the actual send,
    // only the request in flight when it began would look slow. Measured from when each was due, the ~40 requests
    // due during the stall wait until its end: a fifth of the run at 0-200 ms, so the p99 lands among them.
    const stallMs = 200;
    setTimeout(() => {
      stalledUntil = performance.now() + stallMs;
    }, 100);
    const result = await openLoad({ url: `${url}/` }, 200, 1, 1);
    assert.equal(result.failures, 0);
    assert.ok(result.p99Ms >= stallMs / 2, `p99 ${result.p99Ms} ms`);
    assert.ok(result.maxMs >= result.p99Ms);
    assert.ok(result.queuedAtStart > 0, 'requests due during the stall found the only socket busy');
  });
});
