/**
 * @module One long-running child process of the stack or of a test: output kept in memory (and in a log file when
 * given), a readiness wait (an HTTP probe, or a line of output such as a service's `listening` log line), and a stop
 * that sends SIGTERM first (services drain in-flight requests) and SIGKILL only after a grace period.
 * `npm start`, the end-to-end tests (scripts/lib/stack.ts) and the integration tests (test/support/services.ts) all
 * run their processes through it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a component tells it is ready. */
export type Readiness =
  /** Answers 2xx once the component is ready to serve. */
  | { readonly url: string }
  /** A line of its output says so, e.g. a service's `listening` line with the ports the OS gave it. */
  | { readonly line: (line: string) => boolean };

export interface ComponentSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly ready: Readiness;
  /** How long to wait for readiness; Go binaries start in ~1 s, a cold Node service in a few seconds. */
  readonly readyTimeoutMs: number;
  /** How long SIGTERM may take before SIGKILL: the services' shutdown grace plus a margin. */
  readonly stopTimeoutMs: number;
  /**
   * Its own process group, so that Ctrl-C in the terminal reaches only the launcher, which then stops the components
   * in order (services first, one SIGTERM each) instead of every process getting SIGINT at once.
   */
  readonly ownProcessGroup?: boolean;
}

export type LineListener = (component: string, line: string) => void;

export interface ComponentOutput {
  /** Appended to, one line per output line, after a header naming the command. */
  readonly logFile?: string;
  /** Every output line, as it comes. */
  readonly onLine?: LineListener;
}

/** Kept in memory, so a failing test or start-up can show what the process said. */
const KEPT_LINES = 400;
/** Shown in a {@link ComponentFailure}'s message. */
const FAILURE_LINES = 20;
/**
 * How long to wait for a component's last output after it exited. Bounded, because a process the component started
 * may hold its pipes open long after it.
 */
const OUTPUT_DRAIN_MS = 2_000;

/** Resolves when `promise` does or after `ms`, whichever comes first, leaving no timer behind. */
const settled = (promise: Promise<unknown>, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Processes not known to have exited. A launcher that crashes or is killed by a test runner's timeout would leave
 * them running (detached ones in particular) and holding their ports: they go down synchronously on the way out.
 */
const alive = new Set<ComponentProcess>();
process.on('exit', () => {
  for (const component of alive) component.killNow();
});

export class ComponentProcess {
  readonly spec: ComponentSpec;
  readonly logFile: string | undefined;
  readonly #child: ChildProcess;
  readonly #log: WriteStream | undefined;
  readonly #recent: string[] = [];
  /** Resolves after the exit and the last of the output (see OUTPUT_DRAIN_MS). */
  readonly #exited: Promise<number | string>;
  readonly #sawReadyLine: Promise<void>;
  #readyLine: string | undefined;
  #exitStatus: number | string | undefined;
  #stopping = false;

  constructor(spec: ComponentSpec, { logFile, onLine }: ComponentOutput = {}) {
    this.spec = spec;
    this.logFile = logFile;
    if (logFile !== undefined) {
      mkdirSync(dirname(logFile), { recursive: true });
      this.#log = createWriteStream(logFile, { flags: 'a' });
      this.#log.write(`\n=== ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    }
    this.#child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: spec.ownProcessGroup ?? false,
    });
    alive.add(this);
    const { ready } = spec;
    let sawReadyLine: () => void = () => {};
    this.#sawReadyLine = new Promise((resolve) => {
      sawReadyLine = resolve;
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        // A process the component left behind may print after the log is closed (see OUTPUT_DRAIN_MS).
        if (this.#log && !this.#log.writableEnded) this.#log.write(`${line}\n`);
        this.#recent.push(line);
        if (this.#recent.length > KEPT_LINES) this.#recent.shift();
        onLine?.(spec.name, line);
        if ('line' in ready && this.#readyLine === undefined && ready.line(line)) {
          this.#readyLine = line;
          sawReadyLine();
        }
      });
    }
    // Node reports the exit before it has necessarily read the last output ('close' comes after): the exit counts
    // once that output is in, so failure messages and the log hold the component's last words.
    const outputClosed = new Promise<void>((resolve) => this.#child.once('close', () => resolve()));
    this.#exited = new Promise((resolve) => {
      const finish = async (status: number | string) => {
        alive.delete(this);
        await settled(outputClosed, OUTPUT_DRAIN_MS);
        this.#exitStatus = status;
        resolve(status);
      };
      this.#child.once('error', (error) => {
        this.#recent.push(`could not start ${spec.command}: ${error.message}`);
        void finish('spawn-error');
      });
      this.#child.once('exit', (code, signal) => void finish(code ?? signal ?? 'unknown'));
    });
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** `undefined` while running; the exit code or signal once it ended. */
  get exitStatus(): number | string | undefined {
    return this.#exitStatus;
  }

  /** Resolves with the exit code (or the signal that ended it) once the process and its output have ended. */
  get exited(): Promise<number | string> {
    return this.#exited;
  }

  /** The output line that showed readiness ({@link Readiness} by line), e.g. the one with the ports a service got. */
  get readyLine(): string | undefined {
    return this.#readyLine;
  }

  /** True once {@link stop} was called: an exit after that is expected. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Resident memory of the process in bytes (Linux /proc), or undefined once it has exited. */
  residentBytes(): number | undefined {
    if (this.#exitStatus !== undefined || this.#child.pid === undefined) return undefined;
    try {
      const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.#child.pid}/status`, 'utf8'))?.[1];
      return kib === undefined ? undefined : Number(kib) * 1024;
    } catch {
      return undefined;
    }
  }

  /** The last `count` lines the process printed (stdout and stderr), for error messages. */
  recentLines(count = KEPT_LINES): string[] {
    return this.#recent.slice(-count);
  }

  /** Everything kept of the output (the last 400 lines), one string. */
  logs(): string {
    return this.#recent.join('\n');
  }

  /** Waits for {@link ComponentSpec.ready}; fails early, with the last lines, if the process dies first. */
  async waitReady(): Promise<void> {
    const { ready, readyTimeoutMs } = this.spec;
    const deadline = Date.now() + readyTimeoutMs;
    if ('line' in ready) {
      const outcome = await Promise.race([
        this.#sawReadyLine.then(() => 'ready' as const),
        this.#exited.then(() => 'exited' as const),
        sleep(readyTimeoutMs, 'timeout' as const, { ref: false }),
      ]);
      if (outcome === 'ready') return;
      if (outcome === 'exited') throw new ComponentFailure(this, `exited (${this.#exitStatus}) before it was ready`);
      throw new ComponentFailure(this, `did not say it was ready within ${readyTimeoutMs / 1000} s`);
    }
    let lastProblem = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.#exitStatus !== undefined) {
        throw new ComponentFailure(this, `exited (${this.#exitStatus}) before it was ready`);
      }
      try {
        const response = await fetch(ready.url, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        if (response.ok) return;
        lastProblem = `HTTP ${response.status}`;
      } catch (error) {
        lastProblem =
          error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      }
      await sleep(200);
    }
    throw new ComponentFailure(this, `not ready after ${readyTimeoutMs / 1000} s at ${ready.url} (${lastProblem})`);
  }

  /** Sends `signal` without waiting, e.g. SIGTERM while a test watches the requests in flight drain. */
  signal(signal: NodeJS.Signals): void {
    if (this.#exitStatus === undefined) this.#child.kill(signal);
  }

  /** Last resort when the launcher itself exits without {@link stop}: no orphan keeps a port. */
  killNow(): void {
    this.signal('SIGKILL');
  }

  /**
   * Sends `signal` (SIGTERM by default; SIGKILL for a crash), then SIGKILL if the process is still there after the
   * grace period; resolves with the exit status once the process has exited and its log is flushed.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    this.#stopping = true;
    if (this.#exitStatus === undefined) {
      // Harmless when the process has exited and only its output is still draining: Node sends no signal then.
      this.#child.kill(signal);
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), this.spec.stopTimeoutMs);
      await this.#exited;
      clearTimeout(timer);
    }
    if (this.#log && !this.#log.writableEnded) {
      const log = this.#log;
      await new Promise<void>((resolve) => log.end(resolve));
    }
    return this.#exited;
  }
}

/** A component that died or never became ready, with its last output lines for the error message. */
export class ComponentFailure extends Error {
  readonly component: string;
  readonly logFile: string | undefined;
  readonly lastLines: readonly string[];

  constructor(component: ComponentProcess, problem: string) {
    const lastLines = component.recentLines(FAILURE_LINES);
    const source = component.logFile ?? 'its output';
    super(`${component.name} ${problem}\n--- last lines of ${source} ---\n${lastLines.join('\n') || '(no output)'}`);
    this.name = 'ComponentFailure';
    this.component = component.name;
    this.logFile = component.logFile;
    this.lastLines = lastLines;
  }
}
