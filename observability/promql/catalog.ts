/**
 * @module The catalog of every series the stack can query: the telemetry contract (with histogram suffixes),
 * prom-client's runtime metrics, documented external metrics, and the series our recording rules write.
 */
import { LABEL, METRIC, type MetricType, RUNTIME_METRIC } from '@mesh-stack/service-kit/contract';
import { bucket, count, LE, sum } from './build.ts';
import { ALL_EXTERNAL_METRICS } from './external-metrics.ts';
import { ALL_TARGET_LABELS } from './targets.ts';

export interface KnownSeries {
  readonly name: string;
  readonly labels: ReadonlySet<string>;
  /** True for monotonic counters, which only make sense inside `rate`/`irate`/`increase`. */
  readonly counter: boolean;
  readonly origin: string;
}

export type Catalog = ReadonlyMap<string, KnownSeries>;

/** A series written by a recording rule, with the labels it carries. */
export interface RecordedSeries {
  readonly name: string;
  readonly labels: readonly string[];
}

interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly origin: string;
}

/** prom-client `collectDefaultMetrics` types (lib/metrics/*.js); `nodejs_active_handles_total` is a gauge. */
const RUNTIME_TYPES: Readonly<Record<keyof typeof RUNTIME_METRIC, MetricType>> = {
  eventLoopLagP99: 'gauge',
  eventLoopLagMean: 'gauge',
  heapUsed: 'gauge',
  heapTotal: 'gauge',
  gcDuration: 'histogram',
  activeHandles: 'gauge',
  cpuSeconds: 'counter',
  residentMemory: 'gauge',
  openFds: 'gauge',
  startTime: 'gauge',
};
const RUNTIME_LABELS: Partial<Record<keyof typeof RUNTIME_METRIC, readonly string[]>> = { gcDuration: [LABEL.gcKind] };

const families = (): Family[] => [
  ...Object.values(METRIC).map((metric) => ({ ...metric, origin: 'contract' })),
  ...(Object.keys(RUNTIME_METRIC) as (keyof typeof RUNTIME_METRIC)[]).map((key) => ({
    name: RUNTIME_METRIC[key],
    type: RUNTIME_TYPES[key],
    labels: RUNTIME_LABELS[key] ?? [],
    origin: 'prom-client runtime',
  })),
  ...ALL_EXTERNAL_METRICS.map((metric) => ({ ...metric, origin: `${metric.source} (${metric.reference})` })),
];

/** A scraped series: its own labels plus the target labels Prometheus attaches. */
const series = (name: string, labels: readonly string[], counter: boolean, origin: string): KnownSeries => ({
  name,
  labels: new Set([...labels, ...ALL_TARGET_LABELS]),
  counter,
  origin,
});

export const buildCatalog = (recorded: readonly RecordedSeries[] = []): Catalog => {
  const catalog = new Map<string, KnownSeries>();
  const add = (entry: KnownSeries): void => {
    catalog.set(entry.name, entry);
  };
  for (const family of families()) {
    if (family.type === 'histogram') {
      add(series(bucket(family.name), [...family.labels, LE], true, family.origin));
      add(series(count(family.name), family.labels, true, family.origin));
      add(series(sum(family.name), family.labels, true, family.origin));
    } else {
      add(series(family.name, family.labels, family.type === 'counter', family.origin));
    }
  }
  // Recorded series keep only the labels their rule aggregates by, so no target labels are added.
  for (const rule of recorded)
    add({ name: rule.name, labels: new Set(rule.labels), counter: false, origin: 'recording rule' });
  return catalog;
};
