/**
 * The scenario is plain data so k6 can load it; these checks hold it to the services' own request schemas (the zod
 * schemas that validate requests and generate the OpenAPI documents), so a change in the API breaks this test
 * rather than a user's load run.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { CURRENCIES as API_CURRENCIES, MAX_TOTAL_AMOUNT_MINOR } from '@mesh-stack/service-kit';
import {
  CreateOrderBody,
  MAX_ITEMS,
  MAX_QUANTITY,
  MAX_UNIT_AMOUNT_MINOR,
} from '../services/order-service/src/schemas.ts';
import { CreateUserBody } from '../services/user-service/src/schemas.ts';
import { CURRENCIES, newIteration, ORDER_LIMITS, SCENARIO_STEPS, STEP } from './scenario.ts';

describe('the scenario against the API schemas', () => {
  it('uses the API’s currencies and bounds', () => {
    assert.deepEqual([...CURRENCIES], [...API_CURRENCIES]);
    assert.deepEqual(ORDER_LIMITS, {
      maxItems: MAX_ITEMS,
      maxQuantity: MAX_QUANTITY,
      maxUnitAmountMinor: MAX_UNIT_AMOUNT_MINOR,
      maxTotalAmountMinor: MAX_TOTAL_AMOUNT_MINOR,
    });
  });

  it('sends bodies the services accept, for many generated iterations', () => {
    const [createUser, createOrder] = SCENARIO_STEPS;
    assert.ok(createUser?.name === STEP.createUser && createOrder?.name === STEP.createOrder);
    for (let iteration = 0; iteration < 500; iteration += 1) {
      const state = newIteration('schema', iteration);
      const userBody = CreateUserBody.safeParse(JSON.parse(createUser.request(state).body ?? ''));
      assert.ok(userBody.success, JSON.stringify(userBody.error?.issues));
      state.userId = randomUUID();
      const orderBody = CreateOrderBody.safeParse(JSON.parse(createOrder.request(state).body ?? ''));
      assert.ok(orderBody.success, JSON.stringify(orderBody.error?.issues));
    }
  });
});
