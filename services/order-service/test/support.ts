/**
 * @module In-process test support for order-service's unit tests: a real SQLite database (node:sqlite through the
 * kit, in a temp folder), and controllable stand-ins for the two services it calls, behind the same interfaces its
 * HTTP clients implement.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  DependencyUnavailableError,
  newId,
  openDatabase,
  type ServiceDatabase,
} from '@mesh-stack/service-kit';
import {
  NothingChargedError,
  type PaymentGateway,
  type PaymentOutcome,
  type UserDirectory,
} from '../src/dependencies.ts';
import { migrations } from '../src/migrations.ts';
import type { Order } from '../src/schemas.ts';
import { createOrderStore, type OrderStore } from '../src/store.ts';
import type { OrderTables } from '../src/tables.ts';

export const silentLogger = createLogger({ service: 'order-service', level: 'silent' });

export const LEASE_MS = 30_000;
export const RETENTION_MS = 24 * 3_600_000;

export interface TestDatabase {
  readonly database: ServiceDatabase<OrderTables>;
  readonly store: OrderStore;
  /** Another connection to the same database file: a second replica. */
  openReplica(): Promise<{ database: ServiceDatabase<OrderTables>; store: OrderStore }>;
  close(): Promise<void>;
}

export const openTestDatabase = async (): Promise<TestDatabase> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'order-service-unit-'));
  const open = async () => {
    const database = await openDatabase<OrderTables>({ name: 'order-service', dataDir, migrations });
    return { database, store: createOrderStore(database.db, { leaseMs: LEASE_MS, retentionMs: RETENTION_MS }) };
  };
  const first = await open();
  const replicas: ServiceDatabase<OrderTables>[] = [];
  return {
    ...first,
    async openReplica() {
      const replica = await open();
      replicas.push(replica.database);
      return replica;
    },
    async close() {
      for (const replica of replicas) await replica.close();
      await first.database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/** user-service: knows the users added to `known`, or is down. */
export class FakeUserDirectory implements UserDirectory {
  readonly known = new Set<string>();
  down = false;
  async exists(userId: string): Promise<boolean> {
    if (this.down) throw new DependencyUnavailableError('user-service', 'unreachable', 1, new Error('down'));
    return this.known.has(userId);
  }
  add(): string {
    const id = newId();
    this.known.add(id);
    return id;
  }
}

/**
 * How the next charges go:
 * - `succeed` / `decline`: charged (once per order id, like the real one) and answered;
 * - `unreachable`: never reached payment-service;
 * - `refused`: payment-service answered `charged: false`;
 * - `lost`: charged, but the answer never came back (timeout, crash after the charge);
 * - `unknown`: no answer, and nothing was charged (a slow attempt that never landed).
 */
export type ChargeBehaviour = 'succeed' | 'decline' | 'unreachable' | 'refused' | 'lost' | 'unknown';

/** payment-service: one payment per order id (its Idempotency-Key), with scripted failures. */
export class FakePaymentGateway implements PaymentGateway {
  readonly payments = new Map<string, PaymentOutcome>();
  chargeBehaviour: ChargeBehaviour = 'succeed';
  /** `down`: lookups fail with an unknown outcome. */
  lookupDown = false;
  chargeCalls = 0;
  lookupCalls = 0;
  /** Runs inside each lookup before it answers (to hold it open in concurrency tests). */
  onLookup: () => Promise<void> = async () => {};

  async charge(order: Order): Promise<PaymentOutcome> {
    this.chargeCalls++;
    const existing = this.payments.get(order.id);
    switch (this.chargeBehaviour) {
      case 'unreachable':
        throw new DependencyUnavailableError('payment-service', 'unreachable', 1, new Error('ECONNREFUSED'));
      case 'unknown':
        throw new DependencyUnavailableError('payment-service', 'unknown', 2, new Error('timeout'));
      case 'refused':
        if (existing) return existing;
        throw new NothingChargedError(503);
      case 'lost':
        this.record(order.id, 'succeeded');
        throw new DependencyUnavailableError('payment-service', 'unknown', 2, new Error('timeout'));
      case 'succeed':
      case 'decline':
        return existing ?? this.record(order.id, this.chargeBehaviour === 'succeed' ? 'succeeded' : 'declined');
    }
  }

  async find(orderId: string): Promise<PaymentOutcome | null> {
    this.lookupCalls++;
    await this.onLookup();
    if (this.lookupDown) throw new DependencyUnavailableError('payment-service', 'unknown', 1, new Error('503'));
    return this.payments.get(orderId) ?? null;
  }

  record(orderId: string, status: PaymentOutcome['status']): PaymentOutcome {
    const payment = { paymentId: newId(), status };
    this.payments.set(orderId, payment);
    return payment;
  }
}

/** A clock the test moves by hand. */
export const manualClock = (start = new Date('2026-12-02T08:00:00.000Z')) => {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms: number) => {
      current += ms;
    },
  };
};

export const ITEMS = [
  { sku: 'BOOK-42', quantity: 2, unitAmountMinor: 1299 },
  { sku: 'PEN-7', quantity: 1, unitAmountMinor: 250 },
];
