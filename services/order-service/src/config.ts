/** @module order-service configuration, from the environment (see the kit's `baseConfigShape` for the shared ones). */
import { baseConfigShape, durationMsSchema, loadConfig, serviceUrlSchema } from '@mesh-stack/service-kit';
import { localBaseUrl } from '@mesh-stack/service-kit/stack';
import { z } from 'zod';

export const SERVICE_NAME = 'order-service';

export const configSchema = z.object({
  ...baseConfigShape(SERVICE_NAME),
  USER_SERVICE_URL: serviceUrlSchema.default(localBaseUrl('user-service')),
  PAYMENT_SERVICE_URL: serviceUrlSchema.default(localBaseUrl('payment-service')),
  /** Timeout of one attempt to user-service. */
  USER_SERVICE_TIMEOUT_MS: durationMsSchema(60_000).default(1000),
  /** Timeout of one attempt to payment-service (a charge takes longer than a lookup). */
  PAYMENT_SERVICE_TIMEOUT_MS: durationMsSchema(60_000).default(2000),
  /** Budget of one call to a dependency, retries included. */
  DEPENDENCY_DEADLINE_MS: durationMsSchema(120_000).default(5000),
  /** Retries after a failed attempt (only where a retry is safe). */
  DEPENDENCY_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** How long an `Idempotency-Key` stays locked by a request that may have crashed before it is resumable. */
  IDEMPOTENCY_LEASE_MS: durationMsSchema(600_000).default(30_000),
});
export type Config = z.infer<typeof configSchema>;

export const loadOrderServiceConfig = (env: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig(SERVICE_NAME, configSchema, env);
