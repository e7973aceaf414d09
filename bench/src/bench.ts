/**
 * @module `npm run bench`: the telemetry tax, measured side by side in one run.
 *
 * Light route (`GET /users/:id` from memory): plain node:http, bare Hono, and Hono with full telemetry under the
 * production profile (parent-based, 10% at the entry), at 100% sampling and with nothing sampled, exporting to a
 * real OTLP/HTTP receiver. Order flow: the three services with telemetry off, then the same three sampling
 * profiles. Servers run on CPU 0, the load generator and receiver on CPU 1 (`taskset`). Variants alternate within
 * each round, so drift over the run hits every variant alike; medians are reported.
 *
 * Per variant: saturation throughput and server CPU per request (closed model, autocannon); p50/p99/p99.9 latency
 * from the intended send time (open model, open-load.ts); event-loop delay p99 of every server process during the
 * open run and their resident memory idle and at saturation (probe.ts, preloaded into each process and read over
 * IPC); with `--soak=SECONDS`, resident memory over a sustained run at 80% of saturation. Results go to
 * `results.json` with a chart of the ratios (`telemetry-tax.svg`, chart.ts) in `bench/results/`.
 *
 * Flags: `--quick` (short runs; results in bench/results/quick), `--only=light|orders`, `--soak=SECONDS`
 * (`--soak-variants=a,b` to soak only those),
 * `--rounds=N` (default 3), `--open-load=FRACTION` (of the slowest variant's saturation; default 0.5), `--out=DIR`,
 * `--server-node-args="--max-semi-space-size=4"` (flags for every server process instead of the images' heap limits,
 * `SERVICE_NODE_OPTIONS`; `--server-node-args=` for none), `--compare-node-args="…"` (repeatable: each variant
 * also runs with these flags, as `<variant>+alt1`, in the same rounds), `--variants=a,b` (only these, and the baseline),
 * `--source` (the order flow's services from `src/main.ts` rather than the production bundles the images run),
 * `--chart-from=results.json` (re-render the chart only), `--profile` (CPU profiles of both suites bare,
 * unsampled and at 100%),
 * `--high-priority` (run at `nice -10`, so other work on a shared machine disturbs the measurement less; root only).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { SERVICE_NODE_OPTIONS } from '@mesh-stack/stack';
import { renderChart } from './chart.ts';
import { LIGHT_PATH, LIGHT_VARIANTS, type LightVariant } from './light-app.ts';
import { closedRun } from './load.ts';
import { openLoad } from './open-load.ts';
import type { ProbeSample } from './probe.ts';
import { canPin, cpuSecondsOf, startJsonChild } from './processes.ts';
import { summarizeProfile } from './profile-summary.ts';
import {
  type BenchResults,
  emptyRounds,
  median,
  processLines,
  push,
  type SuiteResults,
  suiteTable,
  type VariantRounds,
} from './results.ts';
import type { StartedVariant, Variant } from './variant.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    /** Rounds per variant. [default=3, 1 with --quick] More rounds narrow the by-round ratios' range. */
    rounds: { type: 'string' },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    'high-priority': { type: 'boolean', default: false },
    /** Also run every variant for this many seconds at 80% of saturation and report its resident memory. */
    soak: { type: 'string', default: '0' },
    /** Only these variants soak (comma-separated names): a 10-minute soak of every variant takes two hours. */
    'soak-variants': { type: 'string' },
    /** Open-model rate as a fraction of the slowest variant's saturation. */
    'open-load': { type: 'string', default: '0.5' },
    /** Where results.json and telemetry-tax.svg go. [default=bench/results, bench/results/quick with --quick] */
    out: { type: 'string' },
    /** Flags for every server process. [default=the stack map's SERVICE_NODE_OPTIONS, the images' heap limits] */
    'server-node-args': { type: 'string', default: SERVICE_NODE_OPTIONS.join(' ') },
    /**
     * Also run each variant with these server flags instead (repeatable), side by side in the same rounds: e.g.
     * another young-generation size against the images' (`--compare-node-args="--max-semi-space-size=2 …"`).
     */
    'compare-node-args': { type: 'string', multiple: true, default: [] },
    /** Run only these variants (comma-separated names); the suite's baseline always runs. */
    variants: { type: 'string' },
    /** Run the order flow's services from their TypeScript sources instead of the production bundles. */
    source: { type: 'boolean', default: false },
    /** Only re-render the chart from an existing results.json (next to it). */
    'chart-from': { type: 'string' },
  },
});

const startedAtMs = Date.now();
if (flags['chart-from'] !== undefined) {
  const source = flags['chart-from'];
  const target = join(dirname(source), 'telemetry-tax.svg');
  writeFileSync(target, renderChart(JSON.parse(readFileSync(source, 'utf8')) as BenchResults));
  console.log(`chart: ${target}`);
  process.exit(0);
}

const HERE = import.meta.dirname;
const LOADGEN_CPU = 1;
const SERVER_CPU = 0;

// Re-run pinned to the load-generator core, so autocannon never competes with the servers.
if (canPin && process.env.BENCH_PINNED !== '1') {
  const result = spawnSync(
    '/usr/bin/taskset',
    ['-c', String(LOADGEN_CPU), process.execPath, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_PINNED: '1' },
    },
  );
  process.exit(result.status ?? 1);
}

const ROUNDS = Number(flags.rounds ?? (flags.quick ? 1 : 3));
const WARMUP_SECONDS = flags.quick ? 1 : 2;
const CLOSED_SECONDS = flags.quick ? 3 : 8;
const OPEN_SECONDS = flags.quick ? 3 : 8;
const CONNECTIONS = 50;
/** Open-model rate as a fraction of the slowest variant's saturation throughput. */
const OPEN_LOAD_FRACTION = Number(flags['open-load']);
/** The soak runs at this fraction of the slowest variant's saturation (the issue's "sustained load"). */
const SOAK_LOAD_FRACTION = 0.8;
const SOAK_SECONDS = Number(flags.soak);
const SOAK_VARIANTS = flags['soak-variants']?.split(',').map((name) => name.trim());
/** Idle resident memory is read this long after the process is ready, once start-up garbage is collected. */
const IDLE_SETTLE_MS = 1_000;
const nodeArgsOf = (flagValue: string): string[] => flagValue.split(' ').filter((arg) => arg !== '');
const SERVER_NODE_ARGS = nodeArgsOf(flags['server-node-args'] ?? '');
const COMPARE_NODE_ARGS = (flags['compare-node-args'] ?? []).map(nodeArgsOf);
const ONLY_VARIANTS = flags.variants?.split(',').map((name) => name.trim());
const OUT_DIR = flags.out ?? join(HERE, '..', 'results', flags.quick ? 'quick' : '.');

if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error('--rounds must be a whole number from 1');
if (!(OPEN_LOAD_FRACTION > 0 && OPEN_LOAD_FRACTION <= 1)) throw new Error('--open-load must be in (0, 1]');
if (!(SOAK_SECONDS >= 0)) throw new Error('--soak must be a number of seconds');
if (ONLY_VARIANTS !== undefined) {
  const known = new Set<string>([...LIGHT_VARIANTS, ...(await import('./order-flow.ts')).ORDER_FLOW_VARIANTS]);
  const unknown = ONLY_VARIANTS.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`--variants: no variant named ${unknown.join(', ')} (known: ${[...known]})`);
}

/**
 * The variants a suite runs: those `--variants` names (and the baseline), each also under every
 * `--compare-node-args` set, named `<variant>+alt1`, … in the order given.
 */
const selectVariants = (
  baseline: string,
  makeVariants: (nodeArgs: readonly string[]) => Promise<readonly Variant[]>,
): Promise<Variant[]> =>
  Promise.all(
    [SERVER_NODE_ARGS, ...COMPARE_NODE_ARGS].map(async (nodeArgs, set) =>
      (await makeVariants(nodeArgs))
        .filter(({ name }) => ONLY_VARIANTS === undefined || name === baseline || ONLY_VARIANTS.includes(name))
        .map((variant) =>
          set === 0
            ? variant
            : {
                ...variant,
                name: `${variant.name}+alt${set}`,
                description: `${variant.description}; node ${nodeArgs.join(' ')}`,
              },
        ),
    ),
  ).then((sets) => sets.flat());

/** Rotates the variant order each round (A B C, B C A, C A B). */
const rotated = <T>(items: readonly T[], round: number): T[] =>
  items.map((_, index) => items[(index + round) % items.length] as T);

const MIB = 1024 * 1024;

/** Probes every process of a variant at once; a process that does not answer is left out (and said so). */
const sampleAll = async (started: StartedVariant): Promise<Map<string, ProbeSample>> => {
  const samples = new Map<string, ProbeSample>();
  await Promise.all(
    Object.entries(started.processes).map(async ([name, child]) => {
      const sample = await child.sampleProbe();
      if (sample) samples.set(name, sample);
      else console.warn(`  ${name}: no probe answer (event-loop delay and memory missing for this run)`);
    }),
  );
  return samples;
};
const resetAll = async (started: StartedVariant): Promise<void> =>
  void (await Promise.all(Object.values(started.processes).map((child) => child.resetProbe())));

const measure = async (title: string, baseline: string, variants: readonly Variant[]): Promise<SuiteResults> => {
  const rounds = new Map(variants.map((v) => [v.name, emptyRounds(v.name, v.description)]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of rotated(variants, round)) {
      const entry = rounds.get(variant.name) as VariantRounds;
      const started = await variant.start();
      for (const [name, ms] of Object.entries(started.startupMs)) push(entry.startupMs, name, ms);
      await sleep(IDLE_SETTLE_MS);
      for (const [name, sample] of await sampleAll(started)) push(entry.rssIdleMiB, name, sample.memory.rss / MIB);
      await closedRun(started.target, CONNECTIONS, WARMUP_SECONDS);
      const cpuBefore = started.cpuSeconds();
      const closed = await closedRun(started.target, CONNECTIONS, CLOSED_SECONDS);
      const cpuAfter = started.cpuSeconds();
      for (const [name, sample] of await sampleAll(started)) {
        push(entry.rssLoadMiB, name, sample.memory.rss / MIB);
        push(entry.heapUsedLoadMiB, name, sample.memory.heapUsed / MIB);
      }
      await started.stop();
      const requests = Math.max(1, closed.throughput * CLOSED_SECONDS);
      let cpuMicros = 0;
      for (const [process, seconds] of Object.entries(cpuAfter)) {
        const micros = ((seconds - (cpuBefore[process] ?? 0)) * 1e6) / requests;
        cpuMicros += micros;
        push(entry.cpuMicrosByProcess, process, micros);
      }
      entry.throughput.push(closed.throughput);
      entry.cpuMicrosPerRequest.push(cpuMicros);
      entry.failures += closed.failures;
      console.log(
        `  round ${round + 1} ${variant.name.padEnd(26)} closed ${closed.throughput.toFixed(0).padStart(7)} req/s, ` +
          `${cpuMicros.toFixed(0).padStart(6)} µs server CPU per request`,
      );
    }
  }
  const slowest = Math.min(...[...rounds.values()].map((r) => median(r.throughput)));
  const openRate = Math.max(1, Math.round(OPEN_LOAD_FRACTION * slowest));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of rotated(variants, round)) {
      const entry = rounds.get(variant.name) as VariantRounds;
      const started = await variant.start();
      await openLoad(started.target, openRate, CONNECTIONS, WARMUP_SECONDS);
      await resetAll(started);
      const open = await openLoad(started.target, openRate, CONNECTIONS, OPEN_SECONDS);
      const samples = await sampleAll(started);
      await started.stop();
      let worstDelay = 0;
      for (const [name, sample] of samples) {
        push(entry.eventLoopDelayP99MsByProcess, name, sample.eventLoopDelayMs.p99);
        push(entry.gcMaxPauseMsByProcess, name, sample.gc.maxMs);
        push(entry.gcMsPerSecondByProcess, name, sample.gc.totalMs / OPEN_SECONDS);
        worstDelay = Math.max(worstDelay, sample.eventLoopDelayMs.p99);
      }
      if (samples.size > 0) entry.eventLoopDelayP99Ms.push(worstDelay);
      entry.p50Ms.push(open.p50Ms);
      entry.p99Ms.push(open.p99Ms);
      entry.p999Ms.push(open.p999Ms);
      entry.failures += open.failures;
      console.log(
        `  round ${round + 1} ${variant.name.padEnd(26)} open @${openRate}/s p50 ${open.p50Ms.toFixed(2)} ms, ` +
          `p99 ${open.p99Ms.toFixed(2)} ms, p99.9 ${open.p999Ms.toFixed(2)} ms; event-loop delay p99 ` +
          `${worstDelay.toFixed(1)} ms${open.queuedAtStart > 0 ? `; ${open.queuedAtStart} requests waited for a socket` : ''}`,
      );
    }
  }
  if (SOAK_SECONDS > 0) {
    const soakRate = Math.max(1, Math.round(SOAK_LOAD_FRACTION * slowest));
    for (const variant of variants) {
      if (SOAK_VARIANTS !== undefined && !SOAK_VARIANTS.includes(variant.name)) continue;
      const entry = rounds.get(variant.name) as VariantRounds;
      const started = await variant.start();
      await sleep(IDLE_SETTLE_MS);
      const first = await sampleAll(started);
      const peak = new Map([...first].map(([name, sample]) => [name, sample.memory.rss]));
      const everyMinute = new Map([...first].map(([name]) => [name, [] as number[]]));
      // Resident memory every ten seconds of the soak, so a slow climb shows as a trend and a spike as a peak.
      const slice = Math.min(10, SOAK_SECONDS);
      let failures = 0;
      for (let elapsed = 0; elapsed < SOAK_SECONDS; elapsed += slice) {
        failures += (await openLoad(started.target, soakRate, CONNECTIONS, slice)).failures;
        const minuteEnded = Math.floor((elapsed + slice) / 60) > Math.floor(elapsed / 60);
        for (const [name, sample] of await sampleAll(started)) {
          peak.set(name, Math.max(peak.get(name) ?? 0, sample.memory.rss));
          if (minuteEnded) everyMinute.get(name)?.push(sample.memory.rss / MIB);
        }
      }
      const last = await sampleAll(started);
      await started.stop();
      entry.failures += failures;
      entry.soak = Object.fromEntries(
        [...last].map(([name, sample]) => [
          name,
          {
            startMiB: (first.get(name)?.memory.rss ?? Number.NaN) / MIB,
            endMiB: sample.memory.rss / MIB,
            peakMiB: (peak.get(name) ?? Number.NaN) / MIB,
            heapUsedEndMiB: sample.memory.heapUsed / MIB,
            heapTotalEndMiB: sample.memory.heapTotal / MIB,
            externalEndMiB: sample.memory.external / MIB,
            everyMinuteMiB: everyMinute.get(name) ?? [],
          },
        ]),
      );
      console.log(`  soak ${variant.name.padEnd(26)} ${SOAK_SECONDS} s at ${soakRate}/s: ${failures} failed`);
    }
  }
  return { title, baseline, openRate, variants: [...rounds.values()] };
};

const report = (suite: SuiteResults): void => {
  console.log(
    `\n${suite.title} (medians of ${ROUNDS} rounds; closed model ${CONNECTIONS} connections; p99 and event-loop ` +
      `delay from the open model at ${suite.openRate}/s; RSS: largest process)`,
  );
  for (const line of suiteTable(suite)) console.log(line);
  for (const line of processLines(suite)) console.log(line);
};

const receiver = await startJsonChild([join(HERE, 'receiver-process.ts')], { cpu: LOADGEN_CPU });
const otlpEndpoint = String(receiver.ready.endpoint);
const machine = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  loadAverageAtStart: loadavg(),
  pinned: canPin,
};
console.log(
  `bench: node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), ` +
    `${canPin ? `servers on CPU ${SERVER_CPU}, load generator and OTLP receiver on CPU ${LOADGEN_CPU}` : 'no taskset: not pinned'}, ` +
    `nice ${flags['high-priority'] ? '-10' : '0'}, ` +
    `load average ${machine.loadAverageAtStart
      .map((load) => load.toFixed(1))
      .join(' ')} (anything else running skews absolute numbers; compare ratios)`,
);

const LIGHT_DESCRIPTIONS: Record<LightVariant, string> = {
  'node-http': 'plain node:http, no framework',
  'hono-bare': 'Hono on @hono/node-server, no telemetry',
  'hono-middleware': 'Hono with one no-op async middleware: the floor under any middleware',
  'hono-telemetry-production': 'production: parent-based, 10% at the entry',
  'hono-telemetry': 'every request sampled and exported',
  'hono-telemetry-unsampled': 'full telemetry, nothing sampled',
};

const lightVariant = (variant: LightVariant, nodeArgs: readonly string[] = []): Variant => ({
  name: variant,
  description: LIGHT_DESCRIPTIONS[variant],
  async start() {
    const spawnedAt = performance.now();
    const server = await startJsonChild([join(HERE, 'server-process.ts'), variant, otlpEndpoint], {
      cpu: SERVER_CPU,
      nodeArgs,
    });
    // The light server prints its port once it listens: that line is its readiness.
    const startupMs = performance.now() - spawnedAt;
    return {
      target: { url: `http://127.0.0.1:${server.ready.port}${LIGHT_PATH}` },
      stop: async () => void (await server.stop()),
      cpuSeconds: () => ({ server: cpuSecondsOf(server.child.pid) }),
      pids: { server: server.child.pid },
      processes: { server },
      startupMs: { server: startupMs },
    };
  },
});

const suites: SuiteResults[] = [];
if (flags.only === undefined || flags.only === 'light') {
  console.log('\nlight route: GET /users/:id');
  const light = await measure(
    'light route',
    'hono-bare',
    await selectVariants('hono-bare', async (nodeArgs) =>
      LIGHT_VARIANTS.map((variant) => lightVariant(variant, nodeArgs)),
    ),
  );
  report(light);
  suites.push(light);
}

if (flags.only === undefined || flags.only === 'orders') {
  const { orderFlowVariants } = await import('./order-flow.ts');
  console.log('\norder flow: POST /orders (order -> user, payment)');
  const orders = await measure(
    'order flow',
    'services-bare',
    await selectVariants('services-bare', (nodeArgs) =>
      orderFlowVariants({ otlpEndpoint, serverCpu: SERVER_CPU, nodeArgs, source: flags.source }),
    ),
  );
  report(orders);
  suites.push(orders);
}

const results: BenchResults = {
  startedAt: new Date(startedAtMs).toISOString(),
  machine,
  settings: {
    rounds: ROUNDS,
    closedSeconds: CLOSED_SECONDS,
    openSeconds: OPEN_SECONDS,
    connections: CONNECTIONS,
    openLoadFraction: OPEN_LOAD_FRACTION,
    soakSeconds: SOAK_SECONDS,
    serverNodeArgs: SERVER_NODE_ARGS,
    compareNodeArgs: COMPARE_NODE_ARGS,
  },
  suites,
};
mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(join(OUT_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(OUT_DIR, 'telemetry-tax.svg'), renderChart(results));
console.log(`\nresults: ${join(OUT_DIR, 'results.json')}; chart: ${join(OUT_DIR, 'telemetry-tax.svg')}`);

/**
 * Runs the variant's servers under `--cpu-prof` for a closed run of `seconds`, then prints where each process's busy
 * time went. Long runs for the order flow, so the start-up of three processes does not dominate their profiles.
 */
const profile = async (
  title: string,
  makeVariant: (nodeArgs: readonly string[]) => Promise<Variant>,
  seconds: number,
): Promise<void> => {
  const dir = join(HERE, '..', 'profiles', title.replaceAll(/[^a-z0-9]+/gi, '-'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const variant = await makeVariant([...SERVER_NODE_ARGS, '--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const { target, stop, pids } = await variant.start();
  await closedRun(target, CONNECTIONS, seconds);
  await stop();
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  for (const [process, pid] of Object.entries(pids)) {
    // V8 names the file CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile.
    const file = files.find((name) => name.split('.')[3] === String(pid));
    if (!file) continue;
    const summary = summarizeProfile(join(dir, file));
    const where = join('bench/profiles', dir.split('/').at(-1) ?? '', file);
    console.log(`\nCPU profile of ${title}, ${process}, under load (${where}), share of busy self time:`);
    for (const { name, share } of summary.packages) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
    console.log('  top functions:');
    for (const { name, share } of summary.functions) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
};

if (flags.profile) {
  rmSync(join(HERE, '..', 'profiles'), { recursive: true, force: true });
  if (flags.only === undefined || flags.only === 'light') {
    // Bare and unsampled side by side say what telemetry costs when nothing is sampled.
    for (const variant of ['hono-bare', 'hono-telemetry-unsampled', 'hono-telemetry'] as const) {
      await profile(variant, async (nodeArgs) => lightVariant(variant, nodeArgs), CLOSED_SECONDS);
    }
  }
  if (flags.only === undefined || flags.only === 'orders') {
    const { orderFlowVariants } = await import('./order-flow.ts');
    const orderFlowVariant =
      (name: string) =>
      async (nodeArgs: readonly string[]): Promise<Variant> => {
        const variant = (
          await orderFlowVariants({ otlpEndpoint, serverCpu: SERVER_CPU, nodeArgs, source: flags.source })
        ).find((candidate) => candidate.name === name);
        if (!variant) throw new Error(`no ${name} variant`);
        return variant;
      };
    // Bare and unsampled side by side say where the always-on part goes (the production profile costs about as much).
    for (const name of ['services-bare', 'services-unsampled', 'services-telemetry']) {
      await profile(name, orderFlowVariant(name), 4 * CLOSED_SECONDS);
    }
  }
}

const receiverFinal = await receiver.stop();
console.log(`\nOTLP receiver accepted ${receiverFinal?.exports ?? 0} export requests.`);
