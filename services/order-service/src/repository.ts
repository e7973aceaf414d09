/** @module Orders and their items in the database. The only module that knows their table and column names. */
import type { Currency } from '@mesh-stack/service-kit';
import type { Kysely } from 'kysely';
import type { IdempotencyKeysTable } from './idempotency.ts';
import type { Order, OrderItem, OrderStatus } from './schemas.ts';

export interface OrdersTable {
  id: string;
  user_id: string;
  currency: string;
  total_amount_minor: number;
  status: string;
  payment_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrderItemsTable {
  order_id: string;
  position: number;
  sku: string;
  quantity: number;
  unit_amount_minor: number;
}

export interface OrderTables {
  orders: OrdersTable;
  order_items: OrderItemsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export interface OrderRepository {
  /** Stores a new order and its items in one transaction. */
  insert(order: Order): Promise<void>;
  findById(id: string): Promise<Order | undefined>;
  /** Newest first, starting after `afterId` (exclusive), optionally for one user. */
  list(options: { userId: string | undefined; limit: number; afterId: string | undefined }): Promise<Order[]>;
  /** Records the payment outcome of a pending order. */
  complete(id: string, status: Exclude<OrderStatus, 'pending'>, paymentId: string, updatedAt: string): Promise<void>;
  /** Deletes an order that never reached payment-service, so nothing is left half-written. */
  remove(id: string): Promise<void>;
}

const toItem = (row: OrderItemsTable): OrderItem => ({
  sku: row.sku,
  quantity: row.quantity,
  unitAmountMinor: row.unit_amount_minor,
});

const toOrder = (row: OrdersTable, items: OrderItem[]): Order => ({
  id: row.id,
  userId: row.user_id,
  currency: row.currency as Currency,
  items,
  totalAmountMinor: row.total_amount_minor,
  status: row.status as OrderStatus,
  paymentId: row.payment_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const createOrderRepository = (db: Kysely<OrderTables>): OrderRepository => {
  /** Items of many orders in one query, grouped by order id, in their original order. */
  const itemsOf = async (orderIds: readonly string[]): Promise<Map<string, OrderItem[]>> => {
    const grouped = new Map<string, OrderItem[]>(orderIds.map((id) => [id, []]));
    if (orderIds.length === 0) return grouped;
    const rows = await db
      .selectFrom('order_items')
      .selectAll()
      .where('order_id', 'in', orderIds)
      .orderBy('order_id')
      .orderBy('position')
      .execute();
    for (const row of rows) {
      grouped.get(row.order_id)?.push(toItem(row));
    }
    return grouped;
  };

  return {
    async insert(order) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('orders')
          .values({
            id: order.id,
            user_id: order.userId,
            currency: order.currency,
            total_amount_minor: order.totalAmountMinor,
            status: order.status,
            payment_id: order.paymentId,
            created_at: order.createdAt,
            updated_at: order.updatedAt,
          })
          .execute();
        await trx
          .insertInto('order_items')
          .values(
            order.items.map((item, position) => ({
              order_id: order.id,
              position,
              sku: item.sku,
              quantity: item.quantity,
              unit_amount_minor: item.unitAmountMinor,
            })),
          )
          .execute();
      });
    },

    async findById(id) {
      const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      return toOrder(row, (await itemsOf([id])).get(id) ?? []);
    },

    async list({ userId, limit, afterId }) {
      let query = db.selectFrom('orders').selectAll().orderBy('id', 'desc').limit(limit);
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      if (afterId !== undefined) query = query.where('id', '<', afterId);
      const rows = await query.execute();
      const items = await itemsOf(rows.map((row) => row.id));
      return rows.map((row) => toOrder(row, items.get(row.id) ?? []));
    },

    async complete(id, status, paymentId, updatedAt) {
      await db
        .updateTable('orders')
        .set({ status, payment_id: paymentId, updated_at: updatedAt })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .execute();
    },

    async remove(id) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('order_items').where('order_id', '=', id).execute();
        await trx.deleteFrom('orders').where('id', '=', id).execute();
      });
    },
  };
};
