/**
 * @module order-service's two dependencies, seen through the kit's resilient client: "does this user exist?" and
 * "charge this order". Their answers are mapped to what the order flow needs; transport failures stay
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

export const createUserDirectory = (client: ServiceClient): UserDirectory => ({
  async exists(userId) {
    const response = await client.request({ method: 'GET', route: '/users/:id', path: `/users/${userId}` });
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    // user-service failing with 5xx is an outage from our caller's point of view.
    throw new DependencyUnavailableError(client.peerService, 'unknown', 1, new Error(`status ${response.status}`));
  },
});

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
    if (response.status >= 500) {
      // A 500 may have happened after the charge: the outcome is unknown, the order stays pending.
      throw new DependencyUnavailableError(client.peerService, 'unknown', 1, new Error(`status ${response.status}`));
    }
    throw new UnexpectedDependencyResponseError(client.peerService, response.status);
  },
});
