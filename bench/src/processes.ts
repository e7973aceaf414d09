/**
 * @module Child processes for the benchmark, pinned to a CPU with `taskset` when it exists, so servers and the
 * load generator do not steal each other's core.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildSync } from 'esbuild';
import type { ProbeSample } from './probe.ts';

const TASKSET = '/usr/bin/taskset';
export const canPin = existsSync(TASKSET);

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat` (Linux; 0 elsewhere).
 * CPU per request is what the benchmark compares when other work on the machine makes throughput noisy.
 */
export const cpuSecondsOf = (pid: number | undefined): number => {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
};

/**
 * Preloaded into every server process: event-loop delay and memory over IPC (probe.ts). Compiled to JavaScript
 * first: a `.ts` preload would load Node's type stripper (about 17 MB resident) into processes that run bundles.
 */
const PROBE_DIR = mkdtempSync(join(tmpdir(), 'bench-probe-'));
const PROBE_PATH = join(PROBE_DIR, 'probe.mjs');
process.once('exit', () => rmSync(PROBE_DIR, { recursive: true, force: true }));
buildSync({
  entryPoints: [join(import.meta.dirname, 'probe.ts')],
  outfile: PROBE_PATH,
  format: 'esm',
  platform: 'node',
});
/** A probe that does not answer within this is reported as missing, never waited on forever. */
const PROBE_TIMEOUT_MS = 5_000;

export interface JsonChild {
  readonly child: ChildProcess;
  /** Starts a new measured window of the process's event-loop delay. */
  resetProbe(): Promise<void>;
  /** Event-loop delay since the last reset and memory now; undefined when the process did not answer. */
  sampleProbe(): Promise<ProbeSample | undefined>;
  /** The first JSON line the child printed (its port or endpoint). */
  readonly ready: Record<string, unknown>;
  /** Sends SIGTERM and resolves with the last JSON line printed before exit. */
  stop(): Promise<Record<string, unknown> | undefined>;
}

/** Starts `node <args>` (pinned to `cpu` when possible) and waits for its first JSON line on stdout. */
export const startJsonChild = async (
  args: readonly string[],
  options: {
    cpu?: number;
    env?: NodeJS.ProcessEnv;
    nodeArgs?: readonly string[];
    /** `json-line` (default): ready at the first JSON line on stdout; `spawned`: as soon as it runs. */
    readyWhen?: 'json-line' | 'spawned';
    /** With `spawned`: stdout is appended to this file (the services' logs) instead of being dropped. */
    stdoutFile?: string;
  } = {},
): Promise<JsonChild> => {
  const nodeCommand = [process.execPath, '--import', PROBE_PATH, ...(options.nodeArgs ?? []), ...args];
  const [command, ...commandArgs] =
    canPin && options.cpu !== undefined ? [TASKSET, '-c', String(options.cpu), ...nodeCommand] : nodeCommand;
  const spawnedOnly = options.readyWhen === 'spawned';
  const stdoutFd = spawnedOnly && options.stdoutFile !== undefined ? openSync(options.stdoutFile, 'a') : undefined;
  const child = spawn(command ?? process.execPath, commandArgs, {
    stdio: ['ignore', spawnedOnly ? (stdoutFd ?? 'ignore') : 'pipe', 'inherit', 'ipc'],
    env: options.env ?? process.env,
  });
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  // 'close', not 'exit': `stop()` returns the last JSON line, which may be read only after the exit is reported.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let last: Record<string, unknown> | undefined;
  const ask = <T>(request: 'reset' | 'sample'): Promise<T | undefined> =>
    new Promise((resolve) => {
      if (!child.connected) return resolve(undefined);
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        resolve(undefined);
      }, PROBE_TIMEOUT_MS);
      const onMessage = (message: { probe?: string }) => {
        if (message?.probe !== request) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      child.send({ probe: request });
    });
  const resetProbe = async () => void (await ask('reset'));
  const sampleProbe = () => ask<ProbeSample>('sample');
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    return last;
  };
  if (spawnedOnly) {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return { child, ready: {}, stop, resetProbe, sampleProbe };
  }
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        last = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      resolve(last);
    });
  });
  return { child, ready, stop, resetProbe, sampleProbe };
};
