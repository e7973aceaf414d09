/**
 * @module Runs the services as real child processes for tests, through the stack's own launcher
 * (scripts/lib/stack/process.ts, with the command line and environment of scripts/lib/stack/service.ts): on ports the
 * operating system picks (`PORT=0`, `ADMIN_PORT=0`), read back from the service's `listening` log line, so there is
 * no race between picking a free port and binding it.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName, ServicePorts } from '@mesh-stack/stack';
import { REPO_ROOT } from '@mesh-stack/tools';
import { ComponentFailure, ComponentProcess } from '../../scripts/lib/stack/process.ts';
import { listeningPorts, serviceSpec } from '../../scripts/lib/stack/service.ts';
import { createTestDatabase, type DatabaseBackend, type TestDatabase } from './databases.ts';

/** How long a restart waits for its old ports (see restartOnSamePorts()). */
const RESTART_PORT_WAIT_MS = 20_000;
const ANY_PORTS: ServicePorts = { publicPort: 0, adminPort: 0 };

export const mainPath = (name: ServiceName): string => join(REPO_ROOT, 'services', name, 'src', 'main.ts');

/** payment-service's fault injection is closed without a token: test stacks open it with this one. */
export const TEST_FAULT_INJECTION_TOKEN = 'test-fault-injection-token';
/** The header a test sends with `PUT /admin/faults`. */
export const FAULT_INJECTION_HEADERS: Readonly<Record<string, string>> = {
  authorization: `Bearer ${TEST_FAULT_INJECTION_TOKEN}`,
};

export interface StartServiceOptions {
  /** Added to (and overriding) the defaults: loopback host, ports 0, info-level JSON logs, no trace export. */
  env?: Readonly<Record<string, string>>;
  /** Listen on these instead of ports the OS picks, e.g. a restart on the ports of the previous process. */
  ports?: ServicePorts;
  /** order-service's user-service and payment-service. */
  dependencies?: { readonly userService: string; readonly paymentService: string };
  /** Run this JavaScript file (a production bundle) instead of the service's start script. */
  entry?: string;
}

/**
 * A running service: the process (logs(), stop(signal), signal(), exited, exitStatus) and where it listens. Only
 * {@link startService} makes one, once the service has logged its ports.
 */
export class ServiceProcess extends ComponentProcess {
  constructor(name: ServiceName, { env = {}, ports = ANY_PORTS, dependencies, entry }: StartServiceOptions = {}) {
    super(
      serviceSpec({
        name,
        ports,
        ...(entry === undefined ? {} : { entry }),
        faultInjectionToken: TEST_FAULT_INJECTION_TOKEN,
        dependencies,
        // Spans go nowhere unless a test brings an OTLP receiver (OTEL_TRACES_EXPORTER=otlp plus an endpoint);
        // `info` whatever the developer's LOG_LEVEL, because the `listening` line is an info line; the flags of
        // the service's start script only, whatever NODE_OPTIONS the test run has (`npm start` passes them on).
        env: { LOG_LEVEL: 'info', NODE_OPTIONS: '', ...env },
        ready: { line: (line) => listeningPorts(line) !== undefined },
      }),
    );
  }

  override get name(): ServiceName {
    return this.spec.name as ServiceName;
  }

  /** The ports the service logged; startService() returns only a service that has logged them. */
  get ports(): ServicePorts {
    const ports = this.readyLine === undefined ? undefined : listeningPorts(this.readyLine);
    if (ports === undefined) throw new Error(`${this.name} has not logged its ports yet`);
    return ports;
  }

  get port(): number {
    return this.ports.publicPort;
  }

  get adminPort(): number {
    return this.ports.adminPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.adminPort}`;
  }
}

/**
 * Starts one service and resolves once it listens.
 *
 * @example
 * const users = await startService('user-service', { env: { DATA_DIR: dir } });
 * await fetch(`${users.url}/users`);
 * await users.stop();
 */
export const startService = async (name: ServiceName, options: StartServiceOptions = {}): Promise<ServiceProcess> => {
  const service = new ServiceProcess(name, options);
  try {
    await service.waitReady();
  } catch (error) {
    // A service that never reports `listening` must not outlive the failed start and hang the test file.
    await service.stop('SIGKILL');
    throw error;
  }
  return service;
};

const isAddressInUse = (error: unknown): boolean =>
  error instanceof ComponentFailure && error.lastLines.some((line) => line.includes('EADDRINUSE'));

/**
 * Stops `previous` if it still runs and starts the service again on its ports. The old ports came from the ephemeral
 * range: while the service was down, a connection of another test file may have been given one of them for a
 * moment. Waits for it rather than fail.
 */
export const restartOnSamePorts = async (
  previous: ServiceProcess,
  options: Omit<StartServiceOptions, 'ports'> = {},
): Promise<ServiceProcess> => {
  await previous.stop();
  const deadline = Date.now() + RESTART_PORT_WAIT_MS;
  for (;;) {
    try {
      return await startService(previous.name, { ...options, ports: previous.ports });
    } catch (error) {
      if (!isAddressInUse(error) || Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
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
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<number | string>;
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
  /** JavaScript entry points (production bundles) to run instead of the services' start scripts. */
  entries?: Partial<Record<ServiceName, string>>;
}

/**
 * Starts user-service and payment-service, then order-service pointed at them.
 *
 * @example
 * const stack = await startStack({ backend: 'postgres' });
 * after(() => stack.stop());
 */
export const startStack = async ({ backend, env = {}, entries = {} }: StartStackOptions): Promise<TestStack> => {
  const names: ServiceName[] = ['user-service', 'payment-service', 'order-service'];
  const databases = new Map<ServiceName, TestDatabase>();
  for (const name of names) {
    databases.set(name, await createTestDatabase(backend, name));
  }
  const running = new Map<ServiceName, ServiceProcess>();
  const get = (name: ServiceName): ServiceProcess => {
    const service = running.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service;
  };
  const optionsOf = (name: ServiceName): StartServiceOptions => ({
    env: { ...databases.get(name)?.env, ...env[name] },
    ...(entries[name] === undefined ? {} : { entry: entries[name] }),
    dependencies:
      name === 'order-service'
        ? { userService: get('user-service').url, paymentService: get('payment-service').url }
        : undefined,
  });

  try {
    const [user, payment] = await Promise.all([
      startService('user-service', optionsOf('user-service')),
      startService('payment-service', optionsOf('payment-service')),
    ]);
    running.set('user-service', user);
    running.set('payment-service', payment);
    running.set('order-service', await startService('order-service', optionsOf('order-service')));
  } catch (error) {
    await Promise.all([...running.values()].map((service) => service.stop()));
    await Promise.all([...databases.values()].map((database) => database.drop()));
    throw error;
  }

  const startAgain = async (name: ServiceName): Promise<ServiceProcess> => {
    const next = await restartOnSamePorts(get(name), optionsOf(name));
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
