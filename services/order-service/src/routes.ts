/** @module The routes of order-service: method, path, schemas and answers. Handlers are in `app.ts`. */

import { createRoute } from '@hono/zod-openapi';
import { jsonBody, problemContent } from '@mesh-stack/service-kit';
import { CreateOrderBody, CreateOrderHeaders, ListOrdersQuery, Order, OrderIdParams, OrderPage } from './schemas.ts';

export const createOrderRoute = createRoute({
  method: 'post',
  path: '/orders',
  summary: 'Place an order: check the user, store it, charge it',
  middleware: jsonBody(),
  request: {
    headers: CreateOrderHeaders,
    body: { required: true, content: { 'application/json': { schema: CreateOrderBody } } },
  },
  responses: {
    201: {
      description:
        'The order, `paid` or `payment_failed`. A repeat with the same Idempotency-Key and body returns the first ' +
        'response with `Idempotent-Replayed: true`.',
      headers: {
        Location: { description: 'The order, `/orders/{id}`.', schema: { type: 'string' } },
        'Idempotent-Replayed': {
          description: 'Present on a repeat: this is the first response for the Idempotency-Key.',
          schema: { type: 'string', enum: ['true'] },
        },
      },
      content: { 'application/json': { schema: Order } },
    },
    400: problemContent('The body or the Idempotency-Key is not valid.'),
    409: {
      ...problemContent(
        'A request with this Idempotency-Key is still running (`idempotency-key-in-progress`). Repeat after ' +
          '`Retry-After`: the seconds left of that request’s lease on the key.',
      ),
      headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 } } },
    },
    422: problemContent(
      'Unknown user (`unknown-user`), the Idempotency-Key was used with a different body ' +
        '(`idempotency-key-reused`), or the order total is over 1,000,000,000 minor units (`rule-violated`).',
    ),
    503: {
      ...problemContent(
        '`dependency-unavailable`: user-service or payment-service could not be reached; no order was placed and ' +
          'nothing was charged: place it again after `Retry-After`. `payment-outcome-unknown`: the order is stored ' +
          '`pending` and is charged at most once; it is resolved without any action within `Retry-After` seconds: ' +
          'read it at `Location` (`GET /orders/{orderId}`, `orderId` in the problem), do not place a new order. ' +
          'With an Idempotency-Key, repeating the request returns it too. See docs/consistency.md.',
      ),
      headers: {
        'Retry-After': { schema: { type: 'integer', minimum: 1 } },
        Location: {
          description: 'On `payment-outcome-unknown`: the pending order, `/orders/{orderId}`.',
          schema: { type: 'string' },
        },
      },
    },
  },
});

export const getOrderRoute = createRoute({
  method: 'get',
  path: '/orders/{id}',
  summary: 'Get an order',
  request: { params: OrderIdParams },
  responses: {
    200: { description: 'The order.', content: { 'application/json': { schema: Order } } },
    404: problemContent('No order has this id.'),
  },
});

export const listOrdersRoute = createRoute({
  method: 'get',
  path: '/orders',
  summary: 'List orders, newest first',
  request: { query: ListOrdersQuery },
  responses: {
    200: { description: 'A page of orders.', content: { 'application/json': { schema: OrderPage } } },
    400: problemContent('The query is not valid.'),
  },
});
