/**
 * order-service's order flow in process: `app.request()` against `createApp` with a real SQLite database and
 * stand-ins for user-service and payment-service. Every branch of POST /orders, and every problem it answers.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { requestFingerprint } from '@mesh-stack/service-kit';
import { createApp } from '../src/app.ts';
import type { Order } from '../src/schemas.ts';
import type { OrderStore } from '../src/store.ts';
import {
  FakePaymentGateway,
  FakeUserDirectory,
  ITEMS,
  LEASE_MS,
  manualClock,
  openTestDatabase,
  RETENTION_MS,
  silentLogger,
  type TestDatabase,
} from './support.ts';

const RESOLVED_WITHIN_SECONDS = 15;
const PROBLEM_BASE = 'https://mesh-stack.dev/problems/';

interface Problem {
  type: string;
  status: number;
  detail?: string;
  orderId?: string;
}
/** An order or a problem: both have `status`, with different types. */
type Answer = Omit<Order, 'status'> & Omit<Problem, 'status'> & { status: Order['status'] | number };

describe('POST /orders', () => {
  let testDatabase: TestDatabase;
  let users: FakeUserDirectory;
  let payments: FakePaymentGateway;
  let clock: ReturnType<typeof manualClock>;

  const appWith = (store: OrderStore = testDatabase.store) =>
    createApp({
      store,
      users,
      payments,
      logger: silentLogger,
      resolvedWithinSeconds: RESOLVED_WITHIN_SECONDS,
      now: clock.now,
    });

  const place = async (userId: string, key?: string, items = ITEMS, store?: OrderStore) => {
    const response = await appWith(store).request('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: JSON.stringify({ userId, currency: 'EUR', items }),
    });
    return { response, body: (await response.json()) as Answer };
  };

  const assertProblem = (response: Response, body: Pick<Problem, 'type'>, status: number, slug: string) => {
    assert.equal(response.status, status, JSON.stringify(body));
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.equal(body.type, `${PROBLEM_BASE}${slug}`);
  };

  const ordersOf = (userId: string) => testDatabase.store.orders.list({ userId, limit: 100, afterId: undefined });

  beforeEach(async () => {
    testDatabase = await openTestDatabase();
    users = new FakeUserDirectory();
    payments = new FakePaymentGateway();
    clock = manualClock();
  });
  afterEach(async () => {
    await testDatabase.close();
  });

  it('places a paid order: 201, Location, stored as paid with its payment', async () => {
    const userId = users.add();
    const { response, body } = await place(userId);
    assert.equal(response.status, 201);
    assert.equal(body.status, 'paid');
    assert.equal(body.totalAmountMinor, 2 * 1299 + 250);
    assert.equal(response.headers.get('location'), `/orders/${body.id}`);
    assert.equal(body.paymentId, payments.payments.get(body.id)?.paymentId);
    assert.deepEqual(await testDatabase.store.orders.findById(body.id), body);
  });

  it('marks a declined order payment_failed', async () => {
    const userId = users.add();
    payments.chargeBehaviour = 'decline';
    const { response, body } = await place(userId);
    assert.equal(response.status, 201);
    assert.equal(body.status, 'payment_failed');
  });

  it('refuses an unknown user with 422 unknown-user and stores nothing', async () => {
    const userId = crypto.randomUUID();
    const { response, body } = await place(userId);
    assertProblem(response, body, 422, 'unknown-user');
    assert.deepEqual(await ordersOf(userId), []);
    assert.equal(payments.chargeCalls, 0);
  });

  it('answers 503 dependency-unavailable when user-service is down, and stores nothing', async () => {
    const userId = users.add();
    users.down = true;
    const { response, body } = await place(userId, 'key-user-down');
    assertProblem(response, body, 503, 'dependency-unavailable');
    assert.equal(response.headers.get('retry-after'), '1');
    assert.deepEqual(await ordersOf(userId), []);
    // The key was released: the same key works once user-service is back.
    users.down = false;
    assert.equal((await place(userId, 'key-user-down')).response.status, 201);
  });

  it('replays a repeat with the same key and body: same order, Idempotent-Replayed, one charge', async () => {
    const userId = users.add();
    const first = await place(userId, 'key-replay');
    const repeat = await place(userId, 'key-replay');
    assert.equal(repeat.response.status, 201);
    assert.equal(repeat.response.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(repeat.body, first.body);
    assert.equal(first.response.headers.get('idempotent-replayed'), null);
    assert.equal(payments.chargeCalls, 1);
    assert.equal((await ordersOf(userId)).length, 1);
  });

  it('refuses the key with another body: 422 idempotency-key-reused', async () => {
    const userId = users.add();
    await place(userId, 'key-reused');
    const other = await place(userId, 'key-reused', [{ sku: 'OTHER', quantity: 1, unitAmountMinor: 1 }]);
    assertProblem(other.response, other.body, 422, 'idempotency-key-reused');
    assert.equal((await ordersOf(userId)).length, 1);
  });

  it('answers 409 in progress with Retry-After = what is left of the lease, rounded up', async () => {
    const userId = users.add();
    const body = { userId, currency: 'EUR', items: ITEMS };
    // Another request claimed the key 12.3 s ago and is still running.
    const claimedAt = clock.now();
    const claim = await testDatabase.store.idempotency.claim('key-busy', requestFingerprint(body), claimedAt);
    assert.equal(claim.kind, 'claimed');
    clock.advance(12_300);
    const { response, body: problem } = await place(userId, 'key-busy');
    assertProblem(response, problem, 409, 'idempotency-key-in-progress');
    assert.equal(response.headers.get('retry-after'), String(Math.ceil((LEASE_MS - 12_300) / 1000)));
    assert.equal(payments.chargeCalls, 0);
    // Once the lease is over, the key can be taken over.
    clock.advance(LEASE_MS);
    assert.equal((await place(userId, 'key-busy')).response.status, 201);
  });

  it('removes the order and releases the key when payment-service was never reached', async () => {
    const userId = users.add();
    payments.chargeBehaviour = 'unreachable';
    const { response, body } = await place(userId, 'key-unreachable');
    assertProblem(response, body, 503, 'dependency-unavailable');
    assert.match(body.detail ?? '', /nothing was charged/);
    assert.deepEqual(await ordersOf(userId), []);
    payments.chargeBehaviour = 'succeed';
    const retried = await place(userId, 'key-unreachable');
    assert.equal(retried.response.status, 201);
    assert.equal(retried.body.status, 'paid');
    assert.equal((await ordersOf(userId)).length, 1);
  });

  it('removes the order when payment-service answers charged: false (nothing charged)', async () => {
    const userId = users.add();
    payments.chargeBehaviour = 'refused';
    const withoutKey = await place(userId);
    assertProblem(withoutKey.response, withoutKey.body, 503, 'dependency-unavailable');
    const withKey = await place(userId, 'key-refused');
    assertProblem(withKey.response, withKey.body, 503, 'dependency-unavailable');
    assert.deepEqual(await ordersOf(userId), []);
    assert.equal(payments.payments.size, 0);
  });

  it('keeps the order pending when the outcome is unknown; the same key resumes it: one order, one charge', async () => {
    const userId = users.add();
    payments.chargeBehaviour = 'lost';
    const unknown = await place(userId, 'key-lost');
    assertProblem(unknown.response, unknown.body, 503, 'payment-outcome-unknown');
    const orderId = unknown.body.orderId as string;
    assert.ok(orderId);
    assert.equal(unknown.response.headers.get('location'), `/orders/${orderId}`);
    assert.equal(unknown.response.headers.get('retry-after'), String(RESOLVED_WITHIN_SECONDS));
    assert.equal((await testDatabase.store.orders.findById(orderId))?.status, 'pending');

    payments.chargeBehaviour = 'succeed';
    const resumed = await place(userId, 'key-lost');
    assert.equal(resumed.response.status, 201);
    assert.equal(resumed.body.id, orderId);
    assert.equal(resumed.body.status, 'paid');
    assert.equal(resumed.body.paymentId, payments.payments.get(orderId)?.paymentId);
    assert.equal(payments.payments.size, 1);
    assert.equal((await ordersOf(userId)).length, 1);
  });

  it('on a resume, "nothing charged" keeps the order pending (an earlier attempt may still land)', async () => {
    const userId = users.add();
    payments.chargeBehaviour = 'unknown';
    const first = await place(userId, 'key-resume-refused');
    assertProblem(first.response, first.body, 503, 'payment-outcome-unknown');
    payments.chargeBehaviour = 'refused';
    const resumed = await place(userId, 'key-resume-refused');
    assertProblem(resumed.response, resumed.body, 503, 'payment-outcome-unknown');
    assert.equal(resumed.body.orderId, first.body.orderId);
    assert.equal((await testDatabase.store.orders.findById(first.body.orderId as string))?.status, 'pending');
  });

  it('without a key, a 503 says the order resolves by itself and where to read it, not "repeat with the key"', async () => {
    const userId = users.add();
    payments.chargeBehaviour = 'unknown';
    const { response, body } = await place(userId);
    assertProblem(response, body, 503, 'payment-outcome-unknown');
    const orderId = body.orderId as string;
    assert.equal(response.headers.get('location'), `/orders/${orderId}`);
    assert.match(body.detail ?? '', new RegExp(`GET /orders/${orderId}`));
    assert.match(body.detail ?? '', /without any action/);
    assert.doesNotMatch(body.detail ?? '', /Idempotency-Key/);
    assert.equal((await testDatabase.store.orders.findById(orderId))?.status, 'pending');
  });

  it('stores the order and binds it to its key in one transaction: a failure in between leaves neither', async () => {
    const userId = users.add();
    const real = testDatabase.store;
    const crashing: OrderStore = {
      ...real,
      transaction: (work) =>
        real.transaction((stores) =>
          work({
            ...stores,
            idempotency: {
              ...stores.idempotency,
              attachOrder: async () => {
                throw new Error('crash between storing the order and binding its key');
              },
            },
          }),
        ),
    };
    const failed = await place(userId, 'key-atomic', ITEMS, crashing);
    assertProblem(failed.response, failed.body, 500, 'internal-error');
    assert.deepEqual(await ordersOf(userId), []);
    assert.equal(payments.chargeCalls, 0);
    const retried = await place(userId, 'key-atomic');
    assert.equal(retried.response.status, 201);
    assert.equal((await ordersOf(userId)).length, 1);
  });

  it('forgets a key after its retention: a reuse, even with another body, is a new request', async () => {
    const userId = users.add();
    const first = await place(userId, 'key-expiring');
    clock.advance(RETENTION_MS + 1000);
    const reused = await place(userId, 'key-expiring', [{ sku: 'OTHER', quantity: 1, unitAmountMinor: 1 }]);
    assert.equal(reused.response.status, 201);
    assert.equal(reused.response.headers.get('idempotent-replayed'), null);
    assert.notEqual(reused.body.id, first.body.id);
    assert.equal((await ordersOf(userId)).length, 2);
  });
});

describe('the other problems of order-service', () => {
  let testDatabase: TestDatabase;
  let app: ReturnType<typeof createApp>;

  beforeEach(async () => {
    testDatabase = await openTestDatabase();
    app = createApp({
      store: testDatabase.store,
      users: new FakeUserDirectory(),
      payments: new FakePaymentGateway(),
      logger: silentLogger,
      resolvedWithinSeconds: RESOLVED_WITHIN_SECONDS,
    });
  });
  afterEach(async () => {
    await testDatabase.close();
  });

  const cases: { name: string; path: string; init: RequestInit; status: number; slug: string }[] = [
    { name: 'unknown order', path: `/orders/${crypto.randomUUID()}`, init: {}, status: 404, slug: 'not-found' },
    { name: 'unknown path', path: '/nothing-here', init: {}, status: 404, slug: 'not-found' },
    {
      name: 'wrong method',
      path: '/orders',
      init: { method: 'DELETE' },
      status: 405,
      slug: 'method-not-allowed',
    },
    {
      name: 'invalid body',
      path: '/orders',
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId": "nope"}' },
      status: 400,
      slug: 'validation-failed',
    },
    {
      name: 'malformed JSON',
      path: '/orders',
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' },
      status: 400,
      slug: 'malformed-json',
    },
    {
      name: 'not JSON',
      path: '/orders',
      init: { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' },
      status: 415,
      slug: 'unsupported-media-type',
    },
  ];
  for (const { name, path, init, status, slug } of cases) {
    it(`${name}: ${status} ${slug}`, async () => {
      const response = await app.request(path, init);
      const body = (await response.json()) as Problem;
      assert.equal(response.status, status, JSON.stringify(body));
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.equal(body.type, `${PROBLEM_BASE}${slug}`);
    });
  }
});
