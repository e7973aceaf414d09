/**
 * @module The messages between the span processor on the main thread (worker-export.ts) and the export worker
 * (worker-export-thread.ts). Both ends handle them in the order they were posted, which the protocol relies on:
 * a `flush` is answered after every batch posted before it has been exported.
 */
import type { SpanBatch } from './span-record.ts';

/** What the worker is started with (`workerData`). */
export interface ExportWorkerData {
  /** Full OTLP/HTTP traces URL; headers, timeout and compression come from `OTEL_EXPORTER_OTLP_*` as in-thread. */
  readonly tracesEndpoint: string;
  /** A batch whose export has not finished by then counts as failed, as in the batch span processor. */
  readonly exportTimeoutMillis: number;
}

export type ToWorker =
  | ({ readonly type: 'export'; readonly id: number } & SpanBatch)
  | { readonly type: 'flush'; readonly id: number }
  | { readonly type: 'shutdown'; readonly id: number };

export type FromWorker =
  | {
      readonly type: 'exported';
      readonly id: number;
      readonly count: number;
      /** Absent when the export succeeded. */
      readonly error?: string;
    }
  | { readonly type: 'flushed' | 'shut-down'; readonly id: number; readonly error?: string };
