/**
 * @module Runs a service: the public app and the admin app on their own ports, health on both, server limits
 * against slow and greedy clients, problem+json for requests the HTTP parser refuses, and graceful shutdown on
 * SIGTERM/SIGINT (once):
 *
 * 1. readiness turns false at once (`draining`), so the load balancer stops sending;
 * 2. the public port stops accepting: no new connection, and no new request on a kept-alive one (responses carry
 *    `Connection: close`, idle connections are closed; see `connections.ts`);
 * 3. the requests already accepted finish; the drain ends as soon as the last one is answered, bounded by the grace
 *    period (then the remaining connections are cut);
 * 4. the admin port closes, telemetry flushes, the database closes, the process exits 0.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { getRequestListener } from '@hono/node-server';
import type { Env, Hono } from 'hono';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './config.ts';
import { type TrackedServer, trackConnections } from './connections.ts';
import { createHealth, type HealthCheck } from './health.ts';
import { NO_TELEMETRY, type ServiceTelemetry } from './instrumentation.ts';
import type { Logger } from './logger.ts';
import { parserErrorHandler, requestErrorHandler } from './parser-errors.ts';

export interface RunServiceOptions {
  logger: Logger;
  publicApp: Hono<Env>;
  adminApp: Hono<Env>;
  host: string;
  /** `0` picks a free port; the bound ports are logged in the `listening` line. */
  port: number;
  adminPort: number;
  shutdownGraceMs: number;
  /** What gates `/health/ready`, by name: the process's own resources (`database`), never other services. */
  readinessChecks: Readonly<Record<string, HealthCheck>>;
  /** Shown in `/health` only, never gating readiness: the services this one calls (`user-service`…). */
  dependencyChecks?: Readonly<Record<string, HealthCheck>>;
  /** Both ports' limits, usually `serverLimits(config)`. @default {@link DEFAULT_SERVER_LIMITS} */
  limits?: ServerLimits;
  /** Releases the service's resources (the database) at the very end of shutdown. */
  close: () => Promise<void>;
  /** What `setupTelemetry()` returned: mounts `/metrics`, flushed at shutdown. @default NO_TELEMETRY */
  telemetry?: ServiceTelemetry;
  /** @default true: exit the process when shutdown completes (tests of the kit pass false). */
  exitOnShutdown?: boolean;
}

export interface RunningService {
  readonly publicPort: number;
  readonly adminPort: number;
  /** Starts (or joins) the graceful shutdown. */
  shutdown(reason: string): Promise<void>;
}

/**
 * How often Node looks for connections past their headers or request timeout. Node's default (30 s) let a slow
 * client hold its connection up to 30 s longer than configured; checking four times a second keeps every cut well
 * within a second of its timeout, even on a busy event loop, for the cost of walking the connection list.
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 250;

/** How long a request on the admin port (a scrape) may finish after the public port drained. */
const ADMIN_DRAIN_MS = 1000;

interface ListeningServer {
  readonly server: Server;
  readonly connections: TrackedServer;
}

const createServer = (app: Hono<Env>, limits: ServerLimits, logger: Logger): ListeningServer => {
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    // Node refuses it too, with a less helpful message.
    throw new Error('HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  }
  // getRequestListener rather than createAdaptorServer: only the listener takes an errorHandler.
  const listener = getRequestListener(app.fetch, { errorHandler: requestErrorHandler({ logger }) });
  const server = createHttpServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderSizeBytes,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
      // Node's own check answers a bare 400; requestErrorHandler answers the same request with a problem.
      requireHostHeader: false,
    },
    listener,
  );
  server.maxHeadersCount = limits.maxHeadersCount;
  server.maxConnections = limits.maxConnections;
  const connections = trackConnections(server);
  server.on('clientError', parserErrorHandler({ logger, responseOn: connections.responseOn }));
  let dropped = 0;
  server.on('drop', () => {
    // One line for the first refused connection of a flood, then one per hundred.
    if (dropped++ % 100 === 0) logger.warn({ maxConnections: limits.maxConnections, dropped }, 'connection limit');
  });
  return { server, connections };
};

const listen = (app: Hono<Env>, host: string, port: number, limits: ServerLimits, logger: Logger) =>
  new Promise<ListeningServer>((resolve, reject) => {
    const listening = createServer(app, limits, logger);
    listening.server.once('error', reject);
    listening.server.listen(port, host, () => {
      listening.server.off('error', reject);
      resolve(listening);
    });
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
  dependencyChecks,
  limits = DEFAULT_SERVER_LIMITS,
  close,
  telemetry = NO_TELEMETRY,
  exitOnShutdown = true,
}: RunServiceOptions): Promise<RunningService> => {
  let draining = false;
  const health = createHealth({ checks: readinessChecks, dependencyChecks, isDraining: () => draining });
  health.mount(publicApp);
  health.mount(adminApp);
  telemetry.mountAdminRoutes(adminApp);

  const publicServer = await listen(publicApp, host, port, limits, logger);
  const adminServer = await listen(adminApp, host, adminPort, limits, logger);

  /** Drains one server; past `boundMs` the connections still open are cut. Resolves with whether it was in time. */
  const drainWithin = async ({ server, connections }: ListeningServer, boundMs: number): Promise<boolean> => {
    const drained = connections.drain().then(() => true);
    const inTime = await Promise.race([drained, sleep(boundMs, false, { ref: false })]);
    if (!inTime) {
      server.closeAllConnections();
      await drained;
    }
    return inTime;
  };

  const drain = async (reason: string): Promise<void> => {
    draining = true;
    const startedAt = performance.now();
    logger.info(
      { reason, inFlight: publicServer.connections.inFlight() },
      'shutting down: draining in-flight requests',
    );
    if (!(await drainWithin(publicServer, shutdownGraceMs))) {
      logger.warn({ shutdownGraceMs }, 'grace period over: closed the remaining connections');
    }
    const drainMs = Math.round(performance.now() - startedAt);
    // The admin port stays up while the public one drains, so probes see "draining" rather than a refused port;
    // then a scrape in progress may finish, briefly.
    await drainWithin(adminServer, ADMIN_DRAIN_MS);
    try {
      await telemetry.shutdown();
    } catch (error) {
      logger.warn({ err: error }, 'telemetry shutdown failed');
    }
    await close();
    logger.info({ drainMs }, 'stopped');
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

  const running = {
    publicPort: boundPort(publicServer.server),
    adminPort: boundPort(adminServer.server),
    shutdown,
  };
  logger.info({ host, port: running.publicPort, adminPort: running.adminPort }, 'listening');
  return running;
};
