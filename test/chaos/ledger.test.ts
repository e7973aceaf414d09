import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inconsistencies, type Ledger, sameLedger } from './ledger.ts';

const paidOrder = { id: 'o1', status: 'paid', payment_id: 'p1' };
const payment = { id: 'p1', order_id: 'o1', status: 'succeeded' };

describe('the ledger of orders and payments', () => {
  it('is consistent when every paid order has its succeeded payment', () => {
    assert.deepEqual(inconsistencies({ orders: [paidOrder], payments: [payment] }), []);
  });

  it('flags what two reads at different moments can show: an order paid after the payments were read', () => {
    const payments: Ledger['payments'] = [];
    assert.deepEqual(inconsistencies({ orders: [paidOrder], payments }), [
      'order o1 is paid but its payment is missing',
      '0 payments succeeded but 1 orders are paid',
    ]);
  });

  it('calls two reads the same whatever the row order, and different when any row changed', () => {
    const pending = { id: 'o2', status: 'pending', payment_id: null };
    const first: Ledger = { orders: [paidOrder, pending], payments: [payment] };
    assert.ok(sameLedger(first, { orders: [pending, paidOrder], payments: [payment] }));
    assert.ok(!sameLedger(first, { orders: [paidOrder, { ...pending, status: 'paid' }], payments: [payment] }));
    assert.ok(
      !sameLedger(first, {
        orders: first.orders,
        payments: [payment, { id: 'p2', order_id: 'o2', status: 'succeeded' }],
      }),
    );
  });
});
