/**
 * @module Scrape jobs and the two Prometheus configurations built from them: the local stack (ports from
 * stack.ts) and Kubernetes (pod service discovery, Istio metrics merging, the Linkerd proxy job).
 * `job` is always the service name, so rules and dashboards work unchanged in both places.
 */
import { TARGET_LABEL } from '@mesh-stack/observability/promql';
import { BACKEND_PORTS, LOCAL_PORTS, METRICS_PATH, SERVICE_NAMES } from '@mesh-stack/stack';

export const SCRAPE_JOB = {
  /** The collector's own telemetry (accepted, refused, sent, queue). */
  collector: 'otel-collector',
  /** Span metrics from the collector's spanmetrics connector, through its Prometheus exporter. */
  collectorSpanMetrics: 'otel-collector-spanmetrics',
  jaeger: 'jaeger',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  /** Linkerd's proxies (linkerd-viz's job name, so Linkerd's own dashboards keep working). */
  linkerdProxy: 'linkerd-proxy',
  /** Kubernetes: every pod annotated `prometheus.io/scrape: "true"`, relabelled to its service name. */
  kubernetesPods: 'kubernetes-pods',
} as const;

export type Environment = 'local' | 'compose' | 'kubernetes';

export interface EnvironmentIntervals {
  /** How often Prometheus scrapes; Grafana's `timeInterval` must equal it so `$__rate_interval` spans 4 scrapes. */
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
}

/**
 * The one place for scrape and evaluation intervals, per environment: the Prometheus configurations are generated
 * from it, and Grafana's datasource reads the same value from `PROMETHEUS_SCRAPE_INTERVAL`, which compose.yaml
 * and the Kubernetes Grafana Deployment set. The end-to-end tests may shorten them in a copy, never the rules.
 */
export const ENVIRONMENTS: Readonly<Record<Environment, EnvironmentIntervals>> = {
  local: { scrapeInterval: '15s', evaluationInterval: '15s' },
  compose: { scrapeInterval: '15s', evaluationInterval: '15s' },
  // Many more targets (every pod, sidecars merged in): half the samples for the same window.
  kubernetes: { scrapeInterval: '30s', evaluationInterval: '30s' },
};

/** The local stack's intervals (kept for importers that only know the local stack). */
export const SCRAPE_INTERVAL = ENVIRONMENTS.local.scrapeInterval;
export const EVALUATION_INTERVAL = ENVIRONMENTS.local.evaluationInterval;

const globalIntervals = (environment: Environment) => ({
  scrape_interval: ENVIRONMENTS[environment].scrapeInterval,
  evaluation_interval: ENVIRONMENTS[environment].evaluationInterval,
});

/** Rule files, relative to the configuration file (Prometheus resolves them against its directory). */
export const RULE_FILES_GLOB = 'rules/*.yaml';

/** Prometheus needs `--enable-feature=exemplar-storage` to keep the `trace_id` exemplars the services expose. */
export const PROMETHEUS_FLAGS = ['--enable-feature=exemplar-storage'] as const;

const loopback = (port: number): string => `127.0.0.1:${port}`;

interface StaticJob {
  readonly job_name: string;
  readonly metrics_path?: string;
  readonly static_configs: readonly { readonly targets: readonly string[] }[];
}

const staticJob = (job: string, port: number, path: string = METRICS_PATH): StaticJob => ({
  job_name: job,
  ...(path === METRICS_PATH ? {} : { metrics_path: path }),
  static_configs: [{ targets: [loopback(port)] }],
});

/**
 * The local stack's `prometheus.yml` as an object (serialised by the generator); compose.yaml uses the same jobs
 * with its own intervals and addresses.
 */
export const localPrometheusConfig = (environment: Extract<Environment, 'local' | 'compose'> = 'local') => ({
  global: globalIntervals(environment),
  rule_files: [RULE_FILES_GLOB],
  alerting: { alertmanagers: [{ static_configs: [{ targets: [loopback(BACKEND_PORTS.alertmanager)] }] }] },
  scrape_configs: [
    ...SERVICE_NAMES.map((service) => staticJob(service, LOCAL_PORTS[service].adminPort)),
    staticJob(SCRAPE_JOB.collector, BACKEND_PORTS.collectorSelfMetrics),
    staticJob(SCRAPE_JOB.collectorSpanMetrics, BACKEND_PORTS.collectorPrometheusExporter),
    staticJob(SCRAPE_JOB.jaeger, BACKEND_PORTS.jaegerSelfMetrics),
    staticJob(SCRAPE_JOB.prometheus, BACKEND_PORTS.prometheus),
    staticJob(SCRAPE_JOB.alertmanager, BACKEND_PORTS.alertmanager),
  ],
});

/**
 * What the Kubernetes manifests must provide for {@link kubernetesPrometheusConfig} to find every target:
 * the pod label naming the service, and the container port names of the collector.
 */
export const KUBERNETES_SCRAPE_CONTRACT = {
  /** Pod label whose value becomes `job` (e.g. `order-service`, `otel-collector`). */
  serviceLabel: 'app.kubernetes.io/name',
  /** Standard annotations; Istio rewrites them to its merged endpoint on :15020 when metrics merging is on. */
  scrapeAnnotation: 'prometheus.io/scrape',
  portAnnotation: 'prometheus.io/port',
  pathAnnotation: 'prometheus.io/path',
  collectorSelfMetricsPortName: 'metrics',
  collectorSpanMetricsPortName: 'spanmetrics',
  /** In-cluster Alertmanager service, in Prometheus's namespace. */
  alertmanagerAddress: `alertmanager:${BACKEND_PORTS.alertmanager}`,
} as const;

/** `app.kubernetes.io/name` → `__meta_kubernetes_pod_label_app_kubernetes_io_name`. */
const podLabelMeta = (label: string): string => `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, '_')}`;
const podAnnotationMeta = (annotation: string): string =>
  `__meta_kubernetes_pod_annotation_${annotation.replace(/[^a-zA-Z0-9_]/g, '_')}`;

const kubernetesIdentity = [
  { source_labels: ['__meta_kubernetes_namespace'], target_label: TARGET_LABEL.namespace },
  { source_labels: ['__meta_kubernetes_pod_name'], target_label: TARGET_LABEL.pod },
];

const namedPortJob = (job: string, portName: string) => ({
  job_name: job,
  kubernetes_sd_configs: [{ role: 'pod' }],
  relabel_configs: [
    {
      source_labels: [
        podLabelMeta(KUBERNETES_SCRAPE_CONTRACT.serviceLabel),
        '__meta_kubernetes_pod_container_port_name',
      ],
      regex: `${SCRAPE_JOB.collector};${portName}`,
      action: 'keep',
    },
    ...kubernetesIdentity,
  ],
});

/**
 * Prometheus in the cluster. Istio's recommended option 1 (metrics merging, on by default): the sidecar
 * injector rewrites the `prometheus.io/*` annotations to `:15020/stats/prometheus`, where pilot-agent serves
 * the app's metrics and Envoy's `istio_*` together, so the one annotation job collects both and nothing scrapes
 * Envoy twice. There is no `istio-mesh` job: it scraped Mixer, which Istio removed in 1.5.
 */
export const kubernetesPrometheusConfig = () => ({
  global: globalIntervals('kubernetes'),
  rule_files: [RULE_FILES_GLOB],
  alerting: { alertmanagers: [{ static_configs: [{ targets: [KUBERNETES_SCRAPE_CONTRACT.alertmanagerAddress] }] }] },
  scrape_configs: [
    {
      job_name: SCRAPE_JOB.kubernetesPods,
      kubernetes_sd_configs: [{ role: 'pod' }],
      relabel_configs: [
        {
          source_labels: [podAnnotationMeta(KUBERNETES_SCRAPE_CONTRACT.scrapeAnnotation)],
          regex: 'true',
          action: 'keep',
        },
        // One target per pod: the annotated port, not every declared container port.
        {
          source_labels: ['__address__', podAnnotationMeta(KUBERNETES_SCRAPE_CONTRACT.portAnnotation)],
          regex: '([^:]+)(?::\\d+)?;(\\d+)',
          replacement: '$1:$2',
          target_label: '__address__',
        },
        {
          source_labels: [podAnnotationMeta(KUBERNETES_SCRAPE_CONTRACT.pathAnnotation)],
          regex: '(.+)',
          target_label: '__metrics_path__',
        },
        // `job` is the service name, exactly as in the local stack.
        {
          source_labels: [podLabelMeta(KUBERNETES_SCRAPE_CONTRACT.serviceLabel)],
          regex: '(.+)',
          target_label: TARGET_LABEL.job,
        },
        ...kubernetesIdentity,
      ],
    },
    namedPortJob(SCRAPE_JOB.collector, KUBERNETES_SCRAPE_CONTRACT.collectorSelfMetricsPortName),
    namedPortJob(SCRAPE_JOB.collectorSpanMetrics, KUBERNETES_SCRAPE_CONTRACT.collectorSpanMetricsPortName),
    {
      // linkerd-viz's job: the proxy admin port, with the workload labels Linkerd's queries group by.
      job_name: SCRAPE_JOB.linkerdProxy,
      kubernetes_sd_configs: [{ role: 'pod' }],
      relabel_configs: [
        {
          source_labels: ['__meta_kubernetes_pod_container_name', '__meta_kubernetes_pod_container_port_name'],
          regex: 'linkerd-proxy;linkerd-admin',
          action: 'keep',
        },
        ...kubernetesIdentity,
        { action: 'labelmap', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)' },
      ],
    },
    // Prometheus scrapes itself and Alertmanager, so the meta-monitoring alerts (rule evaluation and notification
    // failures) have data in the cluster as they do locally.
    staticJob(SCRAPE_JOB.prometheus, BACKEND_PORTS.prometheus),
    {
      job_name: SCRAPE_JOB.alertmanager,
      static_configs: [{ targets: [KUBERNETES_SCRAPE_CONTRACT.alertmanagerAddress] }],
    },
  ],
});
