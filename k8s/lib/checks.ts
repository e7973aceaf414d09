/**
 * @module Semantic checks over built manifests: what a schema cannot see. Each check returns human-readable
 * problems (empty = fine), so a test can assert on the exact mistake, and the negative tests can prove each check
 * catches the seed guide's errors.
 */
import { CALL_EDGES, HEALTH_PATHS, KUBERNETES_PORTS, PORT_NAMES } from '@mesh-stack/stack';
import {
  asArray,
  asString,
  at,
  byKind,
  groupOf,
  idOf,
  isObject,
  type K8sObject,
  namespaceOf,
  type PodTemplate,
  podTemplates,
  resolvePort,
  selectorMatches,
  stringMap,
} from './model.ts';

const podsIn = (pods: readonly PodTemplate[], namespace: string): PodTemplate[] =>
  pods.filter((pod) => pod.namespace === namespace);

/** Workload selectors select their own template; Services, PDBs and NetworkPolicies select at least one pod. */
export const checkSelectors = (objects: readonly K8sObject[]): string[] => {
  const pods = podTemplates(objects);
  const problems: string[] = [];
  for (const pod of pods) {
    const selector = at(pod.owner, 'spec', 'selector');
    if (pod.owner.kind !== 'Job' && !selectorMatches(selector, pod.labels)) {
      problems.push(`${idOf(pod.owner)}: spec.selector does not match its own pod template labels`);
    }
  }
  const selecting: ReadonlyArray<readonly [string, (object: K8sObject) => unknown, 'labels' | 'selector']> = [
    ['Service', (object) => at(object, 'spec', 'selector'), 'labels'],
    ['PodDisruptionBudget', (object) => at(object, 'spec', 'selector'), 'selector'],
    ['NetworkPolicy', (object) => at(object, 'spec', 'podSelector'), 'selector'],
  ];
  for (const [kind, selectorOf, form] of selecting) {
    for (const object of byKind(objects, kind)) {
      const raw = selectorOf(object);
      const selector = form === 'labels' ? { matchLabels: raw } : raw;
      if (!isObject(raw)) continue; // A selector-less Service (external endpoints) selects nothing by design.
      const matched = podsIn(pods, namespaceOf(object)).filter((pod) => selectorMatches(selector, pod.labels));
      if (matched.length === 0) problems.push(`${idOf(object)}: selector matches no pod template`);
    }
  }
  return problems;
};

/** Every Service port targets a container port that exists on every pod the Service selects. */
export const checkServicePorts = (objects: readonly K8sObject[]): string[] => {
  const pods = podTemplates(objects);
  const problems: string[] = [];
  for (const service of byKind(objects, 'Service')) {
    const selector = at(service, 'spec', 'selector');
    if (!isObject(selector)) continue;
    const selected = podsIn(pods, namespaceOf(service)).filter((pod) =>
      selectorMatches({ matchLabels: selector }, pod.labels),
    );
    for (const port of asArray(at(service, 'spec', 'ports'))) {
      const target = at(port, 'targetPort') ?? at(port, 'port');
      for (const pod of selected) {
        const resolved = resolvePort(pod, target);
        if (resolved === undefined || !pod.ports.some((candidate) => candidate.containerPort === resolved)) {
          problems.push(`${idOf(service)}: port ${String(target)} is not a container port of ${idOf(pod.owner)}`);
        }
      }
    }
  }
  return problems;
};

/** Every Ingress and HTTPRoute backend is a Service port in these manifests, and every route parent exists. */
export const checkIngressBackends = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  for (const ingress of byKind(objects, 'Ingress', 'networking.k8s.io')) {
    const backends = asArray(at(ingress, 'spec', 'rules')).flatMap((rule) =>
      asArray(at(rule, 'http', 'paths')).map((path) => at(path, 'backend', 'service')),
    );
    for (const backend of backends) {
      const service = byKind(objects, 'Service').find(
        (candidate) =>
          candidate.metadata.name === at(backend, 'name') && namespaceOf(candidate) === namespaceOf(ingress),
      );
      const port = at(backend, 'port', 'name') ?? at(backend, 'port', 'number');
      const ports = asArray(at(service, 'spec', 'ports'));
      if (!service || !ports.some((candidate) => at(candidate, 'name') === port || at(candidate, 'port') === port)) {
        problems.push(`${idOf(ingress)}: backend ${String(at(backend, 'name'))}:${String(port)} is not a Service port`);
      }
    }
  }
  // Gateway API routes: Service backends exist with that port; Gateway and Service parents exist.
  for (const route of byKind(objects, 'HTTPRoute', 'gateway.networking.k8s.io')) {
    const namespace = namespaceOf(route);
    const named = (kind: string, name: unknown): K8sObject | undefined =>
      objects.find(
        (object) => object.kind === kind && object.metadata.name === name && namespaceOf(object) === namespace,
      );
    for (const parent of asArray(at(route, 'spec', 'parentRefs'))) {
      const kind = asString(at(parent, 'kind')) ?? 'Gateway';
      if (!named(kind, at(parent, 'name'))) {
        problems.push(`${idOf(route)}: parent ${kind} ${String(at(parent, 'name'))} is not in these manifests`);
      }
    }
    for (const rule of asArray(at(route, 'spec', 'rules'))) {
      for (const backend of asArray(at(rule, 'backendRefs'))) {
        const service = named(asString(at(backend, 'kind')) ?? 'Service', at(backend, 'name'));
        if (!asArray(at(service, 'spec', 'ports')).some((candidate) => at(candidate, 'port') === at(backend, 'port'))) {
          problems.push(
            `${idOf(route)}: backend ${String(at(backend, 'name'))}:${String(at(backend, 'port'))} is not a Service port`,
          );
        }
      }
    }
  }
  return problems;
};

/** The stack's HTTP services expose exactly the named ports stack.ts declares, with probes on the admin port. */
export const checkServiceContract = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  const apps = new Set<string>(CALL_EDGES.flatMap((edge) => [edge.from, edge.to]));
  for (const pod of podTemplates(objects).filter((candidate) => apps.has(candidate.labels.app ?? ''))) {
    const ports = new Map(pod.ports.map((port) => [port.name, port.containerPort]));
    if (ports.get(PORT_NAMES.public) !== KUBERNETES_PORTS.publicPort) {
      problems.push(`${idOf(pod.owner)}: needs port ${PORT_NAMES.public}=${KUBERNETES_PORTS.publicPort}`);
    }
    if (ports.get(PORT_NAMES.admin) !== KUBERNETES_PORTS.adminPort) {
      problems.push(`${idOf(pod.owner)}: needs port ${PORT_NAMES.admin}=${KUBERNETES_PORTS.adminPort}`);
    }
    for (const container of pod.containers) {
      const liveness = at(container, 'livenessProbe', 'httpGet');
      const readiness = at(container, 'readinessProbe', 'httpGet');
      if (at(liveness, 'path') !== HEALTH_PATHS.live || at(liveness, 'port') !== PORT_NAMES.admin) {
        problems.push(`${idOf(pod.owner)}: liveness probe must be ${HEALTH_PATHS.live} on ${PORT_NAMES.admin}`);
      }
      if (at(readiness, 'path') !== HEALTH_PATHS.ready || at(readiness, 'port') !== PORT_NAMES.admin) {
        problems.push(`${idOf(pod.owner)}: readiness probe must be ${HEALTH_PATHS.ready} on ${PORT_NAMES.admin}`);
      }
    }
    const annotations = stringMap(at(pod.owner, 'spec', 'template', 'metadata', 'annotations'));
    if (
      annotations['prometheus.io/scrape'] !== 'true' ||
      annotations['prometheus.io/port'] !== String(KUBERNETES_PORTS.adminPort)
    ) {
      problems.push(
        `${idOf(pod.owner)}: needs prometheus.io/scrape and prometheus.io/port=${KUBERNETES_PORTS.adminPort}`,
      );
    }
  }
  return problems;
};

/** A container's literal environment: its ConfigMaps (envFrom) overridden by its own `env` values. */
const environment = (objects: readonly K8sObject[], pod: PodTemplate, container: unknown): Record<string, string> => {
  const fromConfigMaps = asArray(at(container, 'envFrom')).flatMap((source) => {
    const name = asString(at(source, 'configMapRef', 'name'));
    const configMap = byKind(objects, 'ConfigMap').find(
      (map) => map.metadata.name === name && namespaceOf(map) === pod.namespace,
    );
    return Object.entries(stringMap(at(configMap, 'data')));
  });
  const own = asArray(at(container, 'env')).flatMap((entry) => {
    const name = asString(at(entry, 'name'));
    const value = asString(at(entry, 'value'));
    return name !== undefined && value !== undefined ? [[name, value] as const] : [];
  });
  return Object.fromEntries([...fromConfigMaps, ...own]);
};

/**
 * Hardening every workload must meet: non-root, read-only root filesystem, no privilege escalation, all
 * capabilities dropped, seccomp RuntimeDefault, requests and a memory limit, liveness and readiness probes, a
 * grace period longer than the service's drain, and an API token only where a (Cluster)RoleBinding needs it.
 */
export const checkWorkloadSecurity = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  const boundAccounts = new Set(
    [...byKind(objects, 'RoleBinding'), ...byKind(objects, 'ClusterRoleBinding')].flatMap((binding) =>
      asArray(at(binding, 'subjects'))
        .filter((subject) => at(subject, 'kind') === 'ServiceAccount')
        .map(
          (subject) => `${asString(at(subject, 'namespace')) ?? namespaceOf(binding)}/${asString(at(subject, 'name'))}`,
        ),
    ),
  );
  for (const pod of podTemplates(objects)) {
    const id = idOf(pod.owner);
    const podSecurity = pod.spec.securityContext;
    for (const container of pod.containers) {
      const name = `${id} container ${asString(container.name)}`;
      const security = container.securityContext;
      const effective = (key: string): unknown => at(security, key) ?? at(podSecurity, key);
      if (effective('runAsNonRoot') !== true) problems.push(`${name}: runAsNonRoot must be true`);
      if (at(security, 'readOnlyRootFilesystem') !== true)
        problems.push(`${name}: readOnlyRootFilesystem must be true`);
      if (at(security, 'allowPrivilegeEscalation') !== false) {
        problems.push(`${name}: allowPrivilegeEscalation must be false`);
      }
      const dropped = asArray(at(security, 'capabilities', 'drop'));
      if (!dropped.includes('ALL')) problems.push(`${name}: capabilities must drop ALL`);
      if (asArray(at(security, 'capabilities', 'add')).length > 0) problems.push(`${name}: adds capabilities`);
      if (at(effective('seccompProfile'), 'type') !== 'RuntimeDefault') {
        problems.push(`${name}: seccompProfile must be RuntimeDefault`);
      }
      for (const resource of ['cpu', 'memory']) {
        if (at(container, 'resources', 'requests', resource) === undefined) {
          problems.push(`${name}: no ${resource} request`);
        }
      }
      if (at(container, 'resources', 'limits', 'memory') === undefined) problems.push(`${name}: no memory limit`);
      if (at(container, 'livenessProbe') === undefined) problems.push(`${name}: no liveness probe`);
      if (at(container, 'readinessProbe') === undefined) problems.push(`${name}: no readiness probe`);
      const drainMs = Number(environment(objects, pod, container).SHUTDOWN_GRACE_MS ?? Number.NaN);
      if (
        Number.isFinite(drainMs) &&
        pod.labels.app !== undefined &&
        CALL_EDGES.some((edge) => edge.to === pod.labels.app || edge.from === pod.labels.app)
      ) {
        const preStopSeconds = Number(at(container, 'lifecycle', 'preStop', 'sleep', 'seconds') ?? 0);
        const grace = Number(pod.spec.terminationGracePeriodSeconds ?? 30);
        if (grace <= preStopSeconds + drainMs / 1000) {
          problems.push(
            `${name}: terminationGracePeriodSeconds ${grace} must exceed preStop ${preStopSeconds}s + drain ${drainMs / 1000}s`,
          );
        }
      }
    }
    const mountsToken = pod.spec.automountServiceAccountToken !== false;
    if (mountsToken && !boundAccounts.has(`${pod.namespace}/${pod.serviceAccount}`)) {
      problems.push(`${id}: mounts an API token but its ServiceAccount ${pod.serviceAccount} has no role binding`);
    }
    if (pod.serviceAccount === 'default') problems.push(`${id}: runs as the default ServiceAccount`);
  }
  return problems;
};

/** APIs the seed guide used that current meshes deprecate or never had; none may appear. */
const FORBIDDEN_APIS: ReadonlyArray<{ group: string; kind?: string; why: string }> = [
  { group: 'split.smi-spec.io', why: 'SMI is archived and linkerd-smi deprecated: use a Gateway API HTTPRoute' },
  { group: 'specs.smi-spec.io', why: 'SMI is archived: use a Gateway API HTTPRoute' },
  { group: 'access.smi-spec.io', why: 'SMI is archived: use policy.linkerd.io AuthorizationPolicy' },
  {
    group: 'linkerd.io',
    kind: 'ServiceProfile',
    why: 'ServiceProfiles are frozen since Linkerd 2.16 and override HTTPRoutes: use HTTPRoute plus annotations',
  },
];

export const checkForbiddenApis = (objects: readonly K8sObject[]): string[] =>
  objects.flatMap((object) =>
    FORBIDDEN_APIS.filter(
      (api) => api.group === groupOf(object) && (api.kind === undefined || api.kind === object.kind),
    ).map((api) => `${idOf(object)} (${object.apiVersion}): ${api.why}`),
  );

/** Fields the schema still accepts but that must not be used. */
export const checkDeprecatedFields = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  for (const rule of byKind(objects, 'DestinationRule', 'networking.istio.io')) {
    const policies = [
      at(rule, 'spec', 'trafficPolicy'),
      ...asArray(at(rule, 'spec', 'subsets')).map((s) => at(s, 'trafficPolicy')),
    ];
    for (const policy of policies) {
      if (at(policy, 'outlierDetection', 'consecutiveErrors') !== undefined) {
        problems.push(`${idOf(rule)}: outlierDetection.consecutiveErrors is deprecated: use consecutive5xxErrors`);
      }
    }
  }
  for (const object of objects) {
    if (groupOf(object).endsWith('istio.io') && !/\/v1$/.test(object.apiVersion)) {
      problems.push(`${idOf(object)}: ${object.apiVersion} is outdated: Istio serves these kinds as v1`);
    }
  }
  return problems;
};

const fqdn = (name: string, namespace: string): string => `${name}.${namespace}.svc.cluster.local`;

/** Istio references: hosts are FQDNs of existing Services, subsets exist and select pods, gateways exist. */
export const checkIstioReferences = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  const pods = podTemplates(objects);
  const services = new Map(
    byKind(objects, 'Service').map((service) => [fqdn(service.metadata.name, namespaceOf(service)), service]),
  );
  const rules = byKind(objects, 'DestinationRule', 'networking.istio.io');
  const subsetsOf = new Map<string, Set<string>>();
  for (const rule of rules) {
    const host = asString(at(rule, 'spec', 'host')) ?? '';
    const service = services.get(host);
    if (!service) {
      problems.push(`${idOf(rule)}: host ${host} is not the FQDN of a Service in these manifests`);
      continue;
    }
    const names = new Set<string>();
    for (const subset of asArray(at(rule, 'spec', 'subsets'))) {
      const name = asString(at(subset, 'name')) ?? '';
      names.add(name);
      const selector = {
        matchLabels: { ...stringMap(at(service, 'spec', 'selector')), ...stringMap(at(subset, 'labels')) },
      };
      if (!podsIn(pods, namespaceOf(service)).some((pod) => selectorMatches(selector, pod.labels))) {
        problems.push(`${idOf(rule)}: subset ${name} selects no pod of ${host}`);
      }
    }
    subsetsOf.set(host, names);
  }
  const gateways = new Set(
    byKind(objects, 'Gateway', 'networking.istio.io').map(
      (gateway) => `${namespaceOf(gateway)}/${gateway.metadata.name}`,
    ),
  );
  for (const service of byKind(objects, 'VirtualService', 'networking.istio.io')) {
    const attached = asArray(at(service, 'spec', 'gateways')).map(String);
    for (const gateway of attached) {
      const qualified = gateway.includes('/') ? gateway : `${namespaceOf(service)}/${gateway}`;
      if (gateway !== 'mesh' && !gateways.has(qualified))
        problems.push(`${idOf(service)}: gateway ${gateway} does not exist`);
    }
    const meshRoute = attached.length === 0 || attached.includes('mesh');
    for (const host of asArray(at(service, 'spec', 'hosts')).map(String)) {
      if (meshRoute && !services.has(host))
        problems.push(`${idOf(service)}: host ${host} is not the FQDN of a Service`);
    }
    for (const route of asArray(at(service, 'spec', 'http'))) {
      for (const destination of asArray(at(route, 'route')).map((entry) => at(entry, 'destination'))) {
        const host = asString(at(destination, 'host')) ?? '';
        const subset = asString(at(destination, 'subset'));
        if (!services.has(host)) problems.push(`${idOf(service)}: destination ${host} is not the FQDN of a Service`);
        if (subset !== undefined && !subsetsOf.get(host)?.has(subset)) {
          problems.push(`${idOf(service)}: subset ${subset} of ${host} is not defined by a DestinationRule`);
        }
      }
    }
  }
  return problems;
};

/**
 * Identities outside these manifests that policies may name: the Istio ingress gateway as installed by istioctl
 * (docs/kubernetes.md) and every ServiceAccount of the meshed Envoy Gateway of the Linkerd setup (`namespace/*`).
 */
export const EXTERNAL_PRINCIPALS = new Set(['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
export const EXTERNAL_SERVICE_ACCOUNTS = new Set(['envoy-gateway-system/*']);

/** Every AuthorizationPolicy selects a pod and names real ServiceAccounts (Istio principals, Linkerd identityRefs). */
export const checkAuthorizationReferences = (objects: readonly K8sObject[]): string[] => {
  const problems: string[] = [];
  const pods = podTemplates(objects);
  const accounts = new Set(
    byKind(objects, 'ServiceAccount').map((account) => `${namespaceOf(account)}/${account.metadata.name}`),
  );
  for (const policy of byKind(objects, 'AuthorizationPolicy', 'security.istio.io')) {
    const selector = at(policy, 'spec', 'selector');
    if (isObject(selector) && !podsIn(pods, namespaceOf(policy)).some((pod) => selectorMatches(selector, pod.labels))) {
      problems.push(`${idOf(policy)}: selector matches no pod, so the policy does nothing`);
    }
    for (const rule of asArray(at(policy, 'spec', 'rules'))) {
      for (const from of asArray(at(rule, 'from'))) {
        for (const principal of asArray(at(from, 'source', 'principals')).map(String)) {
          const match = /^cluster\.local\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
          if (EXTERNAL_PRINCIPALS.has(principal)) continue;
          if (!match || !accounts.has(`${match[1]}/${match[2]}`)) {
            problems.push(`${idOf(policy)}: principal ${principal} names no ServiceAccount in these manifests`);
          }
        }
      }
    }
  }
  for (const authentication of byKind(objects, 'MeshTLSAuthentication', 'policy.linkerd.io')) {
    for (const ref of asArray(at(authentication, 'spec', 'identityRefs'))) {
      if (at(ref, 'kind') !== 'ServiceAccount') continue;
      const account = `${asString(at(ref, 'namespace')) ?? namespaceOf(authentication)}/${asString(at(ref, 'name')) ?? '*'}`;
      if (!accounts.has(account) && !EXTERNAL_SERVICE_ACCOUNTS.has(account)) {
        problems.push(`${idOf(authentication)}: ServiceAccount ${account} is not in these manifests`);
      }
    }
  }
  for (const server of byKind(objects, 'Server', 'policy.linkerd.io')) {
    const selected = podsIn(pods, namespaceOf(server)).filter((pod) =>
      selectorMatches(at(server, 'spec', 'podSelector'), pod.labels),
    );
    if (selected.length === 0) problems.push(`${idOf(server)}: podSelector matches no pod`);
    for (const pod of selected) {
      if (resolvePort(pod, at(server, 'spec', 'port')) === undefined) {
        problems.push(
          `${idOf(server)}: port ${String(at(server, 'spec', 'port'))} is not a port of ${idOf(pod.owner)}`,
        );
      }
    }
  }
  const known = new Set(
    objects.map((object) => `${groupOf(object)}/${object.kind}/${namespaceOf(object)}/${object.metadata.name}`),
  );
  for (const policy of byKind(objects, 'AuthorizationPolicy', 'policy.linkerd.io')) {
    const refs = [at(policy, 'spec', 'targetRef'), ...asArray(at(policy, 'spec', 'requiredAuthenticationRefs'))];
    for (const ref of refs) {
      const key = `${asString(at(ref, 'group')) ?? ''}/${asString(at(ref, 'kind'))}/${asString(at(ref, 'namespace')) ?? namespaceOf(policy)}/${asString(at(ref, 'name'))}`;
      if (!known.has(key)) problems.push(`${idOf(policy)}: refers to ${key}, which is not in these manifests`);
    }
  }
  return problems;
};

/**
 * Linkerd authorizations on HTTP ports are granted per route: an AuthorizationPolicy whose target is a whole HTTP
 * `Server` grants every method and path on that port (the admin port's `PUT /admin/faults` included). A `Server`
 * target is right only for opaque TCP (PostgreSQL), which has no routes.
 */
export const checkLinkerdAuthorizationScope = (objects: readonly K8sObject[]): string[] =>
  byKind(objects, 'AuthorizationPolicy', 'policy.linkerd.io').flatMap((policy) => {
    const ref = at(policy, 'spec', 'targetRef');
    if (at(ref, 'kind') !== 'Server') return [];
    const server = byKind(objects, 'Server', 'policy.linkerd.io').find(
      (candidate) => candidate.metadata.name === at(ref, 'name') && namespaceOf(candidate) === namespaceOf(policy),
    );
    const protocol = asString(at(server, 'spec', 'proxyProtocol')) ?? 'unknown';
    return protocol === 'opaque' || protocol === 'TLS'
      ? []
      : [
          `${idOf(policy)}: authorizes the whole ${protocol} Server ${String(at(ref, 'name'))}: every method and path; target an HTTPRoute instead`,
        ];
  });
