/**
 * @module A small in-memory implementation of the three endpoints the scenario drives (`POST /users`,
 * `POST /orders`, `GET /orders/:id`) plus `/health/ready`, on a real HTTP server on an ephemeral loopback port.
 * The driver is what is under test here; the services have their own tests. Hooks let a test stall or fail
 * requests to see how the driver measures them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RequestSeen {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly headers: IncomingMessage['headers'];
}

export interface InMemoryApiOptions {
  /** Runs before a request is answered; return a promise to stall it. */
  readonly beforeAnswer?: (request: RequestSeen, sequence: number) => Promise<void> | undefined;
  /**
   * Returns an answer to send instead of the normal one (a problem+json when it has no body), or undefined to
   * answer normally.
   */
  readonly answer?: (request: RequestSeen, sequence: number) => { status: number; body?: unknown } | undefined;
}

export interface InMemoryApi {
  readonly url: string;
  readonly seen: RequestSeen[];
  readonly users: Map<string, { id: string; email: string }>;
  readonly orders: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

const readBody = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length > 0 ? JSON.parse(text) : undefined;
};

const send = (response: ServerResponse, status: number, body: unknown, type = 'application/json'): void => {
  response.writeHead(status, { 'content-type': type });
  response.end(JSON.stringify(body));
};

const problem = (response: ServerResponse, status: number, instance: string): void =>
  send(response, status, { type: 'about:blank', title: 'test problem', status, instance }, 'application/problem+json');

export const startInMemoryApi = async (options: InMemoryApiOptions = {}): Promise<InMemoryApi> => {
  const seen: RequestSeen[] = [];
  const users = new Map<string, { id: string; email: string }>();
  const emails = new Set<string>();
  const orders = new Map<string, Record<string, unknown>>();

  const server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '/';
      const entry: RequestSeen = {
        method: request.method ?? 'GET',
        path,
        body: await readBody(request),
        headers: request.headers,
      };
      const sequence = seen.push(entry) - 1;
      await options.beforeAnswer?.(entry, sequence);
      const replacement = options.answer?.(entry, sequence);
      if (replacement?.body !== undefined) return send(response, replacement.status, replacement.body);
      if (replacement !== undefined) return problem(response, replacement.status, path);

      if (entry.method === 'GET' && path === '/health/ready') return send(response, 200, { status: 'ok' });
      if (entry.method === 'POST' && path === '/users') {
        const { email } = entry.body as { email: string };
        if (emails.has(email.toLowerCase())) return problem(response, 409, path);
        emails.add(email.toLowerCase());
        const user = { id: randomUUID(), email };
        users.set(user.id, user);
        return send(response, 201, { ...user, createdAt: new Date().toISOString() });
      }
      if (entry.method === 'POST' && path === '/orders') {
        const body = entry.body as { userId: string; currency: string; items: unknown[] };
        if (!users.has(body.userId)) return problem(response, 422, path);
        const order = { id: randomUUID(), ...body, status: 'paid' };
        orders.set(order.id, order);
        return send(response, 201, order);
      }
      const orderMatch = /^\/orders\/([^/]+)$/.exec(path);
      if (entry.method === 'GET' && orderMatch !== null) {
        const order = orders.get(orderMatch[1] ?? '');
        return order === undefined ? problem(response, 404, path) : send(response, 200, order);
      }
      return problem(response, 404, path);
    })().catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    users,
    orders,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
