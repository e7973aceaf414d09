/**
 * The bad-input table (bad-input-table.ts) in process: `app.request()` against each service's `createApp` (and
 * payment-service's admin app) with real SQLite behind them. Every row gets its 4xx problem+json, nothing is stored,
 * and nothing is logged at error level. The same table runs against the real processes in
 * bad-input.integration.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createAdminApp, openDatabase } from '@mesh-stack/service-kit';
import { pino } from 'pino';
import { TEST_FAULT_INJECTION_TOKEN } from '../../../test/support/services.ts';
import { createApp as createPaymentApp } from '../../payment-service/src/app.ts';
import { createFaults, mountFaultRoutes } from '../../payment-service/src/faults.ts';
import { migrations as paymentMigrations } from '../../payment-service/src/migrations.ts';
import { createPaymentRepository, type PaymentTables } from '../../payment-service/src/repository.ts';
import { createApp as createUserApp } from '../../user-service/src/app.ts';
import { migrations as userMigrations } from '../../user-service/src/migrations.ts';
import { createUserRepository, type UserTables } from '../../user-service/src/repository.ts';
import { createApp as createOrderApp } from '../src/app.ts';
import { assertProblemAnswer, BAD_INPUTS, type Target } from './bad-input-table.ts';
import { FakePaymentGateway, FakeUserDirectory, openTestDatabase, type TestDatabase } from './support.ts';

describe('bad input table', () => {
  it('has at least 50 cases with distinct names', () => {
    assert.ok(BAD_INPUTS.length >= 50, `${BAD_INPUTS.length} cases`);
    assert.equal(new Set(BAD_INPUTS.map((input) => input.name)).size, BAD_INPUTS.length);
  });
});

describe('bad input is a 4xx problem, never a 5xx (in process)', () => {
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const apps = new Map<Target, OpenAPIHono>();
  const cleanups: (() => Promise<void> | void)[] = [];
  let orders: TestDatabase;
  let userId: string;
  const users = new FakeUserDirectory();
  const payments = new FakePaymentGateway();

  before(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bad-input-unit-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const userDb = await openDatabase<UserTables>({ name: 'user-service', dataDir, migrations: userMigrations });
    const paymentDb = await openDatabase<PaymentTables>({
      name: 'payment-service',
      dataDir,
      migrations: paymentMigrations,
    });
    orders = await openTestDatabase();
    cleanups.push(userDb.close, paymentDb.close, orders.close);
    userId = users.add();
    const faults = createFaults();
    const admin = createAdminApp({ logger });
    mountFaultRoutes(admin, faults, logger, { token: TEST_FAULT_INJECTION_TOKEN });
    apps.set('user', createUserApp({ users: createUserRepository(userDb.db), logger }));
    apps.set('order', createOrderApp({ store: orders.store, users, payments, logger, resolvedWithinSeconds: 15 }));
    apps.set('payment', createPaymentApp({ payments: createPaymentRepository(paymentDb.db), faults, logger }));
    apps.set('paymentAdmin', admin);
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  for (const input of BAD_INPUTS) {
    it(input.name, async () => {
      const app = apps.get(input.target);
      assert.ok(app);
      const body = typeof input.body === 'string' ? input.body.replaceAll('{userId}', userId) : input.body;
      const response = await app.request(input.path, {
        method: input.method,
        headers: input.headers ?? {},
        body: body ?? null,
      });
      await assertProblemAnswer(response, input);
    });
  }

  it('stored none of it, charged nothing, and logged no error', async () => {
    const orderApp = apps.get('order');
    assert.ok(orderApp);
    const listed = await orderApp.request(`/orders?userId=${userId}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(((await listed.json()) as { items: unknown[] }).items, []);
    assert.equal(payments.chargeCalls, 0);
    assert.deepEqual(
      logLines.filter((line) => /"level":(50|60)/.test(line)),
      [],
    );
  });
});
