/**
 * @module The L7 layer: mesh authorization decisions for one request (or one opaque TCP connection), as each mesh
 * documents them, for the features these manifests use.
 * - Istio AuthorizationPolicy: DENY before ALLOW; no ALLOW policy → allow; else allow only on a matching rule;
 *   exact/prefix/suffix string matching; `principals` need mTLS, so a plaintext client (the kubelet) has none
 *   (istio/api security/v1beta1/authorization_policy.proto).
 * - Linkerd policy: a Server per port; when HTTPRoutes are attached to it, a request must match one and an
 *   AuthorizationPolicy on that route (or on the whole Server) must authenticate the client; no Server → the default
 *   inbound policy (linkerd.io/2-edge/reference/authorization-policy/). MeshTLSAuthentication names identities;
 *   NetworkAuthentication names client networks (see {@link POD_NETWORKS}: the model knows pods from the node).
 */
import type { Peer } from './data-path.ts';
import {
  asArray,
  asString,
  at,
  byKind,
  groupOf,
  type K8sObject,
  namespaceOf,
  resolvePort,
  selectorMatches,
  stringMap,
} from './model.ts';

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
}

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

/** A plaintext client (not meshed) presents no certificate, so it has no principal and no namespace. */
const principalOf = (peer: Peer): string | undefined =>
  peer.meshed ? `cluster.local/ns/${peer.namespace}/sa/${peer.serviceAccount}` : undefined;
const identityNamespaceOf = (peer: Peer): string | undefined => (peer.meshed ? peer.namespace : undefined);

const istioRuleMatches = (rule: unknown, source: Peer, port: number, request: HttpRequest | undefined): boolean => {
  const froms = asArray(at(rule, 'from'));
  const fromOk =
    at(rule, 'from') === undefined ||
    froms.some((from) => {
      const s = at(from, 'source');
      return (
        listMatches(at(s, 'principals'), principalOf(source)) &&
        listMatches(at(s, 'notPrincipals'), principalOf(source), true) &&
        listMatches(at(s, 'namespaces'), identityNamespaceOf(source)) &&
        listMatches(at(s, 'notNamespaces'), identityNamespaceOf(source), true)
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

/**
 * The pod networks the manifests exclude from the kubelet's NetworkAuthentication: kind's defaults (podSubnet
 * 10.244.0.0/16, fd00:10:244::/56); docs/kubernetes.md says to set your cluster's.
 */
export const POD_NETWORKS: readonly string[] = ['10.244.0.0/16', 'fd00:10:244::/56'];

/**
 * The model has no addresses, only "a pod" and "the node": an every-address network matches both unless its
 * `except` lists a pod network, which then leaves the node (the kubelet) alone. Narrower networks never match.
 */
const networkMatches = (entry: unknown, source: Peer): boolean => {
  const cidr = asString(at(entry, 'cidr')) ?? '';
  if (cidr !== '0.0.0.0/0' && cidr !== '::/0') return false;
  const except = asArray(at(entry, 'except')).map(String);
  return source.host === true || !except.some((network) => POD_NETWORKS.includes(network));
};

const linkerdIdentityMatches = (
  objects: readonly K8sObject[],
  ref: unknown,
  policyNamespace: string,
  source: Peer,
): boolean => {
  const kind = asString(at(ref, 'kind'));
  const name = asString(at(ref, 'name'));
  const namespace = asString(at(ref, 'namespace')) ?? policyNamespace;
  if (kind === 'NetworkAuthentication') {
    const network = byKind(objects, 'NetworkAuthentication', 'policy.linkerd.io').find(
      (candidate) => candidate.metadata.name === name && namespaceOf(candidate) === namespace,
    );
    return asArray(at(network, 'spec', 'networks')).some((entry) => networkMatches(entry, source));
  }
  if (kind !== 'MeshTLSAuthentication' || !source.meshed) return false;
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

/** A default or Server access policy (`all-unauthenticated`, `cluster-authenticated`, `deny`, ...) for a client. */
const defaultPolicyAllows = (policy: string, source: Peer): boolean => {
  if (policy === 'all-unauthenticated' || policy === 'cluster-unauthenticated' || policy === 'audit') return true;
  if (policy === 'all-authenticated' || policy === 'cluster-authenticated') return source.meshed;
  return false;
};

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
    return defaultPolicyAllows(fallback, source);
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
  return defaultPolicyAllows(accessPolicy, source);
};
