/** @module Request and response schemas of order-service: they validate requests and generate the OpenAPI document. */

import { z } from '@hono/zod-openapi';
import {
  CurrencySchema,
  IdempotencyKeySchema,
  MAX_TOTAL_AMOUNT_MINOR,
  pageQueryShape,
  pageSchema,
} from '@mesh-stack/service-kit';

export const ORDER_STATUSES = ['pending', 'paid', 'payment_failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const MAX_ITEMS = 50;
export const MAX_QUANTITY = 1000;
export const MAX_UNIT_AMOUNT_MINOR = 10_000_000;

export const OrderItem = z
  .strictObject({
    sku: z
      .string()
      .regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/, 'must be 1–64 upper-case letters, digits, "-" or "_"')
      .openapi({ example: 'BOOK-42' }),
    quantity: z.int().min(1).max(MAX_QUANTITY).openapi({ example: 2 }),
    unitAmountMinor: z.int().min(1).max(MAX_UNIT_AMOUNT_MINOR).openapi({ example: 1299 }),
  })
  .openapi('OrderItem');
export type OrderItem = z.infer<typeof OrderItem>;

/** Each line is at most 1e10 and there are at most 50, so the sum is exact long before MAX_SAFE_INTEGER. */
export const orderTotal = (items: readonly OrderItem[]): number =>
  items.reduce((total, item) => total + item.quantity * item.unitAmountMinor, 0);

export const CreateOrderBody = z
  .strictObject({
    userId: z.uuid().openapi({ example: '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11' }),
    currency: CurrencySchema,
    items: z.array(OrderItem).min(1).max(MAX_ITEMS),
  })
  .refine((order) => orderTotal(order.items) <= MAX_TOTAL_AMOUNT_MINOR, {
    path: ['items'],
    message: `the total must be at most ${MAX_TOTAL_AMOUNT_MINOR} minor units`,
  })
  .openapi('CreateOrder');
export type CreateOrderBody = z.infer<typeof CreateOrderBody>;

export const CreateOrderHeaders = z.object({
  'idempotency-key': IdempotencyKeySchema.optional().openapi({
    param: { name: 'Idempotency-Key', in: 'header', required: false },
  }),
});

export const Order = z
  .object({
    id: z.uuid(),
    userId: z.uuid(),
    currency: CurrencySchema,
    items: z.array(OrderItem),
    totalAmountMinor: z.int(),
    status: z.enum(ORDER_STATUSES),
    paymentId: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Order');
export type Order = z.infer<typeof Order>;

export const OrderPage = pageSchema(Order).openapi('OrderPage');

export const ListOrdersQuery = z.strictObject({
  userId: z.uuid().optional().openapi({ description: 'Only the orders of this user.' }),
  ...pageQueryShape,
});

export const OrderIdParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
});
