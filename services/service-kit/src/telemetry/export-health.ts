/**
 * @module Span export health in Prometheus: how many spans the batch processor handled or dropped, how many the
 * exporter delivered or failed to deliver, and how full the queue is.
 *
 * The batch span processor of `@opentelemetry/sdk-trace` 3.x reports `otel.sdk.processor.span.processed`
 * (with `error.type="queue_full"` for drops) and `otel.sdk.processor.span.queue.size` to a `selfObsMeterProvider`.
 * Rather than run a second metrics SDK for three numbers, a tiny MeterProvider forwards exactly those instruments
 * into prom-client; every other instrument it is asked for is a no-op.
 */
import {
  type Attributes,
  type BatchObservableCallback,
  type Counter,
  createNoopMeter,
  type Gauge,
  type Histogram,
  type Meter,
  type MeterProvider,
  type MetricOptions,
  type Observable,
  type ObservableCallback,
  type ObservableCounter,
  type ObservableGauge,
  type ObservableResult,
  type ObservableUpDownCounter,
  type UpDownCounter,
} from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { LABEL } from './contract.ts';
import type { ServiceMetrics } from './metrics.ts';

/** Names emitted by the SDK's span processor (semantic conventions, `otel.sdk.*`, development status). */
const SDK_PROCESSED = 'otel.sdk.processor.span.processed';
const SDK_QUEUE_SIZE = 'otel.sdk.processor.span.queue.size';
const QUEUE_FULL = 'queue_full';
const EXPORT_FAILED = 'export_failed';

type ExportHealthMetrics = Pick<ServiceMetrics, 'spansProcessed' | 'spansExported' | 'spanQueueSize'>;

/** Any error type other than a full queue folds into `export_failed`: the SDK passes exception class names. */
const processedErrorLabel = (attributes: Attributes | undefined): Record<string, string> => {
  const errorType = attributes?.[ATTR_ERROR_TYPE];
  if (errorType === undefined) return {};
  return { [LABEL.errorType]: errorType === QUEUE_FULL ? QUEUE_FULL : EXPORT_FAILED };
};

class ExportHealthMeter implements Meter {
  readonly #noop = createNoopMeter();
  readonly #metrics: ExportHealthMetrics;

  constructor(metrics: ExportHealthMetrics) {
    this.#metrics = metrics;
  }

  createCounter<A extends Attributes = Attributes>(name: string, options?: MetricOptions): Counter<A> {
    if (name !== SDK_PROCESSED) return this.#noop.createCounter(name, options);
    const processed = this.#metrics.spansProcessed;
    return {
      add(value: number, attributes?: A): void {
        processed.inc(processedErrorLabel(attributes), value);
      },
    };
  }

  createObservableUpDownCounter<A extends Attributes = Attributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableUpDownCounter<A> {
    if (name !== SDK_QUEUE_SIZE) return this.#noop.createObservableUpDownCounter(name, options);
    const gauge = this.#metrics.spanQueueSize;
    const callbacks = new Set<ObservableCallback<A>>();
    const result: ObservableResult<A> = { observe: (value: number) => gauge.set(value) };
    // prom-client calls `collect` on every scrape: that is when the queue length is read.
    (gauge as unknown as { collect: () => void }).collect = () => {
      for (const callback of callbacks) void callback(result);
    };
    return {
      addCallback: (callback: ObservableCallback<A>) => void callbacks.add(callback),
      removeCallback: (callback: ObservableCallback<A>) => void callbacks.delete(callback),
    };
  }

  createGauge<A extends Attributes = Attributes>(name: string, options?: MetricOptions): Gauge<A> {
    return this.#noop.createGauge(name, options);
  }
  createHistogram<A extends Attributes = Attributes>(name: string, options?: MetricOptions): Histogram<A> {
    return this.#noop.createHistogram(name, options);
  }
  createUpDownCounter<A extends Attributes = Attributes>(name: string, options?: MetricOptions): UpDownCounter<A> {
    return this.#noop.createUpDownCounter(name, options);
  }
  createObservableGauge<A extends Attributes = Attributes>(name: string, options?: MetricOptions): ObservableGauge<A> {
    return this.#noop.createObservableGauge(name, options);
  }
  createObservableCounter<A extends Attributes = Attributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableCounter<A> {
    return this.#noop.createObservableCounter(name, options);
  }
  addBatchObservableCallback<A extends Attributes = Attributes>(
    callback: BatchObservableCallback<A>,
    observables: Observable<A>[],
  ): void {
    this.#noop.addBatchObservableCallback(callback, observables);
  }
  removeBatchObservableCallback<A extends Attributes = Attributes>(
    callback: BatchObservableCallback<A>,
    observables: Observable<A>[],
  ): void {
    this.#noop.removeBatchObservableCallback(callback, observables);
  }
}

/** The `selfObsMeterProvider` handed to the batch span processor. */
export const exportHealthMeterProvider = (metrics: ExportHealthMetrics): MeterProvider => {
  const meter = new ExportHealthMeter(metrics);
  return { getMeter: () => meter };
};

/**
 * Wraps an exporter to count delivered and failed spans. The exporter's own errors already reach the SDK's
 * diagnostic logger once per failed batch; this makes them visible to alerts.
 */
export const countingExporter = (exporter: SpanExporter, metrics: ExportHealthMetrics): SpanExporter => {
  const failed = { [LABEL.errorType]: EXPORT_FAILED };
  return {
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      exporter.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) metrics.spansExported.inc(spans.length);
        else metrics.spansExported.inc(failed, spans.length);
        resultCallback(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
};
