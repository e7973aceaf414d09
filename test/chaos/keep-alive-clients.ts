/**
 * @module Clients on kept-alive connections (Node's `http.Agent` with `keepAlive`), for the SIGTERM-under-load
 * check: every request's outcome is recorded, with a network failure classified by its error code, so a test can
 * tell a refused connection (never accepted: fine once the server stopped listening) from a reset (a failure).
 */
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Outcome {
  readonly method: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** The HTTP status, or undefined when no response arrived. */
  readonly status?: number;
  readonly connection?: string;
  /** The error code when no response arrived (`ECONNREFUSED`, `ECONNRESET`…). */
  readonly error?: string;
  readonly body?: string;
}

const send = (
  agent: Agent,
  url: URL,
  method: 'GET' | 'POST',
  body: string | undefined,
  headers: Record<string, string>,
): Promise<Outcome> =>
  new Promise((resolve) => {
    const startedAt = performance.now();
    const outgoing = request(
      url,
      { method, agent, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({
            method,
            startedAt,
            endedAt: performance.now(),
            status: response.statusCode,
            connection: response.headers.connection,
            body: text,
          }),
        );
        response.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ method, startedAt, endedAt: performance.now(), error: error.code ?? error.message }),
        );
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ method, startedAt, endedAt: performance.now(), error: error.code ?? error.message }),
    );
    outgoing.end(body);
  });

/**
 * `workers` loops on kept-alive connections, each placing an order and reading it back, until `stop()` or until the
 * server refuses connections (it stopped listening). Worker i starts `i × staggerMs` after the first, so that at any
 * moment some are waiting on an answer and some are between requests.
 */
export const keptAliveOrderLoops = ({
  orderServiceUrl,
  userId,
  workers,
  pauseMs,
  staggerMs,
}: {
  orderServiceUrl: string;
  userId: string;
  workers: number;
  pauseMs: number;
  staggerMs: number;
}) => {
  const agent = new Agent({ keepAlive: true, maxSockets: workers });
  const outcomes: Outcome[] = [];
  let stopped = false;
  const body = JSON.stringify({
    userId,
    currency: 'EUR',
    items: [{ sku: 'DRAIN', quantity: 1, unitAmountMinor: 500 }],
  });
  const loop = async (worker: number): Promise<void> => {
    await sleep(worker * staggerMs);
    while (!stopped) {
      const placed = await send(agent, new URL('/orders', orderServiceUrl), 'POST', body, {
        'idempotency-key': crypto.randomUUID(),
      });
      outcomes.push(placed);
      if (placed.error === 'ECONNREFUSED') return;
      const id = placed.status === 201 ? (JSON.parse(placed.body ?? '{}') as { id?: string }).id : undefined;
      if (id !== undefined) {
        const read = await send(agent, new URL(`/orders/${id}`, orderServiceUrl), 'GET', undefined, {});
        outcomes.push(read);
        if (read.error === 'ECONNREFUSED') return;
      }
      await sleep(pauseMs);
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, worker) => loop(worker)));
  return {
    outcomes,
    /** Resolves when every loop ended (refused, or stopped). */
    finished: running.then(() => agent.destroy()),
    stop: async () => {
      stopped = true;
      await running;
      agent.destroy();
    },
  };
};
