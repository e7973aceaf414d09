/** @module order-service configuration, from the environment (see the kit's `baseConfigShape` for the shared ones). */
import { baseConfigShape, durationMsSchema, loadConfig, serviceUrlSchema } from '@mesh-stack/service-kit';
import { localBaseUrl, PUBLIC_REQUEST_BUDGET } from '@mesh-stack/stack';
import { z } from 'zod';

export const SERVICE_NAME = 'order-service';

const HOUR_MS = 3_600_000;

export const configSchema = z.object({
  ...baseConfigShape(SERVICE_NAME),
  /**
   * Deadline of one `POST /orders`, both dependency calls included: each call gets what is left of it. Keep it
   * below the gateway's route timeout (docs/resilience.md). [default=the stack map's `PUBLIC_REQUEST_BUDGET`]
   */
  REQUEST_DEADLINE_MS: durationMsSchema(120_000).default(PUBLIC_REQUEST_BUDGET.deadlineMs),
  /**
   * Keys of W3C `baggage` from public clients that may reach the calls order-service makes; every other entry is
   * dropped at this entry point. `canary` is the mesh's documented routing hint (docs/kubernetes.md); the opt-in
   * fault-injection overlay adds `fault`. Comma-separated; empty drops all.
   */
  PUBLIC_BAGGAGE_ALLOW: z
    .string()
    .regex(/^([a-z0-9_-]+(,[a-z0-9_-]+)*)?$/, 'comma-separated lower-case baggage keys')
    .default('canary')
    .transform((keys) => new Set(keys.split(',').filter((key) => key !== ''))),
  USER_SERVICE_URL: serviceUrlSchema.default(localBaseUrl('user-service')),
  PAYMENT_SERVICE_URL: serviceUrlSchema.default(localBaseUrl('payment-service')),
  /** Timeout of one attempt to user-service. [default=the stack map's budget for the edge] */
  USER_SERVICE_TIMEOUT_MS: durationMsSchema(60_000).optional(),
  /** Timeout of one attempt to payment-service. [default=the stack map's budget for each edge] */
  PAYMENT_SERVICE_TIMEOUT_MS: durationMsSchema(60_000).optional(),
  /** Upper bound of one call to a dependency, retries included. [default=what the edge's attempts can take] */
  DEPENDENCY_DEADLINE_MS: durationMsSchema(120_000).optional(),
  /** Retries after a failed attempt (only where a retry is safe). [default=the stack map's budget] */
  DEPENDENCY_RETRIES: z.coerce.number().int().min(0).max(10).optional(),
  /** How long an `Idempotency-Key` stays locked by a request that may have crashed before it is resumable. */
  IDEMPOTENCY_LEASE_MS: durationMsSchema(600_000).default(30_000),
  /** How long an `Idempotency-Key` is remembered from its first use; a reuse after that is a new request. */
  IDEMPOTENCY_RETENTION_MS: durationMsSchema(30 * 24 * HOUR_MS)
    .min(60_000)
    .default(24 * HOUR_MS),
  /**
   * An order `pending` for longer than this is resolved by the reconciler. Above the `POST /orders` deadline, so
   * the reconciler leaves a live request alone (overlapping would still be safe: every charge uses the order id as
   * Idempotency-Key).
   */
  RECONCILE_AFTER_MS: durationMsSchema(HOUR_MS).min(100).default(10_000),
  /** Pause between two reconciliation passes of this replica. */
  RECONCILE_INTERVAL_MS: durationMsSchema(HOUR_MS).min(100).default(5000),
  /** Pending orders one pass claims at most. */
  RECONCILE_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(20),
  /** Pending orders of a batch worked on at the same time. */
  RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * How long a pass owns what it claimed: above the time a batch takes when every payment call uses its whole
   * budget (batch ÷ concurrency × the lookup and charge budgets), so no other replica takes an order mid-work.
   */
  RECONCILE_LEASE_MS: durationMsSchema(HOUR_MS).min(1000).default(60_000),
  /** Expired Idempotency-Keys deleted per pass. */
  IDEMPOTENCY_PURGE_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
});
export type Config = z.infer<typeof configSchema>;

export const loadOrderServiceConfig = (env: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig(SERVICE_NAME, configSchema, env);

/** At most how long a pending order waits for the reconciler: its age threshold plus one pause between passes. */
export const resolvedWithinSeconds = (config: Pick<Config, 'RECONCILE_AFTER_MS' | 'RECONCILE_INTERVAL_MS'>): number =>
  Math.ceil((config.RECONCILE_AFTER_MS + config.RECONCILE_INTERVAL_MS) / 1000);
