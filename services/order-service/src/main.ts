/** @module Starts order-service: config, database (migrated), clients for its dependencies, app, listen. */
import {
  createAdminApp,
  createLogger,
  createServiceClient,
  dependencyReadyCheck,
  openDatabase,
  runService,
  serverLimits,
} from '@mesh-stack/service-kit';
import { setupTelemetry } from '@mesh-stack/service-kit/telemetry';
import packageJson from '../package.json' with { type: 'json' };
import { createApp } from './app.ts';
import { loadOrderServiceConfig, SERVICE_NAME } from './config.ts';
import { createPaymentGateway, createUserDirectory } from './dependencies.ts';
import { createIdempotencyStore } from './idempotency.ts';
import { migrations } from './migrations.ts';
import { createOrderRepository, type OrderTables } from './repository.ts';

// Telemetry first: the logger, database, clients and apps read its hooks when they are created.
setupTelemetry({ serviceName: SERVICE_NAME, serviceVersion: packageJson.version });
const config = loadOrderServiceConfig();
const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL, format: config.LOG_FORMAT });

try {
  const database = await openDatabase<OrderTables>({
    name: SERVICE_NAME,
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    migrations,
  });
  const userClient = createServiceClient({
    peerService: 'user-service',
    baseUrl: config.USER_SERVICE_URL,
    attemptTimeoutMs: config.USER_SERVICE_TIMEOUT_MS,
    deadlineMs: config.DEPENDENCY_DEADLINE_MS,
    retries: config.DEPENDENCY_RETRIES,
  });
  const paymentClient = createServiceClient({
    peerService: 'payment-service',
    baseUrl: config.PAYMENT_SERVICE_URL,
    attemptTimeoutMs: config.PAYMENT_SERVICE_TIMEOUT_MS,
    deadlineMs: config.DEPENDENCY_DEADLINE_MS,
    retries: config.DEPENDENCY_RETRIES,
  });
  const publicApp = createApp({
    orders: createOrderRepository(database.db),
    idempotency: createIdempotencyStore(database.db, config.IDEMPOTENCY_LEASE_MS),
    users: createUserDirectory(userClient),
    payments: createPaymentGateway(paymentClient),
    logger,
  });
  await runService({
    logger,
    publicApp,
    adminApp: createAdminApp({ logger }),
    host: config.HOST,
    port: config.PORT,
    adminPort: config.ADMIN_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    limits: serverLimits(config),
    // Readiness is this process only: a dependency that is down shows in /health, never takes order-service out.
    readinessChecks: { database: database.ping },
    dependencyChecks: {
      'user-service': dependencyReadyCheck(config.USER_SERVICE_URL),
      'payment-service': dependencyReadyCheck(config.PAYMENT_SERVICE_URL),
    },
    close: database.close,
  });
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  process.exit(1);
}
