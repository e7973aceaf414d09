/** @module The routes of payment-service: method, path, schemas and answers. Handlers are in `app.ts`. */

import { createRoute } from '@hono/zod-openapi';
import { jsonBody, PROBLEM_CONTENT_TYPE, problemContent } from '@mesh-stack/service-kit';
import {
  ChargeRefusedProblem,
  CreatePaymentBody,
  CreatePaymentHeaders,
  ListPaymentsQuery,
  Payment,
  PaymentIdParams,
  PaymentList,
} from './schemas.ts';

/** A problem answer that guarantees nothing was charged (`charged: false`). */
const refusalContent = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ChargeRefusedProblem } },
});

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
    400: refusalContent('The body or the Idempotency-Key header is missing or not valid; nothing was charged.'),
    422: problemContent('The Idempotency-Key was used with a different body.'),
    503: refusalContent(
      'A fault was injected (admin port) before any charge: `charged: false`, nothing was charged. Retry after ' +
        '`Retry-After`.',
    ),
    504: refusalContent(
      'The caller’s deadline (`grpc-timeout`) passed, or it disconnected, before the charge: nothing was charged.',
    ),
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

export const listPaymentsRoute = createRoute({
  method: 'get',
  path: '/payments',
  summary: "An order's payments",
  description:
    'How order-service reconciles an order it could not complete: an empty list means nothing was charged for the ' +
    'order (so charging it again with the order id as Idempotency-Key is safe); otherwise its payment says paid or ' +
    'declined.',
  request: { query: ListPaymentsQuery },
  responses: {
    200: { description: "The order's payments.", content: { 'application/json': { schema: PaymentList } } },
    400: problemContent('`orderId` is missing or not a UUID, or the query has other parameters.'),
  },
});
