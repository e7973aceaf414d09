/**
 * @module One long-running component of the local stack: a child process whose output goes to its own log file,
 * a readiness probe over HTTP, and a stop that sends SIGTERM first (services drain in-flight requests) and SIGKILL
 * only after a grace period.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ComponentSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Answers 2xx once the component is ready to serve. */
  readonly readyUrl: string;
  /** How long to wait for readiness; Go binaries start in ~1 s, a cold Node service in a few seconds. */
  readonly readyTimeoutMs: number;
  /** How long SIGTERM may take before SIGKILL: the services' shutdown grace plus a margin. */
  readonly stopTimeoutMs: number;
}

export type LineListener = (component: string, line: string) => void;

const KEPT_LINES = 40;
/**
 * How long to wait for a component's last output after it exited. Bounded, because a process the component started
 * may hold its pipes open long after it.
 */
const OUTPUT_DRAIN_MS = 2_000;

/** Resolves when `promise` does or after `ms`, whichever comes first, leaving no timer behind. */
const settled = (promise: Promise<void>, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });

export class ComponentProcess {
  readonly spec: ComponentSpec;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly #log: WriteStream;
  readonly #recent: string[] = [];
  /** Resolves after the exit and the last of the output (see OUTPUT_DRAIN_MS). */
  readonly #exited: Promise<number | string>;
  #exitStatus: number | string | undefined;
  #stopping = false;

  constructor(spec: ComponentSpec, logFile: string, onLine?: LineListener) {
    this.spec = spec;
    this.logFile = logFile;
    mkdirSync(dirname(logFile), { recursive: true });
    this.#log = createWriteStream(logFile, { flags: 'a' });
    this.#log.write(`\n=== ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    // Own process group: Ctrl-C in the terminal reaches only the launcher, which then stops the components in order
    // (services first, one SIGTERM each) instead of every process getting SIGINT at once.
    this.#child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        // A process the component left behind may print after the log is closed (see OUTPUT_DRAIN_MS).
        if (!this.#log.writableEnded) this.#log.write(`${line}\n`);
        this.#recent.push(line);
        if (this.#recent.length > KEPT_LINES) this.#recent.shift();
        onLine?.(spec.name, line);
      });
    }
    // Node reports the exit before it has necessarily read the last output ('close' comes after): the exit counts
    // once that output is in, so failure messages and the log hold the component's last words.
    const outputClosed = new Promise<void>((resolve) => this.#child.once('close', () => resolve()));
    this.#exited = new Promise((resolve) => {
      const finish = async (status: number | string) => {
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

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** `undefined` while running; the exit code or signal once it ended. */
  get exitStatus(): number | string | undefined {
    return this.#exitStatus;
  }

  /** Resolves with the exit code or signal when the process ends. */
  get exited(): Promise<number | string> {
    return this.#exited;
  }

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

  /** The last lines the component printed, for error messages. */
  recentLines(count = 20): string[] {
    return this.#recent.slice(-count);
  }

  /** Polls {@link ComponentSpec.readyUrl} until it answers 2xx; fails early if the process dies. */
  async waitReady(): Promise<void> {
    const deadline = Date.now() + this.spec.readyTimeoutMs;
    let lastProblem = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.#exitStatus !== undefined) {
        throw new ComponentFailure(this, `exited (${this.#exitStatus}) before it was ready`);
      }
      try {
        const response = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        if (response.ok) return;
        lastProblem = `HTTP ${response.status}`;
      } catch (error) {
        lastProblem =
          error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      }
      await sleep(200);
    }
    throw new ComponentFailure(
      this,
      `not ready after ${this.spec.readyTimeoutMs / 1000} s at ${this.spec.readyUrl} (${lastProblem})`,
    );
  }

  /** Last resort when the launcher itself exits without {@link stop}: no orphan keeps a port. */
  killNow(): void {
    if (this.#exitStatus === undefined) this.#child.kill('SIGKILL');
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited and its log is flushed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#exitStatus === undefined) {
      // Harmless when the process has exited and only its output is still draining: Node sends no signal then.
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), this.spec.stopTimeoutMs);
      await this.#exited;
      clearTimeout(timer);
    }
    if (!this.#log.writableEnded) {
      await new Promise<void>((resolve) => this.#log.end(resolve));
    }
  }
}

/** A component that died or never became ready, with its last log lines for the error message. */
export class ComponentFailure extends Error {
  readonly component: string;
  readonly logFile: string;
  readonly lastLines: readonly string[];

  constructor(component: ComponentProcess, problem: string) {
    const lastLines = component.recentLines();
    super(
      `${component.spec.name} ${problem}\n--- last lines of ${component.logFile} ---\n${lastLines.join('\n') || '(no output)'}`,
    );
    this.name = 'ComponentFailure';
    this.component = component.spec.name;
    this.logFile = component.logFile;
    this.lastLines = lastLines;
  }
}
