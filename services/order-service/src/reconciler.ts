/**
 * @module Order reconciliation (docs/consistency.md): resolves every order left `pending` longer than
 * `reconcileAfterMs`, with or without an Idempotency-Key, without any client action. Each pass claims a bounded
 * batch under a lease (so replicas sharing the database never work on the same order), asks payment-service for
 * each order's payment, and then completes the order from it, charges it again with the same key when payment-service
 * has none (idempotent, so safe), or leaves it for a later pass when payment-service cannot say. A pass also purges
 * a bounded batch of expired Idempotency-Keys and publishes the pending-order gauges.
 */
import { DependencyUnavailableError, type Logger } from '@mesh-stack/service-kit';
import { ATTR, type ReconcileOutcome, SPANS } from '@mesh-stack/service-kit/contract';
import type { ReconciliationTelemetry } from '@mesh-stack/service-kit/telemetry';
import {
  NothingChargedError,
  type PaymentGateway,
  type PaymentOutcome,
  UnexpectedDependencyResponseError,
} from './dependencies.ts';
import type { IdempotencyStore } from './idempotency.ts';
import type { OrderRepository } from './repository.ts';
import type { Order } from './schemas.ts';

export interface ReconcilerSettings {
  /** An order pending for longer than this is reconciled (above the request deadline, so a live request finishes). */
  readonly reconcileAfterMs: number;
  /** Pause between the end of a pass and the start of the next. */
  readonly intervalMs: number;
  /** Orders claimed per pass. */
  readonly batchSize: number;
  /** How long a pass owns the orders it claimed; an order not started by then is left to the next claimant. */
  readonly leaseMs: number;
  /** Orders of one batch worked on at the same time. */
  readonly concurrency: number;
  /** Expired Idempotency-Keys deleted per pass. */
  readonly purgeBatchSize: number;
}

export interface ReconcilerDependencies extends ReconcilerSettings {
  readonly orders: OrderRepository;
  readonly idempotency: IdempotencyStore;
  readonly payments: PaymentGateway;
  readonly telemetry: ReconciliationTelemetry;
  readonly logger: Logger;
  /** @default the system clock */
  readonly now?: () => Date;
}

export interface PassSummary {
  readonly claimed: number;
  readonly outcomes: Readonly<Partial<Record<ReconcileOutcome, number>>>;
  readonly purgedKeys: number;
}

export interface Reconciler {
  /** One pass, now. Exposed for tests; `start()` runs passes in a loop. */
  runPass(): Promise<PassSummary>;
  /** Starts the loop: a pass at once, then one `intervalMs` after each pass ends. */
  start(): void;
  /** Stops the loop: orders not started are given back at once, those in flight finish; resolves when the pass ended. */
  stop(): Promise<void>;
}

/** payment-service could not give an answer: try again on a later pass. */
const isTransient = (error: unknown): boolean =>
  error instanceof DependencyUnavailableError ||
  error instanceof NothingChargedError ||
  error instanceof UnexpectedDependencyResponseError;

export const createReconciler = ({
  orders,
  idempotency,
  payments,
  telemetry,
  logger,
  now = () => new Date(),
  reconcileAfterMs,
  intervalMs,
  batchSize,
  leaseMs,
  concurrency,
  purgeBatchSize,
}: ReconcilerDependencies): Reconciler => {
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  const complete = async (order: Order, payment: PaymentOutcome): Promise<void> => {
    const status = payment.status === 'succeeded' ? 'paid' : 'payment_failed';
    await orders.complete(order.id, status, payment.paymentId, now().toISOString());
    telemetry.annotate({ [ATTR.orderStatus]: status, [ATTR.paymentId]: payment.paymentId });
    logger.info({ orderId: order.id, paymentId: payment.paymentId, status }, 'order reconciled');
  };

  const resolve = async (order: Order): Promise<ReconcileOutcome> => {
    try {
      const found = await payments.find(order.id);
      if (found !== null) {
        await complete(order, found);
        return found.status === 'succeeded' ? 'paid' : 'payment_failed';
      }
      // payment-service has no payment for this order: charging with the order id as key is safe (at most once).
      await complete(order, await payments.charge(order));
      return 'recharged';
    } catch (error) {
      if (!isTransient(error)) throw error;
      logger.warn({ orderId: order.id, err: error }, 'reconciliation deferred: payment-service could not answer');
      return 'deferred';
    }
  };

  const reconcileOrder = (order: Order): Promise<ReconcileOutcome> =>
    telemetry.inSpan(SPANS.reconcileOrder.name, { [ATTR.orderId]: order.id }, async () => {
      let outcome: ReconcileOutcome = 'deferred';
      try {
        outcome = await resolve(order);
      } catch (error) {
        logger.error({ orderId: order.id, err: error }, 'reconciliation failed; the order is left for the next pass');
      } finally {
        // Completing cleared the lease. A deferred order waits `reconcileAfterMs` before its next try, like a new
        // one: orders payment-service keeps failing on must not take every pass's batch from the others.
        if (outcome === 'deferred') {
          await orders
            .releaseReconciliation(order.id, new Date(now().getTime() + reconcileAfterMs))
            .catch((error: unknown) => logger.warn({ orderId: order.id, err: error }, 'could not release the order'));
        }
      }
      telemetry.annotate({ [ATTR.reconcileOutcome]: outcome });
      telemetry.orderReconciled(outcome);
      return outcome;
    });

  const publishPending = async (): Promise<void> => {
    const { count, oldestCreatedAt } = await orders.pendingSummary();
    const oldestAgeSeconds =
      oldestCreatedAt === null ? 0 : Math.max(0, (now().getTime() - Date.parse(oldestCreatedAt)) / 1000);
    telemetry.pendingOrders(count, oldestAgeSeconds);
  };

  const runPass = async (): Promise<PassSummary> => {
    const startedAt = now();
    const lockedUntil = new Date(startedAt.getTime() + leaseMs);
    const { claimed, purgedKeys } = await telemetry.untraced(async () => ({
      purgedKeys: await idempotency.purgeExpired(startedAt, purgeBatchSize),
      claimed: await orders.claimForReconciliation({
        createdBefore: new Date(startedAt.getTime() - reconcileAfterMs),
        now: startedAt,
        lockedUntil,
        limit: batchSize,
      }),
    }));
    const outcomes: Partial<Record<ReconcileOutcome, number>> = {};
    if (claimed.length > 0) {
      await telemetry.inSpan(
        SPANS.reconcilePass.name,
        { [ATTR.reconcileClaimed]: claimed.length },
        async () => {
          const queue = [...claimed];
          const worker = async (): Promise<void> => {
            for (let order = queue.shift(); order !== undefined; order = queue.shift()) {
              // Past the lease another replica may have claimed it; stopping leaves it to the next start.
              if (stopping || now() >= lockedUntil) {
                await orders.releaseReconciliation(order.id, null);
                continue;
              }
              const outcome = await reconcileOrder(order);
              outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            }
          };
          await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
        },
        { root: true },
      );
      logger.info({ claimed: claimed.length, outcomes }, 'reconciliation pass');
    }
    await telemetry.untraced(publishPending);
    return { claimed: claimed.length, outcomes, purgedKeys };
  };

  const loop = (): void => {
    if (stopping) return;
    running = runPass()
      .catch((error: unknown) => logger.error({ err: error }, 'reconciliation pass failed'))
      .finally(() => {
        running = undefined;
        if (!stopping) timer = setTimeout(loop, intervalMs);
      });
  };

  return {
    runPass,
    start() {
      stopping = false;
      loop();
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await running;
    },
  };
};
