/**
 * Telemetry of the three services running as real processes, exporting to a real OTLP/HTTP receiver: one trace
 * per order across all services, retries as separate client spans, a promtool-clean `/metrics` whose exemplars
 * point at exported traces, bounded series under hostile traffic, no PII anywhere, and requests unaffected when
 * the telemetry endpoint is down.
 */
import assert from 'node:assert/strict';
import { Agent, METHODS, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ATTR, METRIC, SPAN_EVENT } from '@mesh-stack/service-kit/contract';
import { FAULTS_PATH } from '@mesh-stack/stack';
import { exemplarTraceIds, seriesOf } from '../support/exposition.ts';
import { requestJson, uniqueEmail } from '../support/http.ts';
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { promtoolCheckMetrics } from '../support/promtool.ts';
import { FAULT_INJECTION_HEADERS, startStack, type TestStack } from '../support/services.ts';

const OPENMETRICS_ACCEPT = 'application/openmetrics-text; version=1.0.0';
/** Spans reach the receiver within a few export intervals. */
const EXPORT_INTERVAL_MS = 100;
const ITEMS = [{ sku: 'BOOK-42', quantity: 2, unitAmountMinor: 1299 }];
/** prom-client's three `*_total` gauges are the only promtool findings allowed (see docs/telemetry.md). */
const PROM_CLIENT_FINDING =
  /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

const byStart = (a: ReceivedSpan, b: ReceivedSpan) => Number(a.startTimeUnixNano - b.startTimeUnixNano);
/** The order-service server span of the most recent POST /orders, the root of that order's trace. */
const latestOrderSpan = (spans: readonly ReceivedSpan[]): ReceivedSpan | undefined =>
  spans
    .filter((s) => s.serviceName === 'order-service' && s.kind === SPAN_KIND.server && s.name === 'POST /orders')
    .sort(byStart)
    .at(-1);

describe('telemetry of the running services', () => {
  let receiver: OtlpReceiver;
  let stack: TestStack;
  const pii: string[] = [];

  const createUser = async (): Promise<string> => {
    const name = `Ada Lovelace ${crypto.randomUUID().slice(0, 8)}`;
    const email = uniqueEmail('telemetry');
    pii.push(name, email);
    const response = await requestJson<{ id: string }>(`${stack.user.url}/users`, {
      method: 'POST',
      body: { email, name },
    });
    assert.equal(response.status, 201, response.text);
    return response.body.id;
  };
  const placeOrder = (userId: string) =>
    requestJson<{ id: string; status: string }>(`${stack.order.url}/orders`, {
      method: 'POST',
      body: { userId, currency: 'EUR', items: ITEMS },
    });
  const setFaults = async (settings: Record<string, number>) => {
    const response = await requestJson(`${stack.payment.adminUrl}${FAULTS_PATH}`, {
      method: 'PUT',
      body: settings,
      headers: { ...FAULT_INJECTION_HEADERS },
    });
    assert.equal(response.status, 200, response.text);
  };
  /** All spans of the trace whose order-service server span handled `orderId` (or the last POST /orders). */
  const orderTrace = async (predicate: (spans: readonly ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> => {
    const spans = await receiver.waitFor(predicate, 15_000);
    const root = latestOrderSpan(spans);
    assert.ok(root, 'no POST /orders server span');
    return spans.filter((s) => s.traceId === root.traceId);
  };

  before(async () => {
    receiver = await startOtlpReceiver();
    const otel = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: String(EXPORT_INTERVAL_MS),
    };
    stack = await startStack({
      backend: 'sqlite',
      env: { 'user-service': otel, 'payment-service': otel, 'order-service': { ...otel, DEPENDENCY_RETRIES: '2' } },
    });
  });

  after(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('gives one POST /orders exactly one trace with the server and client spans of all three services', async () => {
    const userId = await createUser();
    await receiver.waitFor((spans) => spans.some((s) => s.name === 'POST /users'));
    await sleep(3 * EXPORT_INTERVAL_MS);
    const before = receiver.spans.length;
    const response = await placeOrder(userId);
    assert.equal(response.status, 201, response.text);

    // Each service exports on its own schedule: wait for the server span of every one of them in the order's trace.
    const isComplete = (spans: readonly ReceivedSpan[]) => {
      const root = latestOrderSpan(spans);
      const inTrace = (service: string, name: string) =>
        spans.some((s) => s.traceId === root?.traceId && s.serviceName === service && s.name === name);
      return inTrace('user-service', 'GET /users/:id') && inTrace('payment-service', 'POST /payments');
    };
    const trace = await orderTrace(isComplete);
    await sleep(5 * EXPORT_INTERVAL_MS);
    const traceIds = new Set(receiver.spans.slice(before).map((s) => s.traceId));
    assert.equal(traceIds.size, 1, 'the order produced spans in more than one trace');

    const server = (service: string, name: string) =>
      trace.find((s) => s.serviceName === service && s.kind === SPAN_KIND.server && s.name === name);
    const client = (name: string) =>
      trace.find((s) => s.serviceName === 'order-service' && s.kind === SPAN_KIND.client && s.name === name);
    const orderSpan = server('order-service', 'POST /orders');
    const userCall = client('GET /users/:id');
    const paymentCall = client('POST /payments');
    const userSpan = server('user-service', 'GET /users/:id');
    const paymentSpan = server('payment-service', 'POST /payments');
    assert.ok(orderSpan && userCall && paymentCall && userSpan && paymentSpan, trace.map((s) => s.name).join(', '));
    assert.equal(orderSpan.parentSpanId, '', 'the order span is the root');
    assert.equal(userCall.parentSpanId, orderSpan.spanId);
    assert.equal(paymentCall.parentSpanId, orderSpan.spanId);
    assert.equal(userSpan.parentSpanId, userCall.spanId);
    assert.equal(paymentSpan.parentSpanId, paymentCall.spanId);
    assert.equal(userCall.attributes[ATTR.peerService], 'user-service');
    assert.equal(paymentCall.attributes[ATTR.peerService], 'payment-service');
    assert.equal(orderSpan.attributes[ATTR.httpResponseStatusCode], 201);
    assert.ok(
      trace.some((s) => s.serviceName === 'order-service' && s.attributes[ATTR.dbSystemName] === 'sqlite'),
      'no database span',
    );
    assert.ok(orderSpan.events.some((event) => event.name === SPAN_EVENT.orderCompleted));
  });

  it('shows retried attempts to payment-service as separate client spans with their resend count', async () => {
    const userId = await createUser();
    await setFaults({ errorRate: 1 });
    try {
      const response = await placeOrder(userId);
      assert.equal(response.status, 503, response.text);
    } finally {
      await setFaults({ errorRate: 0 });
    }
    const attempts = (spans: readonly ReceivedSpan[]) =>
      spans.filter(
        (s) => s.serviceName === 'order-service' && s.kind === SPAN_KIND.client && s.name === 'POST /payments',
      );
    // Order-service and payment-service export on their own schedules: wait for both sides of every attempt.
    const trace = await orderTrace((spans) => {
      const root = latestOrderSpan(spans);
      if (root === undefined) return false;
      const attemptIds = new Set(
        attempts(spans)
          .filter((s) => s.traceId === root.traceId)
          .map((s) => s.spanId),
      );
      const served = spans.filter((s) => s.serviceName === 'payment-service' && attemptIds.has(s.parentSpanId));
      return attemptIds.size === 3 && served.length === 3;
    });
    const orderSpan = trace.find((s) => s.name === 'POST /orders' && s.kind === SPAN_KIND.server);
    const retried = attempts(trace).sort(byStart);
    assert.deepEqual(
      retried.map((s) => s.attributes[ATTR.httpRequestResendCount]),
      [undefined, 1, 2],
    );
    for (const attempt of retried) {
      assert.equal(attempt.parentSpanId, orderSpan?.spanId);
      assert.equal(attempt.attributes[ATTR.errorType], '503');
      const served = trace.find((s) => s.serviceName === 'payment-service' && s.parentSpanId === attempt.spanId);
      assert.ok(served, 'each attempt has its own payment-service server span');
    }
    const metrics = await (await fetch(`${stack.order.adminUrl}/metrics`)).text();
    assert.match(
      metrics,
      /^http_client_request_retries_total\{peer_service="payment-service",http_route="\/payments",reason="503"\} [1-9]/m,
    );
  });

  it('serves /metrics that promtool accepts, with exemplars pointing at exported traces', async () => {
    for (const service of [stack.user, stack.payment, stack.order]) {
      const text = await (await fetch(`${service.adminUrl}/metrics`)).text();
      const result = promtoolCheckMetrics(text);
      const findings = result.output
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !PROM_CLIENT_FINDING.test(line));
      assert.deepEqual(findings, [], `${service.name}: ${result.output}`);
    }
    const openMetrics = await (
      await fetch(`${stack.order.adminUrl}/metrics`, { headers: { accept: OPENMETRICS_ACCEPT } })
    ).text();
    const traceIds = exemplarTraceIds(openMetrics, `${METRIC.httpServerRequestDuration.name}_bucket`);
    assert.ok(traceIds.length > 0, 'no exemplars');
    await receiver.waitFor((spans) => {
      const exported = new Set(spans.map((s) => s.traceId));
      return traceIds.every((id) => exported.has(id));
    });
  });

  it('adds no series for 10,000 requests to random unknown paths and methods', async () => {
    const methods = METHODS.filter((method) => method !== 'CONNECT');
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const send = (method: string) =>
      new Promise<void>((resolve, reject) => {
        const path = `/${Math.random().toString(36).slice(2)}/${crypto.randomUUID()}`;
        request(`${stack.order.url}${path}`, { method, agent }, (response) => {
          response.resume();
          response.on('end', resolve);
        })
          .on('error', reject)
          .end();
      });
    const httpSeries = async () =>
      seriesOf(await (await fetch(`${stack.order.adminUrl}/metrics`)).text()).filter((s) =>
        s.startsWith('http_server_'),
      );
    for (const method of methods) await send(method);
    const before = await httpSeries();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < 10_000) {
          sent++;
          await send(methods[Math.floor(Math.random() * methods.length)] ?? 'GET');
        }
      }),
    );
    agent.destroy();
    assert.deepEqual(await httpSeries(), before);
  });

  it('exports no email or name in any span, and logs none', async () => {
    const userId = await createUser();
    // A duplicate email is the most likely place for a value to leak (constraint errors quote values).
    const duplicate = await requestJson(`${stack.user.url}/users`, {
      method: 'POST',
      body: { email: pii.at(-1), name: pii.at(-2) },
    });
    assert.equal(duplicate.status, 409);
    assert.equal((await placeOrder(userId)).status, 201);
    await sleep(5 * EXPORT_INTERVAL_MS);
    assert.ok(receiver.bodies.length > 0);
    const exported = Buffer.concat(receiver.bodies);
    const logs = [stack.user, stack.order, stack.payment].map((service) => service.logs()).join('\n');
    for (const value of pii) {
      assert.ok(!exported.includes(value), `exported spans contain ${value}`);
      assert.ok(!logs.includes(value), `logs contain ${value}`);
    }
    assert.match(logs, /"trace_id":"[0-9a-f]{32}"/, 'logs carry trace ids');
  });

  it('keeps serving, at latency of the same order, when the OTLP endpoint is down', async () => {
    const userId = await createUser();
    const timeOrders = async (count: number): Promise<number[]> => {
      const durations: number[] = [];
      for (let index = 0; index < count; index++) {
        const start = performance.now();
        const response = await placeOrder(userId);
        durations.push(performance.now() - start);
        assert.equal(response.status, 201, response.text);
      }
      return durations.sort((a, b) => a - b);
    };
    const medianOf = (values: number[]) => values[Math.floor(values.length / 2)] ?? 0;
    const up = medianOf(await timeOrders(30));
    await receiver.close();
    const down = medianOf(await timeOrders(30));
    // "Of the same order": within 10x, plus slack for a busy machine. This guards against blocking on the exporter,
    // not against noise (see BENCHMARKS.md).
    assert.ok(down < up * 10 + 100, `median ${down.toFixed(1)} ms with the endpoint down vs ${up.toFixed(1)} ms up`);
    // The failure is visible to alerts once the exporter gave up retrying (OTEL_EXPORTER_OTLP_TIMEOUT).
    const failedExports = /^otel_sdk_exporter_span_exported_total\{error_type="export_failed"\} [1-9]/m;
    const deadline = Date.now() + 15_000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = await (await fetch(`${stack.order.adminUrl}/metrics`)).text();
      if (failedExports.test(metrics)) break;
      await sleep(250);
    }
    assert.match(metrics, failedExports);
  });
});
