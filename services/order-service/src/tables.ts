/**
 * @module order-service's database tables as Kysely sees them. The repository, the idempotency store and the
 * reconciler import these types from here, so none of them depends on another for its schema.
 */

export interface OrdersTable {
  id: string;
  user_id: string;
  currency: string;
  total_amount_minor: number;
  status: string;
  payment_id: string | null;
  created_at: string;
  updated_at: string;
  /** Set while one reconciler (any replica) owns the pending order; null when nobody does. Migration 0002. */
  reconcile_locked_until: string | null;
}

export interface OrderItemsTable {
  order_id: string;
  position: number;
  sku: string;
  quantity: number;
  unit_amount_minor: number;
}

export interface IdempotencyKeysTable {
  key: string;
  request_fingerprint: string;
  state: string;
  order_id: string | null;
  response_status: number | null;
  response_body: string | null;
  locked_until: string;
  created_at: string;
}

export interface OrderTables {
  orders: OrdersTable;
  order_items: OrderItemsTable;
  idempotency_keys: IdempotencyKeysTable;
}
