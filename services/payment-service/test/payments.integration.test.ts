/** payment-service as a real process on SQLite and PostgreSQL: exactly-once charges per key, and fault injection. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, DATABASE_BACKENDS, type TestDatabase } from '../../../test/support/databases.ts';
import { requestJson } from '../../../test/support/http.ts';
import { FAULT_INJECTION_HEADERS, type ServiceProcess, startService } from '../../../test/support/services.ts';

interface Payment {
  id: string;
  orderId: string;
  amountMinor: number;
  status: string;
}

for (const backend of DATABASE_BACKENDS) {
  describe(`payments (${backend})`, () => {
    let database: TestDatabase;
    let service: ServiceProcess;

    const charge = (key: string | undefined, body: Record<string, unknown>) =>
      requestJson<Payment & { type?: string }>(`${service.url}/payments`, {
        method: 'POST',
        body,
        headers: key === undefined ? {} : { 'idempotency-key': key },
      });

    const setFaults = (faults: unknown) =>
      requestJson<Record<string, number>>(`${service.adminUrl}/admin/faults`, {
        method: 'PUT',
        body: faults,
        headers: { ...FAULT_INJECTION_HEADERS },
      });

    before(async () => {
      database = await createTestDatabase(backend, 'payment-service');
      service = await startService('payment-service', { env: database.env });
    });
    after(async () => {
      await service?.stop();
      await database?.drop();
    });

    it('charges once for one Idempotency-Key, however often and however concurrently it is repeated', async () => {
      const orderId = crypto.randomUUID();
      const body = { orderId, amountMinor: 4200, currency: 'EUR' };
      const first = await charge(orderId, body);
      assert.equal(first.status, 201, first.text);
      assert.equal(first.body.status, 'succeeded');

      const repeats = await Promise.all(Array.from({ length: 10 }, () => charge(orderId, body)));
      for (const repeat of repeats) {
        assert.equal(repeat.status, 200, repeat.text);
        assert.equal(repeat.headers.get('idempotent-replayed'), 'true');
        assert.deepEqual(repeat.body, first.body);
      }
    });

    it('lets exactly one of many concurrent first requests charge', async () => {
      const orderId = crypto.randomUUID();
      const body = { orderId, amountMinor: 990, currency: 'CHF' };
      const responses = await Promise.all(Array.from({ length: 8 }, () => charge(orderId, body)));
      const created = responses.filter((response) => response.status === 201);
      assert.equal(created.length, 1, responses.map((response) => response.status).join(','));
      assert.equal(new Set(responses.map((response) => response.body.id)).size, 1);
    });

    it('answers 422 when the key is reused with another body, and 400 without a key', async () => {
      const orderId = crypto.randomUUID();
      assert.equal((await charge(orderId, { orderId, amountMinor: 100, currency: 'EUR' })).status, 201);
      const reused = await charge(orderId, { orderId, amountMinor: 101, currency: 'EUR' });
      assert.equal(reused.status, 422);
      assert.equal(reused.body.type, 'https://mesh-stack.dev/problems/idempotency-key-reused');
      const missing = await charge(undefined, { orderId, amountMinor: 100, currency: 'EUR' });
      assert.equal(missing.status, 400);
      assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    });

    it('has fault injection off by default and validates changes', async () => {
      const current = await requestJson(`${service.adminUrl}/admin/faults`);
      assert.deepEqual(current.body, { errorRate: 0, addedLatencyMs: 0, declineRate: 0 });
      for (const invalid of [{ errorRate: 2 }, { declineRate: -0.1 }, { addedLatencyMs: 30_001 }, { chaos: 1 }, []]) {
        const response = await setFaults(invalid);
        assert.equal(response.status, 400, JSON.stringify(invalid));
        assert.equal(response.headers.get('content-type'), 'application/problem+json');
      }
      // The public port does not expose fault injection.
      const publicFaults = await requestJson(`${service.url}/admin/faults`);
      assert.equal(publicFaults.status, 404);
    });

    it('fails every payment with 503 and Retry-After at errorRate 1, without charging', async () => {
      const orderId = crypto.randomUUID();
      const body = { orderId, amountMinor: 700, currency: 'GBP' };
      assert.equal((await setFaults({ errorRate: 1 })).status, 200);
      try {
        const failed = await charge(orderId, body);
        assert.equal(failed.status, 503, failed.text);
        assert.equal(failed.headers.get('retry-after'), '1');
      } finally {
        await setFaults({});
      }
      // Nothing was stored for the key: the retry is a first charge.
      const retried = await charge(orderId, body);
      assert.equal(retried.status, 201, retried.text);
    });

    it('declines every payment at declineRate 1, as a successful request', async () => {
      assert.equal((await setFaults({ declineRate: 1 })).status, 200);
      try {
        const orderId = crypto.randomUUID();
        const declined = await charge(orderId, { orderId, amountMinor: 5, currency: 'JPY' });
        assert.equal(declined.status, 201);
        assert.equal(declined.body.status, 'declined');
      } finally {
        await setFaults({});
      }
    });

    it('reports ready with a database check on both ports', async () => {
      for (const base of [service.url, service.adminUrl]) {
        const ready = await requestJson<{ status: string; checks: Record<string, { status: string }> }>(
          `${base}/health`,
        );
        assert.equal(ready.status, 200);
        assert.equal(ready.body.checks.database?.status, 'ok');
        assert.equal((await requestJson(`${base}/health/live`)).status, 200);
      }
    });
  });
}
