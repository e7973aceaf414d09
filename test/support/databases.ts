/**
 * @module Throw-away databases for tests: a temp folder for SQLite, or a fresh PostgreSQL database per service
 * created from `TEST_POSTGRES_ADMIN_URL` (default `postgres://mesh:mesh@127.0.0.1:5432/postgres`, the role the setup
 * script creates). Every suite that touches a database runs against both backends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const DATABASE_BACKENDS = ['sqlite', 'postgres'] as const;
export type DatabaseBackend = (typeof DATABASE_BACKENDS)[number];

export const DEFAULT_POSTGRES_ADMIN_URL = 'postgres://mesh:mesh@127.0.0.1:5432/postgres';
export const postgresAdminUrl = (): string => process.env.TEST_POSTGRES_ADMIN_URL || DEFAULT_POSTGRES_ADMIN_URL;

/** Where one service keeps its data in a test: the env that points it there. */
export interface TestDatabase {
  /** `DATA_DIR` (always set: SQLite files, or unused with PostgreSQL) and `DATABASE_URL` for PostgreSQL. */
  readonly env: Readonly<Record<string, string>>;
  /** Deletes the folder or drops the database. */
  drop(): Promise<void>;
}

const withAdminClient = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
};

const createPostgresDatabase = async (label: string): Promise<TestDatabase> => {
  // Names come from a fixed alphabet, so quoting them as identifiers is safe.
  const name = `mesh_test_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: () =>
      withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
};

/**
 * A database for one service under test.
 *
 * @example
 * const database = await createTestDatabase('postgres', 'user-service');
 * const service = await startService('user-service', { env: database.env });
 * after(() => database.drop());
 */
export const createTestDatabase = async (backend: DatabaseBackend, label: string): Promise<TestDatabase> => {
  const dataDir = mkdtempSync(join(tmpdir(), `mesh-${label}-`));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  if (backend === 'sqlite') {
    return { env: { DATA_DIR: dataDir }, drop: removeDir };
  }
  const database = await createPostgresDatabase(label);
  return {
    env: { DATA_DIR: dataDir, ...database.env },
    drop: async () => {
      await database.drop();
      await removeDir();
    },
  };
};
