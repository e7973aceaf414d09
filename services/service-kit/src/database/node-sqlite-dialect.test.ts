/**
 * The node:sqlite adapter against a real SQLite database: cached prepared statements must behave exactly like fresh
 * ones (fresh results, schema changes seen, more distinct texts than the cache holds).
 */
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { Kysely, sql } from 'kysely';
import { nodeSqliteDialect, STATEMENT_CACHE_SIZE } from './node-sqlite-dialect.ts';

interface Tables {
  notes: { id: number; body: string };
}

describe('nodeSqliteDialect', () => {
  const db = new Kysely<Tables>({ dialect: nodeSqliteDialect(new DatabaseSync(':memory:')) });
  after(() => db.destroy());

  it('returns fresh rows from a statement it has run before', async () => {
    await db.schema
      .createTable('notes')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('body', 'text')
      .execute();
    const count = () =>
      db
        .selectFrom('notes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
    assert.equal((await count()).n, 0);
    await db.insertInto('notes').values({ id: 1, body: 'one' }).execute();
    await db.insertInto('notes').values({ id: 2, body: 'two' }).execute();
    assert.equal((await count()).n, 2);
    const bodies = await db.selectFrom('notes').select('body').where('id', '=', 2).execute();
    // node:sqlite returns rows as null-prototype objects.
    assert.deepEqual(
      bodies.map((row) => ({ ...row })),
      [{ body: 'two' }],
    );
  });

  it('sees a schema change through a statement prepared before it', async () => {
    const all = () => sql<Record<string, unknown>>`select * from notes where id = ${1}`.execute(db);
    assert.deepEqual(Object.keys((await all()).rows[0] ?? {}), ['id', 'body']);
    await sql`alter table notes add column tag text default 'x'`.execute(db);
    assert.deepEqual({ ...(await all()).rows[0] }, { id: 1, body: 'one', tag: 'x' });
  });

  it('keeps answering correctly with more distinct statements than the cache holds', async () => {
    for (let index = 0; index < STATEMENT_CACHE_SIZE + 50; index++) {
      const { rows } = await sql<{ value: number }>`select ${sql.lit(index)} as value`.execute(db);
      assert.equal(rows[0]?.value, index);
    }
    // The statements of the first test were evicted and are prepared again.
    const again = await db.selectFrom('notes').select('body').where('id', '=', 1).executeTakeFirstOrThrow();
    assert.equal(again.body, 'one');
  });
});
