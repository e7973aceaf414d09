/** @module payment-service configuration, from the environment (see the kit's `baseConfigShape` for each variable). */
import { baseConfigShape, loadConfig } from '@mesh-stack/service-kit';
import { z } from 'zod';

export const SERVICE_NAME = 'payment-service';

export const configSchema = z.object({
  ...baseConfigShape(SERVICE_NAME),
  /** Opens `PUT /admin/faults` to holders of this bearer token; unset, fault injection does not exist (404). */
  FAULT_INJECTION_TOKEN: z.string().min(16).optional(),
});
export type Config = z.infer<typeof configSchema>;

export const loadPaymentServiceConfig = (env: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig(SERVICE_NAME, configSchema, env);
