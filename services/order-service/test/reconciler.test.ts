/**
 * Order reconciliation in process, on a real SQLite database: each outcome (paid, payment_failed, recharged,
 * deferred), orders too young to touch, the metrics it publishes, and two reconcilers on one database (two
 * connections, like two replicas) that never work on the same order.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newId } from '@mesh-stack/service-kit';
import { METRIC } from '@mesh-stack/service-kit/contract';
import {
  createServiceMetrics,
  NO_RECONCILIATION_TELEMETRY,
  reconciliationTelemetry,
} from '@mesh-stack/service-kit/telemetry';
import { createReconciler, type ReconcilerSettings } from '../src/reconciler.ts';
import type { OrderRepository } from '../src/repository.ts';
import type { Order } from '../src/schemas.ts';
import type { OrderStore } from '../src/store.ts';
import {
  FakePaymentGateway,
  ITEMS,
  manualClock,
  openTestDatabase,
  silentLogger,
  type TestDatabase,
} from './support.ts';

const SETTINGS: ReconcilerSettings = {
  reconcileAfterMs: 10_000,
  intervalMs: 5000,
  batchSize: 10,
  leaseMs: 60_000,
  concurrency: 3,
  purgeBatchSize: 100,
};

describe('order reconciliation', () => {
  let testDatabase: TestDatabase;
  let payments: FakePaymentGateway;
  let clock: ReturnType<typeof manualClock>;

  const pendingOrder = async (orders: OrderRepository = testDatabase.store.orders): Promise<Order> => {
    const createdAt = clock.now().toISOString();
    const order: Order = {
      id: newId(),
      userId: newId(),
      currency: 'EUR',
      items: ITEMS,
      totalAmountMinor: 2 * 1299 + 250,
      status: 'pending',
      paymentId: null,
      createdAt,
      updatedAt: createdAt,
    };
    await orders.insert(order);
    return order;
  };

  const reconcilerOn = (store: OrderStore, telemetry = NO_RECONCILIATION_TELEMETRY, settings = SETTINGS) =>
    createReconciler({
      ...settings,
      orders: store.orders,
      idempotency: store.idempotency,
      payments,
      telemetry,
      logger: silentLogger,
      now: clock.now,
    });

  const statusOf = async (id: string) => (await testDatabase.store.orders.findById(id))?.status;

  beforeEach(async () => {
    testDatabase = await openTestDatabase();
    payments = new FakePaymentGateway();
    clock = manualClock();
  });
  afterEach(async () => {
    await testDatabase.close();
  });

  it('completes orders from the payment payment-service has: paid and payment_failed', async () => {
    const charged = await pendingOrder();
    const declined = await pendingOrder();
    const chargedPayment = payments.record(charged.id, 'succeeded');
    payments.record(declined.id, 'declined');
    clock.advance(SETTINGS.reconcileAfterMs + 1);

    const summary = await reconcilerOn(testDatabase.store).runPass();
    assert.deepEqual(summary.outcomes, { paid: 1, payment_failed: 1 });
    assert.equal(payments.chargeCalls, 0);
    const paid = await testDatabase.store.orders.findById(charged.id);
    assert.equal(paid?.status, 'paid');
    assert.equal(paid?.paymentId, chargedPayment.paymentId);
    assert.equal(await statusOf(declined.id), 'payment_failed');
  });

  it('charges again, with the same key, an order payment-service has nothing for: recharged', async () => {
    const order = await pendingOrder();
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    const summary = await reconcilerOn(testDatabase.store).runPass();
    assert.deepEqual(summary.outcomes, { recharged: 1 });
    assert.equal(payments.chargeCalls, 1);
    assert.equal(await statusOf(order.id), 'paid');
    assert.equal(payments.payments.size, 1);
  });

  it('leaves orders younger than the threshold alone', async () => {
    const order = await pendingOrder();
    clock.advance(SETTINGS.reconcileAfterMs - 1);
    const summary = await reconcilerOn(testDatabase.store).runPass();
    assert.equal(summary.claimed, 0);
    assert.equal(payments.lookupCalls, 0);
    assert.equal(await statusOf(order.id), 'pending');
  });

  it('defers while payment-service cannot answer, and resolves on a later pass', async () => {
    const order = await pendingOrder();
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    const reconciler = reconcilerOn(testDatabase.store);

    payments.lookupDown = true;
    assert.deepEqual((await reconciler.runPass()).outcomes, { deferred: 1 });
    assert.equal(await statusOf(order.id), 'pending');

    // Lookup answers "nothing", but the re-charge's outcome is unknown (or refused): still deferred, never lost.
    payments.lookupDown = false;
    payments.chargeBehaviour = 'unknown';
    clock.advance(SETTINGS.reconcileAfterMs);
    assert.deepEqual((await reconciler.runPass()).outcomes, { deferred: 1 });
    payments.chargeBehaviour = 'refused';
    clock.advance(SETTINGS.reconcileAfterMs);
    assert.deepEqual((await reconciler.runPass()).outcomes, { deferred: 1 });
    assert.equal(await statusOf(order.id), 'pending');

    // A deferred order waits reconcileAfterMs before its next try; then it is resolved.
    payments.chargeBehaviour = 'succeed';
    assert.equal((await reconciler.runPass()).claimed, 0);
    clock.advance(SETTINGS.reconcileAfterMs);
    assert.deepEqual((await reconciler.runPass()).outcomes, { recharged: 1 });
    assert.equal(await statusOf(order.id), 'paid');
    assert.equal(payments.payments.size, 1);
  });

  it('orders payment-service keeps failing on do not take every batch from the others', async () => {
    const failing = [await pendingOrder(), await pendingOrder()];
    clock.advance(1);
    const healthy = await pendingOrder();
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    const reconciler = reconcilerOn(testDatabase.store, NO_RECONCILIATION_TELEMETRY, { ...SETTINGS, batchSize: 2 });
    payments.lookupDown = true;
    assert.deepEqual((await reconciler.runPass()).outcomes, { deferred: 2 });
    payments.lookupDown = false;
    // The two oldest wait out their deferral; the next pass gets to the third.
    assert.deepEqual((await reconciler.runPass()).outcomes, { recharged: 1 });
    assert.equal(await statusOf(healthy.id), 'paid');
    for (const order of failing) assert.equal(await statusOf(order.id), 'pending');
  });

  it('claims at most a batch per pass, oldest first', async () => {
    const orders: Order[] = [];
    for (let index = 0; index < 5; index++) {
      orders.push(await pendingOrder());
      clock.advance(1);
    }
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    const reconciler = reconcilerOn(testDatabase.store, NO_RECONCILIATION_TELEMETRY, { ...SETTINGS, batchSize: 2 });
    assert.equal((await reconciler.runPass()).claimed, 2);
    assert.deepEqual(await Promise.all(orders.map((order) => statusOf(order.id))), [
      'paid',
      'paid',
      'pending',
      'pending',
      'pending',
    ]);
    assert.equal((await reconciler.runPass()).claimed, 2);
    assert.equal((await reconciler.runPass()).claimed, 1);
    assert.equal((await reconciler.runPass()).claimed, 0);
  });

  it('two reconcilers on one database never work on the same order', async () => {
    const replica = await testDatabase.openReplica();
    const orders: Order[] = [];
    for (let index = 0; index < 12; index++) orders.push(await pendingOrder());
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    // Lookups take a while, so both passes are claiming and working at the same time.
    payments.onLookup = () => sleep(20);
    const settings = { ...SETTINGS, batchSize: 3 };
    const drain = async (store: OrderStore): Promise<number> => {
      const reconciler = reconcilerOn(store, NO_RECONCILIATION_TELEMETRY, settings);
      let claimed = 0;
      for (let pass = await reconciler.runPass(); pass.claimed > 0; pass = await reconciler.runPass()) {
        claimed += pass.claimed;
      }
      return claimed;
    };
    const [first, second] = await Promise.all([drain(testDatabase.store), drain(replica.store)]);
    assert.equal(first + second, orders.length);
    assert.ok(first > 0 && second > 0, `both replicas worked (${first} and ${second})`);
    assert.equal(payments.lookupCalls, orders.length);
    assert.equal(payments.chargeCalls, orders.length);
    for (const order of orders) assert.equal(await statusOf(order.id), 'paid');
  });

  it('a claimed order is not claimed again until its lease is over', async () => {
    const order = await pendingOrder();
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    const leased = await testDatabase.store.orders.claimForReconciliation({
      createdBefore: clock.now(),
      now: clock.now(),
      lockedUntil: new Date(clock.now().getTime() + SETTINGS.leaseMs),
      limit: 10,
    });
    assert.deepEqual(
      leased.map((claimed) => claimed.id),
      [order.id],
    );
    const reconciler = reconcilerOn(testDatabase.store);
    assert.equal((await reconciler.runPass()).claimed, 0);
    // The request path cannot remove it either while a reconciler holds it.
    assert.equal(await testDatabase.store.orders.remove(order.id, clock.now()), false);
    clock.advance(SETTINGS.leaseMs);
    assert.equal((await reconciler.runPass()).claimed, 1);
    assert.equal(await statusOf(order.id), 'paid');
  });

  it('publishes pending orders, the oldest one’s age, and resolutions by outcome', async () => {
    const metrics = createServiceMetrics({ serviceVersion: 'test', defaultMetrics: false });
    const telemetry = reconciliationTelemetry({ metrics });
    const old = await pendingOrder();
    payments.record(old.id, 'succeeded');
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    await pendingOrder();
    clock.advance(2000);
    const young = await pendingOrder();

    const value = async (name: string, labels: Record<string, string> = {}) => {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
      const sample = metric?.values.find((candidate) =>
        Object.entries(labels).every(([key, labelValue]) => candidate.labels[key] === labelValue),
      );
      return sample?.value;
    };

    await reconcilerOn(testDatabase.store, telemetry).runPass();
    assert.equal(await value(METRIC.orderReconciliations.name, { outcome: 'paid' }), 1);
    assert.equal(await value(METRIC.orderReconciliations.name, { outcome: 'recharged' }), 0);
    assert.equal(await value(METRIC.ordersPending.name), 2);
    // The oldest pending one is now the second order, pending for 2 s.
    assert.equal(await value(METRIC.ordersPendingOldestAge.name), 2);

    await testDatabase.store.orders.complete(young.id, 'paid', newId(), clock.now().toISOString());
    clock.advance(SETTINGS.reconcileAfterMs);
    await reconcilerOn(testDatabase.store, telemetry).runPass();
    assert.equal(await value(METRIC.orderReconciliations.name, { outcome: 'recharged' }), 1);
    assert.equal(await value(METRIC.ordersPending.name), 0);
    assert.equal(await value(METRIC.ordersPendingOldestAge.name), 0);
  });

  it('purges expired Idempotency-Keys in bounded batches', async () => {
    const { idempotency } = testDatabase.store;
    for (let index = 0; index < 5; index++) {
      await idempotency.claim(`old-${index}`, 'fingerprint', clock.now());
      await idempotency.complete(`old-${index}`, 201, {});
    }
    clock.advance(24 * 3_600_000 + 1000);
    await idempotency.claim('fresh', 'fingerprint', clock.now());
    const reconciler = reconcilerOn(testDatabase.store, NO_RECONCILIATION_TELEMETRY, {
      ...SETTINGS,
      purgeBatchSize: 2,
    });
    assert.deepEqual(
      [
        (await reconciler.runPass()).purgedKeys,
        (await reconciler.runPass()).purgedKeys,
        (await reconciler.runPass()).purgedKeys,
        (await reconciler.runPass()).purgedKeys,
      ],
      [2, 2, 1, 0],
    );
    const fresh = await idempotency.claim('fresh', 'fingerprint', clock.now());
    assert.equal(fresh.kind, 'in_progress');
  });

  it('stop() ends the loop after the pass in flight', async () => {
    const order = await pendingOrder();
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    const reconciler = reconcilerOn(testDatabase.store, NO_RECONCILIATION_TELEMETRY, { ...SETTINGS, intervalMs: 10 });
    reconciler.start();
    const deadline = Date.now() + 10_000;
    while ((await statusOf(order.id)) !== 'paid' && Date.now() < deadline) await sleep(10);
    await reconciler.stop();
    assert.equal(await statusOf(order.id), 'paid');
    const lookups = payments.lookupCalls;
    await pendingOrder();
    clock.advance(SETTINGS.reconcileAfterMs + 1);
    await sleep(100);
    assert.equal(payments.lookupCalls, lookups, 'no pass runs after stop()');
  });
});
