/**
 * @module order-service's storage as one unit: the order repository and the idempotency store over one database,
 * and a way to run both in one transaction (storing an order and binding it to its key must be atomic, or a crash
 * between the two leaves an orphan order that a retry would duplicate).
 */
import type { Kysely } from 'kysely';
import { createIdempotencyStore, type IdempotencyStore, type IdempotencyStoreOptions } from './idempotency.ts';
import { createOrderRepository, type OrderRepository } from './repository.ts';
import type { OrderTables } from './tables.ts';

export interface OrderStores {
  readonly orders: OrderRepository;
  readonly idempotency: IdempotencyStore;
}

export interface OrderStore extends OrderStores {
  /** Runs `work` in one transaction: everything it does through the given stores commits or rolls back together. */
  transaction<T>(work: (stores: OrderStores) => Promise<T>): Promise<T>;
}

const storesOver = (db: Kysely<OrderTables>, options: IdempotencyStoreOptions): OrderStores => ({
  orders: createOrderRepository(db),
  idempotency: createIdempotencyStore(db, options),
});

export const createOrderStore = (db: Kysely<OrderTables>, options: IdempotencyStoreOptions): OrderStore => ({
  ...storesOver(db, options),
  transaction: (work) => db.transaction().execute((trx) => work(storesOver(trx, options))),
});
