/** @module The routes of payment-service: method, path, schemas and answers. Handlers are in `app.ts`. */

import { createRoute } from '@hono/zod-openapi';
import { jsonBody, problemContent } from '@mesh-stack/service-kit';
import { CreatePaymentBody, CreatePaymentHeaders, Payment, PaymentIdParams } from './schemas.ts';

export const createPaymentRoute = createRoute({
  method: 'post',
  path: '/payments',
  summary: 'Charge an order, exactly once per Idempotency-Key',
  description:
    'A declined payment is a successful request (201, `status: "declined"`). A repeat with the same ' +
    'Idempotency-Key and body returns the first payment (200, `Idempotent-Replayed: true`).',
  middleware: jsonBody(),
  request: {
    headers: CreatePaymentHeaders,
    body: { required: true, content: { 'application/json': { schema: CreatePaymentBody } } },
  },
  responses: {
    201: { description: 'The payment was processed.', content: { 'application/json': { schema: Payment } } },
    200: {
      description: 'A repeat: the first payment for this Idempotency-Key.',
      headers: { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } } },
      content: { 'application/json': { schema: Payment } },
    },
    400: problemContent('The body or the Idempotency-Key header is missing or not valid.'),
    422: problemContent('The Idempotency-Key was used with a different body.'),
    503: problemContent('A fault was injected (admin port); nothing was charged. Retry after `Retry-After`.'),
  },
});

export const getPaymentRoute = createRoute({
  method: 'get',
  path: '/payments/{id}',
  summary: 'Get a payment',
  request: { params: PaymentIdParams },
  responses: {
    200: { description: 'The payment.', content: { 'application/json': { schema: Payment } } },
    404: problemContent('No payment has this id.'),
  },
});
