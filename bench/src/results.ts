/**
 * @module The bench's results as JSON (written to `bench/results/`) and the ratios read from them: one shape for
 * the console tables, BENCHMARKS.md and the SVG chart, so they can never disagree.
 */

/** One variant's rounds; every array has one value per round (medians are taken when reading). */
export interface VariantRounds {
  readonly name: string;
  readonly description: string;
  /** Closed model: successful requests per second at saturation. */
  readonly throughput: number[];
  /** Server CPU (all the variant's processes) per successful request in the closed run, µs. */
  readonly cpuMicrosPerRequest: number[];
  /** The same by server process (the order flow's three services). */
  readonly cpuMicrosByProcess: Record<string, number[]>;
  /** Open model, from the intended send time (coordinated omission corrected). */
  readonly p50Ms: number[];
  readonly p99Ms: number[];
  readonly p999Ms: number[];
  /** Event-loop delay p99 during the open run, worst process, ms. */
  readonly eventLoopDelayP99Ms: number[];
  /** Event-loop delay p99 during the open run by process. */
  readonly eventLoopDelayP99MsByProcess: Record<string, number[]>;
  /** Longest garbage-collection pause during the open run by process, ms, and GC time per second of it. */
  readonly gcMaxPauseMsByProcess: Record<string, number[]>;
  readonly gcMsPerSecondByProcess: Record<string, number[]>;
  /** Resident memory (MiB) by process: started and idle, at the end of the closed (saturation) run. */
  readonly rssIdleMiB: Record<string, number[]>;
  readonly rssLoadMiB: Record<string, number[]>;
  /** Heap used (MiB) by process at the end of the closed run. */
  readonly heapUsedLoadMiB: Record<string, number[]>;
  /** Milliseconds from spawn to ready, by process (the closed-model rounds' starts). */
  readonly startupMs: Record<string, number[]>;
  /** Failed requests over every run of the variant. */
  failures: number;
  /**
   * After `--soak`: resident memory by process at the soak's start and end, its peak and its value every minute (flat
   * or still rising); the heap in use and committed at the end (garbage included) and V8's external memory, which
   * tell a heap filling up to its cap from memory outside the heap.
   */
  soak?: Record<
    string,
    {
      readonly startMiB: number;
      readonly endMiB: number;
      readonly peakMiB: number;
      readonly heapUsedEndMiB?: number;
      readonly heapTotalEndMiB?: number;
      readonly externalEndMiB?: number;
      readonly everyMinuteMiB?: readonly number[];
    }
  >;
}

export interface SuiteResults {
  readonly title: string;
  readonly baseline: string;
  /** Open-model rate, requests per second. */
  readonly openRate: number;
  readonly variants: VariantRounds[];
}

export interface BenchResults {
  readonly startedAt: string;
  readonly machine: {
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly loadAverageAtStart: readonly number[];
    readonly pinned: boolean;
  };
  readonly settings: {
    readonly rounds: number;
    readonly closedSeconds: number;
    readonly openSeconds: number;
    readonly connections: number;
    readonly openLoadFraction: number;
    readonly soakSeconds: number;
    /** Extra node flags every server process ran with (`--server-node-args`). */
    readonly serverNodeArgs: readonly string[];
    /** Each variant also ran with these flags (`--compare-node-args`), as `<variant>+alt1`, … */
    readonly compareNodeArgs?: readonly (readonly string[])[];
  };
  readonly suites: SuiteResults[];
}

export const emptyRounds = (name: string, description: string): VariantRounds => ({
  name,
  description,
  throughput: [],
  cpuMicrosPerRequest: [],
  cpuMicrosByProcess: {},
  p50Ms: [],
  p99Ms: [],
  p999Ms: [],
  eventLoopDelayP99Ms: [],
  eventLoopDelayP99MsByProcess: {},
  gcMaxPauseMsByProcess: {},
  gcMsPerSecondByProcess: {},
  rssIdleMiB: {},
  rssLoadMiB: {},
  heapUsedLoadMiB: {},
  startupMs: {},
  failures: 0,
});

export const push = (byProcess: Record<string, number[]>, process: string, value: number): void => {
  const values = byProcess[process];
  if (values === undefined) byProcess[process] = [value];
  else values.push(value);
};

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** The largest of the per-process medians: the process that sets the variant's limit. */
const worstProcess = (byProcess: Readonly<Record<string, readonly number[]>>): number => {
  const medians = Object.values(byProcess).map(median);
  return medians.length === 0 ? Number.NaN : Math.max(...medians);
};

/** A variant's medians, and its ratios to the suite's baseline (each as "higher is worse" or "better" says). */
export interface VariantSummary {
  readonly name: string;
  readonly description: string;
  readonly throughput: number;
  readonly cpuMicrosPerRequest: number;
  readonly p99Ms: number;
  readonly eventLoopDelayP99Ms: number;
  /** Largest per-process median. */
  readonly rssIdleMiB: number;
  readonly rssLoadMiB: number;
  readonly failures: number;
  readonly ratios: {
    /** Variant throughput / baseline throughput (higher is better). */
    readonly throughput: number;
    /** Variant CPU per request / baseline (higher is worse). */
    readonly cpuPerRequest: number;
    /** Baseline CPU / variant CPU: the throughput a dedicated core would give (higher is better). */
    readonly dedicatedCoreThroughput: number;
    /**
     * The same ratio taken round by round (baseline and variant ran minutes apart in one round) and its median
     * and range over the rounds: drift that moves a whole round cancels out of each pair, so the range says how far
     * one run's ratio can be trusted. Undefined for the baseline and when the rounds do not pair up.
     */
    readonly dedicatedCoreThroughputByRound?: RatioSpread;
    readonly p99: number;
    /**
     * The p99 ratio that the extra CPU alone would give at the open-model rate, from {@link queueingLatencyRatio}:
     * a measured p99 ratio well above it has another cause (pauses, stalls); one near it is the CPU's own cost.
     */
    readonly p99FromCpu: number;
    readonly eventLoopDelayP99: number;
    readonly rssLoad: number;
  };
}

/**
 * How much longer the latency percentiles of a variant are than the baseline's when both are queues served by one
 * core at the same arrival rate and the only difference is CPU per request: M/M/1, whose every percentile is
 * proportional to `S / (1 − λS)` (service time over the idle fraction). Infinite when the variant's core would be
 * saturated. A model (three processes share the order flow's core, service times are not exponential) that says how
 * much tail a variant's CPU per request buys at the bench's rate by itself.
 */
export const queueingLatencyRatio = (ratePerSecond: number, baselineCpuMicros: number, cpuMicros: number): number => {
  const latency = (micros: number): number => {
    const utilisation = (ratePerSecond * micros) / 1e6;
    return utilisation >= 1 ? Number.POSITIVE_INFINITY : micros / (1 - utilisation);
  };
  return latency(cpuMicros) / latency(baselineCpuMicros);
};

/** A ratio measured once per round: its median and extremes. */
export interface RatioSpread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** `baseline[i] / variant[i]` for each round both measured, summarised; undefined without a full pairing. */
export const pairedRatio = (baseline: readonly number[], variant: readonly number[]): RatioSpread | undefined => {
  if (baseline.length === 0 || baseline.length !== variant.length) return undefined;
  const ratios = baseline.map((value, round) => value / (variant[round] as number));
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
};

export const summarizeSuite = (suite: SuiteResults): VariantSummary[] => {
  const medians = suite.variants.map((variant) => ({
    variant,
    throughput: median(variant.throughput),
    cpu: median(variant.cpuMicrosPerRequest),
    p99: median(variant.p99Ms),
    eld: median(variant.eventLoopDelayP99Ms),
    rssIdle: worstProcess(variant.rssIdleMiB),
    rssLoad: worstProcess(variant.rssLoadMiB),
  }));
  const base = medians.find((entry) => entry.variant.name === suite.baseline) ?? medians[0];
  return medians.map(({ variant, throughput, cpu, p99, eld, rssIdle, rssLoad }) => ({
    name: variant.name,
    description: variant.description,
    throughput,
    cpuMicrosPerRequest: cpu,
    p99Ms: p99,
    eventLoopDelayP99Ms: eld,
    rssIdleMiB: rssIdle,
    rssLoadMiB: rssLoad,
    failures: variant.failures,
    ratios: {
      throughput: throughput / (base?.throughput ?? Number.NaN),
      cpuPerRequest: cpu / (base?.cpu ?? Number.NaN),
      dedicatedCoreThroughput: (base?.cpu ?? Number.NaN) / cpu,
      ...(base === undefined || base.variant === variant
        ? {}
        : {
            dedicatedCoreThroughputByRound: pairedRatio(base.variant.cpuMicrosPerRequest, variant.cpuMicrosPerRequest),
          }),
      p99: p99 / (base?.p99 ?? Number.NaN),
      p99FromCpu: queueingLatencyRatio(suite.openRate, base?.cpu ?? Number.NaN, cpu),
      eventLoopDelayP99: eld / (base?.eld ?? Number.NaN),
      rssLoad: rssLoad / (base?.rssLoad ?? Number.NaN),
    },
  }));
};

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '—');
/** One round (`--quick`) has no range to show. */
const spread = (value: RatioSpread | undefined): string => {
  if (value === undefined) return '—';
  return value.min === value.max
    ? ratio(value.median)
    : `${ratio(value.median)} (${ratio(value.min)}–${ratio(value.max)})`;
};

/** The suite as a Markdown table (what `npm run bench` prints and BENCHMARKS.md carries). */
export const suiteTable = (suite: SuiteResults): string[] => [
  '| variant | req/s | vs baseline | server CPU µs/request | vs baseline | dedicated-core throughput | by round: median (range) | p99 ms (open) | vs baseline | from CPU alone (M/M/1) | event-loop delay p99 ms | RSS idle MiB | RSS at saturation MiB | vs baseline | failed |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...summarizeSuite(suite).map(
    (v) =>
      `| ${v.name} | ${fixed(v.throughput, 0)} | ${ratio(v.ratios.throughput)} | ${fixed(v.cpuMicrosPerRequest, 0)} | ${ratio(v.ratios.cpuPerRequest)} | ${ratio(v.ratios.dedicatedCoreThroughput)} | ${spread(v.ratios.dedicatedCoreThroughputByRound)} | ${fixed(v.p99Ms, 1)} | ${ratio(v.ratios.p99)} | ${ratio(v.ratios.p99FromCpu)} | ${fixed(v.eventLoopDelayP99Ms, 1)} | ${fixed(v.rssIdleMiB, 0)} | ${fixed(v.rssLoadMiB, 0)} | ${ratio(v.ratios.rssLoad)} | ${v.failures} |`,
  ),
];

/** Per-process lines: CPU per request (sizes Deployments, docs/scaling.md), event-loop delay, memory. */
export const processLines = (suite: SuiteResults): string[] =>
  suite.variants.flatMap((variant) => {
    const processes = Object.keys(variant.rssLoadMiB);
    return [
      `${variant.name}: ${processes
        .map((process) => {
          const cpu = median(variant.cpuMicrosByProcess[process] ?? []);
          const soak = variant.soak?.[process];
          return (
            `${process} ${fixed(cpu, 0)} µs CPU/request (${fixed(1e6 / cpu, 0)}/s per core), ` +
            `event-loop p99 ${fixed(median(variant.eventLoopDelayP99MsByProcess[process] ?? []), 1)} ms, ` +
            `GC ${fixed(median(variant.gcMsPerSecondByProcess[process] ?? []), 1)} ms/s (longest pause ` +
            `${fixed(median(variant.gcMaxPauseMsByProcess[process] ?? []), 1)} ms), ` +
            `RSS ${fixed(median(variant.rssIdleMiB[process] ?? []), 0)} → ${fixed(median(variant.rssLoadMiB[process] ?? []), 0)} MiB ` +
            `(heap used ${fixed(median(variant.heapUsedLoadMiB[process] ?? []), 0)} MiB), ` +
            `ready ${fixed(median(variant.startupMs[process] ?? []), 0)} ms after spawn` +
            (soak
              ? `, soak ${fixed(soak.startMiB, 0)} → ${fixed(soak.endMiB, 0)} MiB (peak ${fixed(soak.peakMiB, 0)}` +
                (soak.heapUsedEndMiB === undefined ? ')' : `, heap used at the end ${fixed(soak.heapUsedEndMiB, 0)})`) +
                (soak.heapTotalEndMiB === undefined
                  ? ''
                  : ` (heap committed ${fixed(soak.heapTotalEndMiB, 0)}, external ${fixed(soak.externalEndMiB ?? Number.NaN, 0)} MiB)`) +
                (soak.everyMinuteMiB === undefined
                  ? ''
                  : ` [every minute: ${soak.everyMinuteMiB.map((mib) => fixed(mib, 0)).join(', ')}]`)
              : '')
          );
        })
        .join('; ')}`,
    ];
  });
