/**
 * @module The order flow (docs/api.md, docs/consistency.md): validate the user → store the order `pending` (bound to
 * its Idempotency-Key in the same transaction) → charge it with the order id as Idempotency-Key → `paid` or
 * `payment_failed`. Failures never leave a half-written order: when nothing was charged (payment-service never
 * reached, or it said `charged: false`) the order is removed; when the outcome is unknown the order stays `pending`
 * and the reconciler resolves it, or sooner a repeat with the same Idempotency-Key.
 */
import {
  DependencyUnavailableError,
  type Logger,
  newId,
  PROBLEM,
  ProblemError,
  requestFingerprint,
} from '@mesh-stack/service-kit';
import { ATTR, SPAN_EVENT } from '@mesh-stack/service-kit/contract';
import type { BusinessTelemetry } from '@mesh-stack/service-kit/telemetry';
import { NothingChargedError, type PaymentGateway, type PaymentOutcome, type UserDirectory } from './dependencies.ts';
import { leaseRetryAfterSeconds } from './idempotency.ts';
import { type CreateOrderBody, type Order, orderTotal } from './schemas.ts';
import type { OrderStore } from './store.ts';

export interface PlaceOrderDependencies {
  store: OrderStore;
  users: UserDirectory;
  payments: PaymentGateway;
  logger: Logger;
  business: BusinessTelemetry;
  now: () => Date;
  /** At most how long the reconciler takes to resolve a pending order: the `Retry-After` of an unknown outcome. */
  resolvedWithinSeconds: number;
}

export type PlaceOrderResult =
  | { readonly kind: 'placed'; readonly order: Order }
  /** The first response for this Idempotency-Key. */
  | { readonly kind: 'replayed'; readonly order: Order };

const retryAfter = (error: DependencyUnavailableError) => ({ 'retry-after': String(error.retryAfterSeconds) });

/** The path of an order, as in the `Location` of a 201. */
export const orderLocation = (orderId: string): string => `/orders/${orderId}`;

export const createPlaceOrder = ({
  store,
  users,
  payments,
  logger,
  business,
  now,
  resolvedWithinSeconds,
}: PlaceOrderDependencies) => {
  const { orders, idempotency } = store;

  /** The order stays pending: say that it will be resolved without the client, and where to read it. */
  const outcomeUnknown = (order: Order, withKey: boolean): ProblemError =>
    new ProblemError(PROBLEM.paymentOutcomeUnknown, {
      detail:
        `The order ${order.id} is stored as pending and is charged at most once; it is resolved (paid or ` +
        `payment_failed) without any action from you within about ${resolvedWithinSeconds} s: read it with ` +
        `GET ${orderLocation(order.id)}.` +
        (withKey ? ' Repeating the request with the same Idempotency-Key also returns it.' : ''),
      extensions: { orderId: order.id },
      headers: { 'retry-after': String(resolvedWithinSeconds), location: orderLocation(order.id) },
    });

  /**
   * Charges a pending order. `firstCharge`: no earlier request tried, so "nothing charged" is final and the order
   * can be removed; on a resume an earlier attempt may still land, so the order stays pending instead.
   */
  const pay = async (order: Order, firstCharge: boolean, withKey: boolean, onRemoved: () => void): Promise<Order> => {
    let outcome: PaymentOutcome;
    business.step(SPAN_EVENT.paymentRequested);
    try {
      outcome = await payments.charge(order);
    } catch (error) {
      const nothingCharged =
        error instanceof NothingChargedError ||
        (error instanceof DependencyUnavailableError && error.outcome === 'unreachable');
      if (!nothingCharged && !(error instanceof DependencyUnavailableError)) throw error;
      business.orderPlaced('payment_unavailable');
      if (nothingCharged && firstCharge && (await orders.remove(order.id, now()))) {
        onRemoved();
        logger.warn({ orderId: order.id }, 'nothing charged: order removed');
        throw new ProblemError(PROBLEM.dependencyUnavailable, {
          detail: 'payment-service is unavailable; no order was placed and nothing was charged.',
          headers: error instanceof DependencyUnavailableError ? retryAfter(error) : { 'retry-after': '1' },
        });
      }
      logger.warn({ orderId: order.id }, 'payment outcome unknown: order left pending for reconciliation');
      throw outcomeUnknown(order, withKey);
    }
    const status = outcome.status === 'succeeded' ? 'paid' : 'payment_failed';
    const updatedAt = now().toISOString();
    if (!(await orders.complete(order.id, status, outcome.paymentId, updatedAt))) {
      // The reconciler (or a concurrent resume) completed it first, from the same single payment.
      const current = await orders.findById(order.id);
      if (current !== undefined && current.status !== 'pending') return current;
    }
    logger.info({ orderId: order.id, paymentId: outcome.paymentId, status }, 'order completed');
    business.step(SPAN_EVENT.orderCompleted, { [ATTR.orderStatus]: status });
    business.annotate({ [ATTR.orderStatus]: status, [ATTR.paymentId]: outcome.paymentId });
    business.orderPlaced(
      status,
      status === 'paid' ? { amountMinor: order.totalAmountMinor, currency: order.currency } : undefined,
    );
    const completed: Order = { ...order, status, paymentId: outcome.paymentId, updatedAt };
    return completed;
  };

  /** Checks the user and builds the pending order; stores nothing. */
  const newOrder = async (body: CreateOrderBody): Promise<Order> => {
    // UUIDs are case-insensitive; ids are stored lower-case everywhere, so lookups and lists match.
    const userId = body.userId.toLowerCase();
    let known: boolean;
    try {
      known = await users.exists(userId);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      throw new ProblemError(PROBLEM.dependencyUnavailable, {
        detail: 'user-service is unavailable; no order was placed.',
        headers: retryAfter(error),
      });
    }
    if (!known) {
      business.orderPlaced('rejected');
      throw new ProblemError(PROBLEM.unknownUser, { errors: [{ path: 'userId', message: 'no such user' }] });
    }
    business.step(SPAN_EVENT.userValidated);
    const createdAt = now().toISOString();
    return {
      id: newId(),
      userId,
      currency: body.currency,
      items: body.items,
      totalAmountMinor: orderTotal(body.items),
      status: 'pending',
      paymentId: null,
      createdAt,
      updatedAt: createdAt,
    };
  };

  const stored = (order: Order): void => {
    business.step(SPAN_EVENT.orderStored, { [ATTR.orderId]: order.id });
    business.annotate({
      [ATTR.orderId]: order.id,
      [ATTR.orderTotalMinor]: order.totalAmountMinor,
      [ATTR.orderCurrency]: order.currency,
      [ATTR.orderItemCount]: order.items.length,
    });
  };

  return async (body: CreateOrderBody, idempotencyKey: string | undefined): Promise<PlaceOrderResult> => {
    if (idempotencyKey === undefined) {
      const order = await newOrder(body);
      await orders.insert(order);
      stored(order);
      return { kind: 'placed', order: await pay(order, true, false, () => {}) };
    }

    const claim = await idempotency.claim(idempotencyKey, requestFingerprint(body), now());
    switch (claim.kind) {
      case 'fingerprint_mismatch':
        throw new ProblemError(PROBLEM.idempotencyKeyReused, { detail: 'Use a new Idempotency-Key for a new order.' });
      case 'in_progress':
        throw new ProblemError(PROBLEM.idempotencyInProgress, {
          detail: 'Repeat the request after Retry-After, when the other request has finished or its lease is over.',
          headers: { 'retry-after': String(leaseRetryAfterSeconds(claim.lockedUntil, now())) },
        });
      case 'completed':
        business.step(SPAN_EVENT.idempotentReplay);
        business.annotate({ [ATTR.idempotentReplay]: true });
        return { kind: 'replayed', order: claim.body as Order };
      case 'claimed':
        break;
    }

    // Which order, if any, this key now stands for: decides between "resumable" and "released" on failure.
    let pendingOrderId = claim.orderId;
    try {
      const earlier = pendingOrderId === null ? undefined : await orders.findById(pendingOrderId);
      let order: Order;
      if (earlier === undefined) {
        const fresh = await newOrder(body);
        // One transaction: a crash can never leave an order its key does not point to.
        await store.transaction(async (inTransaction) => {
          await inTransaction.orders.insert(fresh);
          await inTransaction.idempotency.attachOrder(idempotencyKey, fresh.id);
        });
        pendingOrderId = fresh.id;
        stored(fresh);
        order = await pay(fresh, true, true, () => {
          pendingOrderId = null;
        });
      } else if (earlier.status === 'pending') {
        logger.info({ orderId: earlier.id }, 'resuming pending order');
        order = await pay(earlier, false, true, () => {});
      } else {
        order = earlier;
      }
      await idempotency.complete(idempotencyKey, 201, order);
      return { kind: 'placed', order };
    } catch (error) {
      if (pendingOrderId === null) {
        await idempotency.release(idempotencyKey);
      } else {
        await idempotency.makeResumable(idempotencyKey);
      }
      throw error;
    }
  };
};

export type PlaceOrder = ReturnType<typeof createPlaceOrder>;
