/**
 * The three services with `MESH_STACK_EXPORT_IN_WORKER=true` (real processes, SQLite, a real OTLP/HTTP receiver):
 * the worker thread exports every span of an order's trace, and what is still buffered when SIGTERM arrives is
 * flushed through the worker before the process exits 0.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXPORT_THREAD_NAME } from '../../services/service-kit/src/telemetry/worker-export.ts';
import { requestJson, uniqueEmail } from '../support/http.ts';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { startStack, type TestStack } from '../support/services.ts';

/** Far longer than the test: nothing is exported on the timer, so only the SIGTERM flush can deliver the spans. */
const SCHEDULE_DELAY_MS = 600_000;

/** The names of a process's threads (Linux), where Node writes each worker's name. */
const threadNames = (pid: number | undefined): string[] =>
  readdirSync(`/proc/${pid}/task`).map((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());

describe('services exporting from a worker thread', () => {
  let receiver: OtlpReceiver;
  let stack: TestStack;

  before(async () => {
    receiver = await startOtlpReceiver();
    const otel = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: String(SCHEDULE_DELAY_MS),
      MESH_STACK_EXPORT_IN_WORKER: 'true',
    };
    stack = await startStack({
      backend: 'sqlite',
      env: { 'user-service': otel, 'payment-service': otel, 'order-service': otel },
    });
  });
  after(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('flushes the whole trace of an order through the worker on SIGTERM, then exits 0', async () => {
    const user = await requestJson<{ id: string }>(`${stack.user.url}/users`, {
      method: 'POST',
      body: { email: uniqueEmail('worker-export'), name: 'Worker Export' },
    });
    assert.equal(user.status, 201, user.text);
    const order = await requestJson<{ id: string; status: string }>(`${stack.order.url}/orders`, {
      method: 'POST',
      body: { userId: user.body.id, currency: 'EUR', items: [{ sku: 'BOOK-42', quantity: 1, unitAmountMinor: 1299 }] },
    });
    assert.equal(order.status, 201, order.text);
    for (const service of [stack.user, stack.payment, stack.order]) {
      assert.ok(threadNames(service.pid).includes(EXPORT_THREAD_NAME), `${service.name} runs no export worker`);
    }
    await sleep(500);
    assert.equal(receiver.spans.length, 0, 'spans were exported before the signal: the test would prove nothing');

    // Callees first, as a rolling deployment might: each process flushes its own spans on its way out.
    for (const service of [stack.payment, stack.user, stack.order]) {
      assert.equal(await stack.kill(service.name), 0, service.logs());
    }

    const spans = await receiver.waitFor((received) => received.some((s) => s.name === 'POST /orders'), 10_000);
    const root = spans.find((s) => s.serviceName === 'order-service' && s.name === 'POST /orders');
    assert.ok(root, spans.map((s) => `${s.serviceName} ${s.name}`).join(', '));
    const inTrace = spans.filter((s) => s.traceId === root.traceId);
    const server = (service: string, name: string) =>
      inTrace.find((s) => s.serviceName === service && s.kind === SPAN_KIND.server && s.name === name);
    const client = (name: string) =>
      inTrace.find((s) => s.serviceName === 'order-service' && s.kind === SPAN_KIND.client && s.name === name);
    const userCall = client('GET /users/:id');
    const paymentCall = client('POST /payments');
    assert.ok(userCall && paymentCall, inTrace.map((s) => s.name).join(', '));
    assert.equal(server('user-service', 'GET /users/:id')?.parentSpanId, userCall.spanId);
    assert.equal(server('payment-service', 'POST /payments')?.parentSpanId, paymentCall.spanId);
    assert.ok(spans.some((s) => s.serviceName === 'user-service' && s.name === 'POST /users'));
  });
});
