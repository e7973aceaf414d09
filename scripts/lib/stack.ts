/**
 * @module The local stack as a library: `npm start` (scripts/start.ts) and the end-to-end tests start the very same
 * processes through {@link startStack}.
 *
 * @example
 * const stack = await startStack({ portOffset: 10_000, dataDir: tmp, prometheusConfig: fastScrapeConfig });
 * await fetch(`${stack.urls.services['order-service'].api}/orders`);
 * await stack.stopComponent('otel-collector'); // … and stack.startComponent('otel-collector') to bring it back
 * await stack.stop();
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { METRICS_PATH, SERVICE_NAMES, type ServiceName } from '@mesh-stack/stack';
import { REPO_ROOT } from '@mesh-stack/tools';
import {
  COMPONENT_NAMES,
  type ComponentContext,
  type ComponentName,
  componentSpec,
  DEFAULT_CONFIGS,
  missingPrerequisites,
  START_STAGES,
} from './stack/components.ts';
import { assertPortsFree } from './stack/port-check.ts';
import { portMapping, type StackPorts, stackPorts } from './stack/ports.ts';
import { ComponentFailure, ComponentProcess, type LineListener } from './stack/process.ts';
import { preparePrometheusConfig } from './stack/prometheus-config.ts';

export { type BackendName, COMPONENT_NAMES, type ComponentName, DEFAULT_CONFIGS } from './stack/components.ts';
export { type StackPorts, stackPorts } from './stack/ports.ts';
export { ComponentFailure, type LineListener } from './stack/process.ts';

export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.data');
export const DEFAULT_LOG_DIR = join(REPO_ROOT, '.logs');

export interface StackOptions {
  /** Added to every port (services and backends): run a test stack beside `npm start`. Ports stay below 32768. */
  readonly portOffset?: number;
  /** SQLite files, Prometheus TSDB, Alertmanager state. Default `.data/` in the repository. */
  readonly dataDir?: string;
  /** One `<component>.log` per component. Default `.logs/` in the repository. */
  readonly logDir?: string;
  /**
   * Prometheus configuration, e.g. a copy with shorter scrape and evaluation intervals for tests. Targets written
   * against the default ports are moved by `portOffset`; relative `rule_files` resolve against this file's folder.
   * Default observability/prometheus/prometheus.yml.
   */
  readonly prometheusConfig?: string;
  /** Default observability/prometheus/alertmanager.yml. */
  readonly alertmanagerConfig?: string;
  /** `--storage.tsdb.retention.time`; default `2d` (plus a 512 MB size cap). */
  readonly prometheusRetention?: string;
  /** Run only these components (in the usual order), e.g. `['jaeger', 'otel-collector']`. Default: everything. */
  readonly components?: readonly ComponentName[];
  /** Extra environment per component, e.g. `{ 'order-service': { OTEL_BSP_SCHEDULE_DELAY: '200' } }`. */
  readonly env?: ComponentContext['extraEnv'];
  /** Every output line of every component (also written to its log file). */
  readonly onLine?: LineListener;
  /** Called as each component becomes ready. */
  readonly onReady?: (component: ComponentName, millis: number) => void;
  /** Called when a component exits on its own once the stack is up (not on stop; start-up failures reject). */
  readonly onUnexpectedExit?: (failure: ComponentFailure) => void;
}

export interface ServiceUrls {
  /** Public API. */
  readonly api: string;
  /** Admin port: health, metrics, fault injection. */
  readonly admin: string;
  readonly metrics: string;
}

export interface StackUrls {
  readonly services: Readonly<Record<ServiceName, ServiceUrls>>;
  /** Where the services send OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly otlpHttp: string;
  readonly otlpGrpc: string;
  readonly collectorHealth: string;
  readonly collectorMetrics: string;
  /** The span_metrics connector's Prometheus exporter. */
  readonly spanMetrics: string;
  /** Jaeger's query API: `/api/services`, `/api/traces?service=…`, `/api/traces/<id>` (no UI natively). */
  readonly jaegerApi: string;
  readonly jaegerMetrics: string;
  readonly prometheus: string;
  readonly alertmanager: string;
}

export interface StackHandle {
  readonly ports: StackPorts;
  readonly urls: StackUrls;
  readonly components: readonly ComponentName[];
  readonly dataDir: string;
  readonly logDir: string;
  /** The Prometheus configuration actually in use (a rewritten copy when ports are offset). */
  readonly prometheusConfig: string;
  logFile(component: ComponentName): string;
  /** Process id of a running component (e.g. to SIGKILL it in a failure test), undefined when not running. */
  pid(component: ComponentName): number | undefined;
  /** Stops one component (SIGTERM, then SIGKILL after its grace period), e.g. to test the collector being down. */
  stopComponent(component: ComponentName): Promise<void>;
  /** Starts a stopped component again and waits until it is ready. */
  startComponent(component: ComponentName): Promise<void>;
  /** Resident memory of each running component, in bytes (the stack's budget is 1.5 GiB in total). */
  residentBytes(): Partial<Record<ComponentName, number>>;
  /** Stops everything, services first (so they flush their telemetry), then the backends. Idempotent. */
  stop(): Promise<void>;
}

const urlsFor = (ports: StackPorts): StackUrls => {
  const http = (port: number): string => `http://127.0.0.1:${port}`;
  const services = Object.fromEntries(
    SERVICE_NAMES.map((name) => {
      const { publicPort, adminPort } = ports.services[name];
      return [name, { api: http(publicPort), admin: http(adminPort), metrics: `${http(adminPort)}${METRICS_PATH}` }];
    }),
  ) as Record<ServiceName, ServiceUrls>;
  const { backends } = ports;
  return {
    services,
    otlpHttp: http(backends.collectorOtlpHttp),
    otlpGrpc: http(backends.collectorOtlpGrpc),
    collectorHealth: http(backends.collectorHealthCheck),
    collectorMetrics: `${http(backends.collectorSelfMetrics)}/metrics`,
    spanMetrics: `${http(backends.collectorPrometheusExporter)}/metrics`,
    jaegerApi: http(backends.jaegerQuery),
    jaegerMetrics: `${http(backends.jaegerSelfMetrics)}/metrics`,
    prometheus: http(backends.prometheus),
    alertmanager: http(backends.alertmanager),
  };
};

/** Every port a component listens on, for the pre-flight check. */
const portsOf = (ports: StackPorts, name: ComponentName): number[] => {
  const { backends } = ports;
  switch (name) {
    case 'jaeger':
      return [
        backends.jaegerOtlpGrpc,
        backends.jaegerOtlpHttp,
        backends.jaegerQuery,
        backends.jaegerQueryGrpc,
        backends.jaegerSelfMetrics,
      ];
    case 'otel-collector':
      return [
        backends.collectorOtlpGrpc,
        backends.collectorOtlpHttp,
        backends.collectorPrometheusExporter,
        backends.collectorSelfMetrics,
        backends.collectorHealthCheck,
      ];
    case 'prometheus':
      return [backends.prometheus];
    case 'alertmanager':
      return [backends.alertmanager];
    default:
      return [ports.services[name].publicPort, ports.services[name].adminPort];
  }
};

export const startStack = async (options: StackOptions = {}): Promise<StackHandle> => {
  const ports = stackPorts(options.portOffset ?? 0);
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const logDir = resolve(options.logDir ?? DEFAULT_LOG_DIR);
  const wanted = new Set(options.components ?? COMPONENT_NAMES);
  const stages = START_STAGES.map((stage) => stage.filter((name) => wanted.has(name))).filter(
    (stage) => stage.length > 0,
  );
  const components = stages.flat();

  const prometheusSource = resolve(options.prometheusConfig ?? DEFAULT_CONFIGS.prometheus);
  const context: ComponentContext = {
    ports,
    dataDir,
    prometheusConfig: prometheusSource,
    alertmanagerConfig: resolve(options.alertmanagerConfig ?? DEFAULT_CONFIGS.alertmanager),
    prometheusRetention: options.prometheusRetention ?? '2d',
    extraEnv: options.env ?? {},
  };

  const missing = components.flatMap((name) => missingPrerequisites(context, name));
  if (missing.length > 0) {
    throw new Error(`cannot start the stack:\n  ${missing.join('\n  ')}`);
  }
  await assertPortsFree(
    new Map(components.flatMap((name) => portsOf(ports, name).map((port) => [port, name] as const))),
  );

  const prometheusConfig = wanted.has('prometheus')
    ? preparePrometheusConfig(prometheusSource, portMapping(ports), join(dataDir, 'prometheus-config'))
    : prometheusSource;
  const effectiveContext: ComponentContext = { ...context, prometheusConfig };
  mkdirSync(dataDir, { recursive: true });

  const running = new Map<ComponentName, ComponentProcess>();
  let stopping = false;
  // During start-up a death is reported by the rejected startStack() itself, not (twice) through onUnexpectedExit.
  let up = false;

  const launch = async (name: ComponentName): Promise<void> => {
    const started = performance.now();
    const component = new ComponentProcess(
      { ...componentSpec(effectiveContext, name), ownProcessGroup: true },
      { logFile: join(logDir, `${name}.log`), onLine: options.onLine },
    );
    running.set(name, component);
    void component.exited.then(() => {
      if (up && !stopping && !component.stopping && running.get(name) === component) {
        options.onUnexpectedExit?.(new ComponentFailure(component, `exited unexpectedly (${component.exitStatus})`));
      }
    });
    await component.waitReady();
    options.onReady?.(name, Math.round(performance.now() - started));
  };

  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const stage of [...stages].reverse()) {
      await Promise.all(stage.map((name) => running.get(name)?.stop()));
    }
  };

  try {
    for (const stage of stages) {
      await Promise.all(stage.map(launch));
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  up = true;

  return {
    ports,
    urls: urlsFor(ports),
    components,
    dataDir,
    logDir,
    prometheusConfig,
    logFile: (name) => join(logDir, `${name}.log`),
    pid: (name) => {
      const component = running.get(name);
      return component?.exitStatus === undefined ? component?.pid : undefined;
    },
    stopComponent: async (name) => {
      await running.get(name)?.stop();
    },
    startComponent: async (name) => {
      const current = running.get(name);
      if (current && current.exitStatus === undefined) return;
      if (!wanted.has(name)) throw new Error(`${name} is not part of this stack`);
      await launch(name);
    },
    residentBytes: () =>
      Object.fromEntries(
        [...running].flatMap(([name, component]) => {
          const bytes = component.residentBytes();
          return bytes === undefined ? [] : [[name, bytes]];
        }),
      ),
    stop: stopAll,
  };
};
