/**
 * @module Micro-benchmark: one duration observation through prom-client's `Histogram.observe()` against a
 * {@link DurationSeries} resolved once (`services/service-kit/src/telemetry/duration-histogram.ts`), both with
 * exemplars enabled and the label set of a database statement. Run: `npm run bench:histogram`.
 *
 * Nanoseconds per call, medians of five rounds, printed side by side in one run (the ratio is the result; the
 * absolute numbers move with the machine).
 */
import { DurationHistogram } from '@mesh-stack/service-kit/telemetry';
import { Histogram, Registry } from 'prom-client';

const CALLS_PER_ROUND = 1_000_000;
const ROUNDS = 5;
const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
const LABEL_NAMES = ['db_system_name', 'db_operation_name', 'db_collection_name', 'error_type'];
const LABELS = { db_system_name: 'sqlite', db_operation_name: 'SELECT', db_collection_name: 'orders' };

const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
const base = { help: 'micro-benchmark', labelNames: LABEL_NAMES, buckets: BUCKETS, registers: [registry] };
const promClient = new Histogram({ ...base, name: 'prom_client_seconds', enableExemplars: true });
const resolved = new DurationHistogram({ ...base, name: 'resolved_seconds' });
const series = resolved.series(LABELS);

/** A spread of durations over the buckets, so the bucket search is not always the first comparison. */
const durationAt = (index: number): number => (index % 100) / 1000;

const nanosecondsPerCall = (observe: (index: number) => void): number => {
  const start = process.hrtime.bigint();
  for (let index = 0; index < CALLS_PER_ROUND; index++) observe(index);
  return Number(process.hrtime.bigint() - start) / CALLS_PER_ROUND;
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

const contenders: Record<string, (index: number) => void> = {
  'prom-client observe({ labels, value })': (index) => promClient.observe({ labels: LABELS, value: durationAt(index) }),
  'DurationHistogram generic observe(labels, value)': (index) => resolved.observe(LABELS, durationAt(index)),
  'DurationSeries.observe(value) (resolved once)': (index) => series.observe(durationAt(index)),
};

const rounds = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
for (let round = 0; round <= ROUNDS; round++) {
  // Interleaved so drift in the machine's speed falls on every contender alike; round 0 warms the JIT up.
  for (const [name, observe] of Object.entries(contenders)) {
    const nanoseconds = nanosecondsPerCall(observe);
    if (round > 0) rounds.get(name)?.push(nanoseconds);
  }
}

const baseline = median(rounds.get('prom-client observe({ labels, value })') ?? []);
console.log(`Node ${process.versions.node}, ${CALLS_PER_ROUND.toLocaleString('en')} calls x ${ROUNDS} rounds`);
for (const [name, values] of rounds) {
  const nanoseconds = median(values);
  console.log(`${name.padEnd(50)} ${nanoseconds.toFixed(0).padStart(6)} ns  ${(nanoseconds / baseline).toFixed(3)}x`);
}
