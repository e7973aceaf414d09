/**
 * @module `npm run bench`: the telemetry tax, measured side by side in one run.
 *
 * Light route (`GET /users/:id` from memory): plain node:http, bare Hono, Hono with full telemetry at 100%
 * sampling exporting to a real OTLP/HTTP receiver (and, for insight, with nothing sampled). Order flow: the three
 * services with telemetry off and on. Servers run on CPU 0, the load generator and receiver on CPU 1 (`taskset`).
 * Variants alternate within each round, so drift over the run hits every variant alike; medians are reported.
 *
 * Flags: `--quick` (short runs), `--only=light|orders`, `--profile` (CPU profiles of the telemetry variants),
 * `--high-priority` (run at `nice -10`, so other work on a shared machine disturbs the measurement less; root only).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LIGHT_PATH, type LightVariant } from './light-app.ts';
import { closedRun, type LoadResult, openRun } from './load.ts';
import { canPin, cpuSecondsOf, startJsonChild } from './processes.ts';
import { summarizeProfile } from './profile-summary.ts';
import type { Variant } from './variant.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    'high-priority': { type: 'boolean', default: false },
  },
});

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

const ROUNDS = flags.quick ? 1 : 3;
const WARMUP_SECONDS = flags.quick ? 1 : 2;
const CLOSED_SECONDS = flags.quick ? 3 : 8;
const OPEN_SECONDS = flags.quick ? 3 : 8;
const CONNECTIONS = 50;
/** Open-model rate as a fraction of the slowest variant's saturation throughput. */
const OPEN_LOAD_FRACTION = 0.5;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
/** Rotates the variant order each round (A B C, B C A, C A B). */
const rotated = <T>(items: readonly T[], round: number): T[] =>
  items.map((_, index) => items[(index + round) % items.length] as T);

interface Measured {
  throughput: number[];
  /** Server CPU (all of the variant's processes) per successful request, in microseconds. */
  cpuMicrosPerRequest: number[];
  /** The same, per server process, when a variant has several (the order flow's three services). */
  cpuMicrosByProcess: Map<string, number[]>;
  p99Ms: number[];
  failures: number;
}

const measure = async (variants: readonly Variant[]): Promise<Map<string, Measured>> => {
  const results = new Map<string, Measured>(
    variants.map((v) => [
      v.name,
      { throughput: [], cpuMicrosPerRequest: [], cpuMicrosByProcess: new Map(), p99Ms: [], failures: 0 },
    ]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of rotated(variants, round)) {
      const { target, stop, cpuSeconds } = await variant.start();
      await closedRun(target, CONNECTIONS, WARMUP_SECONDS);
      const cpuBefore = cpuSeconds();
      const closed = await closedRun(target, CONNECTIONS, CLOSED_SECONDS);
      const cpuAfter = cpuSeconds();
      await stop();
      const requests = Math.max(1, closed.throughput * CLOSED_SECONDS);
      const entry = results.get(variant.name) as Measured;
      let cpuMicros = 0;
      for (const [process, seconds] of Object.entries(cpuAfter)) {
        const micros = ((seconds - (cpuBefore[process] ?? 0)) * 1e6) / requests;
        cpuMicros += micros;
        entry.cpuMicrosByProcess.set(process, [...(entry.cpuMicrosByProcess.get(process) ?? []), micros]);
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
  const rate = Math.max(
    1,
    Math.round(OPEN_LOAD_FRACTION * Math.min(...[...results.values()].map((r) => median(r.throughput)))),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of rotated(variants, round)) {
      const { target, stop } = await variant.start();
      await openRun(target, rate, CONNECTIONS, WARMUP_SECONDS);
      const open: LoadResult = await openRun(target, rate, CONNECTIONS, OPEN_SECONDS);
      await stop();
      const entry = results.get(variant.name) as Measured;
      entry.p99Ms.push(open.p99Ms);
      entry.failures += open.failures;
      console.log(`  round ${round + 1} ${variant.name.padEnd(26)} open @${rate}/s p99 ${open.p99Ms.toFixed(2)} ms`);
    }
  }
  (results as Map<string, Measured> & { rate?: number }).rate = rate;
  return results;
};

const report = (title: string, results: Map<string, Measured>, baseline: string): void => {
  const base = results.get(baseline);
  if (!base) return;
  const baseThroughput = median(base.throughput);
  const baseCpu = median(base.cpuMicrosPerRequest);
  const baseP99 = median(base.p99Ms);
  const rate = (results as Map<string, Measured> & { rate?: number }).rate;
  console.log(
    `\n${title} (medians of ${ROUNDS} rounds; closed model ${CONNECTIONS} connections; p99 open model at ${rate}/s)`,
  );
  console.log(
    '| variant | req/s | vs baseline | server CPU µs/request | throughput on a dedicated core vs baseline | p99 ms | vs baseline | failed requests |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, measured] of results) {
    const throughput = median(measured.throughput);
    const cpu = median(measured.cpuMicrosPerRequest);
    const p99 = median(measured.p99Ms);
    console.log(
      `| ${name} | ${throughput.toFixed(0)} | ${(throughput / baseThroughput).toFixed(2)}x | ${cpu.toFixed(0)} | ${(baseCpu / cpu).toFixed(2)}x | ${p99.toFixed(1)} | ${(p99 / baseP99).toFixed(2)}x | ${measured.failures} |`,
    );
  }
  // Per-process CPU is what sizes each Deployment (docs/scaling.md): requests per core = 1e6 / µs per request.
  for (const [name, measured] of results) {
    if (measured.cpuMicrosByProcess.size < 2) continue;
    const parts = [...measured.cpuMicrosByProcess].map(
      ([process, micros]) =>
        `${process} ${median(micros).toFixed(0)} µs (${(1e6 / median(micros)).toFixed(0)}/s per core)`,
    );
    console.log(`${name}: server CPU per request by process: ${parts.join(', ')}`);
  }
};

const receiver = await startJsonChild([join(HERE, 'receiver-process.ts')], { cpu: LOADGEN_CPU });
const otlpEndpoint = String(receiver.ready.endpoint);
console.log(
  `bench: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
    `${canPin ? `servers on CPU ${SERVER_CPU}, load generator and OTLP receiver on CPU ${LOADGEN_CPU}` : 'no taskset: not pinned'}, ` +
    `nice ${flags['high-priority'] ? '-10' : '0'}, ` +
    `load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')} (anything else running skews absolute numbers; compare ratios)`,
);

const lightVariant = (variant: LightVariant, nodeArgs: readonly string[] = []): Variant => ({
  name: variant,
  async start() {
    const server = await startJsonChild([join(HERE, 'server-process.ts'), variant, otlpEndpoint], {
      cpu: SERVER_CPU,
      nodeArgs,
    });
    return {
      target: { url: `http://127.0.0.1:${server.ready.port}${LIGHT_PATH}` },
      stop: async () => void (await server.stop()),
      cpuSeconds: () => ({ server: cpuSecondsOf(server.child.pid) }),
      pids: { server: server.child.pid },
    };
  },
});

if (flags.only === undefined || flags.only === 'light') {
  console.log('\nlight route: GET /users/:id');
  const light = await measure([
    lightVariant('node-http'),
    lightVariant('hono-bare'),
    lightVariant('hono-telemetry'),
    lightVariant('hono-telemetry-unsampled'),
  ]);
  report('light route', light, 'hono-bare');
}

if (flags.only === undefined || flags.only === 'orders') {
  const { orderFlowVariants } = await import('./order-flow.ts');
  console.log('\norder flow: POST /orders (order -> user, payment)');
  const orders = await measure(await orderFlowVariants({ otlpEndpoint, serverCpu: SERVER_CPU }));
  report('order flow', orders, 'services-bare');
}

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
  const variant = await makeVariant(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
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
    await profile('hono-telemetry', async (nodeArgs) => lightVariant('hono-telemetry', nodeArgs), CLOSED_SECONDS);
  }
  if (flags.only === undefined || flags.only === 'orders') {
    const { orderFlowVariants } = await import('./order-flow.ts');
    const telemetryVariant = async (nodeArgs: readonly string[]): Promise<Variant> => {
      const [, telemetry] = await orderFlowVariants({ otlpEndpoint, serverCpu: SERVER_CPU, nodeArgs });
      if (!telemetry) throw new Error('no services-telemetry variant');
      return telemetry;
    };
    await profile('services-telemetry', telemetryVariant, 4 * CLOSED_SECONDS);
  }
}

const receiverFinal = await receiver.stop();
console.log(`\nOTLP receiver accepted ${receiverFinal?.exports ?? 0} export requests.`);
