/** The kit's resilient client against real local HTTP servers: what it retries, how long it waits, what it forwards. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { createDeadline } from '../src/deadline.ts';
import { createServiceClient, DependencyUnavailableError, type ServiceClientOptions } from '../src/http-client.ts';
import { NO_TELEMETRY, type RetryEvent } from '../src/instrumentation.ts';
import { createLogger } from '../src/logger.ts';
import type { OutgoingAttempt } from '../src/outgoing-attempt.ts';
import { deadlineExpired, requestDeadline, requestDeadlineMiddleware } from '../src/request-context.ts';
import { createServiceApp } from '../src/service-app.ts';

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: readonly string[];
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
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      rawHeaders: request.rawHeaders,
    });
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

interface RecordingOptions extends Omit<ServiceClientOptions, 'peerService' | 'telemetry' | 'budget'> {
  /** @default 1000 */
  attemptTimeoutMs?: number;
  /** @default 2 */
  retries?: number;
}

/** A client whose attempts and retries are recorded through the telemetry seams. */
const recordingClient = ({ attemptTimeoutMs = 1000, retries: retryCount = 2, ...options }: RecordingOptions) => {
  const attempts: OutgoingAttempt[] = [];
  const retries: RetryEvent[] = [];
  const client = createServiceClient({
    peerService: 'test-service',
    baseDelayMs: 5,
    maxDelayMs: 20,
    budget: { attemptTimeoutMs, retries: retryCount },
    ...options,
    telemetry: {
      ...NO_TELEMETRY,
      client: {
        attempt: (attempt, send) => {
          attempts.push(attempt);
          return NO_TELEMETRY.client.attempt(attempt, send);
        },
        retried: (event) => retries.push(event),
      },
    },
  });
  return { client, attempts, retries };
};

const silentLogger = createLogger({ service: 'test', level: 'silent' });

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
    const patient = recordingClient({ baseUrl: server.url, callDeadlineMs: 3000 });
    assert.equal((await patient.client.request({ method: 'GET', route: '/x', path: '/x' })).status, 200);
    assert.equal(patient.retries.length, 1);
    assert.ok((patient.retries[0]?.delayMs ?? 0) >= 1000, 'waited at least the Retry-After');

    const busy = await startServer((response) => json(response, 503, { 'retry-after': '30' }));
    const hurried = recordingClient({ baseUrl: busy.url, callDeadlineMs: 2000 });
    await assert.rejects(
      hurried.client.request({ method: 'GET', route: '/x', path: '/x' }),
      (error: unknown) => error instanceof DependencyUnavailableError && error.retryAfterSeconds === 30,
    );
    assert.equal(hurried.attempts.length, 1);
  });

  it('sends traceparent, B3, x-request-id, baggage and the deadline exactly once each, built from the inbound request', async () => {
    const server = await startServer((response) => json(response, 200));
    const { client } = recordingClient({ baseUrl: server.url, attemptTimeoutMs: 60_000 });
    const app = createServiceApp({ logger: silentLogger });
    app.get('/proxy', async (c) => {
      const response = await client.request({ method: 'POST', route: '/x', path: '/x', body: {}, idempotencyKey: 'k' });
      return c.json({ status: response.status });
    });
    const traceId = '80f198ee56343ba864fe8b2a57d3eff7';
    const response = await app.request('http://localhost/proxy', {
      headers: {
        traceparent: `00-${traceId}-e457b5a2e4d86bd1-01`,
        'x-b3-traceid': traceId,
        'x-b3-spanid': 'e457b5a2e4d86bd1',
        'x-b3-sampled': '1',
        'x-request-id': 'req-42',
        baggage: 'tenant=acme',
        'grpc-timeout': '30S',
        'x-other': 'no',
      },
    });
    assert.equal(response.status, 200);
    const seen = server.seen[0];
    assert.ok(seen);
    const names = seen.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
    for (const name of [
      'traceparent',
      'x-b3-traceid',
      'x-b3-spanid',
      'x-b3-sampled',
      'x-request-id',
      'baggage',
      'grpc-timeout',
      'idempotency-key',
      'content-type',
      'accept',
    ]) {
      assert.equal(names.filter((seenName) => seenName === name).length, 1, `${name} in ${names.join(', ')}`);
    }
    // Without tracing, the caller's trace context passes through unchanged.
    assert.equal(seen.headers.traceparent, `00-${traceId}-e457b5a2e4d86bd1-01`);
    assert.equal(seen.headers['x-b3-traceid'], traceId);
    assert.equal(seen.headers['x-request-id'], 'req-42');
    assert.equal(seen.headers.baggage, 'tenant=acme');
    assert.equal(seen.headers['x-other'], undefined);
    const timeoutMs = Number(/^(\d+)m$/.exec(String(seen.headers['grpc-timeout']))?.[1]);
    assert.ok(timeoutMs > 0 && timeoutMs <= 30_000, `grpc-timeout ${seen.headers['grpc-timeout']}`);
  });

  it('drops inbound baggage that a baggage allow-list does not name', async () => {
    const server = await startServer((response) => json(response, 200));
    const { client } = recordingClient({ baseUrl: server.url });
    const app = createServiceApp({ logger: silentLogger, baggage: { allow: new Set(['tenant']) } });
    app.get('/proxy', async (c) =>
      c.json({ status: (await client.request({ method: 'GET', route: '/x', path: '/x' })).status }),
    );
    await app.request('http://localhost/proxy', { headers: { baggage: 'tenant=acme,user.email=ada%40example.com' } });
    assert.equal(server.seen[0]?.headers.baggage, 'tenant=acme');

    const closed = createServiceApp({ logger: silentLogger, baggage: { allow: new Set() } });
    closed.get('/proxy', async (c) =>
      c.json({ status: (await client.request({ method: 'GET', route: '/x', path: '/x' })).status }),
    );
    await closed.request('http://localhost/proxy', { headers: { baggage: 'tenant=acme' } });
    assert.equal(server.seen[1]?.headers.baggage, undefined);
  });
});

describe('service client deadlines', () => {
  it('makes no attempt once the deadline has passed, and says the callee did nothing', async () => {
    const server = await startServer((response) => json(response, 200));
    const { client, attempts } = recordingClient({ baseUrl: server.url });
    await assert.rejects(
      client.request({ method: 'GET', route: '/x', path: '/x', deadline: createDeadline({ timeoutMs: 0 }) }),
      (error: unknown) =>
        error instanceof DependencyUnavailableError &&
        error.outcome === 'unreachable' &&
        error.lastErrorType === 'deadline_exceeded',
    );
    assert.equal(attempts.length, 0);
    assert.equal(server.seen.length, 0);
  });

  it('bounds attempts by what is left of the deadline, not by the attempt timeout, and retries no further', async () => {
    const server = await startServer(() => {
      // Never answers: only a timeout ends the attempt.
    });
    // The attempt timeout and retries would allow a minute; the deadline allows 300 ms.
    const { client, attempts, retries } = recordingClient({
      baseUrl: server.url,
      attemptTimeoutMs: 60_000,
      retries: 5,
    });
    await assert.rejects(
      client.request({ method: 'GET', route: '/x', path: '/x', deadline: createDeadline({ timeoutMs: 300 }) }),
      (error: unknown) =>
        error instanceof DependencyUnavailableError &&
        error.outcome === 'unknown' &&
        error.lastErrorType === 'deadline_exceeded',
    );
    assert.equal(attempts.length, 1);
    assert.equal(retries.length, 0);
    const timeoutMs = Number(/^(\d+)m$/.exec(String(server.seen[0]?.headers['grpc-timeout']))?.[1]);
    assert.ok(timeoutMs > 0 && timeoutMs <= 300, `the callee was told ${server.seen[0]?.headers['grpc-timeout']}`);
  });

  it('does not wait for a retry that could only start after the deadline', async () => {
    const server = await startServer((response) => json(response, 503, { 'retry-after': '1' }));
    // Retries are allowed, but the Retry-After (1 s) is longer than the 500 ms the deadline leaves.
    const { client, attempts, retries } = recordingClient({ baseUrl: server.url, retries: 3 });
    await assert.rejects(
      client.request({ method: 'GET', route: '/x', path: '/x', deadline: createDeadline({ timeoutMs: 500 }) }),
      (error: unknown) => error instanceof DependencyUnavailableError && error.outcome === 'unknown',
    );
    assert.equal(attempts.length, 1);
    assert.equal(retries.length, 0);
  });

  it("gives each call what is left of the request's deadline, which the callee reads", async () => {
    const callee = createServiceApp({ logger: silentLogger });
    callee.get('/budget', (c) =>
      c.json({ remainingMs: requestDeadline()?.remainingMs() ?? null, expired: deadlineExpired() }),
    );
    const calleeServer = createServer(async (request, response) => {
      const answer = await callee.request(`http://localhost${request.url}`, {
        headers: Object.entries(request.headers).flatMap(([name, value]) =>
          typeof value === 'string' ? [[name, value] as [string, string]] : [],
        ),
      });
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    });
    servers.push(calleeServer);
    await new Promise<void>((resolve) => calleeServer.listen(0, '127.0.0.1', resolve));
    const { client } = recordingClient({
      baseUrl: `http://127.0.0.1:${(calleeServer.address() as AddressInfo).port}`,
      attemptTimeoutMs: 60_000,
    });

    const caller = createServiceApp({ logger: silentLogger });
    caller.use('/orders', requestDeadlineMiddleware({ timeoutMs: 5000 }));
    caller.get('/orders', async (c) =>
      c.json((await client.request({ method: 'GET', route: '/budget', path: '/budget' })).body),
    );

    const own = (await (await caller.request('http://localhost/orders')).json()) as { remainingMs: number };
    assert.ok(own.remainingMs > 0 && own.remainingMs <= 5000, `callee had ${own.remainingMs} ms`);
    // A caller's tighter deadline wins over the route's.
    const tighter = await caller.request('http://localhost/orders', { headers: { 'grpc-timeout': '2S' } });
    const { remainingMs } = (await tighter.json()) as { remainingMs: number };
    assert.ok(remainingMs > 0 && remainingMs <= 2000, `callee had ${remainingMs} ms`);
  });

  it('abandons its own downstream call when its caller disconnects, without retrying', async () => {
    const downstreamReached = Promise.withResolvers<void>();
    const downstreamClosed = Promise.withResolvers<void>();
    const downstream = await startServer((response) => {
      downstreamReached.resolve();
      // Never answers; the socket closing is the middle service giving up.
      response.on('close', () => downstreamClosed.resolve());
    });
    const { client, attempts } = recordingClient({ baseUrl: downstream.url, attemptTimeoutMs: 60_000, retries: 3 });
    const middleError = Promise.withResolvers<unknown>();
    const middle = createServiceApp({ logger: silentLogger });
    middle.get('/proxy', async (c) => {
      try {
        await client.request({ method: 'GET', route: '/x', path: '/x' });
      } catch (error) {
        middleError.resolve(error);
      }
      return c.text('too late');
    });
    const server = serve({ fetch: middle.fetch, port: 0, hostname: '127.0.0.1' });
    servers.push(server as unknown as { close(): void; closeAllConnections(): void });
    await once(server, 'listening');
    const caller = new AbortController();
    const call = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/proxy`, { signal: caller.signal });
    await downstreamReached.promise;
    caller.abort();
    await assert.rejects(call);
    await downstreamClosed.promise;
    const error = await middleError.promise;
    assert.ok(error instanceof DependencyUnavailableError, String(error));
    assert.equal(error.lastErrorType, 'canceled');
    assert.equal(attempts.length, 1);
  });

  it('tells a callee whose caller has given up that its deadline has passed', async () => {
    const app = createServiceApp({ logger: silentLogger });
    app.get('/charge', (c) => c.json({ expired: deadlineExpired(), remainingMs: requestDeadline()?.remainingMs() }));
    const expired = await app.request('http://localhost/charge', { headers: { 'grpc-timeout': '1n' } });
    assert.deepEqual(await expired.json(), { expired: true, remainingMs: 0 });
    const open = await app.request('http://localhost/charge', { headers: { 'grpc-timeout': '1H' } });
    assert.equal(((await open.json()) as { expired: boolean }).expired, false);
    const none = await app.request('http://localhost/charge');
    assert.equal(((await none.json()) as { expired: boolean }).expired, false);
  });
});
