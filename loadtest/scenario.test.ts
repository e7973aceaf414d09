import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CURRENCIES,
  generateOrder,
  newIteration,
  ORDER_LIMITS,
  orderTotal,
  runChecks,
  SCENARIO_STEPS,
  STEP,
  STEP_NAMES,
  THINK_TIME_SECONDS,
  thinkTimeSeconds,
  userEmail,
} from './scenario.ts';

/** mulberry32: a seeded generator so a failure here can be replayed. */
const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

describe('the shared scenario', () => {
  it('walks create user → create order → read order, with those step names', () => {
    assert.deepEqual(
      SCENARIO_STEPS.map((step) => step.name),
      [STEP.createUser, STEP.createOrder, STEP.readOrder],
    );
    assert.deepEqual([...STEP_NAMES], [STEP.createUser, STEP.createOrder, STEP.readOrder]);
  });

  it('generates orders inside the API bounds, in its currencies, across many seeds', () => {
    const currencies = new Set<string>();
    for (let seed = 1; seed <= 2_000; seed += 1) {
      const order = generateOrder(newIteration('run', seed, seeded(seed)), 'user-1');
      currencies.add(order.currency);
      assert.ok(order.items.length >= 1 && order.items.length <= ORDER_LIMITS.maxItems);
      for (const item of order.items) {
        assert.ok(Number.isInteger(item.quantity) && item.quantity >= 1 && item.quantity <= ORDER_LIMITS.maxQuantity);
        assert.ok(
          Number.isInteger(item.unitAmountMinor) &&
            item.unitAmountMinor >= 1 &&
            item.unitAmountMinor <= ORDER_LIMITS.maxUnitAmountMinor,
        );
        assert.match(item.sku, /^[A-Z]+-\d+$/);
      }
      assert.ok(orderTotal(order) <= ORDER_LIMITS.maxTotalAmountMinor);
    }
    // Every currency gets traffic, so per-currency panels have data.
    assert.deepEqual([...currencies].sort(), [...CURRENCIES].sort());
  });

  it('gives every iteration of every run its own email and idempotency key', () => {
    const emails = new Set<string>();
    const keys = new Set<string>();
    for (const runId of ['a1', 'b2']) {
      for (let iteration = 0; iteration < 500; iteration += 1) {
        const state = newIteration(runId, iteration, seeded(iteration));
        emails.add(userEmail(state));
        state.userId = 'user-1';
        const request = SCENARIO_STEPS[1]?.request(state);
        keys.add(request?.headers['idempotency-key'] ?? '');
      }
    }
    assert.equal(emails.size, 1_000);
    assert.equal(keys.size, 1_000);
    for (const email of emails) assert.match(email, /^load-[\w-]+@example\.com$/);
  });

  it('carries ids from one step to the next and checks each response', () => {
    const state = newIteration('run', 7, seeded(7));
    const [createUser, createOrder, readOrder] = SCENARIO_STEPS;
    assert.ok(createUser && createOrder && readOrder);

    const userRequest = createUser.request(state);
    assert.deepEqual([userRequest.method, userRequest.target, userRequest.path], ['POST', 'user-service', '/users']);
    assert.equal(JSON.parse(userRequest.body ?? '{}').email, 'load-run-7@example.com');
    const created = { status: 201, body: { id: 'u-1', email: 'load-run-7@example.com' } };
    assert.ok(runChecks(createUser, created, state).every((outcome) => outcome.passed));
    createUser.capture?.(created, state);

    const orderRequest = createOrder.request(state);
    assert.equal(JSON.parse(orderRequest.body ?? '{}').userId, 'u-1');
    // A declined payment is a successful request; a pending order is not what POST /orders answers with 201.
    for (const [status, passes] of [
      ['paid', true],
      ['payment_failed', true],
      ['pending', false],
    ] as const) {
      const outcomes = runChecks(createOrder, { status: 201, body: { id: 'o-1', status } }, state);
      assert.equal(
        outcomes.every((outcome) => outcome.passed),
        passes,
        status,
      );
    }
    assert.equal(runChecks(createOrder, { status: 503, body: undefined }, state)[0]?.passed, false);
    createOrder.capture?.({ status: 201, body: { id: 'o-1', status: 'paid' } }, state);

    const readRequest = readOrder.request(state);
    assert.deepEqual([readRequest.path, readRequest.route], ['/orders/o-1', '/orders/:id']);
    assert.ok(runChecks(readOrder, { status: 200, body: { id: 'o-1' } }, state).every((outcome) => outcome.passed));
    assert.ok(!runChecks(readOrder, { status: 200, body: { id: 'o-2' } }, state).every((outcome) => outcome.passed));
  });

  it('refuses to build a step before the ids it needs were captured', () => {
    const state = newIteration('run', 1);
    assert.throws(() => SCENARIO_STEPS[1]?.request(state), /before the user id was captured/);
  });

  it('thinks between steps, never before the first, within the configured range', () => {
    const random = seeded(3);
    assert.equal(thinkTimeSeconds(random, 0), 0);
    for (let index = 0; index < 100; index += 1) {
      const seconds = thinkTimeSeconds(random, 1);
      assert.ok(seconds >= THINK_TIME_SECONDS.min && seconds <= THINK_TIME_SECONDS.max);
    }
    assert.equal(thinkTimeSeconds(random, 2, 0), 0);
  });
});
