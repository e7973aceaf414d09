/**
 * SIGTERM while order-service is busy (real processes, SQLite and PostgreSQL): readiness turns to "draining" at once,
 * every request already in flight completes successfully with `Connection: close` (its connection takes no other
 * request), the drain ends with the last of them rather than at the grace period, and the process exits 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATABASE_BACKENDS } from '../../../test/support/databases.ts';
import { requestJson, uniqueEmail } from '../../../test/support/http.ts';
import { FAULT_INJECTION_HEADERS, startStack, type TestStack } from '../../../test/support/services.ts';

const IN_FLIGHT_REQUESTS = 16;
/** Slow payments keep the orders in flight while the signal arrives. */
const PAYMENT_LATENCY_MS = 4000;
/** Upper bound for all requests to reach the payment step (a busy CI machine can be slow to accept them). */
const IN_FLIGHT_TIMEOUT_MS = 15_000;
/** Far above the slow payments: a drain that waited for anything but them would show. */
const SHUTDOWN_GRACE_MS = 60_000;

for (const backend of DATABASE_BACKENDS) {
  describe(`graceful shutdown (${backend})`, () => {
    let stack: TestStack;

    before(async () => {
      stack = await startStack({
        backend,
        env: {
          'order-service': {
            PAYMENT_SERVICE_TIMEOUT_MS: '10000',
            DEPENDENCY_DEADLINE_MS: '15000',
            SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
          },
        },
      });
    });
    after(async () => {
      await stack?.stop();
    });

    it('finishes every in-flight request after SIGTERM, reports draining, then exits 0', async () => {
      const user = await requestJson<{ id: string }>(`${stack.user.url}/users`, {
        method: 'POST',
        body: { email: uniqueEmail('drain'), name: 'Drain Test' },
      });
      assert.equal(user.status, 201, user.text);
      const faults = await requestJson(`${stack.payment.adminUrl}/admin/faults`, {
        method: 'PUT',
        body: { addedLatencyMs: PAYMENT_LATENCY_MS },
        headers: { ...FAULT_INJECTION_HEADERS },
      });
      assert.equal(faults.status, 200);

      const orders = stack.order;
      const inFlight = Array.from({ length: IN_FLIGHT_REQUESTS }, () =>
        requestJson<{ status: string }>(`${orders.url}/orders`, {
          method: 'POST',
          body: { userId: user.body.id, currency: 'SEK', items: [{ sku: 'DRAIN', quantity: 1, unitAmountMinor: 100 }] },
        }).catch((error: unknown) => error as Error),
      );
      // An order is stored `pending` right before the payment call: once all of them exist, every request is
      // inside order-service, waiting on the slow payment, when the signal arrives.
      const waitingSince = performance.now();
      for (;;) {
        const pending = await requestJson<{ items: unknown[] }>(
          `${orders.url}/orders?userId=${user.body.id}&limit=100`,
        );
        if (pending.body.items.length === IN_FLIGHT_REQUESTS) break;
        assert.ok(
          performance.now() - waitingSince < IN_FLIGHT_TIMEOUT_MS,
          'the requests never all reached the payment step',
        );
        await sleep(50);
      }

      orders.signal('SIGTERM');
      // The admin port stays up while the public one drains, and says so.
      // Bounded by time, not attempts (a starved child may take a while to handle the signal), and well within the
      // slow payments that keep the admin port up.
      const drainingDeadline = performance.now() + PAYMENT_LATENCY_MS / 2;
      let readiness = await requestJson<{ status: string }>(`${orders.adminUrl}/health/ready`);
      while (readiness.body?.status !== 'draining' && performance.now() < drainingDeadline) {
        await sleep(25);
        readiness = await requestJson<{ status: string }>(`${orders.adminUrl}/health/ready`);
      }
      assert.equal(readiness.status, 503);
      assert.equal(readiness.body.status, 'draining');

      const results = await Promise.all(inFlight);
      for (const result of results) {
        assert.ok(!(result instanceof Error), `an in-flight request failed: ${String(result)}\n${orders.logs()}`);
        assert.equal(result.status, 201, result.text);
        assert.equal(result.body.status, 'paid');
        assert.equal(result.headers.get('connection'), 'close');
      }
      assert.equal(await orders.exited, 0, orders.logs());
      const stopped = /"drainMs":(\d+)[^\n]*"msg":"stopped"/.exec(orders.logs());
      assert.ok(stopped, orders.logs());
      // The drain lasts as long as the slow payments still running, far less than the grace period.
      assert.ok(Number(stopped[1]) < SHUTDOWN_GRACE_MS / 4, `the drain took ${stopped[1]} ms`);
    });
  });
}
