/** @module user-service schema migrations, applied in name order at start-up. Never edit one that has shipped. */
import type { Migration } from '@mesh-stack/service-kit';
import type { Kysely } from 'kysely';

export const migrations: Record<string, Migration> = {
  '0001_users': {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('email', 'text', (column) => column.notNull())
        // Lower-cased email: uniqueness is case-insensitive, the address is kept as the user typed it.
        .addColumn('email_normalized', 'text', (column) => column.notNull().unique())
        .addColumn('name', 'text', (column) => column.notNull())
        // ISO 8601 UTC text: portable between SQLite and PostgreSQL, and it sorts chronologically.
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute();
    },
    down: async (db: Kysely<unknown>) => {
      await db.schema.dropTable('users').execute();
    },
  },
};
