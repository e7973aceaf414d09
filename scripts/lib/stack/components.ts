/**
 * @module What runs in the local stack and how: command line, environment, readiness URL and start order of each
 * component. Binaries come from @mesh-stack/tools (Debian packages and `.tools/bin`), configs from the repository,
 * ports from the stack map (optionally offset), state from the stack's data folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HEALTH_PATHS, SERVICE_NAMES, type ServiceName } from '@mesh-stack/stack';
import { DEBIAN_TOOLS, GO_TOOLS, REPO_ROOT } from '@mesh-stack/tools';
import type { StackPorts } from './ports.ts';
import type { ComponentSpec } from './process.ts';
import { serviceSpec } from './service.ts';

export const BACKEND_NAMES = ['jaeger', 'otel-collector', 'prometheus', 'alertmanager'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ComponentName = BackendName | ServiceName;
export const COMPONENT_NAMES: readonly ComponentName[] = [...BACKEND_NAMES, ...SERVICE_NAMES];

/**
 * Start order: each stage starts in parallel and must be ready before the next. The collector waits for Jaeger so
 * no early spans are queued for retry; order-service last because its readiness checks user- and payment-service.
 */
export const START_STAGES: readonly (readonly ComponentName[])[] = [
  ['jaeger', 'alertmanager'],
  ['otel-collector', 'prometheus'],
  ['user-service', 'payment-service'],
  ['order-service'],
];

export const DEFAULT_CONFIGS = {
  collector: join(REPO_ROOT, 'observability', 'otel-collector', 'config.yaml'),
  jaeger: join(REPO_ROOT, 'observability', 'jaeger', 'config.yaml'),
  prometheus: join(REPO_ROOT, 'observability', 'prometheus', 'prometheus.yml'),
  alertmanager: join(REPO_ROOT, 'observability', 'prometheus', 'alertmanager.yml'),
} as const;

export interface ComponentContext {
  readonly ports: StackPorts;
  readonly dataDir: string;
  readonly prometheusConfig: string;
  readonly alertmanagerConfig: string;
  readonly prometheusRetention: string;
  readonly extraEnv: Partial<Record<ComponentName, Readonly<Record<string, string>>>>;
}

const LOOPBACK = '127.0.0.1';
/**
 * payment-service's fault injection is closed unless a token is set: the local stack opens it with
 * `FAULT_INJECTION_TOKEN` from the environment, or this well-known one (its admin port listens on loopback only;
 * the README's walk-through sends it).
 */
export const LOCAL_FAULT_INJECTION_TOKEN = 'local-fault-injection';
const at = (port: number): string => `${LOOPBACK}:${port}`;
const GO_READY_MS = 30_000;
const GO_STOP_MS = 10_000;

/**
 * Memory budget of the whole stack, under 1.5 GiB: GOMEMLIMIT makes each Go runtime collect harder before it
 * reaches its share; the collector's and Jaeger's memory_limiter refuse data below it; Node's heap is capped (see
 * service.ts).
 */
const MEMORY = {
  jaeger: { goMemLimit: '320MiB', limiterMib: '256' },
  collector: { goMemLimit: '320MiB', limiterMib: '256' },
  prometheus: { goMemLimit: '300MiB' },
  alertmanager: { goMemLimit: '64MiB' },
} as const;

const withEnv = (context: ComponentContext, name: ComponentName, env: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  ...env,
  ...context.extraEnv[name],
});

const jaeger = (context: ComponentContext): ComponentSpec => {
  const { backends } = context.ports;
  return {
    name: 'jaeger',
    command: GO_TOOLS.jaeger,
    args: [`--config=${DEFAULT_CONFIGS.jaeger}`],
    cwd: REPO_ROOT,
    env: withEnv(context, 'jaeger', {
      GOMEMLIMIT: MEMORY.jaeger.goMemLimit,
      JAEGER_MEMORY_LIMIT_MIB: MEMORY.jaeger.limiterMib,
      JAEGER_OTLP_GRPC_ENDPOINT: at(backends.jaegerOtlpGrpc),
      JAEGER_OTLP_HTTP_ENDPOINT: at(backends.jaegerOtlpHttp),
      JAEGER_QUERY_HTTP_ENDPOINT: at(backends.jaegerQuery),
      JAEGER_QUERY_GRPC_ENDPOINT: at(backends.jaegerQueryGrpc),
      JAEGER_METRICS_HOST: LOOPBACK,
      JAEGER_METRICS_PORT: String(backends.jaegerSelfMetrics),
    }),
    // The query API answers once storage is up; Jaeger v2 built from modules has no UI and no separate health port.
    ready: { url: `http://${at(backends.jaegerQuery)}/api/services` },
    readyTimeoutMs: GO_READY_MS,
    stopTimeoutMs: GO_STOP_MS,
  };
};

const collector = (context: ComponentContext): ComponentSpec => {
  const { backends } = context.ports;
  return {
    name: 'otel-collector',
    command: GO_TOOLS.otelcol,
    args: [`--config=${DEFAULT_CONFIGS.collector}`],
    cwd: REPO_ROOT,
    env: withEnv(context, 'otel-collector', {
      GOMEMLIMIT: MEMORY.collector.goMemLimit,
      OTELCOL_MEMORY_LIMIT_MIB: MEMORY.collector.limiterMib,
      OTELCOL_OTLP_GRPC_ENDPOINT: at(backends.collectorOtlpGrpc),
      OTELCOL_OTLP_HTTP_ENDPOINT: at(backends.collectorOtlpHttp),
      OTELCOL_PROMETHEUS_ENDPOINT: at(backends.collectorPrometheusExporter),
      OTELCOL_HEALTH_ENDPOINT: at(backends.collectorHealthCheck),
      OTELCOL_METRICS_HOST: LOOPBACK,
      OTELCOL_METRICS_PORT: String(backends.collectorSelfMetrics),
      JAEGER_OTLP_ENDPOINT: at(backends.jaegerOtlpGrpc),
    }),
    ready: { url: `http://${at(backends.collectorHealthCheck)}/` },
    readyTimeoutMs: GO_READY_MS,
    stopTimeoutMs: GO_STOP_MS,
  };
};

const prometheus = (context: ComponentContext): ComponentSpec => {
  const { backends } = context.ports;
  return {
    name: 'prometheus',
    command: DEBIAN_TOOLS.prometheus,
    args: [
      `--config.file=${context.prometheusConfig}`,
      `--web.listen-address=${at(backends.prometheus)}`,
      `--web.external-url=http://${at(backends.prometheus)}/`,
      // POST /-/reload after editing rules or scrape jobs, without restarting the stack.
      '--web.enable-lifecycle',
      // Keeps the trace_id exemplars of the services' histograms and of the span metrics (links to Jaeger).
      '--enable-feature=exemplar-storage',
      `--storage.tsdb.path=${join(context.dataDir, 'prometheus')}`,
      `--storage.tsdb.retention.time=${context.prometheusRetention}`,
      '--storage.tsdb.retention.size=512MB',
    ],
    cwd: REPO_ROOT,
    env: withEnv(context, 'prometheus', { GOMEMLIMIT: MEMORY.prometheus.goMemLimit }),
    ready: { url: `http://${at(backends.prometheus)}/-/ready` },
    readyTimeoutMs: GO_READY_MS,
    stopTimeoutMs: GO_STOP_MS,
  };
};

const alertmanager = (context: ComponentContext): ComponentSpec => {
  const { backends } = context.ports;
  return {
    name: 'alertmanager',
    command: DEBIAN_TOOLS.alertmanager,
    args: [
      `--config.file=${context.alertmanagerConfig}`,
      `--web.listen-address=${at(backends.alertmanager)}`,
      `--web.external-url=http://${at(backends.alertmanager)}/`,
      `--storage.path=${join(context.dataDir, 'alertmanager')}`,
      // A single instance: an empty listen address turns the gossip cluster (and its 9094 port) off.
      '--cluster.listen-address=',
    ],
    cwd: REPO_ROOT,
    env: withEnv(context, 'alertmanager', { GOMEMLIMIT: MEMORY.alertmanager.goMemLimit }),
    ready: { url: `http://${at(backends.alertmanager)}/-/ready` },
    readyTimeoutMs: GO_READY_MS,
    stopTimeoutMs: GO_STOP_MS,
  };
};

const service = (context: ComponentContext, name: ServiceName): ComponentSpec => {
  const { services, backends } = context.ports;
  const url = (port: number): string => `http://${at(port)}`;
  return serviceSpec({
    name,
    ports: services[name],
    otlpEndpoint: url(backends.collectorOtlpHttp),
    faultInjectionToken: process.env.FAULT_INJECTION_TOKEN ?? LOCAL_FAULT_INJECTION_TOKEN,
    dependencies:
      name === 'order-service'
        ? {
            userService: url(services['user-service'].publicPort),
            paymentService: url(services['payment-service'].publicPort),
          }
        : undefined,
    env: { DATA_DIR: join(context.dataDir, name), ...context.extraEnv[name] },
    ready: { url: `${url(services[name].adminPort)}${HEALTH_PATHS.ready}` },
  });
};

export const componentSpec = (context: ComponentContext, name: ComponentName): ComponentSpec => {
  switch (name) {
    case 'jaeger':
      return jaeger(context);
    case 'otel-collector':
      return collector(context);
    case 'prometheus':
      return prometheus(context);
    case 'alertmanager':
      return alertmanager(context);
    default:
      return service(context, name);
  }
};

/** Files a component needs before it can start; a missing one is reported with what installs or provides it. */
export const missingPrerequisites = (context: ComponentContext, name: ComponentName): string[] => {
  const need = (path: string, hint: string): string[] => (existsSync(path) ? [] : [`${path} is missing (${hint})`]);
  switch (name) {
    case 'jaeger':
      return [
        ...need(GO_TOOLS.jaeger, 'run `npm run setup`'),
        ...need(DEFAULT_CONFIGS.jaeger, 'part of the repository'),
      ];
    case 'otel-collector':
      return [
        ...need(GO_TOOLS.otelcol, 'run `npm run setup`'),
        ...need(DEFAULT_CONFIGS.collector, 'part of the repository'),
      ];
    case 'prometheus':
      return [
        ...need(DEBIAN_TOOLS.prometheus, 'run `npm run setup`'),
        ...need(context.prometheusConfig, 'generated by `npm run generate` in observability/'),
      ];
    case 'alertmanager':
      return [
        ...need(DEBIAN_TOOLS.alertmanager, 'run `npm run setup`'),
        ...need(context.alertmanagerConfig, 'generated by `npm run generate` in observability/'),
      ];
    default:
      return need(join(REPO_ROOT, 'services', name, 'src', 'main.ts'), 'the service is not written yet');
  }
};
