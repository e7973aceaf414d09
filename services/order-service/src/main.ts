/**
 * @module Starts order-service: config, database (migrated), clients for its dependencies, app, the order
 * reconciler, listen. On shutdown the reconciler stops before the database closes.
 */
import {
  createAdminApp,
  createLogger,
  createServiceClient,
  edgeBudget,
  observeCalls,
  openDatabase,
  runService,
  serverLimits,
} from '@mesh-stack/service-kit';
import { reconciliationTelemetry, setupTelemetry } from '@mesh-stack/service-kit/telemetry';
import packageJson from '../package.json' with { type: 'json' };
import { createApp } from './app.ts';
import { loadOrderServiceConfig, resolvedWithinSeconds, SERVICE_NAME } from './config.ts';
import { createPaymentGateway, createUserDirectory } from './dependencies.ts';
import { migrations } from './migrations.ts';
import { createReconciler } from './reconciler.ts';
import { createOrderStore } from './store.ts';
import type { OrderTables } from './tables.ts';

const telemetry = setupTelemetry({ serviceName: SERVICE_NAME, serviceVersion: packageJson.version });
const config = loadOrderServiceConfig();
const logger = createLogger({
  service: SERVICE_NAME,
  level: config.LOG_LEVEL,
  format: config.LOG_FORMAT,
  mixin: telemetry.logMixin,
});

try {
  const database = await openDatabase<OrderTables>({
    name: SERVICE_NAME,
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    migrations,
    log: telemetry.databaseLog,
  });
  // What the calls to each dependency show, for /health (never for readiness).
  const userCalls = observeCalls();
  const paymentCalls = observeCalls();
  const userClient = createServiceClient({
    peerService: 'user-service',
    baseUrl: config.USER_SERVICE_URL,
    budget: edgeBudget(SERVICE_NAME, 'user-service', {
      attemptTimeoutMs: config.USER_SERVICE_TIMEOUT_MS,
      retries: config.DEPENDENCY_RETRIES,
    }),
    callDeadlineMs: config.DEPENDENCY_DEADLINE_MS,
    telemetry: userCalls.observe(telemetry),
  });
  // One client, two edges: `POST /payments` (orders) and `GET /payments` (reconciliation), each with its budget.
  const paymentClient = createServiceClient({
    peerService: 'payment-service',
    baseUrl: config.PAYMENT_SERVICE_URL,
    budget: edgeBudget(SERVICE_NAME, 'payment-service', {
      attemptTimeoutMs: config.PAYMENT_SERVICE_TIMEOUT_MS,
      retries: config.DEPENDENCY_RETRIES,
    }),
    callDeadlineMs: config.DEPENDENCY_DEADLINE_MS,
    telemetry: paymentCalls.observe(telemetry),
  });
  const store = createOrderStore(database.db, {
    leaseMs: config.IDEMPOTENCY_LEASE_MS,
    retentionMs: config.IDEMPOTENCY_RETENTION_MS,
  });
  const payments = createPaymentGateway(paymentClient);
  const reconciler = createReconciler({
    orders: store.orders,
    idempotency: store.idempotency,
    payments,
    telemetry: reconciliationTelemetry({ metrics: telemetry.metrics }),
    logger,
    reconcileAfterMs: config.RECONCILE_AFTER_MS,
    intervalMs: config.RECONCILE_INTERVAL_MS,
    batchSize: config.RECONCILE_BATCH_SIZE,
    leaseMs: config.RECONCILE_LEASE_MS,
    concurrency: config.RECONCILE_CONCURRENCY,
    purgeBatchSize: config.IDEMPOTENCY_PURGE_BATCH_SIZE,
  });
  const publicApp = createApp({
    store,
    users: createUserDirectory(userClient),
    payments,
    logger,
    resolvedWithinSeconds: resolvedWithinSeconds(config),
    telemetry,
    requestDeadlineMs: config.REQUEST_DEADLINE_MS,
    baggage: { allow: config.PUBLIC_BAGGAGE_ALLOW },
  });
  await runService({
    logger,
    publicApp,
    adminApp: createAdminApp({ logger, telemetry }),
    host: config.HOST,
    port: config.PORT,
    adminPort: config.ADMIN_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    limits: serverLimits(config),
    // Readiness is this process: its database (and not draining). Dependencies are detail in /health, never gating.
    readinessChecks: { database: database.ping },
    dependencyChecks: { 'user-service': userCalls.check, 'payment-service': paymentCalls.check },
    close: async () => {
      await reconciler.stop();
      await database.close();
    },
    telemetry,
  });
  reconciler.start();
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  process.exit(1);
}
