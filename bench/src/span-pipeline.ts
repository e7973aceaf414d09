/**
 * @module Micro-benchmark: what one recorded span costs this process, stage by stage, from `startSpan` to the
 * OTLP request on the wire. Run: `npm run bench:span-pipeline`.
 *
 * The spans look like the server spans of `http-server.ts` (kind SERVER, a remote parent, five attributes). Each
 * stage adds one step of the pipeline the services run (`sdk.ts`):
 * 1. unsampled: the span the production profile creates for nine requests in ten (no attributes, no export);
 * 2. recorded, no processor: the SDK's span object, its attributes and `end()`;
 * 3. + BatchSpanProcessor handing batches to an exporter that drops them;
 * 4. + OTLP protobuf encoding (`ProtobufTraceSerializer`, what the OTLP exporter runs), the bytes dropped;
 * 5. + the real OTLPTraceExporter sending to an OTLP receiver in a child process (its CPU is not counted).
 *
 * CPU time of this process (`process.cpuUsage`, all threads) per span, medians of five interleaved rounds, side by
 * side in one run: the differences between stages are the result; the absolute numbers move with the machine.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ATTR } from '@mesh-stack/service-kit/contract';
import { type Attributes, type Context, context, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

const SPANS_PER_ROUND = 100_000;
/** Spans started between two turns of the event loop, so the processor's timer and the exporter's sockets run. */
const SPANS_PER_TURN = 200;
const ROUNDS = 5;

const RESOURCE = resourceFromAttributes({
  'service.name': 'order-service',
  'service.version': '0.1.0',
  'service.instance.id': '6f1c1f7e-2f53-4c55-9f0e-5b0a3c1f9b11',
});

const PARENT: Context = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

const START_ATTRIBUTES: Attributes = { [ATTR.httpRequestMethod]: 'POST', [ATTR.urlScheme]: 'http' };

class DroppingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

class EncodingExporter extends DroppingExporter {
  bytes = 0;
  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.bytes += ProtobufTraceSerializer.serializeRequest(spans)?.byteLength ?? 0;
    done({ code: ExportResultCode.SUCCESS });
  }
}

const startReceiver = async (): Promise<{ endpoint: string; stop: () => void }> => {
  const child = spawn(process.execPath, [new URL('./receiver-process.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await once(lines, 'line')) as [string];
  const { endpoint } = JSON.parse(first) as { endpoint: string };
  return { endpoint: `${endpoint}/v1/traces`, stop: () => child.kill('SIGTERM') };
};

interface Stage {
  readonly name: string;
  readonly provider: TracerProvider;
}

const stage = (name: string, sampled: boolean, processor?: SpanProcessor): Stage => ({
  name,
  provider: new TracerProvider({
    resource: RESOURCE,
    sampler: sampled ? new AlwaysOnSampler() : new AlwaysOffSampler(),
    spanProcessors: processor ? [processor] : [],
  }),
});

const batch = (exporter: SpanExporter): BatchSpanProcessor =>
  // The services' settings (config.ts): the SDK's defaults but a 2,048-span queue that never fills here.
  new BatchSpanProcessor({ exporter, maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000 });

/** One server span as `http-server.ts` records it: attributes only when recording. */
const recordOne = (stageTracer: ReturnType<TracerProvider['getTracer']>): void => {
  const span = stageTracer.startSpan('POST', { kind: SpanKind.SERVER }, PARENT);
  if (span.isRecording()) {
    span.setAttributes(START_ATTRIBUTES);
    span.updateName('POST /orders');
    span.setAttribute(ATTR.httpRoute, '/orders');
    span.setAttribute(ATTR.urlPath, '/orders');
    span.setAttribute(ATTR.httpResponseStatusCode, 201);
  }
  // The context switch every request makes, recorded or not.
  context.with(trace.setSpan(PARENT, span), () => undefined);
  span.end();
};

const nanosecondsPerSpan = async (subject: Stage): Promise<number> => {
  const stageTracer = subject.provider.getTracer('bench');
  const before = process.cpuUsage();
  for (let started = 0; started < SPANS_PER_ROUND; started += SPANS_PER_TURN) {
    for (let index = 0; index < SPANS_PER_TURN; index++) recordOne(stageTracer);
    await yieldToLoop();
  }
  await subject.provider.forceFlush();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / SPANS_PER_ROUND;
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

context.setGlobalContextManager(new AsyncLocalStorageContextManager());
const receiver = await startReceiver();
const encoding = new EncodingExporter();
const stages: Stage[] = [
  stage('1. unsampled (non-recording span)', false),
  stage('2. recorded, no processor', true),
  stage('3. + BatchSpanProcessor, exporter drops', true, batch(new DroppingExporter())),
  stage('4. + OTLP protobuf encoding', true, batch(encoding)),
  stage('5. + OTLP/HTTP export to a receiver', true, batch(new OTLPTraceExporter({ url: receiver.endpoint }))),
];

try {
  const rounds = new Map<string, number[]>(stages.map(({ name }) => [name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    // Interleaved so drift in the machine's speed falls on every stage alike; round 0 warms the JIT up.
    for (const subject of stages) {
      const nanoseconds = await nanosecondsPerSpan(subject);
      if (round > 0) rounds.get(subject.name)?.push(nanoseconds);
    }
  }
  const spansEncoded = SPANS_PER_ROUND * (ROUNDS + 1);
  console.log(
    `Node ${process.versions.node}, ${SPANS_PER_ROUND.toLocaleString('en')} spans x ${ROUNDS} rounds; ` +
      `${(encoding.bytes / spansEncoded).toFixed(0)} bytes of OTLP protobuf per span`,
  );
  let previous: number | undefined;
  for (const [name, values] of rounds) {
    const nanoseconds = median(values);
    const step = previous === undefined ? '' : `  (+${((nanoseconds - previous) / 1000).toFixed(2)} µs)`;
    const spread = `${(Math.min(...values) / 1000).toFixed(2)}-${(Math.max(...values) / 1000).toFixed(2)}`;
    console.log(`${name.padEnd(42)} ${(nanoseconds / 1000).toFixed(2).padStart(6)} µs/span  [${spread}]${step}`);
    previous = nanoseconds;
  }
} finally {
  await Promise.all(stages.map(({ provider }) => provider.shutdown()));
  receiver.stop();
}
