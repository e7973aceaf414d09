/** @module order-service's HTTP app, built from its dependencies; no I/O happens here until a request arrives. */

import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  createServiceApp,
  decodeCursor,
  IDEMPOTENT_REPLAYED_HEADER,
  idFromPath,
  type Logger,
  NO_TELEMETRY,
  PROBLEM,
  ProblemError,
  requestDeadlineMiddleware,
  type ServiceTelemetry,
  serveOpenApiDocument,
  toPage,
} from '@mesh-stack/service-kit';
import type { BaggagePolicy } from '@mesh-stack/service-kit/telemetry';
import { PUBLIC_REQUEST_BUDGET } from '@mesh-stack/stack';
import packageJson from '../package.json' with { type: 'json' };
import type { PaymentGateway, UserDirectory } from './dependencies.ts';
import { createPlaceOrder } from './place-order.ts';
import { createOrderRoute, getOrderRoute, listOrdersRoute } from './routes.ts';
import type { OrderStore } from './store.ts';

/**
 * order-service is the public entry point: `baggage` from outside is dropped before anything is propagated to
 * user-service and payment-service (a client must not steer or stuff internal calls), unless its key is allowed
 * (`PUBLIC_BAGGAGE_ALLOW`, which main.ts passes; this default, for tests of the app, allows none).
 */
export const PUBLIC_BAGGAGE_POLICY: BaggagePolicy = { allow: new Set<string>() };

export interface OrderAppDependencies {
  store: OrderStore;
  users: UserDirectory;
  payments: PaymentGateway;
  logger: Logger;
  /** At most how long the reconciler takes to resolve a pending order (`resolvedWithinSeconds(config)`). */
  resolvedWithinSeconds: number;
  /** @default {@link NO_TELEMETRY} */
  telemetry?: ServiceTelemetry;
  /** @default the system clock */
  now?: () => Date;
  /** Deadline of one `POST /orders`, both dependency calls included (`REQUEST_DEADLINE_MS`). @default the stack map's */
  requestDeadlineMs?: number;
  /** Which inbound baggage entries reach the calls this service makes. @default {@link PUBLIC_BAGGAGE_POLICY} */
  baggage?: BaggagePolicy;
}

export const createApp = ({
  store,
  users,
  payments,
  logger,
  resolvedWithinSeconds,
  telemetry = NO_TELEMETRY,
  now = () => new Date(),
  requestDeadlineMs = PUBLIC_REQUEST_BUDGET.deadlineMs,
  baggage = PUBLIC_BAGGAGE_POLICY,
}: OrderAppDependencies): OpenAPIHono => {
  const app = createServiceApp({ logger, telemetry, baggage });
  // Before the route: every downstream call of a `POST /orders` gets what is left of this (docs/resilience.md).
  app.on('POST', '/orders', requestDeadlineMiddleware({ timeoutMs: requestDeadlineMs }));
  const { orders } = store;
  const placeOrder = createPlaceOrder({
    store,
    users,
    payments,
    logger,
    business: telemetry.business,
    now,
    resolvedWithinSeconds,
  });

  app.openapi(createOrderRoute, async (c) => {
    const result = await placeOrder(c.req.valid('json'), c.req.valid('header')['idempotency-key']);
    const headers: Record<string, string> = { location: `/orders/${result.order.id}` };
    if (result.kind === 'replayed') {
      headers[IDEMPOTENT_REPLAYED_HEADER] = 'true';
    }
    return c.json(result.order, 201, headers);
  });

  app.openapi(getOrderRoute, async (c) => {
    const order = await orders.findById(idFromPath(c.req.valid('param').id));
    if (!order) {
      throw new ProblemError(PROBLEM.notFound, { detail: 'No order has this id.' });
    }
    return c.json(order, 200);
  });

  app.openapi(listOrdersRoute, async (c) => {
    const { userId, limit, cursor } = c.req.valid('query');
    const rows = await orders.list({
      userId: userId?.toLowerCase(),
      limit: limit + 1,
      afterId: cursor === undefined ? undefined : decodeCursor(cursor),
    });
    return c.json(toPage(rows, limit), 200);
  });

  serveOpenApiDocument(app, {
    title: 'order-service',
    version: packageJson.version,
    description: 'Places orders: checks the user with user-service, charges the order with payment-service.',
  });
  return app;
};
