/**
 * @module Runtime fault injection for demos and failure tests: an error rate, added latency and a decline rate,
 * all off by default, changed through `PUT /admin/faults` on the admin port only.
 */

import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { jsonBody, type Logger, NO_BUSINESS_TELEMETRY, problemContent } from '@mesh-stack/service-kit';
import { FAULTS_PATH } from '@mesh-stack/service-kit/stack';
import type { BusinessTelemetry } from '@mesh-stack/service-kit/telemetry';
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

const putFaultsRoute = createRoute({
  method: 'put',
  path: FAULTS_PATH,
  summary: 'Replace the fault injection settings (omitted fields are 0, i.e. off)',
  middleware: jsonBody(),
  request: { body: { required: true, content: { 'application/json': { schema: FaultSettings } } } },
  responses: {
    200: { description: 'The settings now in force.', content: { 'application/json': { schema: FaultSettings } } },
    400: problemContent('The settings are out of range or unknown.'),
  },
});

/** Adds `GET` and `PUT /admin/faults` to the admin app. */
export const mountFaultRoutes = (admin: OpenAPIHono, faults: Faults, logger: Logger): void => {
  admin.openapi(getFaultsRoute, (c) => c.json(faults.current(), 200));
  admin.openapi(putFaultsRoute, (c) => {
    const settings = c.req.valid('json');
    faults.update(settings);
    logger.warn({ faults: settings }, 'fault injection changed');
    return c.json(faults.current(), 200);
  });
};
