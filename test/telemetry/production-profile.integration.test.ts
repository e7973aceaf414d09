/**
 * The production profile on the three services as real processes: head sampling decided once at the public entry
 * (`parentbased_traceidratio`), every service following its caller's decision, exemplars pointing only at traces
 * that were exported, and the spans one order costs when it is sampled (BENCHMARKS.md: 13 before this profile,
 * 19 with an Idempotency-Key).
 *
 * order-service (the entry) samples nothing of its own (`OTEL_TRACES_SAMPLER_ARG=0`) while its callees would
 * sample everything they start themselves (`=1`): whatever they record about an order is then their caller's
 * decision, not their own.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ATTR, METRIC } from '@mesh-stack/service-kit/contract';
import { exemplarTraceIds } from '../support/exposition.ts';
import { requestJson, uniqueEmail } from '../support/http.ts';
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { startStack, type TestStack } from '../support/services.ts';

const EXPORT_INTERVAL_MS = 100;
/** Long enough for every service to have exported twice over what it recorded. */
const SETTLE_MS = 20 * EXPORT_INTERVAL_MS;
const ITEMS = [{ sku: 'BOOK-42', quantity: 2, unitAmountMinor: 1299 }];
const OPENMETRICS_ACCEPT = 'application/openmetrics-text; version=1.0.0';

const sampledTraceparent = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
const unsampledTraceparent = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-00`;
const newTraceId = () => randomBytes(16).toString('hex');
const label = (span: ReceivedSpan) => `${span.serviceName} ${span.name}`;

describe('production profile: parent-based head sampling at the entry', () => {
  let receiver: OtlpReceiver;
  let stack: TestStack;
  let userId: string;

  const placeOrder = (headers: Record<string, string>) =>
    requestJson<{ id: string; status: string }>(`${stack.order.url}/orders`, {
      method: 'POST',
      body: { userId, currency: 'EUR', items: ITEMS },
      headers,
    });
  const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
  /** The trace of a sampled order, once the server spans of all three services are in. */
  const sampledOrder = async (headers: Record<string, string>): Promise<ReceivedSpan[]> => {
    const traceId = newTraceId();
    const response = await placeOrder({ ...headers, traceparent: sampledTraceparent(traceId) });
    assert.equal(response.status, 201, response.text);
    await receiver.waitFor((spans) => {
      const server = spans.filter((s) => s.traceId === traceId && s.kind === SPAN_KIND.server).map(label);
      return ['order-service POST /orders', 'user-service GET /users/:id', 'payment-service POST /payments'].every(
        (name) => server.includes(name),
      );
    }, 15_000);
    // Each service exports on its own schedule: give the slowest one time to send the rest of the trace.
    await sleep(SETTLE_MS);
    return spansOf(traceId);
  };

  before(async () => {
    receiver = await startOtlpReceiver();
    const otel = (ratio: string) => ({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: String(EXPORT_INTERVAL_MS),
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: ratio,
    });
    stack = await startStack({
      backend: 'sqlite',
      env: { 'user-service': otel('1'), 'payment-service': otel('1'), 'order-service': otel('0') },
    });
    const created = await requestJson<{ id: string }>(`${stack.user.url}/users`, {
      method: 'POST',
      body: { email: uniqueEmail('profile'), name: 'Ada Lovelace' },
    });
    assert.equal(created.status, 201, created.text);
    userId = created.body.id;
  });

  after(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('records nothing anywhere for an order the entry did not sample, nor for one its caller did not sample', async () => {
    const callerUnsampled = newTraceId();
    const withoutContext = await placeOrder({});
    const unsampled = await placeOrder({ traceparent: unsampledTraceparent(callerUnsampled) });
    assert.equal(withoutContext.status, 201, withoutContext.text);
    assert.equal(unsampled.status, 201, unsampled.text);
    // A sampled order afterwards proves every service was exporting while the unsampled ones went through.
    await sampledOrder({});
    assert.deepEqual(spansOf(callerUnsampled).map(label), []);
    const orderSpans = receiver.spans.filter((s) => s.serviceName === 'order-service' && s.name === 'POST /orders');
    assert.equal(new Set(orderSpans.map((s) => s.traceId)).size, 1, 'only the sampled order has an order span');
    // user-service and payment-service would sample a root of their own, so each span they sent for an order
    // belongs to the one sampled trace: they followed order-service's decision for the two others.
    const calleeTraces = new Set(
      receiver.spans
        .filter((s) => s.kind === SPAN_KIND.server && ['GET /users/:id', 'POST /payments'].includes(s.name))
        .map((s) => s.traceId),
    );
    assert.deepEqual([...calleeTraces], [orderSpans[0]?.traceId]);
  });

  it('keeps exemplars on traces that were exported only', async () => {
    for (let index = 0; index < 5; index++) assert.equal((await placeOrder({})).status, 201);
    await sampledOrder({});
    const exported = new Set(receiver.spans.map((s) => s.traceId));
    for (const service of [stack.order, stack.user, stack.payment]) {
      const response = await fetch(`${service.adminUrl}/metrics`, { headers: { accept: OPENMETRICS_ACCEPT } });
      const text = await response.text();
      for (const metric of [METRIC.httpServerRequestDuration, METRIC.dbClientOperationDuration]) {
        for (const traceId of exemplarTraceIds(text, metric.name))
          assert.ok(exported.has(traceId), `${service.name}: exemplar ${traceId} of ${metric.name} was not exported`);
      }
    }
  });

  it('gives a sampled order one database span per repository call and none for BEGIN or COMMIT', async (t) => {
    const withoutKey = await sampledOrder({});
    const withKey = await sampledOrder({ 'idempotency-key': randomUUID() });
    for (const [name, trace] of [
      ['without key', withoutKey],
      ['with Idempotency-Key', withKey],
    ] as const) {
      t.diagnostic(`${name}: ${trace.length} spans: ${trace.map(label).sort().join(', ')}`);
      const database = trace.filter((s) => s.attributes[ATTR.dbSystemName] !== undefined);
      assert.ok(database.length > 0, `${name}: no database span`);
      for (const span of database) {
        assert.doesNotMatch(span.name, /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/, `${name}: ${label(span)}`);
        assert.equal(span.kind, SPAN_KIND.client);
      }
      // Statements of one transaction are one span: its batch size says how many it ran.
      const transactions = database.filter((s) => s.attributes[ATTR.dbOperationBatchSize] !== undefined);
      for (const span of transactions) {
        const summary = String(span.attributes[ATTR.dbQuerySummary]);
        assert.equal(span.name, summary);
        assert.equal(
          summary.split(/ (?=[A-Z]+ )/).length,
          span.attributes[ATTR.dbOperationBatchSize],
          `${name}: ${summary}`,
        );
      }
      // The order is stored with its items (and its key) in one transaction.
      assert.ok(
        transactions.some((s) => s.serviceName === 'order-service' && /INSERT orders/.test(s.name)),
        `${name}: ${database.map(label).join(', ')}`,
      );
    }
    // A key adds the key's own work to the order, never transaction control.
    assert.ok(withKey.length >= withoutKey.length);
  });
});
