/**
 * The reconciler's traces with the real tracing SDK (in-memory exporter) and the kit's database telemetry: a pass
 * that claims orders is one root span with a child per order (its database queries below it); an idle pass, which
 * runs every few seconds in every replica, creates no span at all.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newId, openDatabase, type ServiceDatabase } from '@mesh-stack/service-kit';
import { ATTR, SPANS } from '@mesh-stack/service-kit/contract';
import {
  createServiceMetrics,
  databaseTelemetry,
  reconciliationTelemetry,
  startTelemetry,
  type Telemetry,
} from '@mesh-stack/service-kit/telemetry';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { migrations } from '../src/migrations.ts';
import { createReconciler, type Reconciler } from '../src/reconciler.ts';
import type { Order } from '../src/schemas.ts';
import { createOrderStore, type OrderStore } from '../src/store.ts';
import type { OrderTables } from '../src/tables.ts';
import { FakePaymentGateway, ITEMS, LEASE_MS, manualClock, RETENTION_MS, silentLogger } from './support.ts';

describe('reconciliation traces', () => {
  const exporter = new InMemorySpanExporter();
  const metrics = createServiceMetrics({ serviceVersion: 'test', defaultMetrics: false });
  const clock = manualClock();
  const payments = new FakePaymentGateway();
  let telemetry: Telemetry;
  let dataDir: string;
  let database: ServiceDatabase<OrderTables>;
  let store: OrderStore;
  let reconciler: Reconciler;

  before(async () => {
    telemetry = startTelemetry({ serviceName: 'order-service', serviceVersion: 'test', metrics, exporter, env: {} });
    dataDir = mkdtempSync(join(tmpdir(), 'order-service-traces-'));
    database = await openDatabase<OrderTables>({
      name: 'order-service',
      dataDir,
      migrations,
      log: databaseTelemetry({ system: 'sqlite', metrics }),
    });
    store = createOrderStore(database.db, { leaseMs: LEASE_MS, retentionMs: RETENTION_MS });
    reconciler = createReconciler({
      orders: store.orders,
      idempotency: store.idempotency,
      payments,
      telemetry: reconciliationTelemetry({ metrics }),
      logger: silentLogger,
      now: clock.now,
      reconcileAfterMs: 10_000,
      intervalMs: 5000,
      batchSize: 10,
      leaseMs: 60_000,
      concurrency: 2,
      purgeBatchSize: 100,
    });
  });
  after(async () => {
    await database?.close();
    await telemetry?.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Exports what is pending, then forgets every span so far (migrations, inserts). */
  const resetSpans = async () => {
    await telemetry.forceFlush();
    exporter.reset();
  };

  it('traces nothing for an idle pass', async () => {
    await resetSpans();
    assert.equal((await reconciler.runPass()).claimed, 0);
    await telemetry.forceFlush();
    assert.deepEqual(
      exporter.getFinishedSpans().map((span) => span.name),
      [],
    );
  });

  it('traces a pass as one root span with a child per order, its queries below', async () => {
    const orders: Order[] = [];
    for (let index = 0; index < 2; index++) {
      const createdAt = clock.now().toISOString();
      const order: Order = {
        id: newId(),
        userId: newId(),
        currency: 'EUR',
        items: ITEMS,
        totalAmountMinor: 2848,
        status: 'pending',
        paymentId: null,
        createdAt,
        updatedAt: createdAt,
      };
      await store.orders.insert(order);
      orders.push(order);
    }
    payments.record(orders[0]?.id as string, 'succeeded');
    clock.advance(10_001);
    await resetSpans();

    await reconciler.runPass();
    await telemetry.forceFlush();
    const spans = exporter.getFinishedSpans();
    const passes = spans.filter((span) => span.name === SPANS.reconcilePass.name);
    assert.equal(passes.length, 1);
    const pass = passes[0];
    assert.equal(pass?.parentSpanContext, undefined, 'a pass starts its own trace');
    assert.equal(pass?.attributes[ATTR.reconcileClaimed], 2);

    const perOrder = spans.filter((span) => span.name === SPANS.reconcileOrder.name);
    assert.deepEqual(
      perOrder.map((span) => span.attributes[ATTR.orderId]).sort(),
      orders.map((order) => order.id).sort(),
    );
    const outcomes = Object.fromEntries(
      perOrder.map((span) => [span.attributes[ATTR.orderId], span.attributes[ATTR.reconcileOutcome]]),
    );
    assert.deepEqual(outcomes, { [orders[0]?.id as string]: 'paid', [orders[1]?.id as string]: 'recharged' });
    for (const span of perOrder) {
      assert.equal(span.parentSpanContext?.spanId, pass?.spanContext().spanId);
      assert.equal(span.spanContext().traceId, pass?.spanContext().traceId);
    }
    // Completing each order is a database span inside its order's span; no span of the pass is left outside.
    const orderSpanIds = new Set(perOrder.map((span) => span.spanContext().spanId));
    const updates = spans.filter(
      (span) => span.name === 'UPDATE orders' && orderSpanIds.has(span.parentSpanContext?.spanId ?? ''),
    );
    assert.equal(updates.length, 2);
    for (const span of spans) assert.equal(span.spanContext().traceId, pass?.spanContext().traceId, span.name);
  });
});
