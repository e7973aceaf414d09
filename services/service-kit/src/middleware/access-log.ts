/** @module One log line per request: method, route template, status and duration. No bodies, no query strings. */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../logger.ts';
import { HEALTH_PATHS } from '../stack.ts';
import { LABEL_VALUE } from '../telemetry/contract.ts';

export interface AccessLogOptions {
  logger: Logger;
}

const PROBE_PATHS: ReadonlySet<string> = new Set(Object.values(HEALTH_PATHS));

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
    // Probes arrive every few seconds from every kubelet and load balancer: keep them out of the default level.
    if (PROBE_PATHS.has(c.req.path)) {
      logger.debug(line, 'request');
    } else if (c.res.status >= 500) {
      logger.error(line, 'request');
    } else {
      logger.info(line, 'request');
    }
  };
