/**
 * @module order-service's two dependencies, seen through the kit's resilient client: "does this user exist?",
 * "charge this order" and "what payment does this order have?". Their answers are mapped to what the order flow needs; transport failures stay
 * {@link DependencyUnavailableError}s.
 */
import { DependencyUnavailableError, type ServiceClient } from '@mesh-stack/service-kit';
import type { Order } from './schemas.ts';

export interface UserDirectory {
  /** True when user-service knows the user, false when it answers 404. */
  exists(userId: string): Promise<boolean>;
}

export interface PaymentOutcome {
  readonly paymentId: string;
  readonly status: 'succeeded' | 'declined';
}

export interface PaymentGateway {
  /** Charges the order; the order id is the Idempotency-Key, so repeating this can never charge twice. */
  charge(order: Order): Promise<PaymentOutcome>;
  /** The payment of this order, or null when payment-service authoritatively has none (yet). */
  find(orderId: string): Promise<PaymentOutcome | null>;
}

/** payment-service refused the charge and says so (`charged: false`): nothing was charged, nothing is in flight. */
export class NothingChargedError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`payment-service refused the charge (status ${status}); nothing was charged`);
    this.name = 'NothingChargedError';
    this.status = status;
  }
}

/** A dependency answered, but not in a way this version understands: a bug or a version skew, not an outage. */
export class UnexpectedDependencyResponseError extends Error {
  constructor(peerService: string, status: number) {
    super(`${peerService} answered ${status}`);
    this.name = 'UnexpectedDependencyResponseError';
  }
}

const isPaymentBody = (body: unknown): body is { id: string; status: 'succeeded' | 'declined' } => {
  if (typeof body !== 'object' || body === null) return false;
  const { id, status } = body as { id?: unknown; status?: unknown };
  return typeof id === 'string' && (status === 'succeeded' || status === 'declined');
};

const isPaymentList = (body: unknown): body is { items: unknown[] } =>
  typeof body === 'object' && body !== null && Array.isArray((body as { items?: unknown }).items);

/** payment-service's problem documents carry `charged: false` when they are sure nothing was charged. */
const saysNothingCharged = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && (body as { charged?: unknown }).charged === false;

const unavailable = (client: ServiceClient, status: number): DependencyUnavailableError =>
  new DependencyUnavailableError(client.peerService, 'unknown', 1, new Error(`status ${status}`));

export const createUserDirectory = (client: ServiceClient): UserDirectory => ({
  async exists(userId) {
    const response = await client.request({ method: 'GET', route: '/users/:id', path: `/users/${userId}` });
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    // user-service failing with 5xx is an outage from our caller's point of view.
    throw unavailable(client, response.status);
  },
});

/** `client`'s budget per route comes from the stack map: `POST /payments` and `GET /payments` are two edges. */
export const createPaymentGateway = (client: ServiceClient): PaymentGateway => ({
  async charge(order) {
    const response = await client.request({
      method: 'POST',
      route: '/payments',
      path: '/payments',
      body: { orderId: order.id, amountMinor: order.totalAmountMinor, currency: order.currency },
      idempotencyKey: order.id,
    });
    if ((response.status === 201 || response.status === 200) && isPaymentBody(response.body)) {
      return { paymentId: response.body.id, status: response.body.status };
    }
    if (saysNothingCharged(response.body)) throw new NothingChargedError(response.status);
    // A 5xx may have happened after the charge: the outcome is unknown, the order stays pending.
    if (response.status >= 500) throw unavailable(client, response.status);
    throw new UnexpectedDependencyResponseError(client.peerService, response.status);
  },

  async find(orderId) {
    const response = await client.request({
      method: 'GET',
      route: '/payments',
      path: `/payments?orderId=${encodeURIComponent(orderId)}`,
    });
    if (response.status === 200 && isPaymentList(response.body)) {
      const payments = response.body.items.filter(isPaymentBody);
      // One key per order, so at most one payment; a succeeded one wins should another caller have added more.
      const payment = payments.find((candidate) => candidate.status === 'succeeded') ?? payments[0];
      return payment === undefined ? null : { paymentId: payment.id, status: payment.status };
    }
    if (response.status >= 500) throw unavailable(client, response.status);
    throw new UnexpectedDependencyResponseError(client.peerService, response.status);
  },
});
