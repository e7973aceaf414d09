/**
 * @module How a service process is run, the same for `npm start` (fixed ports, telemetry to the collector, ready
 * when its readiness probe answers) and for the integration tests (port 0, no trace export, ready when it logs the
 * ports it got): command line, environment and stop grace in one place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SERVICE_NODE_OPTIONS, type ServiceName, type ServicePorts } from '@mesh-stack/stack';
import { REPO_ROOT } from '@mesh-stack/tools';
import type { ComponentSpec, Readiness } from './process.ts';

const LOOPBACK = '127.0.0.1';
/** A cold service starts in a few seconds; on a busy 2-core machine it may take several times that. */
const READY_TIMEOUT_MS = 30_000;
/** The services' default `SHUTDOWN_GRACE_MS`. */
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** What SIGTERM may take beyond the drain before SIGKILL. */
const STOP_MARGIN_MS = 5_000;
/**
 * Set by the test runner in the test files' processes; inherited, it would make a service started from a test (or
 * from a stack a test starts) behave like a test file itself.
 */
const RUNNER_VARIABLE = 'NODE_TEST_CONTEXT';

export interface ServiceLaunch {
  readonly name: ServiceName;
  /** `0` for either lets the operating system pick; the service logs what it got in its `listening` line. */
  readonly ports: ServicePorts;
  /** Base URL for OTLP/HTTP export; without it the service exports no traces. */
  readonly otlpEndpoint?: string;
  /** payment-service's fault injection stays closed without a token. */
  readonly faultInjectionToken: string;
  /** order-service's dependencies: the public base URLs of user-service and payment-service. */
  readonly dependencies?: { readonly userService: string; readonly paymentService: string };
  /** Applied last: where the data lives (`DATA_DIR`, `DATABASE_URL`) and any tuning (`SHUTDOWN_GRACE_MS`, …). */
  readonly env?: Readonly<Record<string, string>>;
  readonly ready: Readiness;
  /**
   * A JavaScript entry point to run instead of the service's start script, from its own directory: the production
   * bundle (`dist/main.mjs`, scripts/lib/build/bundle.ts), as the images run it.
   */
  readonly entry?: string;
}

/**
 * The service's own `npm start` command line (`node src/main.ts`, perhaps with `--import` preloads), run with the
 * Node that runs this launcher instead of through npm, so signals reach the service directly.
 */
const serviceArgs = (service: ServiceName): string[] => {
  const manifest = join(REPO_ROOT, 'services', service, 'package.json');
  const fallback = ['src/main.ts'];
  if (!existsSync(manifest)) return fallback;
  const { scripts } = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> };
  const words = scripts?.start?.trim().split(/\s+/) ?? [];
  return words[0] === 'node' && words.length > 1 ? words.slice(1) : fallback;
};

const serviceEnv = (launch: ServiceLaunch): NodeJS.ProcessEnv => {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  delete inherited[RUNNER_VARIABLE];
  const { name, ports, otlpEndpoint, dependencies } = launch;
  return {
    ...inherited,
    HOST: LOOPBACK,
    PORT: String(ports.publicPort),
    ADMIN_PORT: String(ports.adminPort),
    LOG_FORMAT: 'json',
    OTEL_SERVICE_NAME: name,
    ...(otlpEndpoint === undefined ? { OTEL_TRACES_EXPORTER: 'none' } : { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint }),
    ...(name === 'payment-service' ? { FAULT_INJECTION_TOKEN: launch.faultInjectionToken } : {}),
    ...(dependencies === undefined
      ? {}
      : { USER_SERVICE_URL: dependencies.userService, PAYMENT_SERVICE_URL: dependencies.paymentService }),
    ...launch.env,
  };
};

export const serviceSpec = (launch: ServiceLaunch): ComponentSpec => {
  const env = serviceEnv(launch);
  const shutdownGraceMs = Number(env.SHUTDOWN_GRACE_MS) || DEFAULT_SHUTDOWN_GRACE_MS;
  return {
    name: launch.name,
    command: process.execPath,
    // The images' heap limits, so that what runs here uses memory as a pod does.
    args: [...SERVICE_NODE_OPTIONS, ...(launch.entry ? [launch.entry] : serviceArgs(launch.name))],
    cwd: launch.entry ? dirname(launch.entry) : join(REPO_ROOT, 'services', launch.name),
    env,
    ready: launch.ready,
    readyTimeoutMs: READY_TIMEOUT_MS,
    // The services drain in-flight requests for up to SHUTDOWN_GRACE_MS after SIGTERM.
    stopTimeoutMs: shutdownGraceMs + STOP_MARGIN_MS,
  };
};

/** The ports in a service's `listening` log line (`{"msg":"listening","port":…,"adminPort":…}`), if it is one. */
export const listeningPorts = (line: string): ServicePorts | undefined => {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined; // not a JSON log line
  }
  const { msg, port, adminPort } = (entry ?? {}) as { msg?: unknown; port?: unknown; adminPort?: unknown };
  return msg === 'listening' && typeof port === 'number' && port > 0 && typeof adminPort === 'number' && adminPort > 0
    ? { publicPort: port, adminPort }
    : undefined;
};
