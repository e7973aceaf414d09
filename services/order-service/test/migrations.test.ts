/**
 * order-service's migrations upgrade a database that already holds data: an order stored before reconciliation
 * existed (migration 0001 only) is pending, unleased and reconciled like any other after the upgrade.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { newId, openDatabase } from '@mesh-stack/service-kit';
import { migrations } from '../src/migrations.ts';
import type { Order } from '../src/schemas.ts';
import { createOrderStore } from '../src/store.ts';
import type { OrderItemsTable, OrdersTable, OrderTables } from '../src/tables.ts';
import { ITEMS, LEASE_MS, RETENTION_MS } from './support.ts';

/** The tables as migration 0001 created them. */
interface TablesAt0001 {
  orders: Omit<OrdersTable, 'reconcile_locked_until'>;
  order_items: OrderItemsTable;
}

const dataDir = mkdtempSync(join(tmpdir(), 'order-service-migrations-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

it('upgrades a 0001 database with orders in it: the old pending order becomes claimable', async () => {
  const firstMigration = { '0001_orders': migrations['0001_orders'] } as typeof migrations;
  const old = await openDatabase<TablesAt0001>({ name: 'order-service', dataDir, migrations: firstMigration });
  const createdAt = '2026-12-01T10:00:00.000Z';
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
  // Written as the previous release did: there is no reconcile_locked_until column yet.
  await old.db
    .insertInto('orders')
    .values({
      id: order.id,
      user_id: order.userId,
      currency: order.currency,
      total_amount_minor: order.totalAmountMinor,
      status: order.status,
      payment_id: null,
      created_at: createdAt,
      updated_at: createdAt,
    })
    .execute();
  await old.db
    .insertInto('order_items')
    .values(
      ITEMS.map((item, position) => ({
        order_id: order.id,
        position,
        sku: item.sku,
        quantity: item.quantity,
        unit_amount_minor: item.unitAmountMinor,
      })),
    )
    .execute();
  await old.close();

  const upgraded = await openDatabase<OrderTables>({ name: 'order-service', dataDir, migrations });
  try {
    const store = createOrderStore(upgraded.db, { leaseMs: LEASE_MS, retentionMs: RETENTION_MS });
    assert.deepEqual(await store.orders.findById(order.id), order);
    const now = new Date('2026-12-02T10:00:00.000Z');
    const claimed = await store.orders.claimForReconciliation({
      createdBefore: now,
      now,
      lockedUntil: new Date(now.getTime() + 60_000),
      limit: 10,
    });
    assert.deepEqual(claimed, [order]);
  } finally {
    await upgraded.close();
  }
});
