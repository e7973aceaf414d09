/**
 * @module Order-flow benchmark variants: the three real services (order-service calling user-service and
 * payment-service, each with its own SQLite file), once with telemetry off (`MESH_STACK_TELEMETRY=off`: no
 * middleware, no metrics, no spans), then with full telemetry exporting to the OTLP receiver under the production
 * profile (10% at the entry), at 100% sampling, and with nothing sampled. Each service runs from its production
 * bundle (`dist/main.mjs`, built first), as the images do; `source: true` runs `src/main.ts` instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PRODUCTION_SAMPLING } from '@mesh-stack/service-kit/telemetry';
import { HEALTH_PATHS, type ServiceName } from '@mesh-stack/stack';
import { bundleService } from '../../scripts/lib/build/bundle.ts';
import { freePort } from '../../scripts/lib/stack/port-check.ts';
import { cpuSecondsOf, type JsonChild, startJsonChild } from './processes.ts';
import type { Variant } from './variant.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const sourcePath = (name: ServiceName) => join(REPO_ROOT, 'services', name, 'src', 'main.ts');

/** Polls readiness often enough that the start-up time it reports is within a few ms of the truth. */
const READY_POLL_MS = 10;

/** The last lines a service logged (LOG_LEVEL=warn: its warnings and errors), for an error message. */
const logTail = (file: string): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-5).join('\n') || '(nothing logged)';
  } catch {
    return '(no log)';
  }
};

/**
 * Milliseconds from `spawnedAt` (performance.now()) until the service answers its readiness probe; fails early, with
 * what the service logged, if it exits first.
 */
const waitUntilReady = async (
  adminUrl: string,
  spawnedAt: number,
  child: { readonly exitCode: number | null; readonly signalCode: string | null },
  logFile: string,
): Promise<number> => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${adminUrl} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${logTail(logFile)}`,
      );
    }
    try {
      if ((await fetch(`${adminUrl}${HEALTH_PATHS.ready}`)).ok) return performance.now() - spawnedAt;
    } catch {
      // not listening yet
    }
    await sleep(READY_POLL_MS);
  }
  throw new Error(`${adminUrl} was not ready after 30 s:\n${logTail(logFile)}`);
};

export interface OrderFlowOptions {
  readonly otlpEndpoint: string;
  readonly serverCpu: number;
  /** Extra node flags for every service, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Run the TypeScript sources rather than the production bundles. [default=false] */
  readonly source?: boolean;
}

type EntryPoints = Readonly<Record<ServiceName, string>>;

const startServices = async (
  entryPoints: EntryPoints,
  telemetryEnv: Record<string, string>,
  serverCpu: number,
  nodeArgs: readonly string[] = [],
) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-orders-'));
  const ports = {
    user: [await freePort(), await freePort()],
    payment: [await freePort(), await freePort()],
    order: [await freePort(), await freePort()],
  };
  const url = (port: number | undefined) => `http://127.0.0.1:${port}`;
  const common = {
    ...process.env,
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    // Per-request access logs would make the benchmark measure pipe throughput to the parent.
    LOG_LEVEL: 'warn',
    ...telemetryEnv,
  };
  const spawned: JsonChild[] = [];
  const start = async (name: ServiceName, [port, adminPort]: number[], extra: Record<string, string> = {}) => {
    const spawnedAt = performance.now();
    const logFile = join(dataDir, `${name}.log`);
    const child = await startJsonChild([entryPoints[name]], {
      cpu: serverCpu,
      nodeArgs,
      env: { ...common, PORT: String(port), ADMIN_PORT: String(adminPort), ...extra },
      readyWhen: 'spawned',
      stdoutFile: logFile,
    });
    spawned.push(child);
    // Timed from the spawn to readiness, before the next service starts: each start-up alone on the core, as a pod's.
    return { ...child, readyAfterMs: await waitUntilReady(url(adminPort), spawnedAt, child.child, logFile) };
  };
  type Started = JsonChild & { readonly name: ServiceName; readonly readyAfterMs: number };
  let children: Started[];
  try {
    children = [
      { name: 'user-service', ...(await start('user-service', ports.user)) },
      { name: 'payment-service', ...(await start('payment-service', ports.payment)) },
      {
        name: 'order-service',
        ...(await start('order-service', ports.order, {
          USER_SERVICE_URL: url(ports.user[0]),
          PAYMENT_SERVICE_URL: url(ports.payment[0]),
        })),
      },
    ];
  } catch (error) {
    // No orphans: a failed start stops the services already running (they would hold CPU 0 for later runs).
    await Promise.all(spawned.map((child) => child.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const startupMs = Object.fromEntries(children.map(({ name, readyAfterMs }) => [name, readyAfterMs]));

  const created = await fetch(`${url(ports.user[0])}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, name: 'Bench Mark' }),
  });
  const { id: userId } = (await created.json()) as { id: string };
  return {
    target: {
      url: `${url(ports.order[0])}/orders`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userId,
        currency: 'EUR',
        items: [{ sku: 'BOOK-42', quantity: 2, unitAmountMinor: 1299 }],
      }),
    },
    stop: async () => {
      await Promise.all(children.map((child) => child.stop()));
      rmSync(dataDir, { recursive: true, force: true });
    },
    cpuSeconds: () => Object.fromEntries(children.map(({ name, child }) => [name, cpuSecondsOf(child.pid)])),
    pids: Object.fromEntries(children.map(({ name, child }) => [name, child.pid])),
    processes: Object.fromEntries(children.map((started) => [started.name, started])),
    startupMs,
  };
};

/** Variant names, in the order the report lists them; the first is the baseline. */
export const ORDER_FLOW_VARIANTS = [
  'services-bare',
  'services-production',
  'services-telemetry',
  'services-unsampled',
] as const;
export type OrderFlowVariantName = (typeof ORDER_FLOW_VARIANTS)[number];

export const orderFlowVariants = async ({
  otlpEndpoint,
  serverCpu,
  nodeArgs,
  source = false,
}: OrderFlowOptions): Promise<Variant[]> => {
  const names: ServiceName[] = ['user-service', 'payment-service', 'order-service'];
  const paths = await Promise.all(names.map((name) => (source ? sourcePath(name) : bundleService(name))));
  const entryPoints = Object.fromEntries(names.map((name, index) => [name, paths[index]])) as EntryPoints;
  const exporting = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint };
  // The load carries no traceparent: order-service is the entry and decides; its callees follow its decision.
  const sampling: Record<OrderFlowVariantName, { description: string; env: Record<string, string> }> = {
    'services-bare': { description: 'MESH_STACK_TELEMETRY=off: no middleware, metrics or spans', env: {} },
    'services-production': {
      description: 'production: parent-based, 10% at the entry',
      env: { ...exporting, ...PRODUCTION_SAMPLING },
    },
    'services-telemetry': {
      description: 'every request sampled and exported',
      env: { ...exporting, OTEL_TRACES_SAMPLER: 'always_on' },
    },
    'services-unsampled': {
      description: 'full telemetry, nothing sampled',
      env: { ...exporting, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
    },
  };
  return ORDER_FLOW_VARIANTS.map((name) => ({
    name,
    description: sampling[name].description,
    start: () =>
      startServices(
        entryPoints,
        name === 'services-bare' ? { MESH_STACK_TELEMETRY: 'off' } : sampling[name].env,
        serverCpu,
        nodeArgs,
      ),
  }));
};
