/** @module One log line per request: method, route template, status and duration. No bodies, no query strings. */

import { HEALTH_PATHS, METRICS_PATH } from '@mesh-stack/stack';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.ts';
import { matchedRouteTemplate, normalizeMethod } from '../telemetry/http-server.ts';

export interface AccessLogOptions {
  logger: Logger;
}

/** Probes and scrapes: machines asking every few seconds whether the process lives, never a client's request. */
const ROUTINE_PATHS: ReadonlySet<string> = new Set([...Object.values(HEALTH_PATHS), METRICS_PATH]);

export const accessLog = ({ logger }: AccessLogOptions): MiddlewareHandler =>
  async function accessLog(c, next) {
    const startedAt = performance.now();
    await next();
    const line = {
      // Known methods only (`_OTHER` otherwise) and the route template: a method token or a path is client input.
      method: normalizeMethod(c.req.method),
      route: matchedRouteTemplate(c),
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
