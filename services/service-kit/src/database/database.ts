/**
 * @module Opens a service's database through Kysely: a SQLite file (Node's built-in `node:sqlite`, WAL mode) by
 * default, PostgreSQL (`pg`) when a connection string is given. Runs the service's migrations before returning.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type Dialect, Kysely, type KyselyConfig, type LogEvent, PostgresDialect, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import pg from 'pg';
import { nodeSqliteDialect } from './node-sqlite-dialect.ts';

export type { Migration } from 'kysely/migration';

/** OTel `db.system.name` values. */
export type DatabaseSystem = 'sqlite' | 'postgresql';

export interface DatabaseOptions {
  /** Names the SQLite file (`<dataDir>/<name>.sqlite`) and the pool in logs. */
  name: string;
  /** A `postgres://` URL; without it, SQLite. */
  url?: string | undefined;
  /** Folder of the SQLite file, created when missing. */
  dataDir: string;
  /** Migrations by name; they run in name order, so prefix them (`0001_users`). */
  migrations: Readonly<Record<string, Migration>>;
  /**
   * Kysely's `log` option: every query and error with its duration (database spans and metrics hook in here).
   * Pass the telemetry's `databaseLog`.
   */
  log?: KyselyConfig['log'];
  /** PostgreSQL pool size. @default 10 */
  poolSize?: number;
}

export interface ServiceDatabase<Schema> {
  readonly db: Kysely<Schema>;
  readonly system: DatabaseSystem;
  /** A round trip to the database, for readiness. */
  ping(): Promise<void>;
  /** Closes the pool or file; idempotent. */
  close(): Promise<void>;
}

/** How long SQLite waits for a lock before failing with SQLITE_BUSY (another process, or a WAL checkpoint). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

const openSqlite = (dataDir: string, name: string): Dialect => {
  mkdirSync(dataDir, { recursive: true });
  // Synchronous by design of node:sqlite: each statement blocks the event loop for its (sub-millisecond) duration,
  // which is the accepted trade-off of embedded SQLite; PostgreSQL is the choice for concurrency.
  const database = new DatabaseSync(join(dataDir, `${name}.sqlite`), { timeout: SQLITE_BUSY_TIMEOUT_MS });
  database.exec('PRAGMA journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power loss can drop the last transactions.
  database.exec('PRAGMA synchronous = NORMAL');
  database.exec('PRAGMA foreign_keys = ON');
  return nodeSqliteDialect(database);
};

const openPostgres = (url: string, poolSize: number, name: string): Dialect =>
  new PostgresDialect({
    pool: new pg.Pool({ connectionString: url, max: poolSize, application_name: name }),
  });

/**
 * Opens the database and migrates it to the latest version.
 *
 * @example
 * const database = await openDatabase<UserTables>({ name: 'user-service', url: config.DATABASE_URL,
 *   dataDir: config.DATA_DIR, migrations });
 */
export const openDatabase = async <Schema>({
  name,
  url,
  dataDir,
  migrations,
  log,
  poolSize = 10,
}: DatabaseOptions): Promise<ServiceDatabase<Schema>> => {
  const system: DatabaseSystem = url ? 'postgresql' : 'sqlite';
  const dialect = url ? openPostgres(url, poolSize, name) : openSqlite(dataDir, name);
  const db = new Kysely<Schema>({ dialect, ...(log ? { log } : {}) });
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await db.destroy();
    }
  };
  try {
    await migrateToLatest(db, migrations);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    db,
    system,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close,
  };
};

/** Runs every pending migration; throws with the failing migration's error. */
export const migrateToLatest = async <Schema>(db: Kysely<Schema>, migrations: Readonly<Record<string, Migration>>) => {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) } });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    throw error;
  }
};

/** True when a write failed on a unique constraint (SQLite and PostgreSQL). */
export const isUniqueViolation = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  // PostgreSQL SQLSTATE unique_violation; SQLite extended codes SQLITE_CONSTRAINT_UNIQUE and _PRIMARYKEY.
  return code === '23505' || errcode === 2067 || errcode === 1555;
};

export type DatabaseLogEvent = LogEvent;
