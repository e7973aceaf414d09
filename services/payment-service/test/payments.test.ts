/**
 * payment-service in process: `app.request()` against `createApp` with a real SQLite database. Exactly-once charges
 * per key, the order lookup order-service's reconciler reads, `charged: false` on every answer that guarantees
 * nothing was charged, and every problem type it answers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createLogger, openDatabase, type ServiceDatabase } from '@mesh-stack/service-kit';
import { createApp } from '../src/app.ts';
import { createFaults, type Faults } from '../src/faults.ts';
import { migrations } from '../src/migrations.ts';
import { createPaymentRepository, type PaymentTables } from '../src/repository.ts';
import type { Payment, PaymentList } from '../src/schemas.ts';

const PROBLEM_BASE = 'https://mesh-stack.dev/problems/';

interface Problem {
  type: string;
  status: number;
  charged?: boolean;
}

describe('payment-service', () => {
  let dataDir: string;
  let database: ServiceDatabase<PaymentTables>;
  let faults: Faults;
  let dice: number;
  let app: ReturnType<typeof createApp>;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payment-service-unit-'));
    database = await openDatabase<PaymentTables>({ name: 'payment-service', dataDir, migrations });
    faults = createFaults();
    dice = 0.5;
    app = createApp({
      payments: createPaymentRepository(database.db),
      faults,
      logger: createLogger({ service: 'payment-service', level: 'silent' }),
      random: () => dice,
    });
  });
  afterEach(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const charge = async (key: string | undefined, body: unknown) => {
    const response = await app.request('/payments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { response, body: (await response.clone().json()) as Payment & Omit<Problem, 'status'> };
  };

  const paymentsOf = async (orderId: string) => {
    const response = await app.request(`/payments?orderId=${orderId}`);
    assert.equal(response.status, 200);
    return ((await response.json()) as PaymentList).items;
  };

  const assertProblem = async (response: Response, status: number, slug: string, charged: false | undefined) => {
    const body = (await response.clone().json()) as Problem;
    assert.equal(response.status, status, JSON.stringify(body));
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.equal(body.type, `${PROBLEM_BASE}${slug}`);
    assert.equal(body.charged, charged);
  };

  it('charges once per Idempotency-Key, however often and however concurrently it is repeated', async () => {
    const orderId = crypto.randomUUID();
    const body = { orderId, amountMinor: 4200, currency: 'EUR' };
    const responses = await Promise.all(Array.from({ length: 8 }, () => charge(orderId, body)));
    assert.deepEqual(responses.map(({ response }) => response.status).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
    assert.equal(new Set(responses.map(({ body: payment }) => payment.id)).size, 1);
    const repeat = await charge(orderId, body);
    assert.equal(repeat.response.status, 200);
    assert.equal(repeat.response.headers.get('idempotent-replayed'), 'true');
    assert.equal((await paymentsOf(orderId)).length, 1);
  });

  it('lists an order’s payments: its one payment, or none', async () => {
    const orderId = crypto.randomUUID();
    assert.deepEqual(await paymentsOf(orderId), []);
    const created = await charge(orderId, { orderId, amountMinor: 990, currency: 'CHF' });
    assert.equal(created.response.status, 201);
    assert.deepEqual(await paymentsOf(orderId), [created.body]);
    // UUIDs are case-insensitive.
    assert.deepEqual(await paymentsOf(orderId.toUpperCase()), [created.body]);
    assert.deepEqual(await paymentsOf(crypto.randomUUID()), []);
  });

  it('declines as a successful request: 201, status declined', async () => {
    faults.update({ errorRate: 0, addedLatencyMs: 0, declineRate: 1 });
    const orderId = crypto.randomUUID();
    const { response, body } = await charge(orderId, { orderId, amountMinor: 100, currency: 'EUR' });
    assert.equal(response.status, 201);
    assert.equal(body.status, 'declined');
    assert.equal(body.declineReason, 'card_declined');
  });

  it('answers an injected error with 503, Retry-After and charged: false, and stores nothing', async () => {
    faults.update({ errorRate: 1, addedLatencyMs: 0, declineRate: 0 });
    const orderId = crypto.randomUUID();
    const { response } = await charge(orderId, { orderId, amountMinor: 100, currency: 'EUR' });
    await assertProblem(response, 503, 'fault-injected', false);
    assert.equal(response.headers.get('retry-after'), '1');
    assert.deepEqual(await paymentsOf(orderId), []);
  });

  it('charges nothing once the caller’s deadline has passed: 504 deadline-exceeded, charged: false', async () => {
    faults.update({ errorRate: 0, addedLatencyMs: 30_000, declineRate: 0 });
    const orderId = crypto.randomUUID();
    // The caller gives this attempt 200 ms (grpc-timeout); the injected latency would take 30 s.
    const response = await app.request('/payments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': orderId, 'grpc-timeout': '200m' },
      body: JSON.stringify({ orderId, amountMinor: 100, currency: 'EUR' }),
    });
    await assertProblem(response, 504, 'deadline-exceeded', false);
    assert.deepEqual(await paymentsOf(orderId), []);
  });

  it('replays an existing payment even while errors are injected (the key already has its answer)', async () => {
    const orderId = crypto.randomUUID();
    const body = { orderId, amountMinor: 100, currency: 'EUR' };
    const first = await charge(orderId, body);
    faults.update({ errorRate: 1, addedLatencyMs: 0, declineRate: 0 });
    const repeat = await charge(orderId, body);
    assert.equal(repeat.response.status, 200);
    assert.equal(repeat.body.id, first.body.id);
  });

  it('marks refused input charged: false; a reused key’s 422 is not marked (its key has a payment)', async () => {
    const orderId = crypto.randomUUID();
    const body = { orderId, amountMinor: 100, currency: 'EUR' };
    await assertProblem((await charge(undefined, body)).response, 400, 'validation-failed', false);
    await assertProblem((await charge(orderId, { ...body, amountMinor: 0 })).response, 400, 'validation-failed', false);
    await assertProblem((await charge(orderId, '{')).response, 400, 'malformed-json', false);
    const notJson = await app.request('/payments', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'idempotency-key': orderId },
      body: 'hello',
    });
    await assertProblem(notJson, 415, 'unsupported-media-type', false);
    assert.deepEqual(await paymentsOf(orderId), []);

    await charge(orderId, body);
    const reused = await charge(orderId, { ...body, amountMinor: 101 });
    await assertProblem(reused.response, 422, 'idempotency-key-reused', undefined);
  });

  it('answers the other problems: bad lookup queries, unknown payment, unknown path, wrong method', async () => {
    await assertProblem(await app.request('/payments'), 400, 'validation-failed', undefined);
    await assertProblem(await app.request('/payments?orderId=nope'), 400, 'validation-failed', undefined);
    await assertProblem(
      await app.request(`/payments?orderId=${crypto.randomUUID()}&extra=1`),
      400,
      'validation-failed',
      undefined,
    );
    await assertProblem(await app.request(`/payments/${crypto.randomUUID()}`), 404, 'not-found', undefined);
    await assertProblem(await app.request('/nothing-here'), 404, 'not-found', undefined);
    await assertProblem(await app.request('/payments', { method: 'DELETE' }), 405, 'method-not-allowed', undefined);
  });

  it('documents the lookup and the charged: false answers in its OpenAPI document', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    assert.ok(document.paths['/payments']?.get?.responses['200']);
    assert.ok(document.components.schemas.PaymentList);
    // A problem document (allOf the shared Problem) with `charged`, which can only be false.
    const refused = JSON.stringify(document.components.schemas.ChargeRefusedProblem);
    assert.match(refused, /#\/components\/schemas\/Problem/);
    assert.match(refused, /"charged":\{"type":"boolean","enum":\[false\]/);
    const refusal = JSON.stringify(document.paths['/payments']?.post?.responses['503']);
    assert.match(refusal, /ChargeRefusedProblem/);
  });
});
