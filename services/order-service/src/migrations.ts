/** @module order-service schema migrations, applied in name order at start-up. Never edit one that has shipped. */
import type { Migration } from '@mesh-stack/service-kit';
import type { Kysely } from 'kysely';

export const migrations: Record<string, Migration> = {
  '0001_orders': {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .createTable('orders')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('user_id', 'text', (column) => column.notNull())
        .addColumn('currency', 'text', (column) => column.notNull())
        // Integer minor units; validation bounds the total to 1e9, inside a 32-bit integer.
        .addColumn('total_amount_minor', 'integer', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('payment_id', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('orders_user_id_id').on('orders').columns(['user_id', 'id']).execute();
      await db.schema
        .createTable('order_items')
        .addColumn('order_id', 'text', (column) => column.notNull().references('orders.id').onDelete('cascade'))
        .addColumn('position', 'integer', (column) => column.notNull())
        .addColumn('sku', 'text', (column) => column.notNull())
        .addColumn('quantity', 'integer', (column) => column.notNull())
        .addColumn('unit_amount_minor', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('order_items_pk', ['order_id', 'position'])
        .execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('request_fingerprint', 'text', (column) => column.notNull())
        // in_progress (a request holds the lease) → resumable (outcome unknown) or completed (response stored).
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('order_id', 'text')
        .addColumn('response_status', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('locked_until', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute();
    },
    down: async (db: Kysely<unknown>) => {
      await db.schema.dropTable('idempotency_keys').execute();
      await db.schema.dropTable('order_items').execute();
      await db.schema.dropTable('orders').execute();
    },
  },
  '0002_reconciliation': {
    up: async (db: Kysely<unknown>) => {
      // Which replica's reconciler owns a pending order, until when (the same lease idea as idempotency_keys).
      await db.schema.alterTable('orders').addColumn('reconcile_locked_until', 'text').execute();
      // Reconciliation and the pending gauges read pending orders oldest first.
      await db.schema.createIndex('orders_status_created_at').on('orders').columns(['status', 'created_at']).execute();
      // Expired keys are purged oldest first, in bounded batches.
      await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').column('created_at').execute();
    },
    down: async (db: Kysely<unknown>) => {
      await db.schema.dropIndex('idempotency_keys_created_at').execute();
      await db.schema.dropIndex('orders_status_created_at').execute();
      await db.schema.alterTable('orders').dropColumn('reconcile_locked_until').execute();
    },
  },
};
