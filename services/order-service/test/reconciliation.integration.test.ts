/**
 * Reconciliation with real processes, on SQLite and PostgreSQL: payment-service is killed with SIGKILL while
 * payments are in flight (latency injected so they are), then restarted. Without any client action every order
 * converges to `paid` or `payment_failed` within a bounded time, with exactly one payment per order (succeeded for
 * each paid one), no payment without an order, and a client that repeats with its key getting the same order.
 * Prints the figures: orders by status, charged-but-pending at the worst moment, time to converge.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createTestDatabase, DATABASE_BACKENDS, type TestDatabase } from '../../../test/support/databases.ts';
import { requestJson, uniqueEmail } from '../../../test/support/http.ts';
import {
  FAULT_INJECTION_HEADERS,
  restartOnSamePorts,
  type ServiceProcess,
  startService,
} from '../../../test/support/services.ts';

interface Order {
  id: string;
  status: string;
  paymentId: string | null;
}
interface Payment {
  id: string;
  orderId: string;
  status: string;
}

const ORDERS = 16;
/** Long enough that every order is waiting on payment-service when it is killed; below the attempt timeout (2 s). */
const PAYMENT_LATENCY_MS = 1500;
const RECONCILE_AFTER_MS = 3000;
const CONVERGE_WITHIN_MS = 60_000;
const ITEMS = [{ sku: 'BOOK-42', quantity: 1, unitAmountMinor: 1299 }];

/** Every payment payment-service stored, read from its own database. */
const storedPayments = async (database: TestDatabase): Promise<{ order_id: string; status: string }[]> => {
  const url = database.env.DATABASE_URL;
  if (url === undefined) {
    const sqlite = new DatabaseSync(join(database.env.DATA_DIR as string, 'payment-service.sqlite'), {
      readOnly: true,
    });
    try {
      return sqlite.prepare('select order_id, status from payments').all() as { order_id: string; status: string }[];
    } finally {
      sqlite.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ order_id: string; status: string }>('select order_id, status from payments')).rows;
  } finally {
    await client.end();
  }
};

for (const backend of DATABASE_BACKENDS) {
  describe(`reconciliation after payment-service is killed mid-payment (${backend})`, () => {
    const databases = new Map<string, TestDatabase>();
    const services: ServiceProcess[] = [];
    let user: ServiceProcess;
    let payment: ServiceProcess;
    let order: ServiceProcess;

    before(async () => {
      for (const name of ['user-service', 'payment-service', 'order-service']) {
        databases.set(name, await createTestDatabase(backend, name));
      }
      const envOf = (name: string) => databases.get(name)?.env ?? {};
      [user, payment] = await Promise.all([
        startService('user-service', { env: envOf('user-service') }),
        startService('payment-service', { env: envOf('payment-service') }),
      ]);
      services.push(user, payment);
      order = await startService('order-service', {
        env: {
          ...envOf('order-service'),
          USER_SERVICE_URL: user.url,
          PAYMENT_SERVICE_URL: payment.url,
          RECONCILE_AFTER_MS: String(RECONCILE_AFTER_MS),
          RECONCILE_INTERVAL_MS: '500',
        },
      });
      services.push(order);
    });
    after(async () => {
      await Promise.all(services.map((service) => service.stop()));
      await Promise.all([...databases.values()].map((database) => database.drop()));
    });

    it('converges every order to paid or payment_failed, one payment each, none without an order', async () => {
      const created = await requestJson<{ id: string }>(`${user.url}/users`, {
        method: 'POST',
        body: { email: uniqueEmail('chaos'), name: 'Ada Lovelace' },
      });
      assert.equal(created.status, 201, created.text);
      const userId = created.body.id;
      const faults = await requestJson(`${payment.adminUrl}/admin/faults`, {
        method: 'PUT',
        body: { addedLatencyMs: PAYMENT_LATENCY_MS },
        headers: { ...FAULT_INJECTION_HEADERS },
      });
      assert.equal(faults.status, 200, faults.text);

      // Half the clients send an Idempotency-Key, half do not.
      const keys = Array.from({ length: ORDERS }, (_, index) =>
        index % 2 === 0 ? `chaos-${crypto.randomUUID()}` : undefined,
      );
      const place = (key: string | undefined) =>
        requestJson<Order & { type?: string; orderId?: string }>(`${order.url}/orders`, {
          method: 'POST',
          body: { userId, currency: 'EUR', items: ITEMS },
          headers: key === undefined ? {} : { 'idempotency-key': key },
        });
      const answers = Promise.all(keys.map(place));

      const listOrders = async (): Promise<Order[]> => {
        const response = await requestJson<{ items: Order[] }>(`${order.url}/orders?userId=${userId}&limit=100`);
        assert.equal(response.status, 200, response.text);
        return response.body.items;
      };
      // Every order is stored and waiting on payment-service: kill it now.
      const storedBy = Date.now() + 20_000;
      while ((await listOrders()).length < ORDERS && Date.now() < storedBy) await sleep(50);
      assert.equal((await listOrders()).length, ORDERS, 'every order reached payment-service');
      await payment.stop('SIGKILL');
      const killedAt = Date.now();

      const responses = await answers;
      const statuses = responses.map((response) => response.status);
      payment = await restartOnSamePorts(payment, { env: databases.get('payment-service')?.env ?? {} });
      services[1] = payment;

      // Poll until every order is final; track how many were charged but still pending at the worst moment.
      let chargedButPendingMax = 0;
      let orders = await listOrders();
      const convergeBy = killedAt + CONVERGE_WITHIN_MS;
      while (Date.now() < convergeBy) {
        orders = await listOrders();
        const pending = orders.filter((candidate) => candidate.status === 'pending');
        const charged = new Set(
          (await storedPayments(databases.get('payment-service') as TestDatabase)).map((p) => p.order_id),
        );
        chargedButPendingMax = Math.max(chargedButPendingMax, pending.filter((p) => charged.has(p.id)).length);
        if (pending.length === 0) break;
        await sleep(200);
      }
      const convergedMs = Date.now() - killedAt;
      const byStatus = Object.groupBy(orders, (candidate) => candidate.status);
      const figures = {
        backend,
        orders: orders.length,
        byStatus: Object.fromEntries(Object.entries(byStatus).map(([status, list]) => [status, list?.length ?? 0])),
        placeAnswers: Object.fromEntries(
          Object.entries(Object.groupBy(statuses, String)).map(([status, list]) => [status, list?.length ?? 0]),
        ),
        chargedButPendingMax,
        convergedSecondsAfterKill: convergedMs / 1000,
      };
      console.log(`[reconciliation figures] ${JSON.stringify(figures)}`);

      assert.equal(byStatus.pending, undefined, `orders still pending after ${CONVERGE_WITHIN_MS} ms`);
      // Exactly one payment per order, succeeded iff the order is paid, and the order names it.
      const payments = await storedPayments(databases.get('payment-service') as TestDatabase);
      const orderIds = new Set(orders.map((candidate) => candidate.id));
      for (const stored of payments)
        assert.ok(orderIds.has(stored.order_id), `payment without an order: ${stored.order_id}`);
      for (const final of orders) {
        const lookup = await requestJson<{ items: Payment[] }>(`${payment.url}/payments?orderId=${final.id}`);
        assert.equal(lookup.body.items.length, 1, `order ${final.id} has ${lookup.body.items.length} payments`);
        const [only] = lookup.body.items;
        assert.equal(only?.id, final.paymentId);
        assert.equal(only?.status, final.status === 'paid' ? 'succeeded' : 'declined');
      }
      // Clients that repeat with their key get their order, the same one, final.
      for (const [index, key] of keys.entries()) {
        if (key === undefined) continue;
        const first = responses[index];
        const repeat = await place(key);
        assert.equal(repeat.status, 201, repeat.text);
        const firstId = first?.status === 201 ? first.body.id : first?.body.orderId;
        if (firstId !== undefined) assert.equal(repeat.body.id, firstId);
        assert.ok(orderIds.has(repeat.body.id));
      }
      assert.equal((await listOrders()).length, orders.length, 'repeats created no order');
    });
  });
}
