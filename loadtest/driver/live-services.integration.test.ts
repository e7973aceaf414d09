/**
 * The driver against the real services (child processes on OS-picked ports, SQLite): the scenario's requests,
 * checks and captured ids hold against the actual API, and the driver counts what the services really answer,
 * including a payment outage switched on through payment-service's fault injection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAULTS_PATH } from '@mesh-stack/stack';
import { FAULT_INJECTION_HEADERS, startStack, type TestStack } from '../../test/support/services.ts';
import { STEP, STEP_NAMES } from '../scenario.ts';
import { runLoad } from './index.ts';

describe('runLoad against the real services', () => {
  let stack: TestStack;
  before(async () => {
    const quiet = { OTEL_TRACES_EXPORTER: 'none' };
    stack = await startStack({
      backend: 'sqlite',
      env: { 'user-service': quiet, 'payment-service': quiet, 'order-service': quiet },
    });
  });
  after(() => stack?.stop());

  const run = () =>
    runLoad({
      userServiceUrl: stack.user.url,
      orderServiceUrl: stack.order.url,
      ratePerSecond: 10,
      durationSeconds: 1.5,
      thinkTimeScale: 0,
    });

  const setFaults = async (faults: Record<string, number>): Promise<void> => {
    const response = await fetch(`${stack.payment.adminUrl}${FAULTS_PATH}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...FAULT_INJECTION_HEADERS },
      body: JSON.stringify(faults),
    });
    assert.ok(response.ok, `PUT ${FAULTS_PATH}: ${response.status} ${await response.text()}`);
  };

  it('completes every iteration of the journey without an error', async () => {
    const summary = await run();
    assert.equal(summary.iterations.scheduled, 15);
    assert.equal(summary.iterations.completed, 15, JSON.stringify(summary.errorsByStatus));
    assert.deepEqual(summary.errorsByStatus, {});
    for (const step of STEP_NAMES) assert.equal(summary.steps[step].requests, 15, step);
    assert.deepEqual(summary.steps[STEP.createOrder].statuses, { 201: 15 });
  });

  it('counts declined payments as successful requests and a payment outage as 503s', async (t) => {
    t.after(() => setFaults({ errorRate: 0, addedLatencyMs: 0, declineRate: 0 }));

    await setFaults({ errorRate: 0, addedLatencyMs: 0, declineRate: 1 });
    const declined = await run();
    assert.equal(declined.iterations.completed, 15, JSON.stringify(declined.errorsByStatus));

    await setFaults({ errorRate: 1, addedLatencyMs: 0, declineRate: 0 });
    const outage = await run();
    assert.equal(outage.iterations.completed, 0);
    assert.deepEqual(outage.errorsByStatus, { 503: 15 });
    assert.equal(outage.steps[STEP.readOrder].requests, 0);
  });
});
