/**
 * The order flow against the three services as real processes, on SQLite and on PostgreSQL: paid, declined,
 * unknown user, idempotent repeats, a payment outcome that is unknown and then resumed, dependencies that are down,
 * and data that survives restarts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATABASE_BACKENDS } from '../../../test/support/databases.ts';
import { type JsonResponse, requestJson, uniqueEmail } from '../../../test/support/http.ts';
import { FAULT_INJECTION_HEADERS, startStack, type TestStack } from '../../../test/support/services.ts';

interface Order {
  id: string;
  userId: string;
  status: string;
  paymentId: string | null;
  totalAmountMinor: number;
  items: unknown[];
}
interface Payment {
  id: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  status: string;
}
interface Problem {
  type: string;
  status: number;
  orderId?: string;
}

const ITEMS = [
  { sku: 'BOOK-42', quantity: 2, unitAmountMinor: 1299 },
  { sku: 'PEN-7', quantity: 1, unitAmountMinor: 250 },
];
const TOTAL = 2 * 1299 + 250;

// Short enough that a slow payment-service makes attempts time out within a test, long enough for a loaded CI box.
const PAYMENT_ATTEMPT_TIMEOUT_MS = 1000;
const SLOW_PAYMENT_MS = 2500;

for (const backend of DATABASE_BACKENDS) {
  describe(`order flow (${backend})`, () => {
    let stack: TestStack;

    const createUser = async (): Promise<string> => {
      const response = await requestJson<{ id: string }>(`${stack.user.url}/users`, {
        method: 'POST',
        body: { email: uniqueEmail('buyer'), name: 'Grace Hopper' },
      });
      assert.equal(response.status, 201, response.text);
      return response.body.id;
    };

    const placeOrder = (userId: string, headers: Record<string, string> = {}, items = ITEMS) =>
      requestJson<Order & Problem>(`${stack.order.url}/orders`, {
        method: 'POST',
        body: { userId, currency: 'EUR', items },
        headers,
      });

    const setFaults = async (faults: Record<string, number>) => {
      const response = await requestJson(`${stack.payment.adminUrl}/admin/faults`, {
        method: 'PUT',
        body: faults,
        headers: { ...FAULT_INJECTION_HEADERS },
      });
      assert.equal(response.status, 200, response.text);
    };

    const ordersOf = async (userId: string): Promise<Order[]> => {
      const response = await requestJson<{ items: Order[] }>(`${stack.order.url}/orders?userId=${userId}`);
      assert.equal(response.status, 200, response.text);
      return response.body.items;
    };

    const assertProblem = (response: JsonResponse<unknown>, status: number, slug: string) => {
      assert.equal(response.status, status, response.text);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.equal((response.body as Problem).type, `https://mesh-stack.dev/problems/${slug}`);
    };

    before(async () => {
      stack = await startStack({
        backend,
        env: {
          'order-service': {
            PAYMENT_SERVICE_TIMEOUT_MS: String(PAYMENT_ATTEMPT_TIMEOUT_MS),
            DEPENDENCY_RETRIES: '1',
            DEPENDENCY_DEADLINE_MS: '4000',
          },
        },
      });
    });
    after(async () => {
      await stack?.stop();
    });

    it('places a paid order: user → order → payment → paid', async () => {
      const userId = await createUser();
      const response = await placeOrder(userId);
      assert.equal(response.status, 201, response.text);
      assert.equal(response.body.status, 'paid');
      assert.equal(response.body.totalAmountMinor, TOTAL);
      assert.equal(response.headers.get('location'), `/orders/${response.body.id}`);

      const stored = await requestJson<Order>(`${stack.order.url}/orders/${response.body.id}`);
      assert.equal(stored.status, 200);
      assert.deepEqual(stored.body, response.body);

      const payment = await requestJson<Payment>(`${stack.payment.url}/payments/${response.body.paymentId}`);
      assert.equal(payment.status, 200);
      assert.equal(payment.body.orderId, response.body.id);
      assert.equal(payment.body.amountMinor, TOTAL);
      assert.equal(payment.body.currency, 'EUR');
      assert.equal(payment.body.status, 'succeeded');
    });

    it('rejects an order for an unknown user with 422 and stores nothing', async () => {
      const unknownUser = '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11';
      const response = await placeOrder(unknownUser);
      assertProblem(response, 422, 'unknown-user');
      assert.deepEqual(await ordersOf(unknownUser), []);
    });

    it('marks the order payment_failed when the payment is declined', async () => {
      const userId = await createUser();
      await setFaults({ declineRate: 1 });
      try {
        const response = await placeOrder(userId);
        assert.equal(response.status, 201, response.text);
        assert.equal(response.body.status, 'payment_failed');
        const payment = await requestJson<Payment>(`${stack.payment.url}/payments/${response.body.paymentId}`);
        assert.equal(payment.body.status, 'declined');
      } finally {
        await setFaults({});
      }
    });

    it('replays a repeated POST /orders with the same Idempotency-Key and rejects the key with another body', async () => {
      const userId = await createUser();
      const key = `order-${crypto.randomUUID()}`;
      const first = await placeOrder(userId, { 'idempotency-key': key });
      assert.equal(first.status, 201, first.text);
      assert.equal(first.headers.get('idempotent-replayed'), null);

      const repeat = await placeOrder(userId, { 'idempotency-key': key });
      assert.equal(repeat.status, 201, repeat.text);
      assert.equal(repeat.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(repeat.body, first.body);
      assert.equal((await ordersOf(userId)).length, 1);

      const other = await placeOrder(userId, { 'idempotency-key': key }, [
        { sku: 'OTHER', quantity: 1, unitAmountMinor: 1 },
      ]);
      assertProblem(other, 422, 'idempotency-key-reused');
    });

    it('keeps the order pending when the payment outcome is unknown, and resumes it with the same key: one charge', async () => {
      const userId = await createUser();
      const key = `order-${crypto.randomUUID()}`;
      await setFaults({ addedLatencyMs: SLOW_PAYMENT_MS });
      let unknown: JsonResponse<Order & Problem>;
      try {
        unknown = await placeOrder(userId, { 'idempotency-key': key });
      } finally {
        await setFaults({});
      }
      assertProblem(unknown, 503, 'payment-outcome-unknown');
      assert.ok(Number(unknown.headers.get('retry-after')) >= 1);
      const orderId = unknown.body.orderId;
      assert.ok(orderId, 'the problem names the pending order');
      const pending = await requestJson<Order>(`${stack.order.url}/orders/${orderId}`);
      assert.equal(pending.body.status, 'pending');

      // The timed-out attempts are still being processed by payment-service; let them finish so the resume
      // exercises the idempotent replay rather than racing them.
      await sleep(SLOW_PAYMENT_MS);
      const resumed = await placeOrder(userId, { 'idempotency-key': key });
      assert.equal(resumed.status, 201, resumed.text);
      assert.equal(resumed.body.id, orderId);
      assert.equal(resumed.body.status, 'paid');

      // Charging the order again with its id as key replays the one payment that exists.
      const charge = await requestJson<Payment>(`${stack.payment.url}/payments`, {
        method: 'POST',
        body: { orderId, amountMinor: TOTAL, currency: 'EUR' },
        headers: { 'idempotency-key': orderId as string },
      });
      assert.equal(charge.status, 200, charge.text);
      assert.equal(charge.headers.get('idempotent-replayed'), 'true');
      assert.equal(charge.body.id, resumed.body.paymentId);
      assert.equal((await ordersOf(userId)).length, 1);
    });

    it('answers 503 with Retry-After and leaves no order when payment-service is down', async () => {
      const userId = await createUser();
      await stack.payment.stop();
      try {
        const response = await placeOrder(userId, { 'idempotency-key': `down-${crypto.randomUUID()}` });
        assertProblem(response, 503, 'dependency-unavailable');
        assert.ok(Number(response.headers.get('retry-after')) >= 1);
        assert.deepEqual(await ordersOf(userId), []);
        // Readiness is this process (its database, not draining): a dependency being down never makes it unready,
        // or every order-service pod would leave the load balancer and reads would fail too. /health shows it.
        const ready = await requestJson<{ checks: Record<string, { status: string }> }>(
          `${stack.order.adminUrl}/health/ready`,
        );
        assert.equal(ready.status, 200, ready.text);
        assert.equal(ready.body.checks.database?.status, 'ok');
        assert.equal(ready.body.checks['payment-service'], undefined);
        const summary = await requestJson<{ dependencies: Record<string, { status: string }> }>(
          `${stack.order.adminUrl}/health`,
        );
        assert.equal(summary.status, 200, summary.text);
        assert.equal(summary.body.dependencies['payment-service']?.status, 'failed');
        const read = await requestJson(`${stack.order.url}/orders?userId=${userId}`);
        assert.equal(read.status, 200, 'reads are served while payment-service is down');
      } finally {
        await stack.restart('payment-service');
      }
      const retried = await placeOrder(userId);
      assert.equal(retried.status, 201, retried.text);
      assert.equal(retried.body.status, 'paid');
    });

    it('answers 503 with Retry-After when user-service is down', async () => {
      const userId = await createUser();
      await stack.user.stop();
      try {
        const response = await placeOrder(userId);
        assertProblem(response, 503, 'dependency-unavailable');
        assert.ok(Number(response.headers.get('retry-after')) >= 1);
        assert.deepEqual(await ordersOf(userId), []);
      } finally {
        await stack.restart('user-service');
      }
    });

    it('pages through a user’s orders newest first', async () => {
      const userId = await createUser();
      const placed: string[] = [];
      for (let index = 0; index < 3; index++) {
        const response = await placeOrder(userId);
        assert.equal(response.status, 201, response.text);
        placed.push(response.body.id);
      }
      const first = await requestJson<{ items: Order[]; nextCursor: string | null }>(
        `${stack.order.url}/orders?userId=${userId}&limit=2`,
      );
      assert.deepEqual(
        first.body.items.map((order) => order.id),
        [placed[2], placed[1]],
      );
      assert.ok(first.body.nextCursor);
      const second = await requestJson<{ items: Order[]; nextCursor: string | null }>(
        `${stack.order.url}/orders?userId=${userId}&limit=2&cursor=${first.body.nextCursor}`,
      );
      assert.deepEqual(
        second.body.items.map((order) => order.id),
        [placed[0]],
      );
      assert.equal(second.body.nextCursor, null);
    });

    it('keeps every service’s data across a restart', async () => {
      const userId = await createUser();
      const order = await placeOrder(userId);
      assert.equal(order.status, 201, order.text);

      await stack.restart('user-service');
      await stack.restart('payment-service');
      await stack.restart('order-service');

      const user = await requestJson<{ id: string }>(`${stack.user.url}/users/${userId}`);
      assert.equal(user.status, 200);
      const stored = await requestJson<Order>(`${stack.order.url}/orders/${order.body.id}`);
      assert.deepEqual(stored.body, order.body);
      const payment = await requestJson<Payment>(`${stack.payment.url}/payments/${order.body.paymentId}`);
      assert.equal(payment.status, 200);
      assert.equal(payment.body.orderId, order.body.id);
    });
  });
}
