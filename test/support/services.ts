/**
 * @module Runs the services as real child processes for tests: `node services/<name>/src/main.ts` on ports the
 * operating system picks (`PORT=0`, `ADMIN_PORT=0`); the bound ports are read from the service's `listening` log
 * line, so there is no race between picking a free port and binding it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '@mesh-stack/stack';
import { createTestDatabase, type DatabaseBackend, type TestDatabase } from './databases.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const START_TIMEOUT_MS = 20_000;
/** Kept per process so a failing test can print what the service said. */
const MAX_LOG_LINES = 400;
/** A restart waits this many times for its old ports (see restart()). */
const RESTART_ATTEMPTS = 5;

export const mainPath = (name: ServiceName): string => join(REPO_ROOT, 'services', name, 'src', 'main.ts');

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly url: string;
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) once the process ended. */
  readonly exited: Promise<number | null>;
  /** The last lines of stdout and stderr. */
  logs(): string;
  /** Sends `signal` (default SIGTERM) and waits for the exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartServiceOptions {
  /** Added to (and overriding) the defaults: loopback host, ports 0, warn-level logs. */
  env?: Readonly<Record<string, string>>;
}

/** payment-service's fault injection is closed without a token: test stacks open it with this one. */
export const TEST_FAULT_INJECTION_TOKEN = 'test-fault-injection-token';
/** The header a test sends with `PUT /admin/faults`. */
export const FAULT_INJECTION_HEADERS: Readonly<Record<string, string>> = {
  authorization: `Bearer ${TEST_FAULT_INJECTION_TOKEN}`,
};

// The test runner marks its children with these; a service must not think it is a test file.
const RUNNER_VARIABLES = ['NODE_TEST_CONTEXT', 'NODE_OPTIONS'];

const childEnv = (overrides: Readonly<Record<string, string>>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of RUNNER_VARIABLES) delete env[name];
  // Spans go nowhere unless a test brings an OTLP receiver (OTEL_TRACES_EXPORTER=otlp plus an endpoint).
  return {
    ...env,
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_PORT: '0',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    OTEL_TRACES_EXPORTER: 'none',
    FAULT_INJECTION_TOKEN: TEST_FAULT_INJECTION_TOKEN,
    ...overrides,
  };
};

/**
 * Starts one service and resolves once it listens.
 *
 * @example
 * const users = await startService('user-service', { env: { DATA_DIR: dir } });
 * await fetch(`${users.url}/users`);
 * await users.stop();
 */
export const startService = async (
  name: ServiceName,
  { env = {} }: StartServiceOptions = {},
): Promise<ServiceProcess> => {
  const child = spawn(process.execPath, [mainPath(name)], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const remember = (line: string) => {
    lines.push(line);
    if (lines.length > MAX_LOG_LINES) lines.shift();
  };
  // 'close', not 'exit': Node may report the exit before the last log lines are read, and tests read them.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  createInterface({ input: child.stderr }).on('line', remember);

  const listening = new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${lines.join('\n')}`)),
      START_TIMEOUT_MS,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      remember(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number; adminPort?: number };
        if (entry.msg === 'listening' && entry.port && entry.adminPort) {
          clearTimeout(timer);
          resolve({ port: entry.port, adminPort: entry.adminPort });
        }
      } catch {
        // not a JSON log line
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });

  // A service that never reports `listening` must not outlive the failed start and hang the test file.
  const { port, adminPort } = await listening.catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    port,
    adminPort,
    child,
    exited,
    logs: () => lines.join('\n'),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      return exited;
    },
  };
};

/** The three services wired together, each with its own database. */
export interface TestStack {
  readonly backend: DatabaseBackend;
  readonly user: ServiceProcess;
  readonly order: ServiceProcess;
  readonly payment: ServiceProcess;
  /** Stops a service (SIGTERM, or `signal`: SIGKILL for a crash) and starts it again on the same ports and data. */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<ServiceProcess>;
  /** Stops one service (SIGTERM, or `signal`) and waits for its exit; {@link TestStack.start} brings it back. */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts a stopped service again on its previous ports and data (waits for its old ports, see restart). */
  start(name: ServiceName): Promise<ServiceProcess>;
  /** Where a service keeps its data: `DATA_DIR` (SQLite: `<DATA_DIR>/<name>.sqlite`) and, on PostgreSQL, `DATABASE_URL`. */
  databaseEnv(name: ServiceName): Readonly<Record<string, string>>;
  /** Stops whatever runs and drops the databases. */
  stop(): Promise<void>;
}

export interface StartStackOptions {
  backend: DatabaseBackend;
  /** Extra env per service, e.g. shorter client timeouts for order-service. */
  env?: Partial<Record<ServiceName, Readonly<Record<string, string>>>>;
}

/**
 * Starts user-service and payment-service, then order-service pointed at them.
 *
 * @example
 * const stack = await startStack({ backend: 'postgres' });
 * after(() => stack.stop());
 */
export const startStack = async ({ backend, env = {} }: StartStackOptions): Promise<TestStack> => {
  const names: ServiceName[] = ['user-service', 'payment-service', 'order-service'];
  const databases = new Map<ServiceName, TestDatabase>();
  for (const name of names) {
    databases.set(name, await createTestDatabase(backend, name));
  }
  const envOf = (name: ServiceName, extra: Readonly<Record<string, string>> = {}) => ({
    ...databases.get(name)?.env,
    ...env[name],
    ...extra,
  });

  const running = new Map<ServiceName, ServiceProcess>();
  try {
    const [user, payment] = await Promise.all([
      startService('user-service', { env: envOf('user-service') }),
      startService('payment-service', { env: envOf('payment-service') }),
    ]);
    running.set('user-service', user);
    running.set('payment-service', payment);
    const dependencyUrls = { USER_SERVICE_URL: user.url, PAYMENT_SERVICE_URL: payment.url };
    running.set('order-service', await startService('order-service', { env: envOf('order-service', dependencyUrls) }));
  } catch (error) {
    await Promise.all([...running.values()].map((service) => service.stop()));
    await Promise.all([...databases.values()].map((database) => database.drop()));
    throw error;
  }

  const get = (name: ServiceName): ServiceProcess => {
    const service = running.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service;
  };

  /** Starts `name` again on the ports of its previous (stopped) process. */
  const startAgain = async (name: ServiceName): Promise<ServiceProcess> => {
    const previous = get(name);
    await previous.stop();
    const dependencyUrls: Record<string, string> =
      name === 'order-service'
        ? { USER_SERVICE_URL: get('user-service').url, PAYMENT_SERVICE_URL: get('payment-service').url }
        : {};
    const env = envOf(name, {
      ...dependencyUrls,
      PORT: String(previous.port),
      ADMIN_PORT: String(previous.adminPort),
    });
    // The old ports came from the ephemeral range: while the service was down, a connection of another test file may
    // have been given one of them for a moment. Wait for it rather than fail.
    let next: ServiceProcess | undefined;
    for (let attempt = 1; next === undefined; attempt++) {
      try {
        next = await startService(name, { env });
      } catch (error) {
        if (attempt === RESTART_ATTEMPTS || !String(error).includes('EADDRINUSE')) throw error;
        await sleep(500);
      }
    }
    running.set(name, next);
    return next;
  };

  return {
    backend,
    get user() {
      return get('user-service');
    },
    get order() {
      return get('order-service');
    },
    get payment() {
      return get('payment-service');
    },
    kill: (name, signal = 'SIGTERM') => get(name).stop(signal),
    start: startAgain,
    async restart(name, signal = 'SIGTERM') {
      await get(name).stop(signal);
      return startAgain(name);
    },
    databaseEnv: (name) => databases.get(name)?.env ?? {},
    async stop() {
      await Promise.all([...running.values()].map((service) => service.stop()));
      await Promise.all([...databases.values()].map((database) => database.drop()));
    },
  };
};
