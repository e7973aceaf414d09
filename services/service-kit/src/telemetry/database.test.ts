import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Kysely, sql } from 'kysely';
import { labelValues, seriesOf } from '../../../../test/support/exposition.ts';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../../../../test/support/otlp-receiver.ts';
import { nodeSqliteDialect } from '../database/node-sqlite-dialect.ts';
import { ATTR, LABEL, METRIC } from './contract.ts';
import { databaseTelemetry, summarizeQuery, transactionStep } from './database.ts';
import { createServiceMetrics } from './metrics.ts';
import { startTelemetry, type Telemetry } from './sdk.ts';

interface Tables {
  users: { id: string; email: string; name: string };
}

describe('databaseTelemetry (Kysely log hook) on real SQLite', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  let db: Kysely<Tables>;
  const metrics = createServiceMetrics({ serviceVersion: '1.0.0', defaultMetrics: false });

  before(async () => {
    receiver = await startOtlpReceiver();
    telemetry = startTelemetry({
      serviceName: 'db-user',
      serviceVersion: '1.0.0',
      metrics,
      tracesEndpoint: receiver.tracesUrl,
      batch: { scheduledDelayMillis: 50 },
      env: {},
    });
    db = new Kysely<Tables>({
      dialect: nodeSqliteDialect(new DatabaseSync(':memory:')),
      log: databaseTelemetry({ system: 'sqlite', metrics }),
    });
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.unique())
      .addColumn('name', 'text')
      .execute();
  });

  after(async () => {
    await db.destroy();
    await telemetry.shutdown();
    await receiver.close();
  });

  it('creates back-dated client spans under the active span, with bound parameters kept out', async () => {
    const parent = trace.getTracer('test').startSpan('POST /users');
    await context.with(trace.setSpan(context.active(), parent), async () => {
      await db.insertInto('users').values({ id: 'u1', email: 'ada@example.com', name: 'Ada Lovelace' }).execute();
      await db.selectFrom('users as u').selectAll().where('u.id', '=', 'u1').executeTakeFirst();
      await assert.rejects(
        db.insertInto('users').values({ id: 'u2', email: 'ada@example.com', name: 'Ada' }).execute(),
      );
    });
    parent.end();
    const { traceId, spanId } = parent.spanContext();
    const spans = (await receiver.waitFor((all) => all.filter((s) => s.traceId === traceId).length === 4)).filter(
      (s) => s.traceId === traceId && s.kind === SPAN_KIND.client,
    );
    assert.deepEqual(
      spans.map((s) => s.name),
      ['INSERT users', 'SELECT users', 'INSERT users'],
    );
    for (const span of spans) {
      assert.equal(span.parentSpanId, spanId);
      assert.equal(span.attributes[ATTR.dbSystemName], 'sqlite');
      assert.equal(span.attributes[ATTR.dbCollectionName], 'users');
      assert.ok(span.endTimeUnixNano >= span.startTimeUnixNano);
      assert.doesNotMatch(String(span.attributes[ATTR.dbQueryText]), /ada@example\.com|Lovelace/);
    }
    assert.match(String(spans[0]?.attributes[ATTR.dbQueryText]), /^insert into "users" .*values \(\?, \?, \?\)$/);
    assert.equal(spans[2]?.statusCode, 2);
    assert.ok(spans[2]?.attributes[ATTR.errorType]);
    for (const body of receiver.bodies) assert.ok(!body.includes('ada@example.com') && !body.includes('Lovelace'));
  });

  it('records operation duration by operation and table, with bounded label values', async () => {
    await sql`select 1`.execute(db);
    const series = seriesOf(await metrics.registry.metrics(), `${METRIC.dbClientOperationDuration.name}_count`);
    assert.deepEqual([...labelValues(series, LABEL.dbOperationName)].sort(), ['CREATE TABLE', 'INSERT', 'SELECT']);
    assert.deepEqual([...labelValues(series, LABEL.dbCollectionName)], ['users']);
    assert.ok(series.some((s) => s.includes(`${LABEL.errorType}=`)));
  });

  it('records a transaction as one span with its statements as attributes, and no span for BEGIN or COMMIT', async () => {
    const parent = trace.getTracer('test').startSpan('POST /users');
    await context.with(trace.setSpan(context.active(), parent), async () => {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values({ id: 't1', email: 'grace@example.com', name: 'Grace Hopper' }).execute();
        await trx.selectFrom('users').select('id').where('id', '=', 't1').executeTakeFirst();
      });
      await db.selectFrom('users').select('id').where('id', '=', 't1').executeTakeFirst();
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('users').values({ id: 't2', email: 'grace@example.com', name: 'Grace' }).execute();
        }),
      );
    });
    parent.end();
    const { traceId, spanId } = parent.spanContext();
    const spans = (await receiver.waitFor((all) => all.filter((s) => s.traceId === traceId).length >= 4)).filter(
      (s) => s.traceId === traceId && s.kind === SPAN_KIND.client,
    );
    assert.deepEqual(
      spans.map((s) => s.name),
      ['INSERT users SELECT users', 'SELECT users', 'INSERT users'],
    );
    const [committed, single, failed] = spans;
    assert.ok(committed && single && failed);
    for (const span of spans) assert.equal(span.parentSpanId, spanId);
    assert.equal(committed.attributes[ATTR.dbOperationName], 'BATCH');
    assert.equal(committed.attributes[ATTR.dbOperationBatchSize], 2);
    assert.equal(committed.attributes[ATTR.dbCollectionName], 'users');
    assert.equal(committed.attributes[ATTR.dbQuerySummary], 'INSERT users SELECT users');
    assert.match(String(committed.attributes[ATTR.dbQueryText]), /^insert into "users" .*; select "id" from "users"/);
    assert.notEqual(committed.statusCode, 2);
    assert.equal(single.attributes[ATTR.dbOperationName], 'SELECT');
    assert.equal(failed.attributes[ATTR.dbOperationName], 'BATCH INSERT');
    assert.equal(failed.attributes[ATTR.dbOperationBatchSize], 1);
    assert.equal(failed.statusCode, 2);
    assert.ok(failed.attributes[ATTR.errorType]);
    // The transaction span covers its statements: from before BEGIN ended to when COMMIT ended.
    assert.ok(committed.endTimeUnixNano > committed.startTimeUnixNano);
    for (const body of receiver.bodies) assert.ok(!body.includes('grace@example.com') && !body.includes('Hopper'));
    // The histogram still counts transaction control: it is real work for the database (COMMIT syncs).
    const series = seriesOf(await metrics.registry.metrics(), `${METRIC.dbClientOperationDuration.name}_count`);
    assert.ok(labelValues(series, LABEL.dbOperationName).has('COMMIT'));
    assert.ok(labelValues(series, LABEL.dbOperationName).has('ROLLBACK'));
  });

  it('starts no span at all under a request that is not sampled, and still counts its queries', async () => {
    // An always-on tracer would record a child of anything: with it, only the hook's own check keeps the
    // queries of an unsampled request (the production profile's nine in ten) from creating spans.
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const ownMetrics = createServiceMetrics({ serviceVersion: '1.0.0', defaultMetrics: false });
    const local = new Kysely<Tables>({
      dialect: nodeSqliteDialect(new DatabaseSync(':memory:')),
      log: databaseTelemetry({ system: 'sqlite', metrics: ownMetrics, tracer: provider.getTracer('test') }),
    });
    try {
      await local.schema
        .createTable('users')
        .addColumn('id', 'text')
        .addColumn('email', 'text')
        .addColumn('name', 'text')
        .execute();
      const run = () =>
        local.transaction().execute(async (trx) => {
          await trx.insertInto('users').values({ id: 'x', email: 'x@example.com', name: 'X' }).execute();
          await trx.selectFrom('users').select('id').executeTakeFirst();
        });
      const unsampled = trace.wrapSpanContext({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 0,
      });
      await context.with(trace.setSpan(context.active(), unsampled), run);
      assert.deepEqual(
        exporter.getFinishedSpans().map((span) => span.name),
        ['CREATE TABLE users'],
      );
      const counts = (await ownMetrics.dbClientOperationDuration.get()).values.filter((v) =>
        v.metricName?.endsWith('_count'),
      );
      const countOf = (operation: string) =>
        counts.find((v) => v.labels[LABEL.dbOperationName] === operation)?.value ?? 0;
      assert.deepEqual(['BEGIN', 'INSERT', 'SELECT', 'COMMIT'].map(countOf), [1, 1, 1, 1]);
      // The same work under a sampled parent is recorded: the check is about sampling, not about the tracer.
      const sampled = provider.getTracer('test').startSpan('POST /users');
      await context.with(trace.setSpan(context.active(), sampled), run);
      sampled.end();
      assert.ok(exporter.getFinishedSpans().some((span) => span.name === 'INSERT users SELECT users'));
    } finally {
      await local.destroy();
      await provider.shutdown();
    }
  });

  it('tells transaction control apart from statements', () => {
    assert.equal(transactionStep('begin'), 'begin');
    assert.equal(transactionStep('start transaction isolation level serializable'), 'begin');
    assert.equal(transactionStep('commit'), 'commit');
    assert.equal(transactionStep('rollback'), 'rollback');
    assert.equal(transactionStep('rollback to savepoint "sp1"'), 'control');
    assert.equal(transactionStep('savepoint "sp1"'), 'control');
    assert.equal(transactionStep('release savepoint "sp1"'), 'control');
    assert.equal(transactionStep('select 1'), undefined);
    assert.equal(transactionStep('insert into "commits" values (?)'), undefined);
  });

  it('summarizes raw SQL by its first keyword only', () => {
    assert.deepEqual(summarizeQuery({ query: { kind: 'RawNode' }, sql: '  pragma journal_mode' }), {
      operation: 'PRAGMA',
      collection: undefined,
    });
    assert.deepEqual(summarizeQuery({ query: undefined, sql: 'VACUUM' }), {
      operation: 'OTHER',
      collection: undefined,
    });
  });
});
