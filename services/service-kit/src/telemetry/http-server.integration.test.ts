import assert from 'node:assert/strict';
import { Agent, METHODS, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { exemplarTraceIds, labelValues, seriesOf } from '../../../../test/support/exposition.ts';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../../../../test/support/otlp-receiver.ts';
import { promtoolCheckMetrics } from '../../../../test/support/promtool.ts';
import { requestContext } from '../request-context.ts';
import { ATTR, KNOWN_HTTP_METHODS, LABEL, LABEL_VALUE, METRIC } from './contract.ts';
import { httpServerTelemetry } from './http-server.ts';
import { createServiceMetrics } from './metrics.ts';
import { metricsHandler } from './metrics-handler.ts';
import { startTelemetry, type Telemetry } from './sdk.ts';

/**
 * prom-client's `collectDefaultMetrics` names three gauges `*_total` (upstream naming, relied on by dashboards);
 * promtool's linter flags exactly those. Anything else it reports is ours and fails the test.
 */
const PROM_CLIENT_NAMING_FINDINGS = new Set(
  ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'].map(
    (name) => `${name} non-counter metrics should not have "_total" suffix`,
  ),
);
const lintFindings = (output: string): string[] =>
  output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !PROM_CLIENT_NAMING_FINDINGS.has(line));

const OPENMETRICS_ACCEPT = 'application/openmetrics-text; version=1.0.0';
const DURATION = METRIC.httpServerRequestDuration.name;

const slowGate = Promise.withResolvers<void>();

describe('httpServerTelemetry on a served Hono app', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  let baseUrl: string;
  let adminUrl: string;
  const servers: { close(): void }[] = [];
  const metrics = createServiceMetrics({ serviceVersion: '9.9.9' });

  before(async () => {
    receiver = await startOtlpReceiver();
    telemetry = startTelemetry({
      serviceName: 'toy-service',
      serviceVersion: '9.9.9',
      metrics,
      tracesEndpoint: receiver.tracesUrl,
      batch: { scheduledDelayMillis: 50 },
      env: {},
    });
    const app = new Hono();
    // As createServiceApp composes it: the request context extracts the caller's context the span continues.
    app.use(requestContext());
    app.use(httpServerTelemetry({ metrics }));
    app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
    app.get('/slow', async (c) => {
      await slowGate.promise;
      return c.text('done');
    });
    app.post('/boom', () => {
      throw new RangeError('kaboom');
    });
    app.onError((_error, c) => c.json({ title: 'Internal Server Error' }, 500));
    const admin = new Hono();
    admin.get('/metrics', metricsHandler(metrics.registry));
    const listen = (fetch: typeof app.fetch) =>
      new Promise<string>((resolve) => {
        const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
          resolve(`http://127.0.0.1:${info.port}`),
        );
        servers.push(server);
      });
    baseUrl = await listen(app.fetch);
    adminUrl = await listen(admin.fetch);
  });

  after(async () => {
    for (const server of servers) server.close();
    await telemetry.shutdown();
    await receiver.close();
  });

  it('names the server span after the route template and continues the incoming W3C trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const response = await fetch(`${baseUrl}/users/42?x=1`, {
      headers: { traceparent: `00-${traceId}-${parentId}-01` },
    });
    assert.equal(response.status, 200);
    const [span] = (await receiver.waitFor((spans) => spans.some((s) => s.traceId === traceId))).filter(
      (s) => s.traceId === traceId,
    );
    assert.ok(span);
    assert.equal(span.name, 'GET /users/:id');
    assert.equal(span.kind, SPAN_KIND.server);
    assert.equal(span.parentSpanId, parentId);
    assert.equal(span.serviceName, 'toy-service');
    assert.equal(span.resource['service.version'], '9.9.9');
    assert.match(String(span.resource['service.instance.id']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      {
        method: span.attributes[ATTR.httpRequestMethod],
        route: span.attributes[ATTR.httpRoute],
        status: span.attributes[ATTR.httpResponseStatusCode],
        path: span.attributes[ATTR.urlPath],
        scheme: span.attributes[ATTR.urlScheme],
      },
      // `42` is not an id the contract allows on a span (only UUIDs are): the parameter's name stands in for it.
      { method: 'GET', route: '/users/:id', status: 200, path: '/users/{id}', scheme: 'http' },
    );
    assert.equal(span.statusCode, 0);
  });

  it('joins a trace started by Envoy with B3 headers only', async () => {
    const traceId = '463ac35c9f6413ad48485a3953bb6124';
    await fetch(`${baseUrl}/users/7`, {
      headers: { 'x-b3-traceid': traceId, 'x-b3-spanid': 'a2fb4a1d1a96d312', 'x-b3-sampled': '1' },
    });
    const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === traceId));
    const span = spans.find((s) => s.traceId === traceId);
    assert.equal(span?.parentSpanId, 'a2fb4a1d1a96d312');
  });

  it('marks a handler exception as an error with error.type and a 500 status', async () => {
    const response = await fetch(`${baseUrl}/boom`, { method: 'POST' });
    assert.equal(response.status, 500);
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'POST /boom'));
    const span = spans.find((s) => s.name === 'POST /boom');
    assert.equal(span?.attributes[ATTR.errorType], 'RangeError');
    assert.equal(span?.attributes[ATTR.httpResponseStatusCode], 500);
    assert.equal(span?.statusCode, 2);
    assert.equal(span?.events[0]?.name, 'exception');
  });

  it('records duration with a trace_id exemplar that belongs to an exported span', async () => {
    await fetch(`${baseUrl}/users/exemplar`);
    const openMetrics = await (await fetch(`${adminUrl}/metrics`, { headers: { accept: OPENMETRICS_ACCEPT } })).text();
    const traceIds = exemplarTraceIds(openMetrics, `${DURATION}_bucket`);
    assert.ok(traceIds.length > 0, 'no exemplar on the duration histogram');
    await telemetry.forceFlush();
    const exported = new Set(receiver.spans.map((span) => span.traceId));
    for (const traceId of traceIds) assert.ok(exported.has(traceId), `exemplar trace ${traceId} was never exported`);
    assert.match(openMetrics, /# EOF\n$/);
  });

  it('counts every request in the duration histogram, exemplar or not', async () => {
    const count = async () => {
      const text = await (await fetch(`${adminUrl}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) => l.startsWith(`${DURATION}_count{`) && l.includes('http_route="/users/:id"') && l.includes('"200"'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await count();
    for (let index = 0; index < 20; index++) await (await fetch(`${baseUrl}/users/${index}`)).arrayBuffer();
    assert.equal(await count(), before + 20);
  });

  it('reports requests in flight when scraped', async () => {
    const inFlight = async () => {
      const text = await (await fetch(`${adminUrl}/metrics`)).text();
      return text.split('\n').find((line) => line.startsWith(`${METRIC.httpServerActiveRequests.name} `));
    };
    const pending = fetch(`${baseUrl}/slow`);
    while ((await inFlight()) !== `${METRIC.httpServerActiveRequests.name} 1`)
      await new Promise((r) => setTimeout(r, 10));
    slowGate.resolve();
    assert.equal(await (await pending).text(), 'done');
    assert.equal(await inFlight(), `${METRIC.httpServerActiveRequests.name} 0`);
  });

  it('serves an exposition promtool accepts, in the classic text format unless OpenMetrics is asked for', async () => {
    const response = await fetch(`${adminUrl}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^# TYPE app_orders_total counter$/m);
    const result = promtoolCheckMetrics(text);
    assert.deepEqual(lintFindings(result.output), [], result.output);
    assert.ok(result.status === 0 || result.status === 3, result.output);
  });

  it('folds 10,000 requests to random unknown paths and methods into the series that already existed', async () => {
    const methods = METHODS.filter((method) => method !== 'CONNECT');
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    // node:http, not fetch: fetch refuses TRACE and other methods a client can still send.
    const unknownRequest = (method: string) =>
      new Promise<void>((resolve, reject) => {
        const path = `/${crypto.randomUUID()}/${Math.random().toString(36).slice(2)}`;
        request(`${baseUrl}${path}`, { method, agent }, (response) => {
          response.resume();
          response.on('end', resolve);
        })
          .on('error', reject)
          .end();
      });
    // One request per method value first: every label value a client can reach now exists.
    for (const method of methods) await unknownRequest(method);
    const before = seriesOf(await (await fetch(`${adminUrl}/metrics`)).text(), DURATION);

    const total = 10_000;
    let sent = 0;
    const worker = async () => {
      while (sent < total) {
        sent++;
        await unknownRequest(methods[Math.floor(Math.random() * methods.length)] ?? 'GET');
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));

    agent.destroy();
    const afterSeries = seriesOf(await (await fetch(`${adminUrl}/metrics`)).text(), DURATION);
    assert.deepEqual(afterSeries, before);
    assert.deepEqual(
      [...labelValues(afterSeries, LABEL.httpRoute)].sort(),
      ['/users/:id', '/boom', '/slow', LABEL_VALUE.unmatchedRoute].sort(),
    );
    const allowedMethods = new Set<string>([...KNOWN_HTTP_METHODS, LABEL_VALUE.otherMethod]);
    for (const method of labelValues(afterSeries, LABEL.httpRequestMethod))
      assert.ok(allowedMethods.has(method), method);
    const active = seriesOf(await (await fetch(`${adminUrl}/metrics`)).text(), METRIC.httpServerActiveRequests.name);
    assert.deepEqual(active, [METRIC.httpServerActiveRequests.name]);
  });
});
