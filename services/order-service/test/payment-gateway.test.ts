/**
 * order-service's payment gateway against a real payment-service app in this process (real SQLite, served on a
 * loopback port by the kit's server), through the kit's resilient client: how each answer maps to what the order
 * flow and the reconciler decide on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createAdminApp,
  createServiceClient,
  DependencyUnavailableError,
  edgeBudget,
  newId,
  openDatabase,
  type RunningService,
  runService,
  type ServiceDatabase,
} from '@mesh-stack/service-kit';
import { createApp as createPaymentApp } from '../../payment-service/src/app.ts';
import { createFaults } from '../../payment-service/src/faults.ts';
import { migrations as paymentMigrations } from '../../payment-service/src/migrations.ts';
import { createPaymentRepository, type PaymentTables } from '../../payment-service/src/repository.ts';
import { createPaymentGateway, NothingChargedError, type PaymentGateway } from '../src/dependencies.ts';
import type { Order } from '../src/schemas.ts';
import { ITEMS, silentLogger } from './support.ts';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const orderOf = (totalAmountMinor: number): Order => {
  const now = new Date().toISOString();
  return {
    id: newId(),
    userId: newId(),
    currency: 'EUR',
    items: ITEMS,
    totalAmountMinor,
    status: 'pending',
    paymentId: null,
    createdAt: now,
    updatedAt: now,
  };
};

describe('payment gateway → payment-service', () => {
  let dataDir: string;
  let database: ServiceDatabase<PaymentTables>;
  let paymentService: RunningService;
  let gateway: PaymentGateway;
  const faults = createFaults();

  const gatewayTo = (baseUrl: string) =>
    createPaymentGateway(
      createServiceClient({
        peerService: 'payment-service',
        baseUrl,
        budget: edgeBudget('order-service', 'payment-service'),
      }),
    );

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payment-gateway-unit-'));
    database = await openDatabase<PaymentTables>({ name: 'payment-service', dataDir, migrations: paymentMigrations });
    paymentService = await runService({
      logger: silentLogger,
      publicApp: createPaymentApp({
        payments: createPaymentRepository(database.db),
        faults,
        logger: silentLogger,
      }),
      adminApp: createAdminApp({ logger: silentLogger }),
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      shutdownGraceMs: 1000,
      readinessChecks: {},
      close: async () => {},
      exitOnShutdown: false,
    });
    gateway = gatewayTo(`http://127.0.0.1:${paymentService.publicPort}`);
  });
  after(async () => {
    await paymentService?.shutdown('test over');
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('charges an order once, and finds that payment by order id', async () => {
    const order = orderOf(2848);
    const charged = await gateway.charge(order);
    assert.equal(charged.status, 'succeeded');
    assert.deepEqual(await gateway.charge(order), charged, 'a repeat replays the one payment');
    assert.deepEqual(await gateway.find(order.id), charged);
  });

  it('finds nothing for an order that was never charged', async () => {
    assert.equal(await gateway.find(newId()), null);
  });

  it('reads charged: false as "nothing charged"', async () => {
    // A total of 0 is refused by payment-service's validation, before anything is written.
    await assert.rejects(gateway.charge(orderOf(0)), NothingChargedError);
  });

  it('reports a charge whose every attempt was refused before any work (No-Effect) as unreachable, not unknown', async () => {
    faults.update({ errorRate: 1, addedLatencyMs: 0, declineRate: 0 });
    const order = orderOf(1299);
    try {
      // Each injected 503 says `charged: false` and `No-Effect: true`: the order can be dropped at once, not left
      // pending for the reconciler.
      await assert.rejects(
        gateway.charge(order),
        (error) => error instanceof DependencyUnavailableError && error.outcome === 'unreachable',
      );
    } finally {
      faults.update({ errorRate: 0, addedLatencyMs: 0, declineRate: 0 });
    }
    assert.equal(await gateway.find(order.id), null, 'nothing was charged');
  });

  it('reports a payment-service that cannot be reached as unreachable, for lookups and charges', async () => {
    // A loopback port that was just free: nothing listens there, so connections are refused at once.
    const down = gatewayTo(`http://127.0.0.1:${await freePort()}`);
    await assert.rejects(
      down.find(newId()),
      (error) => error instanceof DependencyUnavailableError && error.outcome === 'unreachable',
    );
    await assert.rejects(
      down.charge(orderOf(100)),
      (error) => error instanceof DependencyUnavailableError && error.outcome === 'unreachable',
    );
  });
});
