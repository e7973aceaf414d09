/** @module Orders and their items in the database. The only module that knows their table and column names. */
import type { Currency } from '@mesh-stack/service-kit';
import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Order, OrderItem, OrderStatus } from './schemas.ts';
import type { OrderItemsTable, OrdersTable, OrderTables } from './tables.ts';

/** Pending orders right now, for the gauges. */
export interface PendingSummary {
  readonly count: number;
  /** `createdAt` of the oldest pending order; null when there is none. */
  readonly oldestCreatedAt: string | null;
}

export interface OrderRepository {
  /** Stores a new order and its items atomically (in the caller's transaction when it runs in one). */
  insert(order: Order): Promise<void>;
  findById(id: string): Promise<Order | undefined>;
  /** Newest first, starting after `afterId` (exclusive), optionally for one user. */
  list(options: { userId: string | undefined; limit: number; afterId: string | undefined }): Promise<Order[]>;
  /** Records the payment outcome of a pending order; false when it was no longer pending (someone else did). */
  complete(id: string, status: Exclude<OrderStatus, 'pending'>, paymentId: string, updatedAt: string): Promise<boolean>;
  /**
   * Deletes a pending order nothing was charged for, so nothing is left half-written. False when it is gone, no
   * longer pending, or a reconciler holds it at `now` (then the reconciler decides, not the caller).
   */
  remove(id: string, now: Date): Promise<boolean>;
  /**
   * Claims up to `limit` orders pending since before `createdBefore` that no reconciler holds at `now`, oldest
   * first, for this reconciler until `lockedUntil`. Concurrent reconcilers never get the same order.
   */
  claimForReconciliation(options: {
    createdBefore: Date;
    now: Date;
    lockedUntil: Date;
    limit: number;
  }): Promise<Order[]>;
  /** Gives a claimed order back: claimable again from `availableAt` (null: at once), by any replica. */
  releaseReconciliation(id: string, availableAt: Date | null): Promise<void>;
  pendingSummary(): Promise<PendingSummary>;
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

/** No reconciler holds the order at `now`. */
const notHeldByReconciler = (eb: ExpressionBuilder<OrderTables, 'orders'>, now: Date) =>
  eb.or([eb('reconcile_locked_until', 'is', null), eb('reconcile_locked_until', '<=', now.toISOString())]);

/** Runs `work` in a transaction: the caller's when `db` already is one (Kysely transactions do not nest). */
const atomically = <T>(db: Kysely<OrderTables>, work: (trx: Kysely<OrderTables>) => Promise<T>): Promise<T> =>
  db.isTransaction ? work(db) : db.transaction().execute((trx: Transaction<OrderTables>) => work(trx));

/** `db` may be a transaction: then every method runs in it (see `store.ts`). */
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

  const withItems = async (rows: readonly OrdersTable[]): Promise<Order[]> => {
    const items = await itemsOf(rows.map((row) => row.id));
    return rows.map((row) => toOrder(row, items.get(row.id) ?? []));
  };

  return {
    async insert(order) {
      await atomically(db, async (trx) => {
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
            reconcile_locked_until: null,
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
      return withItems(await query.execute());
    },

    async complete(id, status, paymentId, updatedAt) {
      const result = await db
        .updateTable('orders')
        .set({ status, payment_id: paymentId, updated_at: updatedAt, reconcile_locked_until: null })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async remove(id, now) {
      return atomically(db, async (trx) => {
        const removable = await trx
          .selectFrom('orders')
          .select('id')
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where((eb) => notHeldByReconciler(eb, now))
          .executeTakeFirst();
        if (!removable) return false;
        await trx.deleteFrom('order_items').where('order_id', '=', id).execute();
        const deleted = await trx
          .deleteFrom('orders')
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where((eb) => notHeldByReconciler(eb, now))
          .executeTakeFirst();
        return deleted.numDeletedRows === 1n;
      });
    },

    async claimForReconciliation({ createdBefore, now, lockedUntil, limit }) {
      const claimable = (eb: ExpressionBuilder<OrderTables, 'orders'>) =>
        eb.and([
          eb('status', '=', 'pending'),
          eb('created_at', '<', createdBefore.toISOString()),
          notHeldByReconciler(eb, now),
        ]);
      const oldest = db.selectFrom('orders').select('id').where(claimable).orderBy('created_at').limit(limit);
      // One statement: PostgreSQL re-checks the conditions on each row it locks, so a row another reconciler
      // claimed meanwhile drops out; SQLite runs one writer at a time.
      const claimed = await db
        .updateTable('orders')
        .set({ reconcile_locked_until: lockedUntil.toISOString() })
        .where('id', 'in', oldest)
        .where(claimable)
        .returningAll()
        .execute();
      claimed.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
      return withItems(claimed);
    },

    async releaseReconciliation(id, availableAt) {
      await db
        .updateTable('orders')
        .set({ reconcile_locked_until: availableAt?.toISOString() ?? null })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .execute();
    },

    async pendingSummary() {
      const row = await db
        .selectFrom('orders')
        .select((eb) => [eb.fn.countAll<number | string | bigint>().as('count'), eb.fn.min('created_at').as('oldest')])
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow();
      return { count: Number(row.count), oldestCreatedAt: row.oldest ?? null };
    },
  };
};
