/**
 * @module A span processor that takes OTLP serialisation and sending off the request thread: finished spans become
 * plain records (span-record.ts), batched here like the SDK's BatchSpanProcessor batches them, and posted to a
 * `node:worker_threads` Worker that rebuilds them and exports them with the library's own OTLP/HTTP protobuf
 * exporter (worker-export-thread.ts). Opt-in (`MESH_STACK_EXPORT_IN_WORKER=true`); `npm run bench` measures it
 * against the in-thread processor (the `*-telemetry-worker` variants).
 *
 * Same settings and the same export-health metrics as the in-thread processor: one bound (`maxQueueSize`) on the
 * spans buffered here plus those handed to the worker and not yet exported, drops past it counted as
 * `queue_full`; batches of `maxExportBatchSize`, or fewer after `scheduledDelayMillis`; each export's result
 * counted when the worker reports it. The worker does not keep the process alive, except while it holds spans or a
 * flush waits on it, as an in-thread export's socket would.
 */
import { Worker } from 'node:worker_threads';
import { type Attributes, type Context, type Counter, diag, TraceFlags } from '@opentelemetry/api';
import { globalErrorHandler } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { BatchSpanProcessorConfig } from './config.ts';
import { LABEL } from './contract.ts';
import { exportHealthMeterProvider } from './export-health.ts';
import type { ServiceMetrics } from './metrics.ts';
import { type SpanRecord, SpanRecordEncoder } from './span-record.ts';
import type { ExportWorkerData, FromWorker, ToWorker } from './worker-export-protocol.ts';

/** The instruments the SDK's batch processor reports (export-health.ts forwards them to prom-client). */
const SDK_PROCESSED = 'otel.sdk.processor.span.processed';
const SDK_QUEUE_SIZE = 'otel.sdk.processor.span.queue.size';
const QUEUE_FULL: Attributes = { [ATTR_ERROR_TYPE]: 'queue_full' };
const EXPORT_FAILED: Attributes = { [ATTR_ERROR_TYPE]: 'export_failed' };

const WORKER_ENTRY = new URL('./worker-export-thread.ts', import.meta.url);

export interface WorkerSpanProcessorOptions {
  /** Full OTLP/HTTP traces URL. */
  readonly tracesEndpoint: string;
  readonly batch: BatchSpanProcessorConfig;
  readonly metrics: Pick<ServiceMetrics, 'spansProcessed' | 'spansExported' | 'spanQueueSize'>;
}

/**
 * @example
 * new TracerProvider({ spanProcessors: [new WorkerSpanProcessor({ tracesEndpoint, batch: config.batch, metrics })] })
 */
export class WorkerSpanProcessor implements SpanProcessor {
  readonly #worker: Worker;
  readonly #batch: BatchSpanProcessorConfig;
  readonly #metrics: WorkerSpanProcessorOptions['metrics'];
  readonly #processed: Counter;
  readonly #encoder = new SpanRecordEncoder();
  #buffer: SpanRecord[] = [];
  /** Spans posted to the worker whose export it has not reported yet. */
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #nextId = 0;
  readonly #waiting = new Map<number, (answer: FromWorker) => void>();
  #droppedSinceWarning = 0;
  /** Why the worker is gone, once it is: spans are then counted as failed exports. */
  #gone: string | undefined;
  #shutdown: Promise<void> | undefined;

  constructor({ tracesEndpoint, batch, metrics }: WorkerSpanProcessorOptions) {
    if (batch.maxExportBatchSize > batch.maxQueueSize) {
      diag.warn('WorkerSpanProcessor: maxExportBatchSize must be at most maxQueueSize, using maxQueueSize');
    }
    this.#batch = { ...batch, maxExportBatchSize: Math.min(batch.maxExportBatchSize, batch.maxQueueSize) };
    this.#metrics = metrics;
    const meter = exportHealthMeterProvider(metrics).getMeter('@mesh-stack/service-kit');
    this.#processed = meter.createCounter(SDK_PROCESSED);
    meter
      .createObservableUpDownCounter(SDK_QUEUE_SIZE)
      .addCallback((result) => result.observe(this.#buffer.length + this.#inFlight));
    const workerData: ExportWorkerData = { tracesEndpoint, exportTimeoutMillis: batch.exportTimeoutMillis };
    // No inherited `--import`/`--cpu-prof`: preloads meant for the application (probes, test guards) stay out.
    this.#worker = new Worker(WORKER_ENTRY, { workerData, execArgv: [], name: 'otlp-span-export' });
    this.#worker.unref();
    this.#worker.on('message', (answer: FromWorker) => this.#onAnswer(answer));
    this.#worker.on('error', (error) => this.#onGone(`failed: ${error.message}`));
    this.#worker.on('exit', (code) => this.#onGone(`exited with code ${code}`));
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#shutdown !== undefined) return;
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#gone !== undefined) {
      this.#countFailed(1);
      return;
    }
    if (this.#buffer.length + this.#inFlight >= this.#batch.maxQueueSize) {
      if (this.#droppedSinceWarning === 0) diag.debug('maxQueueSize reached, dropping spans');
      this.#droppedSinceWarning++;
      this.#processed.add(1, QUEUE_FULL);
      return;
    }
    if (this.#droppedSinceWarning > 0) {
      diag.warn(`Dropped ${this.#droppedSinceWarning} spans because maxQueueSize reached`);
      this.#droppedSinceWarning = 0;
    }
    this.#buffer.push(this.#encoder.encode(span));
    if (this.#buffer.length >= this.#batch.maxExportBatchSize) this.#postBuffer();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#postBuffer(), this.#batch.scheduledDelayMillis);
      this.#timer.unref();
    }
  }

  /** Posts what is buffered, then resolves once the worker has exported everything posted so far. */
  forceFlush(): Promise<void> {
    if (this.#shutdown !== undefined) return this.#shutdown;
    this.#postBuffer();
    return this.#ask('flush');
  }

  /** Exports what is left and stops the worker; later calls return the same promise. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      this.#postBuffer();
      try {
        await this.#ask('shutdown');
      } finally {
        await this.#worker.terminate();
      }
    })();
    return this.#shutdown;
  }

  #postBuffer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#buffer.length > 0 && this.#gone === undefined) {
      const spans = this.#buffer.splice(0, this.#batch.maxExportBatchSize);
      const id = this.#nextId++;
      this.#inFlight += spans.length;
      try {
        this.#post({ type: 'export', id, ...this.#encoder.batch(spans) });
      } catch (error) {
        // An attribute value structured clone cannot copy: that batch is lost, later ones are not.
        this.#inFlight -= spans.length;
        this.#countFailed(spans.length);
        globalErrorHandler(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.#keepAliveWhileBusy();
  }

  #ask(type: 'flush' | 'shutdown'): Promise<void> {
    if (this.#gone !== undefined) return Promise.reject(new Error(`span export worker ${this.#gone}`));
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        this.#keepAliveWhileBusy();
        reject(new Error('Timeout'));
      }, this.#batch.exportTimeoutMillis);
      this.#waiting.set(id, (answer) => {
        clearTimeout(timer);
        if (answer.error === undefined) resolve();
        else reject(new Error(answer.error));
      });
      this.#post({ type, id });
      this.#keepAliveWhileBusy();
    });
  }

  #post(request: ToWorker): void {
    this.#worker.postMessage(request);
  }

  #onAnswer(answer: FromWorker): void {
    if (answer.type === 'exported') {
      this.#inFlight -= answer.count;
      if (answer.error === undefined) {
        this.#processed.add(answer.count);
        this.#metrics.spansExported.inc(answer.count);
      } else {
        this.#countFailed(answer.count);
        globalErrorHandler(new Error(answer.error));
      }
    } else {
      const waiter = this.#waiting.get(answer.id);
      this.#waiting.delete(answer.id);
      waiter?.(answer);
    }
    this.#keepAliveWhileBusy();
  }

  #onGone(reason: string): void {
    if (this.#gone !== undefined) return;
    this.#gone = reason;
    // After shutdown the worker is terminated on purpose: nothing is left to count.
    if (this.#shutdown !== undefined) return;
    diag.error(`span export worker ${reason}: spans are no longer exported`);
    this.#countFailed(this.#inFlight + this.#buffer.length);
    this.#inFlight = 0;
    this.#buffer = [];
    clearTimeout(this.#timer);
    for (const [id, waiter] of this.#waiting) waiter({ type: 'flushed', id, error: `span export worker ${reason}` });
    this.#waiting.clear();
  }

  #countFailed(count: number): void {
    if (count === 0) return;
    this.#processed.add(count, EXPORT_FAILED);
    this.#metrics.spansExported.inc({ [LABEL.errorType]: 'export_failed' }, count);
  }

  /** Holds the process open while spans or a flush are with the worker, as an in-thread export's socket would. */
  #keepAliveWhileBusy(): void {
    if (this.#gone !== undefined) return;
    if (this.#inFlight > 0 || this.#waiting.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }
}
