/**
 * @module `Idempotency-Key` records of order-service. A key is claimed by one request at a time (a lease, so a
 * crashed request does not lock it forever); it ends `completed` with the response to replay, `resumable` when the
 * payment outcome is unknown (the next request with the key picks the order up), or is released when nothing was
 * stored and a retry should start afresh. A key lives for the retention period from its first use; after that it
 * is purged, and a request reusing it is a new request.
 */
import { isUniqueViolation } from '@mesh-stack/service-kit';
import type { Kysely } from 'kysely';
import type { OrderTables } from './tables.ts';

export type Claim =
  /** The key is ours; `orderId` is set when an earlier request left that order pending (resume it). */
  | { readonly kind: 'claimed'; readonly orderId: string | null }
  | { readonly kind: 'completed'; readonly status: number; readonly body: unknown }
  /** Another request holds the key until `lockedUntil`. */
  | { readonly kind: 'in_progress'; readonly lockedUntil: Date }
  | { readonly kind: 'fingerprint_mismatch' };

export interface IdempotencyStore {
  claim(key: string, fingerprint: string, now: Date): Promise<Claim>;
  /** Binds the key to its order; called in the transaction that stores the order, so no order is ever orphaned. */
  attachOrder(key: string, orderId: string): Promise<void>;
  /** Stores the response to replay for this key. */
  complete(key: string, status: number, body: unknown): Promise<void>;
  /** The outcome is unknown: keep the order id, free the lease for a later resume. */
  makeResumable(key: string): Promise<void>;
  /** Nothing was stored: forget the key. */
  release(key: string): Promise<void>;
  /** Deletes up to `limit` keys older than the retention whose lease is over; returns how many. */
  purgeExpired(now: Date, limit: number): Promise<number>;
}

export interface IdempotencyStoreOptions {
  /** How long a claim locks the key (a request that crashed holds it this long at most). */
  readonly leaseMs: number;
  /** How long a key is remembered after its first use. */
  readonly retentionMs: number;
}

/** Seconds until the lease is over, rounded up, at least 1: the `Retry-After` of a `409 in progress`. */
export const leaseRetryAfterSeconds = (lockedUntil: Date, now: Date): number =>
  Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));

export const createIdempotencyStore = (
  db: Kysely<OrderTables>,
  { leaseMs, retentionMs }: IdempotencyStoreOptions,
): IdempotencyStore => {
  const expiredBefore = (now: Date): string => new Date(now.getTime() - retentionMs).toISOString();

  const claim = async (key: string, fingerprint: string, now: Date): Promise<Claim> => {
    const lockedUntil = new Date(now.getTime() + leaseMs).toISOString();
    try {
      await db
        .insertInto('idempotency_keys')
        .values({
          key,
          request_fingerprint: fingerprint,
          state: 'in_progress',
          order_id: null,
          response_status: null,
          response_body: null,
          locked_until: lockedUntil,
          created_at: now.toISOString(),
        })
        .execute();
      return { kind: 'claimed', orderId: null };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const row = await db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
    if (!row) {
      // Released between our insert and our read: the previous holder stored nothing, so start afresh.
      return claim(key, fingerprint, now);
    }
    const leaseOver = row.locked_until <= now.toISOString();
    if (row.created_at < expiredBefore(now) && leaseOver) {
      // Past its retention the key is forgotten, as if already purged: this is a new request.
      await db
        .deleteFrom('idempotency_keys')
        .where('key', '=', key)
        .where('created_at', '=', row.created_at)
        .where('locked_until', '=', row.locked_until)
        .execute();
      return claim(key, fingerprint, now);
    }
    if (row.request_fingerprint !== fingerprint) return { kind: 'fingerprint_mismatch' };
    if (row.state === 'completed' && row.response_status !== null && row.response_body !== null) {
      return { kind: 'completed', status: row.response_status, body: JSON.parse(row.response_body) };
    }
    if (row.state === 'in_progress' && !leaseOver) {
      return { kind: 'in_progress', lockedUntil: new Date(row.locked_until) };
    }
    // Resumable, or in progress under an expired lease: take it over, unless another request just did.
    const taken = await db
      .updateTable('idempotency_keys')
      .set({ state: 'in_progress', locked_until: lockedUntil })
      .where('key', '=', key)
      .where('state', '=', row.state)
      .where('locked_until', '=', row.locked_until)
      .executeTakeFirst();
    return taken.numUpdatedRows === 1n
      ? { kind: 'claimed', orderId: row.order_id }
      : { kind: 'in_progress', lockedUntil: new Date(lockedUntil) };
  };

  return {
    claim,
    async attachOrder(key, orderId) {
      await db.updateTable('idempotency_keys').set({ order_id: orderId }).where('key', '=', key).execute();
    },
    async complete(key, status, body) {
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'completed', response_status: status, response_body: JSON.stringify(body) })
        .where('key', '=', key)
        .execute();
    },
    async makeResumable(key) {
      await db.updateTable('idempotency_keys').set({ state: 'resumable' }).where('key', '=', key).execute();
    },
    async release(key) {
      await db.deleteFrom('idempotency_keys').where('key', '=', key).execute();
    },
    async purgeExpired(now, limit) {
      const oldest = db
        .selectFrom('idempotency_keys')
        .select('key')
        .where('created_at', '<', expiredBefore(now))
        .where('locked_until', '<=', now.toISOString())
        .orderBy('created_at')
        .limit(limit);
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('key', 'in', oldest)
        // Re-checked on the row itself: a request may have re-claimed the key since the subquery read it.
        .where('created_at', '<', expiredBefore(now))
        .where('locked_until', '<=', now.toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
};
