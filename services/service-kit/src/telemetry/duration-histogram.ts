/**
 * @module A prom-client histogram whose series are resolved once, for the durations recorded on every request
 * (server requests, client attempts, database statements), with the exemplar policy built in.
 *
 * Why not prom-client's `observe()`: it validates the label set and hashes it into a key on every call, 0.7–1.1 µs
 * against under 0.1 µs for a resolved series (BENCHMARKS.md, "Micro-benchmark: one histogram observation"), and an
 * order makes about twenty such observations in three processes. Everything else stays prom-client's: the class is a `Histogram`, registers
 * in the service's registry, and renders through prom-client's own OpenMetrics and text writers, which read the
 * values from `get()`. Its generic `observe()`, `labels()`, `startTimer()` and `zero()` still work (resolving the
 * series by label set each time), and a test holds its exposition to prom-client's own histogram fed the same values.
 *
 * Exemplars: a sampled observation refreshes its bucket's `trace_id` exemplar at most once a second; failures
 * always do. Prometheus keeps the one exemplar per bucket a scrape finds, so refreshing it more often is wasted work.
 */
import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import { Histogram, type HistogramConfiguration, type LabelValues } from 'prom-client';
import { EXEMPLAR_TRACE_ID_LABEL } from './contract.ts';

export const EXEMPLAR_MIN_INTERVAL_MS = 1000;

/** One sample as prom-client's writers read it (`Registry.getMetricsAsString`); not exported by its typings. */
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels?: Readonly<Record<string, string>>;
  readonly metricName: string;
  readonly exemplar?: Exemplar | null;
}

interface Exemplar {
  labelSet: Record<string, string>;
  value: number;
  /** Seconds since the epoch, as OpenMetrics writes it. */
  timestamp: number;
}

/** One series of a {@link DurationHistogram}: observing it is a bucket search and three additions. */
export class DurationSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly #bounds: readonly number[];
  /** Per bucket, not cumulative; the last slot is +Inf. */
  readonly #counts: Float64Array;
  /** When each bucket last took an exemplar (`performance.now()`), and the exemplar itself. */
  readonly #exemplarAtMs: Float64Array;
  readonly #exemplars: (Exemplar | undefined)[];
  #sum = 0;
  #count = 0;
  /** False after the histogram's `remove()`, until the next observation: kept, so callers' references stay live. */
  #exposed = true;

  constructor(labels: Readonly<Record<string, string>>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
    this.#exemplarAtMs = new Float64Array(bounds.length + 1).fill(Number.NEGATIVE_INFINITY);
    this.#exemplars = new Array<Exemplar | undefined>(bounds.length + 1).fill(undefined);
  }

  /**
   * Records `seconds`. With a sampled `spanContext`, its trace id becomes the bucket's exemplar when the bucket
   * has had none for a second, or at once when the operation `failed` (rare, and the exemplars most worth having).
   * @param nowMs `performance.now()` when the operation ended: the clock the exemplar throttle runs on.
   */
  observe(seconds: number, nowMs = performance.now(), spanContext?: SpanContext, failed = false): void {
    if (!Number.isFinite(seconds)) return;
    this.#exposed = true;
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket++;
    (this.#counts[bucket] as number)++;
    this.#sum += seconds;
    this.#count++;
    if (spanContext === undefined || (spanContext.traceFlags & TraceFlags.SAMPLED) !== TraceFlags.SAMPLED) return;
    if (!failed && nowMs - (this.#exemplarAtMs[bucket] as number) < EXEMPLAR_MIN_INTERVAL_MS) return;
    this.#exemplarAtMs[bucket] = nowMs;
    this.#exemplars[bucket] = {
      labelSet: { [EXEMPLAR_TRACE_ID_LABEL]: spanContext.traceId },
      value: seconds,
      timestamp: Date.now() / 1000,
    };
  }

  /**
   * Out of the exposition and back to zero, as prom-client's `remove()` leaves a series; the next observation
   * brings it back. The series object survives, so a caller that resolved it keeps recording into the histogram.
   */
  withdraw(): void {
    this.reset();
    this.#exposed = false;
  }

  /** Back to zero and exposed (prom-client's `zero()`); the series stays resolved. */
  reset(): void {
    this.#exposed = true;
    this.#counts.fill(0);
    this.#exemplarAtMs.fill(Number.NEGATIVE_INFINITY);
    this.#exemplars.fill(undefined);
    this.#sum = 0;
    this.#count = 0;
  }

  /** The series' samples in the shape prom-client's writers read: cumulative buckets, then `_sum` and `_count`. */
  samples(name: string): Sample[] {
    if (!this.#exposed) return [];
    const sharedLabels = this.labels;
    const samples: Sample[] = [];
    let cumulative = 0;
    for (let bucket = 0; bucket <= this.#bounds.length; bucket++) {
      cumulative += this.#counts[bucket] as number;
      const le = bucket < this.#bounds.length ? (this.#bounds[bucket] as number) : '+Inf';
      samples.push({
        labels: { le },
        sharedLabels,
        value: cumulative,
        metricName: `${name}_bucket`,
        exemplar: this.#exemplars[bucket] ?? null,
      });
    }
    samples.push({ labels: {}, sharedLabels, value: this.#sum, metricName: `${name}_sum` });
    samples.push({ labels: {}, sharedLabels, value: this.#count, metricName: `${name}_count` });
    return samples;
  }
}

type ObserveArguments =
  | [labels: LabelValues<string>, value: number]
  | [value: number]
  | [{ labels?: LabelValues<string>; value: number; exemplarLabels?: LabelValues<string> }];

/**
 * A histogram of durations whose callers resolve each series once with {@link DurationHistogram.series} and keep it.
 * @example
 * const histogram = new DurationHistogram({ name, help, labelNames, buckets, registers: [registry] })
 * const ok = histogram.series({ http_request_method: 'GET', http_route: '/users/:id', http_response_status_code: '200' })
 * ok.observe(seconds, performance.now(), span.spanContext())
 */
export class DurationHistogram extends Histogram<string> {
  readonly #name: string;
  readonly #help: string;
  readonly #names: readonly string[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, DurationSeries>();

  constructor(configuration: Omit<HistogramConfiguration<string>, 'enableExemplars' | 'collect'>) {
    super({ ...configuration, enableExemplars: true });
    const { name, help, labelNames = [], buckets = [] } = configuration;
    this.#name = name;
    this.#help = help;
    this.#names = [...labelNames];
    this.#bounds = Object.freeze([...buckets].sort((a, b) => a - b));
    // prom-client's constructor installs its own `observe` on the instance; the generic path resolves a series.
    this.observe = (...args: ObserveArguments) => this.#observeGeneric(args);
  }

  /**
   * The series for `labels`, created at zero the first time. Resolve once per label set and keep it: this call
   * validates and keys the labels, which is the cost the series exists to avoid.
   */
  series(labels: LabelValues<string>): DurationSeries {
    let key = '';
    for (const name of Object.keys(labels)) {
      if (!this.#names.includes(name)) {
        throw new Error(`Added label "${name}" is not included in initial labelset: ${JSON.stringify(this.#names)}`);
      }
    }
    const resolved: Record<string, string> = {};
    for (const name of this.#names) {
      const value = labels[name];
      key += value === undefined ? '\u0001' : `\u0002${String(value)}`;
      key += '\u0000';
      if (value !== undefined) resolved[name] = String(value);
    }
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new DurationSeries(Object.freeze(resolved), this.#bounds);
      this.#series.set(key, series);
    }
    return series;
  }

  #observeGeneric(args: ObserveArguments): void {
    const [first, second] = args;
    if (typeof first === 'number') {
      this.series({}).observe(first);
      return;
    }
    if (second !== undefined) {
      this.series(first as LabelValues<string>).observe(second);
      return;
    }
    const { labels = {}, value, exemplarLabels } = first as Extract<ObserveArguments[0], { value: number }>;
    const traceId = exemplarLabels?.[EXEMPLAR_TRACE_ID_LABEL];
    const spanContext =
      traceId === undefined ? undefined : { traceId: String(traceId), spanId: '', traceFlags: TraceFlags.SAMPLED };
    this.series(labels).observe(value, performance.now(), spanContext);
  }

  override labels(...args: string[]): Histogram.Internal<string>;
  override labels(labels: LabelValues<string>): Histogram.Internal<string>;
  override labels(...args: [LabelValues<string>] | string[]): Histogram.Internal<string> {
    const series = this.series(this.#labelSet(args));
    const startTimer = () => {
      const start = performance.now();
      return () => {
        const seconds = (performance.now() - start) / 1000;
        series.observe(seconds);
        return seconds;
      };
    };
    return { observe: (value: number) => series.observe(value), startTimer };
  }

  override zero(labels: LabelValues<string>): void {
    this.series(labels).reset();
  }

  /** Withdraws every series, as prom-client's `reset()` empties its histogram; callers' series stay valid. */
  override reset(): void {
    // prom-client's constructor calls `reset()` before this class's fields exist.
    if (!(#series in this)) return;
    for (const series of this.#series.values()) series.withdraw();
  }

  override remove(...args: string[]): void;
  override remove(labels: LabelValues<string>): void;
  override remove(...args: [LabelValues<string>] | string[]): void {
    this.series(this.#labelSet(args)).withdraw();
  }

  /** Label values given positionally (prom-client's `labels('GET', '/x')`) or as an object. */
  #labelSet(args: [LabelValues<string>] | string[]): LabelValues<string> {
    const [first] = args;
    if (typeof first === 'object') return first;
    return Object.fromEntries((args as string[]).map((value, index) => [this.#names[index] as string, value]));
  }

  /** What prom-client's writers render (`Registry.getMetricsAsString` reads `getForPromString` when present). */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: Sample[];
    aggregator: string;
  }> {
    const values: Sample[] = [];
    for (const series of this.#series.values()) values.push(...series.samples(this.#name));
    return { name: this.#name, help: this.#help, type: 'histogram', values, aggregator: 'sum' };
  }

  /** prom-client's JSON form: the series' labels merged into each sample's. */
  override async get(): ReturnType<Histogram<string>['get']> {
    const data = await this.getForPromString();
    const values = data.values.map(({ sharedLabels, labels, value, metricName, exemplar }) => ({
      value,
      metricName,
      exemplar,
      labels: { ...labels, ...sharedLabels },
    }));
    return { ...data, values } as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
  }
}
