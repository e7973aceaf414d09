/**
 * Exporting from a worker thread (worker-export.ts): a span that crosses the thread boundary as a plain record is
 * encoded by the library's protobuf serializer into exactly the bytes the in-thread exporter would send, and the
 * worker's exports reach a real OTLP/HTTP receiver, flushed on demand and at shutdown, with the export-health
 * metrics counting delivered, failed and dropped spans as the in-thread processor does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
// The serializer the OTLP/HTTP protobuf exporter uses (a dependency of @opentelemetry/exporter-trace-otlp-proto).
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type OtlpReceiver, startOtlpReceiver } from '../../../../test/support/otlp-receiver.ts';
import { createServiceMetrics, type ServiceMetrics } from './metrics.ts';
import { startTelemetry, type Telemetry } from './sdk.ts';
import { SpanRecordDecoder, SpanRecordEncoder } from './span-record.ts';

const waitUntil = async (condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(20);
  }
};

/** Sum of a counter's samples whose `error_type` label is `errorType` (undefined: the ones without it). */
const counted = async (
  metric: ServiceMetrics['spansExported'] | ServiceMetrics['spansProcessed'],
  errorType?: string,
): Promise<number> =>
  (await metric.get()).values
    .filter((value) => value.labels.error_type === errorType)
    .reduce((sum, value) => sum + value.value, 0);

/** Spans with everything OTLP carries: two scopes, remote parent, trace state, events, links, dropped counts. */
const finishedSpans = (): ReadableSpan[] => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(
      { 'service.name': 'round-trip', 'service.version': '1.2.3', 'app.replicas': 3 },
      { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' },
    ),
    spanLimits: { attributeCountLimit: 12, eventCountLimit: 2, linkCountLimit: 1 },
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const kit = provider.getTracer('@mesh-stack/service-kit', '0.1.0');
  const other = provider.getTracer('other', undefined, { schemaUrl: 'https://example.com/schema' });
  const remoteParent = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=opaque,other=1'),
  });
  const server = kit.startSpan(
    'POST /orders',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'http.response.status_code': 201,
        'app.ratio': 0.25,
        'app.flag': true,
        'app.tags': ['a', 'b'],
        'app.sizes': [1, 2, 3],
        'app.bools': [true, false],
      },
      links: [
        // The SDK keeps the last links when there are too many.
        { context: { traceId: '33333333333333333333333333333333', spanId: '4444444444444444', traceFlags: 1 } },
        {
          context: {
            traceId: '11111111111111111111111111111111',
            spanId: '2222222222222222',
            traceFlags: TraceFlags.NONE,
            traceState: new TraceState('linked=yes'),
          },
          attributes: { 'app.reason': 'retry' },
        },
      ],
    },
    remoteParent,
  );
  server.addEvent('order.validated', { 'app.items': 2 });
  server.addEvent('order.paid');
  server.addEvent('order.completed', { 'app.dropped': 'by the event limit' });
  for (let index = 0; index < 10; index++) server.setAttribute(`app.extra.${index}`, index);
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' });
  const client = kit.startSpan('GET /users/:id', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), server));
  client.setStatus({ code: SpanStatusCode.OK });
  client.end();
  const internal = other.startSpan('reconcile');
  internal.end();
  server.end();
  return exporter.getFinishedSpans();
};

describe('span records', () => {
  it('rebuild spans the OTLP protobuf serializer encodes to the bytes of the original spans', () => {
    const spans = finishedSpans();
    assert.equal(spans.length, 3);
    const encoder = new SpanRecordEncoder();
    const decoder = new SpanRecordDecoder();
    // Two batches: the second refers to definitions the first one carried. structuredClone is postMessage's copy.
    const first = structuredClone(encoder.batch(spans.slice(0, 2).map((span) => encoder.encode(span))));
    const second = structuredClone(encoder.batch(spans.slice(2).map((span) => encoder.encode(span))));
    assert.equal(first.definitions.length, 3, 'one resource and two scopes');
    assert.equal(second.definitions.length, 0, 'definitions are sent once');
    const rebuilt = [...decoder.decode(first), ...decoder.decode(second)];

    const inThread = ProtobufTraceSerializer.serializeRequest(spans);
    const fromWorker = ProtobufTraceSerializer.serializeRequest(rebuilt);
    assert.ok(inThread && fromWorker);
    assert.deepEqual(Buffer.from(fromWorker), Buffer.from(inThread));
    // The spans carried what the comparison is meant to cover.
    const server = rebuilt.find((span) => span.name === 'POST /orders');
    assert.equal(server?.parentSpanContext?.isRemote, true);
    assert.equal(server?.spanContext().traceState?.serialize(), 'vendor=opaque,other=1');
    assert.equal(server?.links[0]?.context.traceState?.serialize(), 'linked=yes');
    assert.equal(server?.droppedAttributesCount, 5);
    assert.equal(server?.droppedEventsCount, 1);
    assert.equal(server?.droppedLinksCount, 1);
  });
});

describe('startTelemetry exporting from a worker thread', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry | undefined;
  const metrics = createServiceMetrics({ serviceVersion: '1.0.0' });

  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(async () => {
    await telemetry?.shutdown();
    await receiver.close();
  });

  it('exports through the worker to a real OTLP receiver, counting exported spans', async () => {
    telemetry = startTelemetry({
      serviceName: 'worker-export-test',
      serviceVersion: '1.0.0',
      metrics,
      tracesEndpoint: receiver.tracesUrl,
      exportInWorker: true,
      env: {},
    });
    assert.equal(telemetry.config.exportInWorker, true);
    const span = trace.getTracer('test').startSpan('through the worker', { attributes: { 'app.answer': 42 } });
    span.addEvent('app.step');
    span.end();
    await telemetry.forceFlush();
    const [received] = await receiver.waitFor((spans) => spans.some((s) => s.name === 'through the worker'));
    assert.equal(received?.serviceName, 'worker-export-test');
    assert.equal(received?.attributes['app.answer'], 42);
    assert.deepEqual(
      received?.events.map((event) => event.name),
      ['app.step'],
    );
    assert.equal(received?.traceId, span.spanContext().traceId);
    assert.equal(await counted(metrics.spansExported), 1);
    assert.equal(await counted(metrics.spansProcessed), 1);
  });

  it('counts spans a collector refuses as failed exports', async () => {
    receiver.setUnavailable(true);
    try {
      trace.getTracer('test').startSpan('refused').end();
      await telemetry?.forceFlush();
      await waitUntil(async () => (await counted(metrics.spansExported, 'export_failed')) >= 1, 15_000);
      assert.equal(await counted(metrics.spansProcessed, 'export_failed'), 1);
    } finally {
      receiver.setUnavailable(false);
    }
  });

  it('exports at shutdown what is still buffered, without a flush before', async () => {
    trace.getTracer('test').startSpan('last words').end();
    await telemetry?.shutdown();
    assert.ok(receiver.spans.some((s) => s.name === 'last words'));
    telemetry = undefined;
  });

  it('drops past maxQueueSize, counting what is buffered and what the worker holds', async () => {
    const bounded = createServiceMetrics({ serviceVersion: '1.0.0' });
    telemetry = startTelemetry({
      serviceName: 'worker-export-test',
      serviceVersion: '1.0.0',
      metrics: bounded,
      tracesEndpoint: receiver.tracesUrl,
      exportInWorker: true,
      batch: { maxQueueSize: 4, maxExportBatchSize: 2 },
      env: {},
    });
    // Synchronously: the worker cannot report an export in between, so two batches fill the queue.
    for (let index = 0; index < 10; index++) trace.getTracer('test').startSpan(`burst ${index}`).end();
    assert.equal(await counted(bounded.spansProcessed, 'queue_full'), 6);
    await telemetry.forceFlush();
    assert.equal(await counted(bounded.spansExported), 4);
    assert.equal((await bounded.spanQueueSize.get()).values[0]?.value, 0);
  });
});
