/** @module Starts payment-service: config, database (migrated), app, admin app with fault injection, listen. */
import { createAdminApp, createLogger, openDatabase, runService, serverLimits } from '@mesh-stack/service-kit';
import { setupTelemetry } from '@mesh-stack/service-kit/telemetry';
import packageJson from '../package.json' with { type: 'json' };
import { createApp } from './app.ts';
import { loadPaymentServiceConfig, SERVICE_NAME } from './config.ts';
import { createFaults, mountFaultRoutes } from './faults.ts';
import { migrations } from './migrations.ts';
import { createPaymentRepository, type PaymentTables } from './repository.ts';

const telemetry = setupTelemetry({ serviceName: SERVICE_NAME, serviceVersion: packageJson.version });
const config = loadPaymentServiceConfig();
const logger = createLogger({
  service: SERVICE_NAME,
  level: config.LOG_LEVEL,
  format: config.LOG_FORMAT,
  mixin: telemetry.logMixin,
});

try {
  const database = await openDatabase<PaymentTables>({
    name: SERVICE_NAME,
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    migrations,
    log: telemetry.databaseLog,
  });
  const faults = createFaults(undefined, telemetry.business);
  const adminApp = createAdminApp({ logger, telemetry });
  mountFaultRoutes(adminApp, faults, logger, { token: config.FAULT_INJECTION_TOKEN });
  await runService({
    logger,
    publicApp: createApp({ payments: createPaymentRepository(database.db), faults, logger, telemetry }),
    adminApp,
    host: config.HOST,
    port: config.PORT,
    adminPort: config.ADMIN_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    limits: serverLimits(config),
    readinessChecks: { database: database.ping },
    close: database.close,
    telemetry,
  });
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  process.exit(1);
}
