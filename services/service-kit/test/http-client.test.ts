/** The kit's resilient client against real local HTTP servers: what it retries, how long it waits, what it forwards. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServiceClient, DependencyUnavailableError, type ServiceClientOptions } from '../src/http-client.ts';
import { type AttemptRequest, NOOP_INSTRUMENTATION, type RetryEvent } from '../src/instrumentation.ts';
import { createLogger } from '../src/logger.ts';
import { createServiceApp } from '../src/service-app.ts';

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

type Script = (response: ServerResponse, attempt: number) => void;

const servers: { close(): void; closeAllConnections(): void }[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

/** A server that answers its n-th request with `script(response, n)` and records every request. */
const startServer = async (script: Script) => {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    request.resume();
    script(response, seen.length);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
};

const json = (response: ServerResponse, status: number, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ status }));
};

/** A client whose attempts and retries are recorded through the instrumentation seams. */
const recordingClient = (options: Omit<ServiceClientOptions, 'peerService' | 'hooks'>) => {
  const attempts: AttemptRequest[] = [];
  const retries: RetryEvent[] = [];
  const client = createServiceClient({
    peerService: 'test-service',
    baseDelayMs: 5,
    maxDelayMs: 20,
    ...options,
    hooks: {
      ...NOOP_INSTRUMENTATION,
      wrapAttempt: (attempt) => (request) => {
        attempts.push(request);
        return attempt(request);
      },
      onRetry: (event) => retries.push(event),
    },
  });
  return { client, attempts, retries };
};

const unusedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
};

describe('service client', () => {
  it('retries 502, 503 and 504 and returns the answer that follows', async () => {
    const statuses = [502, 503, 504, 200];
    const server = await startServer((response, attempt) => json(response, statuses[attempt - 1] ?? 500));
    const { client, attempts, retries } = recordingClient({ baseUrl: server.url, retries: 3 });
    const response = await client.request({ method: 'GET', route: '/things/:id', path: '/things/1' });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { status: 200 });
    assert.deepEqual(
      attempts.map((attempt) => attempt.resendCount),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      retries.map((retry) => retry.reason),
      ['502', '503', '504'],
    );
    assert.ok(retries.every((retry) => retry.route === '/things/:id'));
  });

  it('waits a full-jitter delay between 0 and min(cap, base × 2ⁿ)', async () => {
    const server = await startServer((response, attempt) => json(response, attempt < 4 ? 503 : 200));
    const { client, retries } = recordingClient({ baseUrl: server.url, retries: 3, baseDelayMs: 8, maxDelayMs: 20 });
    await client.request({ method: 'GET', route: '/x', path: '/x' });
    const caps = [8, 16, 20];
    retries.forEach((retry, index) => {
      assert.ok(retry.delayMs >= 0 && retry.delayMs <= (caps[index] ?? 0), `retry ${index}: ${retry.delayMs} ms`);
    });
  });

  it('does not retry other statuses: 500 and 4xx are answers', async () => {
    for (const status of [500, 400, 404, 422]) {
      const server = await startServer((response) => json(response, status));
      const { client, attempts } = recordingClient({ baseUrl: server.url });
      const response = await client.request({ method: 'GET', route: '/x', path: '/x' });
      assert.equal(response.status, status);
      assert.equal(attempts.length, 1, `status ${status}`);
    }
  });

  it('retries a POST only when it carries an Idempotency-Key, and sends the key on every attempt', async () => {
    const unsafe = await startServer((response) => json(response, 503));
    const withoutKey = recordingClient({ baseUrl: unsafe.url });
    await assert.rejects(
      withoutKey.client.request({ method: 'POST', route: '/payments', path: '/payments', body: { a: 1 } }),
      (error: unknown) => error instanceof DependencyUnavailableError && error.outcome === 'unknown',
    );
    assert.equal(withoutKey.attempts.length, 1);

    const safe = await startServer((response, attempt) => json(response, attempt === 1 ? 503 : 201));
    const withKey = recordingClient({ baseUrl: safe.url });
    const response = await withKey.client.request({
      method: 'POST',
      route: '/payments',
      path: '/payments',
      body: { a: 1 },
      idempotencyKey: 'order-1',
    });
    assert.equal(response.status, 201);
    assert.deepEqual(
      safe.seen.map((request) => request.headers['idempotency-key']),
      ['order-1', 'order-1'],
    );
    assert.equal(safe.seen[0]?.headers['content-type'], 'application/json');
  });

  it('reports "unreachable" when every attempt was refused: the callee did nothing', async () => {
    const { client, attempts, retries } = recordingClient({
      baseUrl: `http://127.0.0.1:${await unusedPort()}`,
      retries: 2,
    });
    await assert.rejects(
      client.request({ method: 'POST', route: '/payments', path: '/payments', body: {}, idempotencyKey: 'k' }),
      (error: unknown) => error instanceof DependencyUnavailableError && error.outcome === 'unreachable',
    );
    assert.equal(attempts.length, 3);
    assert.deepEqual(
      retries.map((retry) => retry.reason),
      ['network_error', 'network_error'],
    );
  });

  it('times out a slow attempt, retries it, and reports "unknown" since the callee may have acted', async () => {
    const server = await startServer((response) => {
      setTimeout(() => json(response, 200), 10_000).unref();
    });
    // Far apart, so a starved test process cannot blur "timed out" and "answered".
    const { client, retries } = recordingClient({ baseUrl: server.url, attemptTimeoutMs: 500, retries: 1 });
    await assert.rejects(
      client.request({ method: 'GET', route: '/slow', path: '/slow' }),
      (error: unknown) => error instanceof DependencyUnavailableError && error.outcome === 'unknown',
    );
    assert.deepEqual(
      retries.map((retry) => retry.reason),
      ['timeout'],
    );
    // The server (in this process) may read the second request only after the client gave up on it.
    const deadline = performance.now() + 5_000;
    while (server.seen.length < 2 && performance.now() < deadline) await sleep(20);
    assert.equal(server.seen.length, 2);
  });

  it('honours Retry-After on 429 and 503, and gives up at once when it does not fit in the deadline', async () => {
    const server = await startServer((response, attempt) =>
      attempt === 1 ? json(response, 429, { 'retry-after': '1' }) : json(response, 200),
    );
    const patient = recordingClient({ baseUrl: server.url, deadlineMs: 3000 });
    assert.equal((await patient.client.request({ method: 'GET', route: '/x', path: '/x' })).status, 200);
    assert.equal(patient.retries.length, 1);
    assert.ok((patient.retries[0]?.delayMs ?? 0) >= 1000, 'waited at least the Retry-After');

    const busy = await startServer((response) => json(response, 503, { 'retry-after': '30' }));
    const hurried = recordingClient({ baseUrl: busy.url, deadlineMs: 2000 });
    await assert.rejects(
      hurried.client.request({ method: 'GET', route: '/x', path: '/x' }),
      (error: unknown) => error instanceof DependencyUnavailableError && error.retryAfterSeconds === 30,
    );
    assert.equal(hurried.attempts.length, 1);
  });

  it('forwards the inbound x-request-id and B3 headers on outgoing calls', async () => {
    const server = await startServer((response) => json(response, 200));
    const { client } = recordingClient({ baseUrl: server.url });
    const app = createServiceApp({
      logger: createLogger({ service: 'test', level: 'silent' }),
      hooks: NOOP_INSTRUMENTATION,
    });
    app.get('/proxy', async (c) => {
      const response = await client.request({ method: 'GET', route: '/x', path: '/x' });
      return c.json({ status: response.status });
    });
    const response = await app.request('http://localhost/proxy', {
      headers: { 'x-request-id': 'req-42', b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1', 'x-other': 'no' },
    });
    assert.equal(response.status, 200);
    assert.equal(server.seen[0]?.headers['x-request-id'], 'req-42');
    assert.equal(server.seen[0]?.headers.b3, '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1');
    assert.equal(server.seen[0]?.headers['x-other'], undefined);
  });
});
