/**
 * @module The export worker's entry (a `node:worker_threads` Worker started by worker-export.ts): rebuilds the
 * spans the main thread posts and hands them to the library's own OTLP/HTTP protobuf exporter, the same one the
 * in-thread batch processor uses, one batch at a time, reporting each result back.
 *
 * Nothing here traces: the worker has no tracer provider, so the exporter's own HTTP requests make no spans.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { SpanRecordDecoder } from './span-record.ts';
import type { ExportWorkerData, FromWorker, ToWorker } from './worker-export-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('worker-export-thread.ts runs as a worker thread only');
const { tracesEndpoint, exportTimeoutMillis } = workerData as ExportWorkerData;
const exporter = new OTLPTraceExporter({ url: tracesEndpoint });
const decoder = new SpanRecordDecoder();

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Resolves with the error message of a failed export, or undefined; never rejects. */
const exportBatch = (spans: ReadableSpan[]): Promise<string | undefined> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve('Timeout'), exportTimeoutMillis);
    exporter.export(spans, (result) => {
      clearTimeout(timer);
      resolve(result.code === ExportResultCode.SUCCESS ? undefined : message(result.error ?? 'span export failed'));
    });
  });

const reply = (answer: FromWorker) => port.postMessage(answer);

// One export at a time, as the in-thread batch processor does; a flush or shutdown waits for the exports before it.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: ToWorker) => {
  switch (request.type) {
    case 'export': {
      // Decoded on arrival, so definitions are applied in the order they were sent.
      let spans: ReadableSpan[];
      try {
        spans = decoder.decode(request);
      } catch (error) {
        reply({ type: 'exported', id: request.id, count: request.spans.length, error: message(error) });
        return;
      }
      queue = queue.then(async () => {
        const error = await exportBatch(spans);
        reply({ type: 'exported', id: request.id, count: spans.length, ...(error === undefined ? {} : { error }) });
      });
      return;
    }
    case 'flush':
      queue = queue.then(() =>
        exporter.forceFlush().then(
          () => reply({ type: 'flushed', id: request.id }),
          (error: unknown) => reply({ type: 'flushed', id: request.id, error: message(error) }),
        ),
      );
      return;
    case 'shutdown':
      queue = queue.then(() =>
        exporter.shutdown().then(
          () => reply({ type: 'shut-down', id: request.id }),
          (error: unknown) => reply({ type: 'shut-down', id: request.id, error: message(error) }),
        ),
      );
      return;
  }
});
