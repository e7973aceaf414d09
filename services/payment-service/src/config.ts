/** @module payment-service configuration, from the environment (see the kit's `baseConfigShape` for each variable). */
import { baseConfigShape, loadConfig } from '@mesh-stack/service-kit';
import { z } from 'zod';

export const SERVICE_NAME = 'payment-service';

export const configSchema = z.object(baseConfigShape(SERVICE_NAME));
export type Config = z.infer<typeof configSchema>;

export const loadPaymentServiceConfig = (env: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig(SERVICE_NAME, configSchema, env);
