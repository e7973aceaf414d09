/** @module Payments in the database. The only module that knows table and column names. */
import { type Currency, isUniqueViolation } from '@mesh-stack/service-kit';
import type { Kysely } from 'kysely';
import type { Payment, PaymentStatus } from './schemas.ts';

export interface PaymentsTable {
  id: string;
  order_id: string;
  amount_minor: number;
  currency: string;
  status: string;
  decline_reason: string | null;
  idempotency_key: string;
  request_fingerprint: string;
  created_at: string;
}

export interface PaymentTables {
  payments: PaymentsTable;
}

/** A stored payment with the idempotency record it was created under. */
export interface IdempotentPayment {
  readonly payment: Payment;
  readonly requestFingerprint: string;
}

export interface PaymentRepository {
  /**
   * Stores the payment under `idempotencyKey`, unless that key already has one: then the existing payment is
   * returned and nothing is written (`created: false`).
   */
  createOnce(
    payment: Payment,
    idempotencyKey: string,
    requestFingerprint: string,
  ): Promise<IdempotentPayment & { created: boolean }>;
  findByIdempotencyKey(idempotencyKey: string): Promise<IdempotentPayment | undefined>;
  findById(id: string): Promise<Payment | undefined>;
  /** Every payment of an order, oldest first. */
  findByOrderId(orderId: string): Promise<Payment[]>;
}

const toPayment = (row: PaymentsTable): Payment => ({
  id: row.id,
  orderId: row.order_id,
  amountMinor: row.amount_minor,
  currency: row.currency as Currency,
  status: row.status as PaymentStatus,
  declineReason: row.decline_reason as Payment['declineReason'],
  createdAt: row.created_at,
});

export const createPaymentRepository = (db: Kysely<PaymentTables>): PaymentRepository => {
  const findByIdempotencyKey = async (idempotencyKey: string): Promise<IdempotentPayment | undefined> => {
    const row = await db
      .selectFrom('payments')
      .selectAll()
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    return row && { payment: toPayment(row), requestFingerprint: row.request_fingerprint };
  };

  return {
    async createOnce(payment, idempotencyKey, requestFingerprint) {
      try {
        await db
          .insertInto('payments')
          .values({
            id: payment.id,
            order_id: payment.orderId,
            amount_minor: payment.amountMinor,
            currency: payment.currency,
            status: payment.status,
            decline_reason: payment.declineReason,
            idempotency_key: idempotencyKey,
            request_fingerprint: requestFingerprint,
            created_at: payment.createdAt,
          })
          .execute();
        return { payment, requestFingerprint, created: true };
      } catch (error) {
        // A concurrent request with the same key won the insert: answer with its payment.
        if (!isUniqueViolation(error)) throw error;
        const existing = await findByIdempotencyKey(idempotencyKey);
        if (!existing) throw error;
        return { ...existing, created: false };
      }
    },

    findByIdempotencyKey,

    async findById(id) {
      const row = await db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toPayment(row);
    },

    async findByOrderId(orderId) {
      const rows = await db
        .selectFrom('payments')
        .selectAll()
        .where('order_id', '=', orderId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toPayment);
    },
  };
};
