/**
 * @module The light route used to measure the telemetry tax: `GET /users/:id` answering a small JSON document from
 * memory, shaped like user-service's read path, in the variants of {@link LIGHT_VARIANTS} served by the same process
 * entry.
 */
import { createServer, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import {
  createServiceMetrics,
  httpServerTelemetry,
  PRODUCTION_SAMPLING,
  startTelemetry,
  type Telemetry,
} from '@mesh-stack/service-kit/telemetry';
import { Hono } from 'hono';

export const LIGHT_VARIANTS = [
  'node-http',
  'hono-bare',
  'hono-middleware',
  'hono-telemetry-production',
  'hono-telemetry',
  'hono-telemetry-unsampled',
] as const;
export type LightVariant = (typeof LIGHT_VARIANTS)[number];

const USERS = new Map(
  Array.from({ length: 100 }, (_, index) => {
    const id = `0190a6f2-7c1e-7000-8000-${String(index).padStart(12, '0')}`;
    return [id, { id, createdAt: '2026-11-27T00:00:00.000Z' }] as const;
  }),
);
export const LIGHT_PATH = `/users/${[...USERS.keys()][42]}`;

const nodeHttpServer = (): Server =>
  createServer((request, response) => {
    const match = request.method === 'GET' ? /^\/users\/([^/]+)$/.exec(request.url ?? '') : null;
    const user = match ? USERS.get(match[1] ?? '') : undefined;
    if (!user) {
      response.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user));
  });

const honoApp = (): Hono => {
  const app = new Hono();
  app.get('/users/:id', (c) => {
    const user = USERS.get(c.req.param('id'));
    return user ? c.json(user) : c.json({ status: 404 }, 404);
  });
  return app;
};

/** Starts a variant on an ephemeral port; resolves with the port and a stop function. */
export const startLightServer = async (
  variant: LightVariant,
  otlpEndpoint: string | undefined,
): Promise<{ port: number; stop: () => Promise<void> }> => {
  let telemetry: Telemetry | undefined;
  let server: Server;
  if (variant === 'node-http') {
    server = nodeHttpServer();
    server.listen(0, '127.0.0.1');
  } else {
    const app = new Hono();
    // One async middleware that does nothing: Hono leaves its one-handler fast path for the composed chain of
    // promises, the floor under any middleware, telemetry or not.
    if (variant === 'hono-middleware') app.use(async (_c, next) => await next());
    if (variant !== 'hono-bare' && variant !== 'hono-middleware') {
      const metrics = createServiceMetrics({ serviceVersion: '0.0.0-bench' });
      telemetry = startTelemetry({
        serviceName: 'bench-light',
        serviceVersion: '0.0.0-bench',
        metrics,
        // The production variant reads the same variables a Deployment sets; the load sends no traceparent, so
        // this process is the entry and its ratio decides.
        ...(variant === 'hono-telemetry-production'
          ? { env: PRODUCTION_SAMPLING }
          : { sampler: variant === 'hono-telemetry' ? 'always_on' : 'always_off' }),
        ...(otlpEndpoint ? { tracesEndpoint: `${otlpEndpoint}/v1/traces` } : {}),
      });
      app.use(httpServerTelemetry({ metrics }));
    }
    app.route('/', honoApp());
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  }
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', resolve)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await telemetry?.shutdown();
    },
  };
};
