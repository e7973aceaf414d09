/** @module Starts user-service: config, database (migrated), app, listen, graceful shutdown. */
import { createAdminApp, createLogger, openDatabase, runService, serverLimits } from '@mesh-stack/service-kit';
import { setupTelemetry } from '@mesh-stack/service-kit/telemetry';
import packageJson from '../package.json' with { type: 'json' };
import { createApp } from './app.ts';
import { loadUserServiceConfig, SERVICE_NAME } from './config.ts';
import { migrations } from './migrations.ts';
import { createUserRepository, type UserTables } from './repository.ts';

const telemetry = setupTelemetry({ serviceName: SERVICE_NAME, serviceVersion: packageJson.version });
const config = loadUserServiceConfig();
const logger = createLogger({
  service: SERVICE_NAME,
  level: config.LOG_LEVEL,
  format: config.LOG_FORMAT,
  mixin: telemetry.logMixin,
});

try {
  const database = await openDatabase<UserTables>({
    name: SERVICE_NAME,
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    migrations,
    log: telemetry.databaseLog,
  });
  await runService({
    logger,
    publicApp: createApp({ users: createUserRepository(database.db), logger, telemetry }),
    adminApp: createAdminApp({ logger, telemetry }),
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
