/**
 * @module The service's Prometheus registry and every instrument in the contract, created once per process.
 *
 * The registry renders OpenMetrics (the only format that carries exemplars); see `metrics-handler.ts` for the
 * classic text format served to scrapers that do not ask for OpenMetrics.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, type OpenMetricsContentType, Registry } from 'prom-client';
import { LABEL, type LabelName, METRIC, type MetricDefinition } from './contract.ts';
import { DurationHistogram } from './duration-histogram.ts';

export interface ServiceMetricsOptions {
  /** The service version, exposed as `app_build_info{version}`. */
  readonly serviceVersion: string;
  /** Add prom-client's Node.js runtime metrics (`collectDefaultMetrics`). [default=true] */
  readonly defaultMetrics?: boolean;
}

/**
 * Every instrument a service records into, plus the registry that renders them. Histograms are typed with
 * `string` labels because their exemplar carries `trace_id`, which is not a series label.
 */
export interface ServiceMetrics {
  readonly registry: Registry<OpenMetricsContentType>;
  readonly httpServerRequestDuration: DurationHistogram;
  readonly httpServerActiveRequests: Gauge<LabelName>;
  readonly httpClientRequestDuration: DurationHistogram;
  readonly httpClientRetries: Counter<LabelName>;
  readonly dbClientOperationDuration: DurationHistogram;
  readonly ordersTotal: Counter<LabelName>;
  readonly orderValue: Histogram<string>;
  readonly paymentsTotal: Counter<LabelName>;
  readonly ordersPending: Gauge<LabelName>;
  readonly ordersPendingOldestAge: Gauge<LabelName>;
  readonly orderReconciliations: Counter<LabelName>;
  readonly faultInjection: Gauge<LabelName>;
  readonly buildInfo: Gauge<LabelName>;
  readonly spansProcessed: Counter<LabelName>;
  readonly spansExported: Counter<LabelName>;
  readonly spanQueueSize: Gauge<LabelName>;
}

const histogram = (registry: Registry<OpenMetricsContentType>, definition: MetricDefinition): Histogram<string> =>
  new Histogram<string>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labels,
    buckets: [...(definition.buckets ?? [])],
    registers: [registry],
    // Exemplars cost one extra hash per observation; the latency histograms are what Grafana links to traces.
    enableExemplars: true,
  });

/** The durations observed on every request: series resolved once by their callers (`duration-histogram.ts`). */
const durationHistogram = (
  registry: Registry<OpenMetricsContentType>,
  definition: MetricDefinition,
): DurationHistogram =>
  new DurationHistogram({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labels,
    buckets: [...(definition.buckets ?? [])],
    registers: [registry],
  });

const counter = (registry: Registry<OpenMetricsContentType>, definition: MetricDefinition): Counter<LabelName> =>
  new Counter<LabelName>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labels,
    registers: [registry],
  });

const gauge = (registry: Registry<OpenMetricsContentType>, definition: MetricDefinition): Gauge<LabelName> =>
  new Gauge<LabelName>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labels,
    registers: [registry],
  });

/**
 * Creates a fresh OpenMetrics registry holding every metric of the contract.
 * @example
 * const metrics = createServiceMetrics({ serviceVersion: '1.2.3' })
 * adminApp.get(METRICS_PATH, metricsHandler(metrics.registry))
 */
export const createServiceMetrics = ({
  serviceVersion,
  defaultMetrics = true,
}: ServiceMetricsOptions): ServiceMetrics => {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const metrics: ServiceMetrics = {
    registry,
    httpServerRequestDuration: durationHistogram(registry, METRIC.httpServerRequestDuration),
    httpServerActiveRequests: gauge(registry, METRIC.httpServerActiveRequests),
    httpClientRequestDuration: durationHistogram(registry, METRIC.httpClientRequestDuration),
    httpClientRetries: counter(registry, METRIC.httpClientRetries),
    dbClientOperationDuration: durationHistogram(registry, METRIC.dbClientOperationDuration),
    ordersTotal: counter(registry, METRIC.ordersTotal),
    orderValue: histogram(registry, METRIC.orderValue),
    paymentsTotal: counter(registry, METRIC.paymentsTotal),
    ordersPending: gauge(registry, METRIC.ordersPending),
    ordersPendingOldestAge: gauge(registry, METRIC.ordersPendingOldestAge),
    orderReconciliations: counter(registry, METRIC.orderReconciliations),
    faultInjection: gauge(registry, METRIC.faultInjection),
    buildInfo: gauge(registry, METRIC.buildInfo),
    spansProcessed: counter(registry, METRIC.spansProcessed),
    spansExported: counter(registry, METRIC.spansExported),
    spanQueueSize: gauge(registry, METRIC.spanQueueSize),
  };
  metrics.buildInfo.set({ [LABEL.version]: serviceVersion }, 1);
  metrics.httpServerActiveRequests.set(0);
  // Export health starts at zero so `rate()` and `increase()` see the first drop instead of a new series.
  metrics.spansProcessed.inc(0);
  metrics.spansProcessed.inc({ [LABEL.errorType]: 'queue_full' }, 0);
  metrics.spansExported.inc(0);
  metrics.spansExported.inc({ [LABEL.errorType]: 'export_failed' }, 0);
  metrics.spanQueueSize.set(0);
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  return metrics;
};
