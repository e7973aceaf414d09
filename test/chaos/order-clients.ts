/**
 * @module The chaos test's clients: orders placed at a steady rate, each by a client that behaves as the API asks.
 * A client with an `Idempotency-Key` repeats the same request with the same key after a network error, a 409 or a
 * 503 until it gets a final answer (bounded in time); a client without a key sends once and keeps what it learnt
 * (an order id from a 201, or from a 503 that says the order is pending and will be resolved).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** Above order-service's own deadline for `POST /orders`, so the service answers before the client gives up. */
const REQUEST_TIMEOUT_MS = 15_000;
/** A client never waits longer than this between two tries, whatever `Retry-After` says: the test is short. */
const MAX_RETRY_DELAY_MS = 1000;

export interface OrderClient {
  /** The key it sent, if any. */
  readonly key: string | undefined;
  /** Every order id a response named: from a 201 body, or from a 503's `orderId` (pending, to be resolved). */
  readonly orderIds: Set<string>;
  /** One entry per try: the status, or the kind of network failure. */
  readonly tries: string[];
  /** The last 201's order status, when the client got one. */
  finalStatus: string | undefined;
  /** Resolves once the client stopped trying. */
  readonly done: Promise<void>;
}

interface ProblemOrOrder {
  readonly id?: string;
  readonly status?: unknown;
  readonly orderId?: string;
  readonly type?: string;
}

export interface PlaceOrderOptions {
  readonly orderServiceUrl: string;
  readonly userId: string;
  readonly withKey: boolean;
  /** A client with a key stops repeating after this. */
  readonly giveUpAt: number;
}

const retryDelayMs = (response: Response | undefined): number => {
  const seconds = Number(response?.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_DELAY_MS) : 250;
};

const failureKind = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  return cause?.code ?? 'network-error';
};

export const placeOrder = ({ orderServiceUrl, userId, withKey, giveUpAt }: PlaceOrderOptions): OrderClient => {
  const key = withKey ? randomUUID() : undefined;
  const body = JSON.stringify({
    userId,
    currency: 'EUR',
    items: [{ sku: 'CHAOS-1', quantity: 1 + Math.floor(Math.random() * 3), unitAmountMinor: 999 }],
  });
  const client: Omit<OrderClient, 'done'> = { key, orderIds: new Set(), tries: [], finalStatus: undefined };

  const run = async (): Promise<void> => {
    for (;;) {
      let response: Response | undefined;
      try {
        response = await fetch(`${orderServiceUrl}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const answer = (await response.json().catch(() => ({}))) as ProblemOrOrder;
        client.tries.push(String(response.status));
        if (response.status === 201 && answer.id !== undefined) {
          client.orderIds.add(answer.id);
          client.finalStatus = String(answer.status);
          return;
        }
        if (answer.orderId !== undefined) client.orderIds.add(answer.orderId);
        // Anything but a 409 or a 5xx is final (a 4xx about the request itself).
        if (response.status !== 409 && response.status < 500) return;
      } catch (error) {
        client.tries.push(failureKind(error));
      }
      if (key === undefined || Date.now() + MAX_RETRY_DELAY_MS > giveUpAt) return;
      await sleep(retryDelayMs(response));
    }
  };
  return Object.assign(client, { done: run() });
};

export interface SteadyLoad {
  readonly clients: OrderClient[];
  /** Stops starting new clients; resolves when every client is done. */
  stop(): Promise<void>;
}

/**
 * Starts `ratePerSecond` clients a second until stopped, a share `keyShare` of them (spread evenly) with an
 * Idempotency-Key. Far below the stack's capacity: the point is faults, not load.
 */
export const steadyLoad = ({
  orderServiceUrl,
  userIds,
  ratePerSecond,
  keyShare,
  retryWindowMs,
}: {
  orderServiceUrl: string;
  userIds: readonly string[];
  ratePerSecond: number;
  keyShare: number;
  retryWindowMs: number;
}): SteadyLoad => {
  const clients: OrderClient[] = [];
  const startedAt = performance.now();
  let stopped = false;
  const schedule = (async () => {
    for (let index = 0; !stopped; index++) {
      // Due times on a fixed schedule: a slow answer never delays the next client (an open model).
      const dueAt = startedAt + (index * 1000) / ratePerSecond;
      await sleep(Math.max(0, dueAt - performance.now()));
      if (stopped) break;
      clients.push(
        placeOrder({
          orderServiceUrl,
          userId: userIds[index % userIds.length] ?? '',
          withKey: Math.floor((index + 1) * keyShare) > Math.floor(index * keyShare),
          giveUpAt: Date.now() + retryWindowMs,
        }),
      );
    }
  })();
  return {
    clients,
    async stop() {
      stopped = true;
      await schedule;
      await Promise.all(clients.map((client) => client.done));
    },
  };
};
