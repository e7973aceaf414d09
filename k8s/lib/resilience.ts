/**
 * @module The mesh's timeouts and retries against the one coherent set in stack/src/stack.ts: every
 * call edge's mesh route times out at `budget.meshTimeoutMs` and never retries (`budget.meshRetries` is 0: the client
 * is the one layer that retries), and the public route times out at `PUBLIC_REQUEST_BUDGET.gatewayTimeoutMs`. A
 * route that disagrees, an edge or public route with no mesh timeout at all, and any mesh retry are findings.
 *
 * Istio: VirtualService `timeout` and `retries.attempts` (0 must be written: the mesh-wide default is 2 retries).
 * Fault-injection routes are skipped: Istio turns timeouts and retries off on them (virtual_service.proto `fault`).
 * Linkerd: Gateway API HTTPRoute `rules[].timeouts.request` on the Service (GAMMA) or Gateway parent, and no
 * `retry.linkerd.io/*` or `timeout.linkerd.io/*` annotation anywhere (one place for each number).
 */
import { CALL_EDGES, type CallEdge, PUBLIC_ENTRY, PUBLIC_REQUEST_BUDGET } from '@mesh-stack/stack';
import { asArray, asString, at, byKind, idOf, type K8sObject, stringMap } from './model.ts';

const NAMESPACE = 'shop';
const fqdn = (service: string): string => `${service}.${NAMESPACE}.svc.cluster.local`;

/** Milliseconds of a Gateway API or protobuf duration (`9s`, `1.5s`, `1500ms`, `1m30s`); undefined if malformed. */
export const durationMs = (value: unknown): number | undefined => {
  if (typeof value !== 'string' || value === '') return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let rest = value;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!match?.[1] || !match[2]) return undefined;
    total += Number(match[1]) * (units[match[2]] ?? Number.NaN);
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
};

/** A concrete request for an edge's route template: `/users/:id` → `/users/0199a`. */
const sampleRequest = (edge: CallEdge): { method: string; path: string } => ({
  method: edge.method,
  path: edge.route.replace(/:[A-Za-z]+/g, '0199a'),
});

const PUBLIC_SAMPLES = PUBLIC_ENTRY.pathPrefixes.flatMap((prefix) =>
  ['GET', 'POST'].flatMap((method) => [
    { method, path: prefix },
    { method, path: `${prefix}/0199a` },
  ]),
);

// ---------------------------------------------------------------------------------------------------------------
// Istio

const istioStringMatches = (matcher: unknown, value: string): boolean => {
  const exact = asString(at(matcher, 'exact'));
  const prefix = asString(at(matcher, 'prefix'));
  const regex = asString(at(matcher, 'regex'));
  if (exact !== undefined) return value === exact;
  if (prefix !== undefined) return value.startsWith(prefix);
  if (regex !== undefined) return new RegExp(`^(?:${regex})$`).test(value);
  return true;
};

/** Whether an HTTP route can carry the request (header conditions are ignored: any of them may hold). */
const istioRouteCarries = (route: unknown, request: { method: string; path: string }): boolean => {
  const matches = asArray(at(route, 'match'));
  return (
    matches.length === 0 ||
    matches.some(
      (match) =>
        istioStringMatches(at(match, 'uri'), request.path) && istioStringMatches(at(match, 'method'), request.method),
    )
  );
};

const checkIstioRoutes = (
  problems: string[],
  service: K8sObject,
  requests: readonly { method: string; path: string }[],
  wantedMs: number,
  what: string,
): void => {
  const routes = asArray(at(service, 'spec', 'http')).filter((route) => at(route, 'fault') === undefined);
  for (const request of requests) {
    const carrying = routes.filter((route) => istioRouteCarries(route, request));
    if (carrying.length === 0) {
      problems.push(`${idOf(service)}: no route carries ${request.method} ${request.path} (${what}), so no timeout`);
    }
    for (const route of carrying) {
      const name = String(at(route, 'name') ?? '(unnamed)');
      const timeout = durationMs(at(route, 'timeout'));
      if (timeout !== wantedMs) {
        problems.push(
          `${idOf(service)}: route ${name} times out ${request.method} ${request.path} at ${String(at(route, 'timeout') ?? 'never')}, stack.ts says ${wantedMs} ms (${what})`,
        );
      }
    }
  }
};

/** No route of any VirtualService retries: `attempts: 0` written out, since the mesh-wide default is 2. */
const checkIstioRetries = (problems: string[], service: K8sObject): void => {
  for (const route of asArray(at(service, 'spec', 'http')).filter(
    (candidate) => at(candidate, 'fault') === undefined,
  )) {
    const name = String(at(route, 'name') ?? '(unnamed)');
    const attempts = at(route, 'retries', 'attempts');
    if (at(route, 'retries') === undefined)
      problems.push(`${idOf(service)}: route ${name} inherits the mesh default of 2 retries`);
    else if (attempts !== 0) problems.push(`${idOf(service)}: route ${name} retries (attempts ${String(attempts)})`);
  }
};

const checkIstio = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  const services = byKind(objects, 'VirtualService', 'networking.istio.io');
  if (services.length === 0) return problems;
  const meshServices = services.filter((service) => asArray(at(service, 'spec', 'gateways')).length === 0);
  for (const edge of CALL_EDGES) {
    const host = fqdn(edge.to);
    const forHost = meshServices.filter((service) => asArray(at(service, 'spec', 'hosts')).includes(host));
    const what = `${edge.from} → ${edge.to} ${edge.method} ${edge.route}`;
    if (forHost.length === 0) problems.push(`no mesh VirtualService for ${host}: ${what} has no mesh timeout`);
    for (const service of forHost)
      checkIstioRoutes(problems, service, [sampleRequest(edge)], edge.budget.meshTimeoutMs, what);
  }
  const ingress = services.filter(
    (service) =>
      asArray(at(service, 'spec', 'gateways')).length > 0 &&
      asArray(at(service, 'spec', 'http')).some((route) =>
        asArray(at(route, 'route')).some((entry) => at(entry, 'destination', 'host') === fqdn(PUBLIC_ENTRY.service)),
      ),
  );
  if (ingress.length === 0) problems.push(`no ingress VirtualService routes to ${PUBLIC_ENTRY.service}`);
  for (const service of ingress)
    checkIstioRoutes(problems, service, PUBLIC_SAMPLES, PUBLIC_REQUEST_BUDGET.gatewayTimeoutMs, 'public route');
  for (const service of services) checkIstioRetries(problems, service);
  return problems;
};

// ---------------------------------------------------------------------------------------------------------------
// Gateway API HTTPRoutes (Linkerd's mesh routes and the Envoy Gateway public route)

const gatewayRuleCarries = (rule: unknown, request: { method: string; path: string }): boolean => {
  const matches = asArray(at(rule, 'matches'));
  if (matches.length === 0) return true;
  return matches.some((match) => {
    const method = asString(at(match, 'method'));
    if (method !== undefined && method !== request.method) return false;
    const type = asString(at(match, 'path', 'type')) ?? 'PathPrefix';
    const value = asString(at(match, 'path', 'value')) ?? '/';
    if (type === 'Exact') return request.path === value;
    if (type === 'RegularExpression') return new RegExp(`^(?:${value})$`).test(request.path);
    const prefix = value.endsWith('/') && value !== '/' ? value.slice(0, -1) : value;
    return prefix === '/' || request.path === prefix || request.path.startsWith(`${prefix}/`);
  });
};

const checkGatewayRoutes = (
  problems: string[],
  route: K8sObject,
  requests: readonly { method: string; path: string }[],
  wantedMs: number,
  what: string,
): void => {
  for (const request of requests) {
    const carrying = asArray(at(route, 'spec', 'rules')).filter((rule) => gatewayRuleCarries(rule, request));
    if (carrying.length === 0) {
      problems.push(`${idOf(route)}: no rule carries ${request.method} ${request.path} (${what}), so no timeout`);
    }
    for (const [index, rule] of carrying.entries()) {
      const timeout = durationMs(at(rule, 'timeouts', 'request'));
      if (timeout !== wantedMs) {
        problems.push(
          `${idOf(route)}: rule ${index} times out ${request.method} ${request.path} at ${String(at(rule, 'timeouts', 'request') ?? 'never')}, stack.ts says ${wantedMs} ms (${what})`,
        );
      }
    }
  }
};

const parentServices = (route: K8sObject): string[] =>
  asArray(at(route, 'spec', 'parentRefs'))
    .filter((parent) => at(parent, 'kind') === 'Service')
    .map((parent) => String(at(parent, 'name')));

const isGatewayRoute = (route: K8sObject): boolean =>
  asArray(at(route, 'spec', 'parentRefs')).some((parent) => (asString(at(parent, 'kind')) ?? 'Gateway') === 'Gateway');

const checkGatewayApi = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  const routes = byKind(objects, 'HTTPRoute', 'gateway.networking.k8s.io');
  const meshRoutes = routes.filter((route) => parentServices(route).length > 0);
  if (meshRoutes.length > 0) {
    for (const edge of CALL_EDGES) {
      const what = `${edge.from} → ${edge.to} ${edge.method} ${edge.route}`;
      const forService = meshRoutes.filter((route) => parentServices(route).includes(edge.to));
      if (forService.length === 0)
        problems.push(`no mesh HTTPRoute for Service ${edge.to}: ${what} has no mesh timeout`);
      for (const route of forService)
        checkGatewayRoutes(problems, route, [sampleRequest(edge)], edge.budget.meshTimeoutMs, what);
    }
  }
  const publicRoutes = routes.filter(
    (route) =>
      isGatewayRoute(route) &&
      asArray(at(route, 'spec', 'rules')).some((rule) =>
        asArray(at(rule, 'backendRefs')).some((ref) => at(ref, 'name') === PUBLIC_ENTRY.service),
      ),
  );
  for (const route of publicRoutes)
    checkGatewayRoutes(problems, route, PUBLIC_SAMPLES, PUBLIC_REQUEST_BUDGET.gatewayTimeoutMs, 'public route');
  return problems;
};

const checkLinkerdAnnotations = (objects: readonly K8sObject[]): string[] =>
  objects.flatMap((object) =>
    Object.keys(stringMap(at(object, 'metadata', 'annotations')))
      .filter((key) => key.startsWith('retry.linkerd.io/') || key.startsWith('timeout.linkerd.io/'))
      .map((key) =>
        key.startsWith('retry.')
          ? `${idOf(object)}: ${key}: the mesh never retries (the client does)`
          : `${idOf(object)}: ${key}: set the timeout in the HTTPRoute rule, from stack.ts`,
      ),
  );

/** Every finding where the mesh manifests and stack.ts's budgets disagree; empty when they agree. */
export const checkMeshResilience = (objects: readonly K8sObject[]): string[] => [
  ...checkIstio(objects),
  ...checkGatewayApi(objects),
  ...checkLinkerdAnnotations(objects),
];
