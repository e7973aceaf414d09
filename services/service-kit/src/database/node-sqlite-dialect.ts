/**
 * @module Lets Kysely's own `SqliteDialect` drive Node's built-in `node:sqlite` (`DatabaseSync`).
 *
 * Why an adapter and not a package: the dialect packages for `node:sqlite` on npm are one-person projects with few
 * users, while Kysely's `SqliteDialect` is maintained with Kysely and only needs a better-sqlite3-shaped object.
 * The two differences are small: statements must say whether they return rows (`reader`), and `node:sqlite`
 * takes bind parameters as arguments rather than as one array.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';

// Kysely hands over JS values; node:sqlite binds only these types, so booleans and dates are converted here.
const toSqliteValue = (value: unknown): SQLInputValue => {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value as SQLInputValue;
};

const bind = (parameters: ReadonlyArray<unknown>): SQLInputValue[] => parameters.map(toSqliteValue);

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #statement: StatementSync;

  constructor(statement: StatementSync) {
    this.#statement = statement;
    // A statement that yields columns returns rows (SELECT, or INSERT … RETURNING): better-sqlite3's `reader`.
    this.reader = statement.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#statement.all(...bind(parameters));
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#statement.run(...bind(parameters));
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#statement.iterate(...bind(parameters));
  }
}

/**
 * Prepared statements kept per SQL text. Kysely prepares every query it runs, and preparing was about 4% of
 * order-service's CPU in the order-flow benchmark; the services' query builders produce a small fixed set of texts,
 * and the bound only matters for raw SQL. Reuse is safe: Kysely's SQLite driver runs one query at a time on its
 * single connection, and SQLite re-prepares a cached statement by itself after a schema change.
 */
export const STATEMENT_CACHE_SIZE = 256;

class NodeSqliteDatabase implements SqliteDatabase {
  readonly #database: DatabaseSync;
  readonly #statements = new Map<string, NodeSqliteStatement>();

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  prepare(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement !== undefined) {
      // Least recently used first: a hit moves to the end of the map's insertion order.
      this.#statements.delete(sql);
    } else {
      statement = new NodeSqliteStatement(this.#database.prepare(sql));
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.#statements.clear();
    if (this.#database.isOpen) {
      this.#database.close();
    }
  }
}

/**
 * @example
 * new Kysely<Database>({ dialect: nodeSqliteDialect(new DatabaseSync('users.sqlite')) })
 */
export const nodeSqliteDialect = (database: DatabaseSync): SqliteDialect =>
  new SqliteDialect({ database: new NodeSqliteDatabase(database) });
