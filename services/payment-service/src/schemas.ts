/** @module Request and response schemas of payment-service: they validate requests and generate the OpenAPI document. */

import { z } from '@hono/zod-openapi';
import { AmountMinorSchema, CurrencySchema, IdempotencyKeySchema, ProblemSchema } from '@mesh-stack/service-kit';

export const PAYMENT_STATUSES = ['succeeded', 'declined'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const DECLINE_REASONS = ['card_declined'] as const;

export const CreatePaymentBody = z
  .strictObject({
    orderId: z.uuid().openapi({ example: '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11' }),
    amountMinor: AmountMinorSchema,
    currency: CurrencySchema,
  })
  .openapi('CreatePayment');
export type CreatePaymentBody = z.infer<typeof CreatePaymentBody>;

export const CreatePaymentHeaders = z.object({
  'idempotency-key': IdempotencyKeySchema.openapi({
    // Named as the key (lower case, as Hono's validator sees it): header names are case-insensitive.
    param: { name: 'idempotency-key', in: 'header', required: true },
    example: '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11',
  }),
});

export const Payment = z
  .object({
    id: z.uuid(),
    orderId: z.uuid(),
    amountMinor: z.int(),
    currency: CurrencySchema,
    status: z.enum(PAYMENT_STATUSES),
    declineReason: z.enum(DECLINE_REASONS).nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Payment');
export type Payment = z.infer<typeof Payment>;

export const PaymentIdParams = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    format: 'uuid',
    description: 'A payment id. Anything that is not a UUID names no payment (404).',
  }),
});

/** `GET /payments?orderId=`: how order-service's reconciler learns whether an order was charged. */
export const ListPaymentsQuery = z.strictObject({
  orderId: z.uuid().openapi({
    description: 'The order whose payments to list (required).',
    example: '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11',
  }),
});

export const PaymentList = z
  .object({
    items: z.array(Payment).openapi({
      description:
        'Every payment of the order, oldest first: at most one per Idempotency-Key, so one for an order charged by ' +
        'order-service (its key is the order id). Empty means nothing was charged for the order, as of now.',
    }),
  })
  .openapi('PaymentList');
export type PaymentList = z.infer<typeof PaymentList>;

/**
 * A problem answer of `POST /payments` that guarantees nothing was charged for this request: the caller may drop
 * what it was about to pay for instead of treating the outcome as unknown.
 */
export const ChargeRefusedProblem = ProblemSchema.extend({
  charged: z.literal(false).openapi({
    description:
      'Present (always `false`) when this answer guarantees that this request charged nothing: refused input, a ' +
      'fault injected before any charge. Absent when the outcome is not known (a 500).',
  }),
}).openapi('ChargeRefusedProblem');

/** Fault injection on the admin port: all off (0) by default. */
export const FaultSettings = z
  .strictObject({
    /** Share of POST /payments answered with 503 before anything is charged. */
    errorRate: z.number().min(0).max(1).default(0),
    /** Delay added to every POST /payments. */
    addedLatencyMs: z.int().min(0).max(30_000).default(0),
    /** Share of payments declined. */
    declineRate: z.number().min(0).max(1).default(0),
  })
  .openapi('FaultSettings');
export type FaultSettings = z.infer<typeof FaultSettings>;
