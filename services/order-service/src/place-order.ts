/**
 * @module The order flow (docs/api.md): validate the user → store the order `pending` → charge it with the order id
 * as Idempotency-Key → `paid` or `payment_failed`. Failures never leave a half-written order: when payment-service
 * was never reached the order is removed; when the outcome is unknown the order stays `pending` and a repeat with the
 * same Idempotency-Key resumes it.
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
import { business } from '@mesh-stack/service-kit/telemetry';
import type { PaymentGateway, UserDirectory } from './dependencies.ts';
import type { IdempotencyStore } from './idempotency.ts';
import type { OrderRepository } from './repository.ts';
import { type CreateOrderBody, type Order, orderTotal } from './schemas.ts';

export interface PlaceOrderDependencies {
  orders: OrderRepository;
  idempotency: IdempotencyStore;
  users: UserDirectory;
  payments: PaymentGateway;
  logger: Logger;
  now: () => Date;
}

export type PlaceOrderResult =
  | { readonly kind: 'placed'; readonly order: Order }
  /** The first response for this Idempotency-Key. */
  | { readonly kind: 'replayed'; readonly order: Order };

const retryAfter = (error: DependencyUnavailableError) => ({ 'retry-after': String(error.retryAfterSeconds) });

export const createPlaceOrder = ({ orders, idempotency, users, payments, logger, now }: PlaceOrderDependencies) => {
  /** Charges a pending order. `firstCharge`: no earlier request tried, so "never reached" means "nothing charged". */
  const pay = async (order: Order, firstCharge: boolean, onRemoved: () => void): Promise<Order> => {
    let outcome: Awaited<ReturnType<PaymentGateway['charge']>>;
    business().step(SPAN_EVENT.paymentRequested);
    try {
      outcome = await payments.charge(order);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      if (error.outcome === 'unreachable' && firstCharge) {
        await orders.remove(order.id);
        onRemoved();
        logger.warn({ orderId: order.id }, 'payment-service unreachable: order removed, nothing charged');
        business().orderPlaced('payment_unavailable');
        throw new ProblemError(PROBLEM.dependencyUnavailable, {
          detail: 'payment-service is unavailable; no order was placed and nothing was charged.',
          headers: retryAfter(error),
        });
      }
      logger.warn({ orderId: order.id }, 'payment outcome unknown: order left pending');
      business().orderPlaced('payment_unavailable');
      throw new ProblemError(PROBLEM.paymentOutcomeUnknown, {
        detail:
          'The order is pending: repeat the request with the same Idempotency-Key to resume it; it is charged at most once.',
        extensions: { orderId: order.id },
        headers: retryAfter(error),
      });
    }
    const status = outcome.status === 'succeeded' ? 'paid' : 'payment_failed';
    const updatedAt = now().toISOString();
    await orders.complete(order.id, status, outcome.paymentId, updatedAt);
    logger.info({ orderId: order.id, paymentId: outcome.paymentId, status }, 'order completed');
    business().step(SPAN_EVENT.orderCompleted, { [ATTR.orderStatus]: status });
    business().annotate({ [ATTR.orderStatus]: status, [ATTR.paymentId]: outcome.paymentId });
    business().orderPlaced(
      status,
      status === 'paid' ? { amountMinor: order.totalAmountMinor, currency: order.currency } : undefined,
    );
    return { ...order, status, paymentId: outcome.paymentId, updatedAt };
  };

  const placeNew = async (
    body: CreateOrderBody,
    onStored: (orderId: string) => Promise<void>,
    onRemoved: () => void,
  ): Promise<Order> => {
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
      business().orderPlaced('rejected');
      throw new ProblemError(PROBLEM.unknownUser, { errors: [{ path: 'userId', message: 'no such user' }] });
    }
    business().step(SPAN_EVENT.userValidated);
    const createdAt = now().toISOString();
    const order: Order = {
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
    await orders.insert(order);
    business().step(SPAN_EVENT.orderStored, { [ATTR.orderId]: order.id });
    business().annotate({
      [ATTR.orderId]: order.id,
      [ATTR.orderTotalMinor]: order.totalAmountMinor,
      [ATTR.orderCurrency]: order.currency,
      [ATTR.orderItemCount]: order.items.length,
    });
    await onStored(order.id);
    return pay(order, true, onRemoved);
  };

  return async (body: CreateOrderBody, idempotencyKey: string | undefined): Promise<PlaceOrderResult> => {
    if (idempotencyKey === undefined) {
      return {
        kind: 'placed',
        order: await placeNew(
          body,
          async () => {},
          () => {},
        ),
      };
    }

    const claim = await idempotency.claim(idempotencyKey, requestFingerprint(body), now());
    switch (claim.kind) {
      case 'fingerprint_mismatch':
        throw new ProblemError(PROBLEM.idempotencyKeyReused, { detail: 'Use a new Idempotency-Key for a new order.' });
      case 'in_progress':
        throw new ProblemError(PROBLEM.idempotencyInProgress, { headers: { 'retry-after': '1' } });
      case 'completed':
        business().step(SPAN_EVENT.idempotentReplay);
        business().annotate({ [ATTR.idempotentReplay]: true });
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
        order = await placeNew(
          body,
          async (orderId) => {
            pendingOrderId = orderId;
            await idempotency.attachOrder(idempotencyKey, orderId);
          },
          () => {
            pendingOrderId = null;
          },
        );
      } else if (earlier.status === 'pending') {
        logger.info({ orderId: earlier.id }, 'resuming pending order');
        order = await pay(earlier, false, () => {});
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
