/**
 * @module Who may talk to whom, computed from the built manifests and compared with the intended graph: the call
 * graph of stack/src/stack.ts plus the stack's own plumbing (databases, telemetry, scrapes, probes,
 * the mesh control planes).
 *
 * Three reports, each a probe matrix that asks every (source, destination, port[, request]) and lists every answer
 * that differs from the intent (a missing edge and an extra edge are both failures):
 * - {@link networkPolicyReport}: L4 alone, on the port each mesh really puts on the wire (./data-path.ts);
 * - {@link meshAuthorizationReport}: L7 alone (Istio AuthorizationPolicy, Linkerd Server/HTTPRoute/AuthorizationPolicy);
 * - {@link endToEndReport}: both layers together, request by request, which is what a client actually gets.
 */
import {
  CALL_EDGES,
  HEALTH_PATHS,
  KUBERNETES_PORTS,
  METRICS_PATH,
  PUBLIC_ENTRY,
  SERVICE_NAMES,
} from '@mesh-stack/stack';
import {
  ISTIO_SIDECAR_PORTS,
  injected,
  LINKERD_PROXY_PORTS,
  type Mesh,
  meshPorts,
  type Peer,
  wirePort,
} from './data-path.ts';
import { type HttpRequest, istioAllows, linkerdAllows } from './mesh-authorization.ts';
import type { K8sObject, PodTemplate } from './model.ts';
import { podTemplates } from './model.ts';
import { networkPolicyAllows } from './network-policy.ts';

export type { Mesh, Peer } from './data-path.ts';
export type { HttpRequest } from './mesh-authorization.ts';

const SHOP = 'shop';
const MONITORING = 'monitoring';
const POSTGRES_PORT = 5432;
const OTLP_PORTS = [4317, 4318];
/** k8s/monitoring container ports the intended graph uses. */
const MONITORING_PORTS = {
  collectorSelfMetrics: 8888,
  collectorSpanMetrics: 8889,
  jaegerOtlp: 4317,
  jaegerQuery: 16686,
  prometheus: 9090,
  alertmanager: 9093,
} as const;
/** The Linkerd proxy's own probe paths on its admin port (the linkerd-proxy container's liveness/readiness). */
const LINKERD_PROXY_PROBE_PATHS = ['/live', '/ready'];

/** The ingress in front of PUBLIC_ENTRY, as each setup in docs/kubernetes.md installs it. */
export const gatewayPeer = (mesh: Mesh): Peer =>
  mesh === 'istio'
    ? {
        name: 'istio-ingressgateway',
        namespace: 'istio-system',
        labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
        serviceAccount: 'istio-ingressgateway-service-account',
        meshed: true,
      }
    : {
        // Envoy Gateway's proxy pods for Gateway shop/shop-gateway; their ServiceAccount name carries a hash.
        name: 'envoy-gateway',
        namespace: 'envoy-gateway-system',
        labels: {
          'app.kubernetes.io/name': 'envoy',
          'gateway.envoyproxy.io/owning-gateway-name': 'shop-gateway',
          'gateway.envoyproxy.io/owning-gateway-namespace': 'shop',
        },
        serviceAccount: 'envoy-shop-shop-gateway-7d3f9a2c',
        // Meshed in the Linkerd setup (docs/kubernetes.md), so order-service can authorize its identity.
        meshed: mesh === 'linkerd',
      };

/** Any other pod in the cluster, unmeshed. */
export const STRANGER: Peer = {
  name: 'stranger',
  namespace: 'default',
  labels: { app: 'stranger' },
  serviceAccount: 'default',
  meshed: false,
};

/** A meshed pod in the cluster with an identity of its own that no policy names. */
export const MESHED_STRANGER: Peer = { ...STRANGER, name: 'meshed-stranger', meshed: true };

/** The kubelet's probes: from the node, plaintext, not subject to NetworkPolicy. */
export const KUBELET: Peer = {
  name: 'kubelet',
  namespace: '',
  labels: {},
  serviceAccount: '',
  meshed: false,
  host: true,
};

/** Control-plane endpoints every proxy dials itself (not through its own outbound listener: the real port). */
const controlPlanePeers = (mesh: Mesh): { peer: Peer; ports: number[] }[] =>
  mesh === 'istio'
    ? [
        {
          peer: {
            name: 'istiod',
            namespace: 'istio-system',
            labels: { app: 'istiod' },
            serviceAccount: 'istiod',
            meshed: false,
          },
          ports: [ISTIO_SIDECAR_PORTS.istiodXds],
        },
      ]
    : mesh === 'linkerd'
      ? [
          {
            peer: {
              name: 'linkerd-control-plane',
              namespace: 'linkerd',
              labels: { 'linkerd.io/control-plane-ns': 'linkerd' },
              serviceAccount: 'linkerd-destination',
              meshed: false,
            },
            ports: [LINKERD_PROXY_PORTS.identity, LINKERD_PROXY_PORTS.destination, LINKERD_PROXY_PORTS.policy],
          },
        ]
      : [];

const appOf = (peer: Peer): string | undefined => peer.labels.app;
const isShopApp = (peer: Peer): boolean =>
  peer.namespace === SHOP && (SERVICE_NAMES as readonly string[]).includes(appOf(peer) ?? '');
const isMonitoring = (peer: Peer, app: string): boolean => peer.namespace === MONITORING && appOf(peer) === app;
const isPrometheus = (peer: Peer): boolean => isMonitoring(peer, 'prometheus');
const isGateway = (peer: Peer, mesh: Mesh): boolean =>
  peer.namespace === gatewayPeer(mesh).namespace && peer.serviceAccount === gatewayPeer(mesh).serviceAccount;

const routePattern = (template: string): RegExp =>
  new RegExp(`^${template.replace(/:[A-Za-z]+/g, '[^/]+').replace(/\//g, '\\/')}$`);

const isProbe = (request: HttpRequest, paths: readonly string[]): boolean =>
  request.method === 'GET' && paths.includes(request.path);
const APP_PROBE_PATHS = [HEALTH_PATHS.live, HEALTH_PATHS.ready];

/**
 * The intended requests into a shop pod: the call graph on the public port, and on the admin ports (the service's and
 * Linkerd's proxy's) Prometheus's GET /metrics and the kubelet's probes, nothing else (no fault injection).
 */
const intendedRequest = (source: Peer, destination: Peer, port: number, request: HttpRequest, mesh: Mesh): boolean => {
  // Without a mesh there is no L7 layer: a request is intended when its connection is.
  if (mesh === 'none') return source.host === true || intendedConnection(source, destination, port, mesh);
  const to = appOf(destination);
  const prober = source.host === true;
  if (port === KUBERNETES_PORTS.publicPort) {
    if (isGateway(source, mesh) && to === PUBLIC_ENTRY.service) {
      const publicPath = PUBLIC_ENTRY.pathPrefixes.some(
        (prefix) => request.path === prefix || request.path.startsWith(`${prefix}/`),
      );
      return publicPath && (request.method === 'GET' || request.method === 'POST');
    }
    return (
      source.namespace === SHOP &&
      CALL_EDGES.some(
        (edge) =>
          edge.from === appOf(source) &&
          edge.to === to &&
          edge.method === request.method &&
          routePattern(edge.route).test(request.path),
      )
    );
  }
  if (port === KUBERNETES_PORTS.adminPort) {
    if (!isShopApp(destination)) return false;
    // Istio: Prometheus reads the merged endpoint :15020 and probes are rewritten to :15021, both outside Envoy.
    if (mesh === 'istio') return false;
    return (
      (isPrometheus(source) && request.method === 'GET' && request.path === METRICS_PATH) ||
      (prober && isProbe(request, APP_PROBE_PATHS))
    );
  }
  if (mesh === 'linkerd' && port === LINKERD_PROXY_PORTS.admin) {
    return (
      (isPrometheus(source) && request.method === 'GET' && request.path === METRICS_PATH) ||
      (prober && isProbe(request, LINKERD_PROXY_PROBE_PATHS))
    );
  }
  return false;
};

/** Intended connections by application port, before the mesh rewrites them (see {@link wirePort}). */
const intendedConnection = (source: Peer, destination: Peer, port: number, mesh: Mesh): boolean => {
  const to = appOf(destination);
  if (destination.namespace === SHOP) {
    if (port === KUBERNETES_PORTS.publicPort) {
      if (isGateway(source, mesh)) return to === PUBLIC_ENTRY.service;
      return isShopApp(source) && CALL_EDGES.some((edge) => edge.from === appOf(source) && edge.to === to);
    }
    if (port === KUBERNETES_PORTS.adminPort) return mesh !== 'istio' && isPrometheus(source) && isShopApp(destination);
    if (port === POSTGRES_PORT) return to === 'postgres' && isShopApp(source);
    // Istio's metrics merging: the injector points every sidecar's prometheus.io annotations at :15020.
    if (mesh === 'istio' && port === ISTIO_SIDECAR_PORTS.mergedMetrics) return isPrometheus(source);
    if (mesh === 'linkerd' && port === LINKERD_PROXY_PORTS.admin) return isPrometheus(source);
    return false;
  }
  if (destination.namespace === MONITORING) {
    if (mesh === 'linkerd' && port === LINKERD_PROXY_PORTS.admin) return isPrometheus(source);
    switch (to) {
      case 'otel-collector':
        return (
          (isShopApp(source) && OTLP_PORTS.includes(port)) ||
          (isPrometheus(source) &&
            (port === MONITORING_PORTS.collectorSelfMetrics || port === MONITORING_PORTS.collectorSpanMetrics))
        );
      case 'jaeger':
        return (
          (isMonitoring(source, 'otel-collector') && port === MONITORING_PORTS.jaegerOtlp) ||
          (isMonitoring(source, 'grafana') && port === MONITORING_PORTS.jaegerQuery)
        );
      case 'prometheus':
        return isMonitoring(source, 'grafana') && port === MONITORING_PORTS.prometheus;
      case 'alertmanager':
        // Prometheus sends alerts (and scrapes Alertmanager's /metrics); Grafana's Alertmanager datasource reads.
        return (isPrometheus(source) || isMonitoring(source, 'grafana')) && port === MONITORING_PORTS.alertmanager;
      default:
        return false;
    }
  }
  return false;
};

export interface Peers {
  readonly sources: Peer[];
  readonly destinations: Peer[];
}

export const peers = (objects: readonly K8sObject[], mesh: Mesh): Peers => {
  const toPeer = (pod: PodTemplate): Peer => ({
    name: `${pod.namespace}/${pod.owner.metadata.name}`,
    namespace: pod.namespace,
    labels: pod.labels,
    serviceAccount: pod.serviceAccount,
    meshed: injected(objects, pod, mesh),
    pod,
  });
  const all = podTemplates(objects)
    .filter((pod) => pod.namespace === SHOP || pod.namespace === MONITORING)
    .map(toPeer);
  return {
    sources: [...all, gatewayPeer(mesh), STRANGER, ...(mesh === 'none' ? [] : [MESHED_STRANGER])],
    destinations: all,
  };
};

export interface EdgeReport {
  /** Intended edges the manifests refuse. */
  readonly missing: string[];
  /** Edges the manifests allow that the intended graph does not have. */
  readonly extra: string[];
}

const compare = (report: EdgeReport, intended: boolean, allowed: boolean, description: string): void => {
  if (intended && !allowed) report.missing.push(description);
  if (!intended && allowed) report.extra.push(description);
};

/** Every container port of the pods, the application ports, and the mesh's proxy ports. */
const probePorts = (destinations: readonly Peer[], mesh: Mesh): number[] =>
  [
    ...new Set([
      KUBERNETES_PORTS.publicPort,
      KUBERNETES_PORTS.adminPort,
      POSTGRES_PORT,
      ...destinations.flatMap((peer) => peer.pod?.ports.map((port) => port.containerPort) ?? []),
      ...meshPorts(mesh),
    ]),
  ].sort((a, b) => a - b);

/**
 * L4: every NetworkPolicy decision on the wire ports, against the intended connections mapped through the mesh's
 * data path (a Linkerd connection to :8080 is intended as a connection to :4143, and :8080 itself is then unused).
 */
export const networkPolicyReport = (objects: readonly K8sObject[], mesh: Mesh): EdgeReport => {
  const report: EdgeReport = { missing: [], extra: [] };
  const { sources, destinations } = peers(objects, mesh);
  const ports = probePorts(destinations, mesh);
  for (const source of sources) {
    for (const destination of destinations) {
      if (source.name === destination.name) continue;
      const wanted = new Set(
        ports
          .filter((port) => intendedConnection(source, destination, port, mesh))
          .map((port) => wirePort(mesh, source, destination, port)),
      );
      for (const port of ports) {
        compare(
          report,
          wanted.has(port),
          networkPolicyAllows(objects, source, destination, port),
          `${source.name} → ${destination.name}:${port}`,
        );
      }
    }
  }
  // Egress from every meshed pod to its control plane.
  for (const { peer, ports: controlPorts } of controlPlanePeers(mesh)) {
    for (const source of sources.filter((candidate) => candidate.pod !== undefined && candidate.meshed)) {
      for (const port of controlPorts) {
        compare(
          report,
          true,
          networkPolicyAllows(objects, source, peer, port),
          `${source.name} → ${peer.name}:${port}`,
        );
      }
    }
  }
  return report;
};

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const PATHS = [
  HEALTH_PATHS.live,
  HEALTH_PATHS.ready,
  HEALTH_PATHS.summary,
  ...LINKERD_PROXY_PROBE_PATHS,
  '/orders',
  '/orders/0199a',
  '/orders-export',
  '/users',
  '/users/0199a',
  '/users/0199a/orders',
  '/payments',
  '/payments/0199a',
  '/admin/faults',
  METRICS_PATH,
];

const requestPorts = (mesh: Mesh): number[] =>
  mesh === 'linkerd'
    ? [KUBERNETES_PORTS.publicPort, KUBERNETES_PORTS.adminPort, LINKERD_PROXY_PORTS.admin]
    : [KUBERNETES_PORTS.publicPort, KUBERNETES_PORTS.adminPort];

const l7Allows = (
  objects: readonly K8sObject[],
  mesh: Mesh,
  source: Peer,
  destination: Peer,
  port: number,
  request: HttpRequest | undefined,
): boolean => {
  if (mesh === 'none' || !destination.meshed) return true;
  return mesh === 'istio'
    ? istioAllows(objects, source, destination, port, request)
    : linkerdAllows(objects, source, destination, port, request);
};

const walkRequests = (
  objects: readonly K8sObject[],
  mesh: Mesh,
  visit: (source: Peer, destination: Peer, port: number, request: HttpRequest | undefined) => void,
): void => {
  const { sources, destinations } = peers(objects, mesh);
  for (const source of [...sources, KUBELET]) {
    for (const destination of destinations.filter((peer) => peer.namespace === SHOP)) {
      if (source.name === destination.name) continue;
      if (appOf(destination) === 'postgres') {
        visit(source, destination, POSTGRES_PORT, undefined);
        continue;
      }
      for (const port of requestPorts(mesh)) {
        for (const method of METHODS) {
          for (const path of PATHS) visit(source, destination, port, { method, path });
        }
      }
    }
  }
};

const describe = (source: Peer, destination: Peer, port: number, request: HttpRequest | undefined): string =>
  `${source.name} → ${destination.name}:${port}${request ? ` ${request.method} ${request.path}` : ''}`;

const intendedDatabase = (source: Peer, destination: Peer): boolean =>
  appOf(destination) === 'postgres' && isShopApp(source);

/** L7 alone: every mesh authorization decision on the shop pods, against the intended requests. */
export const meshAuthorizationReport = (objects: readonly K8sObject[], mesh: 'istio' | 'linkerd'): EdgeReport => {
  const report: EdgeReport = { missing: [], extra: [] };
  walkRequests(objects, mesh, (source, destination, port, request) => {
    compare(
      report,
      request === undefined
        ? intendedDatabase(source, destination)
        : intendedRequest(source, destination, port, request, mesh),
      l7Allows(objects, mesh, source, destination, port, request),
      describe(source, destination, port, request),
    );
  });
  return report;
};

/** Whether `source` gets `request` through to `destination:port`: NetworkPolicy on the wire port, then the mesh. */
export const requestAllowed = (
  objects: readonly K8sObject[],
  mesh: Mesh,
  source: Peer,
  destination: Peer,
  port: number,
  request: HttpRequest | undefined,
): boolean =>
  networkPolicyAllows(objects, source, destination, wirePort(mesh, source, destination, port)) &&
  l7Allows(objects, mesh, source, destination, port, request);

/**
 * Both layers, request by request: allowed when NetworkPolicy passes the connection on its wire port and the mesh
 * authorizes the request. This is the graph a client observes.
 */
export const endToEndReport = (objects: readonly K8sObject[], mesh: Mesh): EdgeReport => {
  const report: EdgeReport = { missing: [], extra: [] };
  walkRequests(objects, mesh, (source, destination, port, request) => {
    const allowed = requestAllowed(objects, mesh, source, destination, port, request);
    compare(
      report,
      request === undefined
        ? intendedDatabase(source, destination) || (source.host === true && mesh === 'none')
        : intendedRequest(source, destination, port, request, mesh),
      allowed,
      describe(source, destination, port, request),
    );
  });
  return report;
};
