/**
 * @module Micro-benchmark: what the database telemetry costs per statement. The same Kysely query on a SQLite file opened
 * by the kit's `openDatabase` (as the services open theirs), three ways: no `log` option, Kysely's `log` hook calling an
 * empty function (the hook's own wrapping and awaits), and the kit's `databaseTelemetry` (the hook plus the
 * histogram observation), all under an unsampled request's context, as nine in ten requests of the production
 * profile run. Run: `npm run bench:database-hook`.
 *
 * Microseconds per statement, medians of rounds interleaved in one run (the differences are the result).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type ServiceDatabase } from '@mesh-stack/service-kit';
import { createServiceMetrics, databaseTelemetry } from '@mesh-stack/service-kit/telemetry';
import { context, TraceFlags, trace } from '@opentelemetry/api';
import type { Kysely, KyselyConfig } from 'kysely';

const STATEMENTS_PER_ROUND = 20_000;
const ROUNDS = 7;

interface Tables {
  users: { id: number; email: string };
}

const dataDir = mkdtempSync(join(tmpdir(), 'mesh-stack-bench-database-hook-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const open = async (name: string, log: KyselyConfig['log']): Promise<ServiceDatabase<Tables>> => {
  const database = await openDatabase<Tables>({
    name,
    dataDir,
    log,
    migrations: {
      '0001_users': {
        up: async (db) => {
          await db.schema
            .createTable('users')
            .addColumn('id', 'integer', (column) => column.primaryKey())
            .addColumn('email', 'text', (column) => column.notNull())
            .execute();
        },
      },
    },
  });
  await database.db.insertInto('users').values({ id: 1, email: 'ada@example.org' }).execute();
  return database;
};

const metrics = createServiceMetrics({ serviceVersion: '0.0.0-bench', defaultMetrics: false });
const databases: Record<string, ServiceDatabase<Tables>> = {
  'no log hook': await open('none', undefined),
  'log hook, empty function': await open('empty', () => {}),
  'log hook, databaseTelemetry': await open('telemetry', databaseTelemetry({ system: 'sqlite', metrics })),
};
const contenders = Object.fromEntries(Object.entries(databases).map(([name, { db }]) => [name, db]));

// An unsampled parent: the hook records the histogram only, as for the production profile's unsampled requests.
const unsampled = trace.setSpan(
  context.active(),
  trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.NONE,
  }),
);

const microsecondsPerStatement = (db: Kysely<Tables>): Promise<number> =>
  context.with(unsampled, async () => {
    const start = process.hrtime.bigint();
    for (let index = 0; index < STATEMENTS_PER_ROUND; index++) {
      await db.selectFrom('users').select(['id', 'email']).where('id', '=', 1).executeTakeFirst();
    }
    return Number(process.hrtime.bigint() - start) / STATEMENTS_PER_ROUND / 1000;
  });

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

const rounds = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
for (let round = 0; round <= ROUNDS; round++) {
  // Interleaved so drift in the machine's speed falls on every contender alike; round 0 warms the JIT up.
  for (const [name, db] of Object.entries(contenders)) {
    const microseconds = await microsecondsPerStatement(db);
    if (round > 0) rounds.get(name)?.push(microseconds);
  }
}

await Promise.all(Object.values(databases).map((database) => database.close()));

const baseline = median(rounds.get('no log hook') ?? []);
console.log(
  `Node ${process.versions.node}, ${STATEMENTS_PER_ROUND.toLocaleString('en')} statements x ${ROUNDS} rounds`,
);
for (const [name, values] of rounds) {
  const microseconds = median(values);
  const extra = microseconds - baseline;
  console.log(
    `${name.padEnd(30)} ${microseconds.toFixed(2).padStart(7)} µs per statement  ${extra >= 0 ? '+' : ''}${extra.toFixed(2)} µs`,
  );
}
