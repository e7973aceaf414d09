/**
 * @module PostgreSQL for the tests: Debian's default cluster running on 127.0.0.1:5432 and a `mesh` role
 * (password `mesh`, CREATEDB) from which each test creates its own database.
 */
import { log, run, tryRun } from '../run.ts';

export const POSTGRES = {
  version: '15',
  cluster: 'main',
  host: '127.0.0.1',
  port: 5432,
  role: 'mesh',
  password: 'mesh',
} as const;

export const POSTGRES_ADMIN_URL = `postgres://${POSTGRES.role}:${POSTGRES.password}@${POSTGRES.host}:${POSTGRES.port}/postgres`;

/** True when `mesh` can log in over TCP with its password and may create databases: the fast path, one psql call. */
const meshRoleWorks = (): boolean => {
  const result = tryRun(
    'psql',
    [
      '-h',
      POSTGRES.host,
      '-p',
      String(POSTGRES.port),
      '-U',
      POSTGRES.role,
      '-d',
      'postgres',
      '-tAc',
      'SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user',
    ],
    { env: { ...process.env, PGPASSWORD: POSTGRES.password, PGCONNECT_TIMEOUT: '3' } },
  );
  return result.status === 0 && result.stdout.trim() === 't';
};

/** `pg_lsclusters -h` line of our cluster: `15 main 5432 online postgres /var/lib/... /var/log/...`. */
const clusterStatus = (): { readonly exists: boolean; readonly online: boolean } => {
  const line = run('pg_lsclusters', ['-h'])
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .find(([version, cluster]) => version === POSTGRES.version && cluster === POSTGRES.cluster);
  return { exists: line !== undefined, online: line?.[3]?.startsWith('online') ?? false };
};

const asPostgres = (sql: string): string =>
  run('runuser', ['-u', 'postgres', '--', 'psql', '-v', 'ON_ERROR_STOP=1', '-tAc', sql]);

export const ensurePostgres = (): void => {
  if (meshRoleWorks()) return;

  const status = clusterStatus();
  if (!status.exists) {
    log(`creating PostgreSQL cluster ${POSTGRES.version}/${POSTGRES.cluster} (the package did not create one)`);
    run('pg_createcluster', [POSTGRES.version, POSTGRES.cluster, '--port', String(POSTGRES.port)]);
  }
  if (!status.online) {
    log(`starting PostgreSQL ${POSTGRES.version}/${POSTGRES.cluster} on ${POSTGRES.host}:${POSTGRES.port}`);
    run('pg_ctlcluster', [POSTGRES.version, POSTGRES.cluster, 'start']);
  }
  if (meshRoleWorks()) return;

  log(`creating PostgreSQL role ${POSTGRES.role} (LOGIN, CREATEDB) for the tests`);
  // Fixed literals only (no user input), so plain SQL is safe here.
  asPostgres(`DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${POSTGRES.role}') THEN
      CREATE ROLE ${POSTGRES.role} LOGIN CREATEDB PASSWORD '${POSTGRES.password}';
    ELSE
      ALTER ROLE ${POSTGRES.role} LOGIN CREATEDB PASSWORD '${POSTGRES.password}';
    END IF;
  END $$;`);
  if (!meshRoleWorks()) {
    throw new Error(`PostgreSQL is running but ${POSTGRES_ADMIN_URL} does not accept the ${POSTGRES.role} role`);
  }
};
