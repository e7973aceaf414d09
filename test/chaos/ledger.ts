/**
 * @module What the stack's databases say, read directly (not through the APIs under test): every order of
 * order-service and every payment of payment-service, on SQLite (the files, read-only) or PostgreSQL, and the
 * consistency rules between them.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { TestStack } from '../support/services.ts';

export interface OrderRow {
  readonly id: string;
  readonly status: string;
  readonly payment_id: string | null;
}

export interface PaymentRow {
  readonly id: string;
  readonly order_id: string;
  readonly status: string;
}

export interface Ledger {
  readonly orders: readonly OrderRow[];
  readonly payments: readonly PaymentRow[];
}

const ORDERS_SQL = 'SELECT id, status, payment_id FROM orders';
const PAYMENTS_SQL = 'SELECT id, order_id, status FROM payments';

const readRows = async <Row>(env: Readonly<Record<string, string>>, file: string, sql: string): Promise<Row[]> => {
  if (env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Row[];
    } finally {
      await client.end();
    }
  }
  // Read-only and short-lived: the service keeps writing (WAL mode lets a reader in without blocking it).
  const database = new DatabaseSync(join(env.DATA_DIR ?? '', file), { readOnly: true, timeout: 5000 });
  try {
    return database.prepare(sql).all() as Row[];
  } finally {
    database.close();
  }
};

/**
 * Both databases, one after the other: not a snapshot. A payment and its order completed together between the two
 * reads (the reconciler charging again with the order's key, then completing it) show an order paid without its
 * payment; compare two reads with {@link sameLedger} before checking one.
 */
export const readLedger = async (stack: TestStack): Promise<Ledger> => {
  // Payments first, so a payment read belongs to an order already stored (orders are stored before their charge).
  const payments = await readRows<PaymentRow>(
    stack.databaseEnv('payment-service'),
    'payment-service.sqlite',
    PAYMENTS_SQL,
  );
  const orders = await readRows<OrderRow>(stack.databaseEnv('order-service'), 'order-service.sqlite', ORDERS_SQL);
  return { orders, payments };
};

/**
 * Whether two ledgers hold the same rows. Two reads that agree (payments, orders, payments, orders) saw no write
 * to either database between the first read of orders and the second of payments, so the second ledger is a state
 * both databases were in at once: one whose inconsistencies are real, not an artefact of reading two databases.
 */
export const sameLedger = (a: Ledger, b: Ledger): boolean => {
  const rows = (ledger: Ledger): string =>
    JSON.stringify([
      ledger.orders.map((order) => `${order.id} ${order.status} ${order.payment_id}`).sort(),
      ledger.payments.map((payment) => `${payment.id} ${payment.order_id} ${payment.status}`).sort(),
    ]);
  return rows(a) === rows(b);
};

export const countBy = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

/** Orders still `pending` although payment-service already charged them: what reconciliation must resolve. */
export const chargedButPending = ({ orders, payments }: Ledger): number => {
  const charged = new Set(payments.filter((payment) => payment.status === 'succeeded').map((p) => p.order_id));
  return orders.filter((order) => order.status === 'pending' && charged.has(order.id)).length;
};

/**
 * Every way the two databases can disagree, as readable lines (empty when consistent): an order not final, more than
 * one payment for an order, a payment without its order, an order whose status or payment id does not match its
 * payment, and succeeded payments ≠ paid orders.
 */
export const inconsistencies = ({ orders, payments }: Ledger): string[] => {
  const problems: string[] = [];
  const ordersById = new Map(orders.map((order) => [order.id, order]));
  const paymentsByOrder = new Map<string, PaymentRow[]>();
  for (const payment of payments) {
    paymentsByOrder.set(payment.order_id, [...(paymentsByOrder.get(payment.order_id) ?? []), payment]);
  }
  for (const order of orders) {
    const charges = paymentsByOrder.get(order.id) ?? [];
    if (order.status !== 'paid' && order.status !== 'payment_failed') {
      problems.push(
        `order ${order.id} is ${order.status} (charges: ${charges.map((c) => c.status).join(',') || 'none'})`,
      );
    }
    if (charges.length > 1) problems.push(`order ${order.id} has ${charges.length} payments`);
    const [charge] = charges;
    if (order.status === 'paid' && (charge?.status !== 'succeeded' || charge.id !== order.payment_id)) {
      problems.push(`order ${order.id} is paid but its payment is ${charge?.status ?? 'missing'}`);
    }
    if (order.status === 'payment_failed' && (charge?.status !== 'declined' || charge.id !== order.payment_id)) {
      problems.push(`order ${order.id} is payment_failed but its payment is ${charge?.status ?? 'missing'}`);
    }
  }
  for (const payment of payments) {
    if (!ordersById.has(payment.order_id)) {
      problems.push(`payment ${payment.id} (${payment.status}) has no order ${payment.order_id}`);
    }
  }
  const succeeded = payments.filter((payment) => payment.status === 'succeeded').length;
  const paid = orders.filter((order) => order.status === 'paid').length;
  if (succeeded !== paid) problems.push(`${succeeded} payments succeeded but ${paid} orders are paid`);
  return problems;
};
