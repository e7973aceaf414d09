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

class NodeSqliteDatabase implements SqliteDatabase {
  readonly #database: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  prepare(sql: string): SqliteStatement {
    return new NodeSqliteStatement(this.#database.prepare(sql));
  }

  close(): void {
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
