/**
 * The bad-input table (bad-input-table.ts) against the three services as real processes, on SQLite and PostgreSQL:
 * each request must be answered with its 4xx problem+json, never a 5xx, and every process must stay up. What only
 * real HTTP shows is here too: two `Idempotency-Key` header lines on the wire.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DATABASE_BACKENDS } from '../../../test/support/databases.ts';
import { requestJson, uniqueEmail } from '../../../test/support/http.ts';
import { startStack, type TestStack } from '../../../test/support/services.ts';
import { assertProblemAnswer, BAD_INPUTS, payment, type Target } from './bad-input-table.ts';

for (const backend of DATABASE_BACKENDS) {
  describe(`bad input is a 4xx problem, never a 5xx (${backend})`, () => {
    let stack: TestStack;
    let userId: string;

    const baseUrl = (target: Target): string =>
      ({
        user: stack.user.url,
        order: stack.order.url,
        payment: stack.payment.url,
        paymentAdmin: stack.payment.adminUrl,
      })[target];

    before(async () => {
      stack = await startStack({ backend });
      const created = await requestJson<{ id: string }>(`${stack.user.url}/users`, {
        method: 'POST',
        body: { email: uniqueEmail('bad-input'), name: 'Valid User' },
      });
      assert.equal(created.status, 201, created.text);
      userId = created.body.id;
    });
    after(async () => {
      await stack?.stop();
    });

    for (const input of BAD_INPUTS) {
      it(input.name, async () => {
        const body = typeof input.body === 'string' ? input.body.replaceAll('{userId}', userId) : input.body;
        const response = await fetch(`${baseUrl(input.target)}${input.path}`, {
          method: input.method,
          headers: input.headers ?? {},
          body: body ?? null,
          signal: AbortSignal.timeout(15_000),
        });
        await assertProblemAnswer(response, input);
      });
    }

    it('refuses two Idempotency-Key header lines (400), sent as two lines on the wire', async () => {
      const { status, contentType } = await new Promise<{ status: number; contentType: string | undefined }>(
        (resolve, reject) => {
          const body = payment({});
          // A flat [name, value, ...] list is sent as it is: two separate `Idempotency-Key` lines.
          const outgoing = httpRequest(`${stack.payment.url}/payments`, {
            method: 'POST',
            // A raw list gets no automatic Host header: name it as any client would.
            headers: [
              'host',
              new URL(stack.payment.url).host,
              'content-type',
              'application/json',
              'idempotency-key',
              'first-key',
              'idempotency-key',
              'second-key',
              'content-length',
              String(Buffer.byteLength(body)),
            ],
            timeout: 15_000,
          });
          outgoing.once('response', (response) => {
            response.resume();
            response.once('end', () =>
              resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] }),
            );
          });
          outgoing.once('timeout', () => outgoing.destroy(new Error('no answer within 15 s')));
          outgoing.once('error', reject);
          outgoing.end(body);
        },
      );
      assert.equal(status, 400);
      assert.equal(contentType, 'application/problem+json');
    });

    it('left every process up and healthy, and stored none of it', async () => {
      for (const service of [stack.user, stack.order, stack.payment]) {
        assert.equal(service.exitStatus, undefined, `${service.name} exited:\n${service.logs()}`);
        const live = await requestJson(`${service.url}/health/live`);
        assert.equal(live.status, 200);
        assert.doesNotMatch(service.logs(), /"level":"(error|fatal)"/, `${service.name} logged an error`);
      }
      const orders = await requestJson<{ items: unknown[] }>(`${stack.order.url}/orders?userId=${userId}`);
      assert.deepEqual(orders.body.items, []);
    });
  });
}
