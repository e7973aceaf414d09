/** @module order-service's HTTP app, built from its dependencies; no I/O happens here until a request arrives. */

import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  createServiceApp,
  decodeCursor,
  IDEMPOTENT_REPLAYED_HEADER,
  idFromPath,
  type Logger,
  PROBLEM,
  ProblemError,
  serveOpenApiDocument,
  toPage,
} from '@mesh-stack/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import type { PaymentGateway, UserDirectory } from './dependencies.ts';
import type { IdempotencyStore } from './idempotency.ts';
import { createPlaceOrder } from './place-order.ts';
import type { OrderRepository } from './repository.ts';
import { createOrderRoute, getOrderRoute, listOrdersRoute } from './routes.ts';

export interface OrderAppDependencies {
  orders: OrderRepository;
  idempotency: IdempotencyStore;
  users: UserDirectory;
  payments: PaymentGateway;
  logger: Logger;
  /** @default the system clock */
  now?: () => Date;
}

export const createApp = ({
  orders,
  idempotency,
  users,
  payments,
  logger,
  now = () => new Date(),
}: OrderAppDependencies): OpenAPIHono => {
  const app = createServiceApp({ logger });
  const placeOrder = createPlaceOrder({ orders, idempotency, users, payments, logger, now });

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
