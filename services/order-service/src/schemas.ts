/** @module Request and response schemas of order-service: they validate requests and generate the OpenAPI document. */

import { z } from '@hono/zod-openapi';
import {
  CurrencySchema,
  IdempotencyKeySchema,
  MAX_TOTAL_AMOUNT_MINOR,
  pageQueryShape,
  pageSchema,
  SEMANTIC_RULE,
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
    ...SEMANTIC_RULE,
  })
  .openapi('CreateOrder', {
    description:
      `The order total (the sum of quantity × unitAmountMinor over the items) must be at most ` +
      `${MAX_TOTAL_AMOUNT_MINOR} minor units; a larger total is refused with 422 (\`rule-violated\`, an error on ` +
      '`items`): JSON Schema cannot express a sum, so the document states it here.',
  });
export type CreateOrderBody = z.infer<typeof CreateOrderBody>;

export const CreateOrderHeaders = z.object({
  // Header names are case-insensitive and Hono's validator sees them lower-cased: the parameter is named as the key,
  // or the generator refuses the document ("Conflicting names for parameter").
  'idempotency-key': IdempotencyKeySchema.optional().openapi({
    param: { name: 'idempotency-key', in: 'header', required: false },
    example: '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11',
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
  // Required: the public entry point never lists every user's orders at once.
  userId: z.uuid().openapi({ description: 'The user whose orders to list (required).' }),
  ...pageQueryShape,
});

export const OrderIdParams = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    format: 'uuid',
    description: 'An order id. Anything that is not a UUID names no order (404).',
  }),
});
