/** @module payment-service schema migrations, applied in name order at start-up. Never edit one that has shipped. */
import type { Migration } from '@mesh-stack/service-kit';
import type { Kysely } from 'kysely';

export const migrations: Record<string, Migration> = {
  '0001_payments': {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .createTable('payments')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('order_id', 'text', (column) => column.notNull())
        // Integer minor units; bounded to 1e9 by validation, so a 32-bit integer holds every amount.
        .addColumn('amount_minor', 'integer', (column) => column.notNull())
        .addColumn('currency', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('decline_reason', 'text')
        // The unique key is what makes a charge happen once, even for two concurrent identical requests.
        .addColumn('idempotency_key', 'text', (column) => column.notNull().unique())
        .addColumn('request_fingerprint', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('payments_order_id').on('payments').column('order_id').execute();
    },
    down: async (db: Kysely<unknown>) => {
      await db.schema.dropTable('payments').execute();
    },
  },
};
