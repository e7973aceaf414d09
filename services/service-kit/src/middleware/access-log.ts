/** @module One log line per request: method, route template, status and duration. No bodies, no query strings. */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../logger.ts';
import { HEALTH_PATHS, METRICS_PATH } from '../stack.ts';
import { LABEL_VALUE } from '../telemetry/contract.ts';

export interface AccessLogOptions {
  logger: Logger;
}

/** Probes and scrapes: machines asking every few seconds whether the process lives, never a client's request. */
const ROUTINE_PATHS: ReadonlySet<string> = new Set([...Object.values(HEALTH_PATHS), METRICS_PATH]);

export const accessLog = ({ logger }: AccessLogOptions): MiddlewareHandler =>
  async function accessLog(c, next) {
    const startedAt = performance.now();
    await next();
    const route = routePath(c, -1);
    const line = {
      method: c.req.method,
      route: route === '/*' || route === '*' ? LABEL_VALUE.unmatchedRoute : route,
      status: c.res.status,
      durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
    };
    // Probes and scrapes arrive every few seconds from every kubelet, load balancer and Prometheus: keep them out of
    // the default level (a failing readiness probe is a state the health endpoint and metrics already report).
    if (ROUTINE_PATHS.has(c.req.path)) {
      logger.debug(line, 'request');
    } else if (c.res.status >= 500) {
      logger.error(line, 'request');
    } else {
      logger.info(line, 'request');
    }
  };
