/**
 * @module Runs a service: the public app and the admin app on their own ports, health on both, and graceful
 * shutdown on SIGTERM/SIGINT (once): readiness false → stop accepting → drain in-flight requests (bounded by the
 * grace period) → flush telemetry → close the database → exit 0.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdaptorServer } from '@hono/node-server';
import type { Env, Hono } from 'hono';
import { createHealth, type HealthCheck } from './health.ts';
import { type Instrumentation, instrumentation } from './instrumentation.ts';
import type { Logger } from './logger.ts';

export interface RunServiceOptions {
  logger: Logger;
  publicApp: Hono<Env>;
  adminApp: Hono<Env>;
  host: string;
  /** `0` picks a free port; the bound ports are logged in the `listening` line. */
  port: number;
  adminPort: number;
  shutdownGraceMs: number;
  /** What `/health/ready` checks, by name (`database`, `user-service`…). */
  readinessChecks: Readonly<Record<string, HealthCheck>>;
  /** Releases the service's resources (the database) at the very end of shutdown. */
  close: () => Promise<void>;
  /** @default the registered instrumentation */
  hooks?: Instrumentation;
  /** @default true: exit the process when shutdown completes (tests of the kit pass false). */
  exitOnShutdown?: boolean;
}

export interface RunningService {
  readonly publicPort: number;
  readonly adminPort: number;
  /** Starts (or joins) the graceful shutdown. */
  shutdown(reason: string): Promise<void>;
}

// Explicit server limits: a slow or idle client must not hold a connection forever. The keep-alive timeout is
// longer than the 60 s idle timeout common in proxies and load balancers, so the proxy closes idle connections
// first and never sends a request onto a socket we are closing.
const SERVER_OPTIONS = { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 };

/** While draining, connections that finished their response are closed this often. */
const IDLE_SWEEP_INTERVAL_MS = 50;

const listen = (app: Hono<Env>, host: string, port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createAdaptorServer({ fetch: app.fetch, serverOptions: SERVER_OPTIONS }) as Server;
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });

/** Stops accepting, then resolves once every connection is gone; idle keep-alive sockets are closed as they appear. */
const closeGracefully = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_INTERVAL_MS);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });

const boundPort = (server: Server): number => (server.address() as AddressInfo).port;

/**
 * @example
 * await runService({ logger, publicApp, adminApp, host: config.HOST, port: config.PORT, adminPort: config.ADMIN_PORT,
 *   shutdownGraceMs: config.SHUTDOWN_GRACE_MS, readinessChecks: { database: database.ping }, close: database.close });
 */
export const runService = async ({
  logger,
  publicApp,
  adminApp,
  host,
  port,
  adminPort,
  shutdownGraceMs,
  readinessChecks,
  close,
  hooks = instrumentation(),
  exitOnShutdown = true,
}: RunServiceOptions): Promise<RunningService> => {
  let draining = false;
  const health = createHealth({ checks: readinessChecks, isDraining: () => draining });
  health.mount(publicApp);
  health.mount(adminApp);
  hooks.mountAdminRoutes(adminApp);

  const publicServer = await listen(publicApp, host, port);
  const adminServer = await listen(adminApp, host, adminPort);

  const drain = async (reason: string): Promise<void> => {
    draining = true;
    logger.info({ reason }, 'shutting down: draining in-flight requests');
    const drained = closeGracefully(publicServer).then(() => true);
    const inTime = await Promise.race([drained, sleep(shutdownGraceMs, false, { ref: false })]);
    if (!inTime) {
      logger.warn({ shutdownGraceMs }, 'grace period over: closing the remaining connections');
      publicServer.closeAllConnections();
    }
    // The admin port stays up while the public one drains, so probes see "draining" rather than a refused port.
    adminServer.closeAllConnections();
    await closeGracefully(adminServer);
    try {
      await hooks.shutdown();
    } catch (error) {
      logger.warn({ err: error }, 'telemetry shutdown failed');
    }
    await close();
    logger.info('stopped');
  };

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= drain(reason);
    return shuttingDown;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    shutdown(signal).then(
      () => exitOnShutdown && process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        if (exitOnShutdown) process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  const running = { publicPort: boundPort(publicServer), adminPort: boundPort(adminServer), shutdown };
  logger.info({ host, port: running.publicPort, adminPort: running.adminPort }, 'listening');
  return running;
};
