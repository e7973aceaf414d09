/**
 * @module Who may talk to whom, computed from the built manifests and compared with the call graph in stack.ts.
 *
 * Three small evaluators implement the documented decision rules of each policy layer, for the features these
 * manifests use:
 * - NetworkPolicy (L4): isolation by any selecting policy, peers by pod/namespace selector, named ports
 *   (kubernetes.io/docs/concepts/services-networking/network-policies/).
 * - Istio AuthorizationPolicy (L7): DENY before ALLOW; no ALLOW policy → allow; else allow only on a matching rule;
 *   exact/prefix/suffix string matching (istio/api security/v1beta1/authorization_policy.proto).
 * - Linkerd policy: a Server per port; routes attached to it must match; an AuthorizationPolicy on the route or the
 *   Server must authenticate the client; no Server → the default inbound policy
 *   (linkerd.io/2-edge/reference/authorization-policy/).
 * The probe matrix below asks every evaluator about every (source, destination, port, request) and reports each
 * answer that differs from the intended graph: a missing edge and an extra edge are both failures.
 */
import { CALL_EDGES, type CallEdge, HEALTH_PATHS, KUBERNETES_PORTS, PUBLIC_ENTRY } from '@mesh-stack/service-kit/stack';
import {
  asArray,
  asString,
  at,
  byKind,
  groupOf,
  type K8sObject,
  namespaceOf,
  type PodTemplate,
  podTemplates,
  resolvePort,
  selectorMatches,
  stringMap,
} from './model.ts';

export type Mesh = 'none' | 'istio' | 'linkerd';

/** A pod that sends or receives traffic: one of the manifests' pod templates or a well-known outsider. */
export interface Peer {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** Present for pods in the manifests: needed to resolve named ports on a destination. */
  readonly pod?: PodTemplate;
}

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
}

const SHOP = 'shop';
const POSTGRES_PORT = 5432;
const APPS = [...new Set(CALL_EDGES.flatMap((edge) => [edge.from, edge.to]))];
const OTLP_PORTS = [4317, 4318];
const MESH_METRICS_PORT: Record<Mesh, number | undefined> = { none: undefined, istio: 15020, linkerd: 4191 };

/** The ingress in front of PUBLIC_ENTRY, as each setup in docs/kubernetes.md installs it. */
export const gatewayPeer = (mesh: Mesh): Peer =>
  mesh === 'istio'
    ? {
        name: 'istio-ingressgateway',
        namespace: 'istio-system',
        labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
        serviceAccount: 'istio-ingressgateway-service-account',
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
      };

const STRANGER: Peer = {
  name: 'stranger',
  namespace: 'default',
  labels: { app: 'stranger' },
  serviceAccount: 'default',
};

const peerOf = (pod: PodTemplate): Peer => ({
  name: `${pod.namespace}/${pod.owner.metadata.name}`,
  namespace: pod.namespace,
  labels: pod.labels,
  serviceAccount: pod.serviceAccount,
  pod,
});

const appOf = (peer: Peer): string | undefined => peer.labels.app;
const isPrometheus = (peer: Peer): boolean => peer.namespace === 'monitoring' && appOf(peer) === 'prometheus';
const isGateway = (peer: Peer, mesh: Mesh): boolean =>
  peer.namespace === gatewayPeer(mesh).namespace && peer.serviceAccount === gatewayPeer(mesh).serviceAccount;

/**
 * The calls a service makes besides CALL_EDGES: its readiness check asks every dependency for `GET /health/ready` on
 * the dependency's public port (service-kit health.ts `dependencyReadyCheck`), so a caller is only ready when its
 * dependencies are. Policies must allow these too, or order-service never becomes ready under the mesh.
 */
export const READINESS_EDGES: readonly CallEdge[] = [
  ...new Map(CALL_EDGES.map((edge) => [`${edge.from}>${edge.to}`, edge])).values(),
].map((edge) => ({
  from: edge.from,
  to: edge.to,
  method: 'GET',
  route: HEALTH_PATHS.ready,
  retryable: true,
  during: 'request',
  budget: edge.budget,
}));

const routePattern = (template: string): RegExp =>
  new RegExp(`^${template.replace(/:[A-Za-z]+/g, '[^/]+').replace(/\//g, '\\/')}$`);

/** The intended L7 graph on the public port: PUBLIC_ENTRY plus CALL_EDGES. */
const intendedHttp = (source: Peer, destination: Peer, request: HttpRequest, mesh: Mesh): boolean => {
  const to = appOf(destination);
  if (isGateway(source, mesh) && to === PUBLIC_ENTRY.service) {
    const publicPath = PUBLIC_ENTRY.pathPrefixes.some(
      (prefix) => request.path === prefix || request.path.startsWith(`${prefix}/`),
    );
    return publicPath && (request.method === 'GET' || request.method === 'POST');
  }
  if (source.namespace !== SHOP) return false;
  return [...CALL_EDGES, ...READINESS_EDGES].some(
    (edge) =>
      edge.from === appOf(source) &&
      edge.to === to &&
      edge.method === request.method &&
      routePattern(edge.route).test(request.path),
  );
};

/** The intended L4 graph: public and call edges, databases, telemetry, and the mesh's own metrics port. */
const intendedConnection = (source: Peer, destination: Peer, port: number, mesh: Mesh): boolean => {
  const from = appOf(source);
  const to = appOf(destination);
  const fromShopApp = source.namespace === SHOP && from !== undefined && APPS.includes(from as (typeof APPS)[number]);
  // Only the shop namespace is locked down (its egress); the monitoring namespace has no NetworkPolicies of its own.
  if (destination.namespace === 'monitoring')
    return to === 'otel-collector' && fromShopApp && OTLP_PORTS.includes(port);
  if (port === KUBERNETES_PORTS.publicPort) {
    if (isGateway(source, mesh)) return to === PUBLIC_ENTRY.service;
    return CALL_EDGES.some((edge) => edge.from === from && edge.to === to && source.namespace === SHOP);
  }
  if (port === KUBERNETES_PORTS.adminPort) return isPrometheus(source) && APPS.includes(to as (typeof APPS)[number]);
  if (port === POSTGRES_PORT) return to === 'postgres' && fromShopApp;
  if (port === MESH_METRICS_PORT[mesh]) return isPrometheus(source);
  return false;
};

// ---------------------------------------------------------------------------------------------------------------
// NetworkPolicy

const namespaceLabels = (objects: readonly K8sObject[], namespace: string): Record<string, string> => ({
  ...stringMap(
    at(
      byKind(objects, 'Namespace').find((ns) => ns.metadata.name === namespace),
      'metadata',
      'labels',
    ),
  ),
  'kubernetes.io/metadata.name': namespace,
});

const policyTypes = (policy: K8sObject): string[] => {
  const declared = asArray(at(policy, 'spec', 'policyTypes')).map(String);
  if (declared.length > 0) return declared;
  return at(policy, 'spec', 'egress') === undefined ? ['Ingress'] : ['Ingress', 'Egress'];
};

const peerMatches = (
  objects: readonly K8sObject[],
  rulePeer: unknown,
  policyNamespace: string,
  peer: Peer,
): boolean => {
  const podSelector = at(rulePeer, 'podSelector');
  const namespaceSelector = at(rulePeer, 'namespaceSelector');
  if (podSelector === undefined && namespaceSelector === undefined) return false; // ipBlock: not modelled, no match.
  const namespaceOk =
    namespaceSelector === undefined
      ? peer.namespace === policyNamespace
      : selectorMatches(namespaceSelector, namespaceLabels(objects, peer.namespace));
  return namespaceOk && (podSelector === undefined || selectorMatches(podSelector, peer.labels));
};

const portMatches = (rulePorts: unknown, destination: Peer, port: number): boolean => {
  const ports = asArray(rulePorts);
  if (ports.length === 0) return true;
  return ports.some((entry) => {
    if ((asString(at(entry, 'protocol')) ?? 'TCP') !== 'TCP') return false;
    const wanted = at(entry, 'port');
    if (wanted === undefined) return true;
    if (typeof wanted === 'string' && !/^\d+$/.test(wanted)) {
      return destination.pod !== undefined && resolvePort(destination.pod, wanted) === port;
    }
    return Number(wanted) === port;
  });
};

const allowedBy = (
  objects: readonly K8sObject[],
  subject: Peer,
  direction: 'Ingress' | 'Egress',
  other: Peer,
  destination: Peer,
  port: number,
): boolean => {
  const policies = byKind(objects, 'NetworkPolicy').filter(
    (policy) =>
      namespaceOf(policy) === subject.namespace &&
      selectorMatches(at(policy, 'spec', 'podSelector'), subject.labels) &&
      policyTypes(policy).includes(direction),
  );
  if (policies.length === 0) return true;
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peersKey = direction === 'Ingress' ? 'from' : 'to';
  return policies.some((policy) =>
    asArray(at(policy, 'spec', key)).some((rule) => {
      const peers = asArray(at(rule, peersKey));
      const peerOk =
        at(rule, peersKey) === undefined ||
        peers.some((peer) => peerMatches(objects, peer, namespaceOf(policy), other));
      return peerOk && portMatches(at(rule, 'ports'), destination, port);
    }),
  );
};

export const networkPolicyAllows = (
  objects: readonly K8sObject[],
  source: Peer,
  destination: Peer,
  port: number,
): boolean =>
  allowedBy(objects, source, 'Egress', destination, destination, port) &&
  allowedBy(objects, destination, 'Ingress', source, destination, port);

// ---------------------------------------------------------------------------------------------------------------
// Istio AuthorizationPolicy

/** Istio string matching: exact, `prefix*`, `*suffix`, `*` (presence), and `{*}`/`{**}` path templates. */
const istioMatch = (pattern: string, value: string): boolean => {
  if (pattern === '*') return true;
  if (pattern.includes('{*}') || pattern.includes('{**}')) {
    const escaped = pattern.replace(/[.+?^$()|[\]\\]/g, '\\$&');
    return new RegExp(`^${escaped.replace('{**}', '.*').replaceAll('{*}', '[^/]+')}$`).test(value);
  }
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
};

const listMatches = (patterns: unknown, value: string | undefined, negate = false): boolean => {
  if (!Array.isArray(patterns)) return true;
  const list = patterns.map(String);
  if (value === undefined) return false; // HTTP-only field on a TCP connection: the rule does not match.
  const hit = list.some((pattern) => istioMatch(pattern, value));
  return negate ? !hit : hit;
};

const principalOf = (peer: Peer): string => `cluster.local/ns/${peer.namespace}/sa/${peer.serviceAccount}`;

const istioRuleMatches = (rule: unknown, source: Peer, port: number, request: HttpRequest | undefined): boolean => {
  const froms = asArray(at(rule, 'from'));
  const fromOk =
    at(rule, 'from') === undefined ||
    froms.some((from) => {
      const s = at(from, 'source');
      return (
        listMatches(at(s, 'principals'), principalOf(source)) &&
        listMatches(at(s, 'notPrincipals'), principalOf(source), true) &&
        listMatches(at(s, 'namespaces'), source.namespace) &&
        listMatches(at(s, 'notNamespaces'), source.namespace, true)
      );
    });
  const tos = asArray(at(rule, 'to'));
  const toOk =
    at(rule, 'to') === undefined ||
    tos.some((to) => {
      const operation = at(to, 'operation');
      return (
        listMatches(at(operation, 'methods'), request?.method) &&
        listMatches(at(operation, 'notMethods'), request?.method, true) &&
        listMatches(at(operation, 'paths'), request?.path) &&
        listMatches(at(operation, 'notPaths'), request?.path, true) &&
        listMatches(at(operation, 'ports'), String(port))
      );
    });
  return fromOk && toOk;
};

/** `request` undefined = a plain TCP connection (PostgreSQL). */
export const istioAllows = (
  objects: readonly K8sObject[],
  source: Peer,
  destination: Peer,
  port: number,
  request: HttpRequest | undefined,
): boolean => {
  const policies = byKind(objects, 'AuthorizationPolicy', 'security.istio.io').filter(
    (policy) =>
      (namespaceOf(policy) === destination.namespace || namespaceOf(policy) === 'istio-system') &&
      (at(policy, 'spec', 'selector') === undefined ||
        selectorMatches(at(policy, 'spec', 'selector'), destination.labels)),
  );
  const action = (policy: K8sObject): string => asString(at(policy, 'spec', 'action')) ?? 'ALLOW';
  const matches = (policy: K8sObject): boolean =>
    asArray(at(policy, 'spec', 'rules')).some((rule) => istioRuleMatches(rule, source, port, request));
  if (policies.some((policy) => action(policy) === 'DENY' && matches(policy))) return false;
  const allows = policies.filter((policy) => action(policy) === 'ALLOW');
  return allows.length === 0 || allows.some(matches);
};

// ---------------------------------------------------------------------------------------------------------------
// Linkerd policy

const linkerdIdentityMatches = (
  objects: readonly K8sObject[],
  ref: unknown,
  policyNamespace: string,
  source: Peer,
): boolean => {
  const kind = asString(at(ref, 'kind'));
  const name = asString(at(ref, 'name'));
  const namespace = asString(at(ref, 'namespace')) ?? policyNamespace;
  if (kind !== 'MeshTLSAuthentication') return false; // NetworkAuthentication: not used here, so never satisfied.
  const authentication = byKind(objects, 'MeshTLSAuthentication', 'policy.linkerd.io').find(
    (candidate) => candidate.metadata.name === name && namespaceOf(candidate) === namespace,
  );
  if (!authentication) return false;
  const identity = `${source.serviceAccount}.${source.namespace}.serviceaccount.identity.linkerd.cluster.local`;
  const byRef = asArray(at(authentication, 'spec', 'identityRefs')).some((identityRef) => {
    if (at(identityRef, 'kind') !== 'ServiceAccount') return false;
    const refNamespace = asString(at(identityRef, 'namespace')) ?? namespaceOf(authentication);
    const refName = asString(at(identityRef, 'name'));
    return refNamespace === source.namespace && (refName === undefined || refName === source.serviceAccount);
  });
  const byName = asArray(at(authentication, 'spec', 'identities'))
    .map(String)
    .some(
      (pattern) =>
        pattern === '*' || pattern === identity || (pattern.startsWith('*.') && identity.endsWith(pattern.slice(1))),
    );
  return byRef || byName;
};

const authorizedBy = (objects: readonly K8sObject[], target: K8sObject, source: Peer): boolean =>
  byKind(objects, 'AuthorizationPolicy', 'policy.linkerd.io').some((policy) => {
    const ref = at(policy, 'spec', 'targetRef');
    const targets =
      namespaceOf(policy) === namespaceOf(target) &&
      at(ref, 'kind') === target.kind &&
      at(ref, 'name') === target.metadata.name &&
      (asString(at(ref, 'group')) ?? '') === groupOf(target);
    const refs = asArray(at(policy, 'spec', 'requiredAuthenticationRefs'));
    return (
      targets &&
      refs.length > 0 &&
      refs.every((authRef) => linkerdIdentityMatches(objects, authRef, namespaceOf(policy), source))
    );
  });

const gatewayPathMatches = (match: unknown, request: HttpRequest): boolean => {
  const type = asString(at(match, 'path', 'type')) ?? 'PathPrefix';
  const value = asString(at(match, 'path', 'value')) ?? '/';
  const method = asString(at(match, 'method'));
  if (method !== undefined && method !== request.method) return false;
  if (type === 'Exact') return request.path === value;
  if (type === 'RegularExpression') return new RegExp(`^(?:${value})$`).test(request.path);
  const prefix = value.endsWith('/') && value !== '/' ? value.slice(0, -1) : value;
  return prefix === '/' || request.path === prefix || request.path.startsWith(`${prefix}/`);
};

const DEFAULT_ALLOWS = new Set([
  'all-unauthenticated',
  'cluster-unauthenticated',
  'all-authenticated',
  'cluster-authenticated',
]);

export const linkerdAllows = (
  objects: readonly K8sObject[],
  source: Peer,
  destination: Peer,
  port: number,
  request: HttpRequest | undefined,
): boolean => {
  const pod = destination.pod;
  if (!pod) return true;
  const servers = byKind(objects, 'Server', 'policy.linkerd.io').filter(
    (server) =>
      namespaceOf(server) === destination.namespace &&
      selectorMatches(at(server, 'spec', 'podSelector'), destination.labels) &&
      resolvePort(pod, at(server, 'spec', 'port')) === port,
  );
  const server = servers[0];
  if (!server) {
    const namespace = byKind(objects, 'Namespace').find((ns) => ns.metadata.name === destination.namespace);
    const fallback =
      stringMap(at(pod.owner, 'spec', 'template', 'metadata', 'annotations'))[
        'config.linkerd.io/default-inbound-policy'
      ] ??
      stringMap(at(namespace, 'metadata', 'annotations'))['config.linkerd.io/default-inbound-policy'] ??
      'all-unauthenticated';
    return DEFAULT_ALLOWS.has(fallback);
  }
  if (authorizedBy(objects, server, source)) return true;
  const routes = byKind(objects, 'HTTPRoute').filter((route) =>
    asArray(at(route, 'spec', 'parentRefs')).some(
      (parent) =>
        at(parent, 'kind') === 'Server' &&
        at(parent, 'name') === server.metadata.name &&
        namespaceOf(route) === namespaceOf(server),
    ),
  );
  if (routes.length > 0) {
    if (request === undefined) return false;
    return routes.some(
      (route) =>
        asArray(at(route, 'spec', 'rules')).some((rule) => {
          const matches = asArray(at(rule, 'matches'));
          return matches.length === 0 || matches.some((match) => gatewayPathMatches(match, request));
        }) && authorizedBy(objects, route, source),
    );
  }
  const accessPolicy = asString(at(server, 'spec', 'accessPolicy')) ?? 'deny';
  return DEFAULT_ALLOWS.has(accessPolicy);
};

// ---------------------------------------------------------------------------------------------------------------
// The probe matrix

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const PATHS = [
  HEALTH_PATHS.ready,
  HEALTH_PATHS.summary,
  '/orders',
  '/orders/0199a',
  '/orders-export',
  '/users',
  '/users/0199a',
  '/users/0199a/orders',
  '/payments',
  '/payments/0199a',
  '/admin/faults',
  '/metrics',
];

export interface EdgeReport {
  /** Intended edges the manifests refuse. */
  readonly missing: string[];
  /** Edges the manifests allow that the call graph does not have. */
  readonly extra: string[];
}

const peers = (objects: readonly K8sObject[], mesh: Mesh): { sources: Peer[]; destinations: Peer[] } => {
  const all = podTemplates(objects).map(peerOf);
  const shop = all.filter((peer) => peer.namespace === SHOP);
  return {
    sources: [...all, gatewayPeer(mesh), STRANGER],
    destinations: [
      ...shop,
      ...all.filter((peer) => peer.namespace === 'monitoring' && appOf(peer) === 'otel-collector'),
    ],
  };
};

const compare = (report: EdgeReport, intended: boolean, allowed: boolean, description: string): void => {
  if (intended && !allowed) report.missing.push(description);
  if (!intended && allowed) report.extra.push(description);
};

/** L4: every NetworkPolicy decision over the probe ports, against the intended connection graph. */
export const networkPolicyReport = (objects: readonly K8sObject[], mesh: Mesh): EdgeReport => {
  const report: EdgeReport = { missing: [], extra: [] };
  const { sources, destinations } = peers(objects, mesh);
  const ports = [KUBERNETES_PORTS.publicPort, KUBERNETES_PORTS.adminPort, POSTGRES_PORT, 15020, 4191, ...OTLP_PORTS];
  for (const source of sources) {
    for (const destination of destinations) {
      if (source.name === destination.name) continue;
      if (destination.namespace !== SHOP && source.namespace !== SHOP) continue;
      for (const port of ports) {
        compare(
          report,
          intendedConnection(source, destination, port, mesh),
          networkPolicyAllows(objects, source, destination, port),
          `${source.name} → ${destination.name}:${port}`,
        );
      }
    }
  }
  return report;
};

/** L7: every mesh authorization decision on the shop pods, against PUBLIC_ENTRY + CALL_EDGES + databases. */
export const meshAuthorizationReport = (objects: readonly K8sObject[], mesh: 'istio' | 'linkerd'): EdgeReport => {
  const report: EdgeReport = { missing: [], extra: [] };
  const allows = mesh === 'istio' ? istioAllows : linkerdAllows;
  const { sources, destinations } = peers(objects, mesh);
  for (const source of sources) {
    for (const destination of destinations.filter((peer) => peer.namespace === SHOP)) {
      if (source.name === destination.name) continue;
      if (mesh === 'linkerd') {
        // The proxy's own admin port: only Prometheus scrapes it.
        compare(
          report,
          isPrometheus(source),
          allows(objects, source, destination, 4191, { method: 'GET', path: '/metrics' }),
          `${source.name} → ${destination.name}:4191 GET /metrics`,
        );
      }
      if (appOf(destination) === 'postgres') {
        compare(
          report,
          intendedConnection(source, destination, POSTGRES_PORT, mesh),
          allows(objects, source, destination, POSTGRES_PORT, undefined),
          `${source.name} → ${destination.name}:${POSTGRES_PORT}`,
        );
        continue;
      }
      for (const method of METHODS) {
        for (const path of PATHS) {
          const request = { method, path };
          compare(
            report,
            intendedHttp(source, destination, request, mesh),
            allows(objects, source, destination, KUBERNETES_PORTS.publicPort, request),
            `${source.name} → ${destination.name}:${KUBERNETES_PORTS.publicPort} ${method} ${path}`,
          );
          // The admin port: under Istio Prometheus uses the merged endpoint :15020, which bypasses Envoy, so nobody
          // needs :9464 through the sidecar; under Linkerd it is Prometheus's identity, whatever the request.
          const adminIntended = mesh === 'linkerd' && isPrometheus(source);
          compare(
            report,
            adminIntended,
            allows(objects, source, destination, KUBERNETES_PORTS.adminPort, request),
            `${source.name} → ${destination.name}:${KUBERNETES_PORTS.adminPort} ${method} ${path}`,
          );
        }
      }
    }
  }
  return report;
};
