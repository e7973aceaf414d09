import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { labelValues, seriesOf } from '../../../../test/support/exposition.ts';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../../../../test/support/otlp-receiver.ts';
import { createServiceClient } from '../http-client.ts';
import { NO_TELEMETRY } from '../instrumentation.ts';
import { ATTR, LABEL, METRIC } from './contract.ts';
import { httpClientTelemetry } from './http-client.ts';
import { createServiceMetrics } from './metrics.ts';
import { startTelemetry, type Telemetry } from './sdk.ts';

describe('httpClientTelemetry', () => {
  let receiver: OtlpReceiver;
  let sdk: Telemetry;
  let upstreamUrl: string;
  const received: IncomingHttpHeaders[] = [];
  const receivedNames: string[][] = [];
  const upstream = createServer((request, response) => {
    received.push(request.headers);
    receivedNames.push(request.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase()));
    // The first attempt of every pair fails the way an overloaded dependency does.
    response.writeHead(received.length % 2 === 1 ? 503 : 200, { 'content-type': 'application/json' }).end('{}');
  });
  const metrics = createServiceMetrics({ serviceVersion: '1.0.0', defaultMetrics: false });
  const telemetry = { ...NO_TELEMETRY, client: httpClientTelemetry({ metrics }) };
  const clientTo = (baseUrl: string, peerService: string, retries: number) =>
    createServiceClient({ peerService, baseUrl, budget: { attemptTimeoutMs: 5000, retries }, telemetry: telemetry });

  before(async () => {
    receiver = await startOtlpReceiver();
    sdk = startTelemetry({
      serviceName: 'caller',
      serviceVersion: '1.0.0',
      metrics,
      tracesEndpoint: receiver.tracesUrl,
      batch: { scheduledDelayMillis: 50 },
      env: {},
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  after(async () => {
    upstream.close();
    await sdk.shutdown();
    await receiver.close();
  });

  it('gives each attempt its own client span under the active span and injects W3C, B3 and x-request-id', async () => {
    const incoming = propagation.extract(
      ROOT_CONTEXT,
      { 'x-request-id': 'req-123' },
      {
        get: (carrier: Record<string, string>, key: string) => carrier[key],
        keys: (carrier: Record<string, string>) => Object.keys(carrier),
      },
    );
    const parent = trace.getTracer('test').startSpan('POST /orders', {}, incoming);
    const payments = clientTo(upstreamUrl, 'payment-service', 1);
    // The upstream answers 503 then 200: one call, two attempts.
    const response = await context.with(trace.setSpan(incoming, parent), () =>
      payments.request({ method: 'POST', route: '/payments', path: '/payments', body: {}, idempotencyKey: 'o-1' }),
    );
    assert.equal(response.status, 200);
    parent.end();
    const { traceId, spanId: parentId } = parent.spanContext();

    const spans = await receiver.waitFor((all) => all.filter((s) => s.traceId === traceId).length === 3);
    const attempts = spans.filter((s) => s.traceId === traceId && s.kind === SPAN_KIND.client);
    assert.equal(attempts.length, 2);
    for (const attempt of attempts) {
      assert.equal(attempt.name, 'POST /payments');
      assert.equal(attempt.parentSpanId, parentId);
      assert.equal(attempt.attributes[ATTR.peerService], 'payment-service');
      assert.equal(attempt.attributes[ATTR.urlFull], `${upstreamUrl}/payments`);
    }
    const [first, retry] = attempts.sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));
    assert.equal(first?.attributes[ATTR.httpRequestResendCount], undefined);
    assert.equal(first?.attributes[ATTR.errorType], '503');
    assert.equal(first?.statusCode, 2);
    assert.equal(retry?.attributes[ATTR.httpRequestResendCount], 1);
    assert.equal(retry?.attributes[ATTR.httpResponseStatusCode], 200);

    // What the dependency saw: the attempt's own span as parent, in both W3C and B3 form.
    const [firstHeaders, retryHeaders] = received.slice(-2);
    assert.equal(firstHeaders?.traceparent, `00-${traceId}-${first?.spanId}-01`);
    assert.equal(retryHeaders?.traceparent, `00-${traceId}-${retry?.spanId}-01`);
    assert.equal(retryHeaders?.['x-b3-traceid'], traceId);
    assert.equal(retryHeaders?.['x-b3-spanid'], retry?.spanId);
    assert.equal(retryHeaders?.['x-request-id'], 'req-123');
    // Each propagation header once: built in one place, never set, deleted and set again.
    for (const names of receivedNames.slice(-2)) {
      for (const name of ['traceparent', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-request-id']) {
        assert.equal(names.filter((seen) => seen === name).length, 1, `${name} in ${names.join(', ')}`);
      }
    }
  });

  it('records per-attempt duration by dependency and counts retries with a bounded reason', async () => {
    const exposition = await metrics.registry.metrics();
    const durations = seriesOf(exposition, `${METRIC.httpClientRequestDuration.name}_count`);
    assert.deepEqual([...labelValues(durations, LABEL.httpResponseStatusCode)].sort(), ['200', '503']);
    assert.deepEqual([...labelValues(durations, LABEL.peerService)], ['payment-service']);
    const retries = seriesOf(exposition, METRIC.httpClientRetries.name);
    assert.deepEqual(retries, [
      'http_client_request_retries_total{peer_service="payment-service",http_route="/payments",reason="503"}',
    ]);
  });

  it('records a refused connection as error.type ECONNREFUSED and status 0', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const users = clientTo(`http://127.0.0.1:${(closed.address() as AddressInfo).port}`, 'user-service', 0);
    closed.close();
    await once(closed, 'close');
    await assert.rejects(users.request({ method: 'GET', route: '/users/:id', path: '/users/1' }));
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'GET /users/:id'));
    assert.equal(spans.find((s) => s.name === 'GET /users/:id')?.attributes[ATTR.errorType], 'ECONNREFUSED');
    const series = seriesOf(await metrics.registry.metrics(), `${METRIC.httpClientRequestDuration.name}_count`);
    assert.ok(
      series.some((s) => s.includes('peer_service="user-service"') && s.includes('http_response_status_code="0"')),
    );
  });
});
