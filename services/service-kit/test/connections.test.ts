/**
 * The drain of `connections.ts` on a real in-process HTTP server and real keep-alive sockets: once draining, every
 * accepted request is answered in full with `Connection: close` and its connection closed after it, a request that
 * arrives on an idle kept-alive connection is answered the same way (not reset), the connections still idle are
 * closed once nothing is in flight, and the drain ends when the last request is answered (not on a schedule).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../test/support/eventually.ts';
import { type TrackedServer, trackConnections } from '../src/connections.ts';

/** Far above any request of these tests: a drain that waited for a sweep or a timeout would show. */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;

interface KeptAliveClient {
  readonly socket: Socket;
  /** Sends one request and resolves with the raw response head and body once complete. */
  send(path: string): Promise<string>;
  readonly closed: Promise<{ error?: string }>;
}

const keptAliveClient = (port: number): Promise<KeptAliveClient> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('latin1');
    let buffer = '';
    let waiting: ((response: string) => void) | undefined;
    let error: string | undefined;
    socket.on('error', (cause: NodeJS.ErrnoException) => {
      error = cause.code ?? cause.message;
    });
    const closed = new Promise<{ error?: string }>((settle) =>
      socket.once('close', () => settle(error === undefined ? {} : { error })),
    );
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(buffer)?.[1] ?? Number.NaN);
      if (end >= 0 && buffer.length >= end + 4 + length) {
        const response = buffer.slice(0, end + 4 + length);
        buffer = buffer.slice(end + 4 + length);
        waiting?.(response);
        waiting = undefined;
      }
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        socket,
        closed,
        send: (path) =>
          new Promise((answered, failed) => {
            waiting = answered;
            closed.then((result) => failed(new Error(`closed before answering: ${result.error ?? 'FIN'}`)));
            socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
          }),
      }),
    );
  });

describe('connection drain', () => {
  let server: Server;
  let tracked: TrackedServer;
  let port: number;
  const accepted: string[] = [];

  before(async () => {
    server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (request, response) => {
      accepted.push(request.url ?? '');
      const delayMs = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('delayMs') ?? 0);
      setTimeout(() => response.end(`done ${request.url}`), delayMs);
    });
    tracked = trackConnections(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
  });

  it('answers every accepted request with Connection: close, then closes idle connections and ends', async () => {
    const busy = await Promise.all([keptAliveClient(port), keptAliveClient(port), keptAliveClient(port)]);
    const idle = await Promise.all([keptAliveClient(port), keptAliveClient(port)]);
    for (const client of idle) {
      assert.match(await client.send('/warm-up'), /Connection: keep-alive/i);
    }
    const delays = [200, 400, 800];
    const answers = busy.map((client, index) => client.send(`/slow?delayMs=${delays[index]}`));
    // Every slow request is inside the handler before the drain begins.
    await eventually(
      'every slow request in its handler',
      async () => (accepted.filter((url) => url.startsWith('/slow')).length === busy.length ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 5 },
    );

    const startedAt = performance.now();
    const drained = tracked.drain();
    assert.equal(tracked.drain(), drained, 'a second drain joins the first');

    // A request already on its way on an idle connection is answered, and its connection closed after it.
    const [reused, untouched] = idle;
    const late = await reused?.send('/late');
    assert.match(late ?? '', /\r\nConnection: close\r\n/i);
    assert.deepEqual(await reused?.closed, {});
    for (const [index, answer] of answers.entries()) {
      const response = await answer;
      assert.match(response, /^HTTP\/1\.1 200/);
      assert.match(response, /\r\nConnection: close\r\n/i);
      assert.match(response, new RegExp(`done /slow\\?delayMs=${delays[index]}$`));
      // No request after the answer: the server closed the connection right after it.
      assert.deepEqual(await busy[index]?.closed, {});
    }
    assert.deepEqual(await untouched?.closed, {}, 'an idle connection was reset instead of closed');
    await drained;
    const drainMs = performance.now() - startedAt;
    // Ends with the longest request (800 ms), far from the keep-alive timeout a lingering connection would cost.
    assert.ok(drainMs < KEEP_ALIVE_TIMEOUT_MS / 4, `the drain took ${Math.round(drainMs)} ms`);
    assert.equal(tracked.inFlight(), 0);
    assert.equal(server.listening, false);
  });
});

describe('connection drain of a response already being sent', () => {
  it('closes the connection once that response ends, without taking another request', async () => {
    let release: (() => void) | undefined;
    const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (_request, response) => {
      response.writeHead(200, { 'content-length': '4' });
      response.write('ha');
      release = () => response.end('lf');
    });
    const tracked = trackConnections(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = await keptAliveClient((server.address() as AddressInfo).port);
      const answer = client.send('/streaming');
      const finish = await eventually('the response head sent', async () => release, {
        timeoutMs: 10_000,
        intervalMs: 5,
      });
      const drained = tracked.drain();
      finish();
      assert.match(await answer, /\r\n\r\nhalf$/);
      assert.deepEqual(await client.closed, {});
      await drained;
    } finally {
      server.closeAllConnections();
    }
  });
});

describe('connection drain with nothing in flight', () => {
  it('answers a request that arrives on an idle connection just after the drain began, then closes the rest', async () => {
    const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (request, response) =>
      response.end(`done ${request.url}`),
    );
    const tracked = trackConnections(server, { idleLingerMs: 300 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const [writer, silent] = await Promise.all([keptAliveClient(port), keptAliveClient(port)]);
      for (const client of [writer, silent]) assert.match(await client.send('/warm-up'), /Connection: keep-alive/i);
      const drained = tracked.drain();
      // Sent as if the client had not yet noticed anything: answered, not reset.
      assert.match(await writer.send('/just-after'), /\r\nConnection: close\r\n[\s\S]*done \/just-after$/i);
      assert.deepEqual(await writer.closed, {});
      assert.deepEqual(await silent.closed, {}, 'an idle connection was reset instead of closed');
      await drained;
      assert.equal(server.listening, false);
    } finally {
      server.closeAllConnections();
    }
  });
});
