/**
 * @module Runtime fault injection for demos and failure tests: an error rate, added latency and a decline rate,
 * all off by default, changed through `PUT /admin/faults` on the admin port only.
 *
 * Closed unless the operator opens it: without `FAULT_INJECTION_TOKEN` the routes do not exist (404), and with it a
 * change needs `Authorization: Bearer <token>` (401 otherwise). Reading the settings needs no token: they are
 * published as a metric anyway.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  jsonBody,
  type Logger,
  NO_BUSINESS_TELEMETRY,
  PROBLEM,
  problemContent,
  problemResponse,
} from '@mesh-stack/service-kit';
import type { BusinessTelemetry } from '@mesh-stack/service-kit/telemetry';
import { FAULTS_PATH } from '@mesh-stack/stack';
import type { MiddlewareHandler } from 'hono';
import { FaultSettings } from './schemas.ts';

export interface Faults {
  current(): FaultSettings;
  update(settings: FaultSettings): void;
}

export const FAULTS_OFF: FaultSettings = Object.freeze({ errorRate: 0, addedLatencyMs: 0, declineRate: 0 });

/** Publishes the settings as `app_fault_injection_setting{fault}`, so dashboards show when a fault is on. */
const publish = (business: BusinessTelemetry, settings: FaultSettings): void =>
  business.faultSettings({
    error_rate: settings.errorRate,
    added_latency_seconds: settings.addedLatencyMs / 1000,
    decline_rate: settings.declineRate,
  });

export const createFaults = (
  initial: FaultSettings = FAULTS_OFF,
  business: BusinessTelemetry = NO_BUSINESS_TELEMETRY,
): Faults => {
  let settings = initial;
  publish(business, settings);
  return {
    current: () => settings,
    update: (next) => {
      settings = Object.freeze({ ...next });
      publish(business, settings);
    },
  };
};

const getFaultsRoute = createRoute({
  method: 'get',
  path: FAULTS_PATH,
  summary: 'Current fault injection',
  responses: {
    200: { description: 'The settings in force.', content: { 'application/json': { schema: FaultSettings } } },
  },
});

/** Shortest token accepted: 128 bits of a random base64 string. */
export const MIN_FAULT_TOKEN_LENGTH = 16;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Bearer-token check in constant time (both sides hashed first, so lengths leak nothing either). */
export const requireBearerToken = (token: string): MiddlewareHandler => {
  const expected = digest(token);
  return async function requireBearerToken(c, next) {
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(c.req.header('authorization') ?? '');
    if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), expected)) {
      return problemResponse(c, PROBLEM.unauthorized, {
        detail: 'Changing fault injection needs `Authorization: Bearer <FAULT_INJECTION_TOKEN>`.',
        headers: { 'www-authenticate': 'Bearer realm="fault-injection"' },
      });
    }
    await next();
  };
};

const putFaultsRoute = (token: string) =>
  createRoute({
    method: 'put',
    path: FAULTS_PATH,
    summary: 'Replace the fault injection settings (omitted fields are 0, i.e. off)',
    // The token first: an unauthenticated client learns nothing about the body rules.
    middleware: [requireBearerToken(token), ...jsonBody()],
    request: { body: { required: true, content: { 'application/json': { schema: FaultSettings } } } },
    responses: {
      200: { description: 'The settings now in force.', content: { 'application/json': { schema: FaultSettings } } },
      400: problemContent('The settings are out of range or unknown.'),
      401: problemContent('The bearer token is missing or wrong.'),
    },
  });

export interface FaultRouteOptions {
  /** `FAULT_INJECTION_TOKEN`; without it fault injection stays closed (no routes, 404). */
  readonly token: string | undefined;
}

/** Adds `GET` and `PUT /admin/faults` to the admin app when a token is configured; nothing otherwise. */
export const mountFaultRoutes = (
  admin: OpenAPIHono,
  faults: Faults,
  logger: Logger,
  { token }: FaultRouteOptions,
): void => {
  if (token === undefined) {
    logger.info('fault injection closed: FAULT_INJECTION_TOKEN is not set');
    return;
  }
  admin.openapi(getFaultsRoute, (c) => c.json(faults.current(), 200));
  admin.openapi(putFaultsRoute(token), (c) => {
    const settings = c.req.valid('json');
    faults.update(settings);
    logger.warn({ faults: settings }, 'fault injection changed');
    return c.json(faults.current(), 200);
  });
};
