/**
 * @module Checks of what a workload exposes or keeps, beyond its schema: the public entry on a named host over TLS,
 * StatefulSets governed by a headless Service, and the monitoring stack's admin surfaces closed (no Prometheus
 * lifecycle API, a TSDB bounded below its volume, no anonymous Grafana).
 */
import { asArray, asString, at, byKind, idOf, type K8sObject, namespaceOf } from './model.ts';

/** Istio Gateway servers: a named host (never `*`), TLS with a credential, plain HTTP only to redirect. */
export const checkIngressTls = (objects: readonly K8sObject[]): string[] =>
  byKind(objects, 'Gateway', 'networking.istio.io').flatMap((gateway) =>
    asArray(at(gateway, 'spec', 'servers')).flatMap((server) => {
      const problems: string[] = [];
      const port = String(at(server, 'port', 'number'));
      const protocol = asString(at(server, 'port', 'protocol')) ?? '';
      if (asArray(at(server, 'hosts')).some((host) => String(host) === '*' || String(host).endsWith('/*'))) {
        problems.push(`${idOf(gateway)}: server on port ${port} accepts any host`);
      }
      if (protocol === 'HTTPS' && asString(at(server, 'tls', 'credentialName')) === undefined) {
        problems.push(`${idOf(gateway)}: HTTPS server on port ${port} has no credentialName`);
      }
      if (protocol === 'HTTP' && at(server, 'tls', 'httpsRedirect') !== true) {
        problems.push(`${idOf(gateway)}: plain HTTP server on port ${port} serves instead of redirecting to HTTPS`);
      }
      return problems;
    }),
  );

/** A StatefulSet's `serviceName` must be a headless Service in its namespace (stable per-pod DNS names). */
export const checkStatefulSetServices = (objects: readonly K8sObject[]): string[] =>
  byKind(objects, 'StatefulSet').flatMap((set) => {
    const name = asString(at(set, 'spec', 'serviceName'));
    const service = byKind(objects, 'Service').find(
      (candidate) => candidate.metadata.name === name && namespaceOf(candidate) === namespaceOf(set),
    );
    if (!service) return [`${idOf(set)}: serviceName ${String(name)} is not a Service in these manifests`];
    return at(service, 'spec', 'clusterIP') === 'None'
      ? []
      : [`${idOf(set)}: serviceName ${String(name)} is not headless (clusterIP: None)`];
  });

const BYTES: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};
/** Bytes of a Prometheus size (`6GB`) or a Kubernetes quantity (`8Gi`); undefined if not understood. */
export const bytesOf = (value: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)([KMGT]i|[KMGT]B|B)$/.exec(value);
  return match?.[1] && match[2] ? Number(match[1]) * (BYTES[match[2]] ?? Number.NaN) : undefined;
};

const containersOf = (workload: K8sObject): unknown[] =>
  asArray(at(workload, 'spec', 'template', 'spec', 'containers'));
const argsOf = (container: unknown): string[] => asArray(at(container, 'args')).map(String);
const envOf = (container: unknown): Map<string, unknown> =>
  new Map(asArray(at(container, 'env')).map((entry) => [String(at(entry, 'name')), at(entry, 'value')]));

/** Prometheus: no lifecycle API, retention by size below its data volume; Grafana: no anonymous access. */
export const checkMonitoringSurfaces = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  for (const workload of byKind(objects, 'Deployment')) {
    for (const container of containersOf(workload)) {
      const args = argsOf(container);
      if (args.some((arg) => arg.startsWith('--storage.tsdb.path'))) {
        if (args.includes('--web.enable-lifecycle'))
          problems.push(`${idOf(workload)}: --web.enable-lifecycle lets any client call /-/quit and /-/reload`);
        const size = args.find((arg) => arg.startsWith('--storage.tsdb.retention.size='))?.split('=')[1];
        const dataPath = args.find((arg) => arg.startsWith('--storage.tsdb.path='))?.split('=')[1];
        const mount = asArray(at(container, 'volumeMounts')).find((entry) => at(entry, 'mountPath') === dataPath);
        const volume = asArray(at(workload, 'spec', 'template', 'spec', 'volumes')).find(
          (entry) => at(entry, 'name') === at(mount, 'name'),
        );
        const limit = asString(at(volume, 'emptyDir', 'sizeLimit'));
        if (size === undefined) problems.push(`${idOf(workload)}: retention by time only; the volume can fill up`);
        else if (limit !== undefined && (bytesOf(size) ?? Number.POSITIVE_INFINITY) >= (bytesOf(limit) ?? 0)) {
          problems.push(`${idOf(workload)}: retention size ${size} is not below the volume's sizeLimit ${limit}`);
        }
      }
      if (envOf(container).get('GF_AUTH_ANONYMOUS_ENABLED') === 'true')
        problems.push(`${idOf(workload)}: Grafana allows anonymous access`);
    }
  }
  return problems;
};
