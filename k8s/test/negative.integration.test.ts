/**
 * The checks catch the seed guide's mistakes (shared reference mesh.md §0) and the other ways these manifests
 * could go wrong: each test breaks one thing in a real build and asserts the exact finding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { kustomizeBuild, parseManifests } from '../lib/build.ts';
import {
  checkAuthorizationReferences,
  checkDeprecatedFields,
  checkForbiddenApis,
  checkLinkerdAuthorizationScope,
  checkSelectors,
  checkServicePorts,
  checkWorkloadSecurity,
} from '../lib/checks.ts';
import { endToEndReport, meshAuthorizationReport, networkPolicyReport } from '../lib/edges.ts';
import { toYaml, validateStrictly } from '../lib/kubeconform.ts';
import { at, isObject, type Json, type K8sObject } from '../lib/model.ts';
import { checkMeshResilience } from '../lib/resilience.ts';

const builds = new Map<string, string>();
/** A fresh, mutable copy of an overlay's objects (the YAML is built once per overlay). */
const fresh = (overlay: string): K8sObject[] => {
  if (!builds.has(overlay)) builds.set(overlay, kustomizeBuild(overlay));
  return parseManifests(builds.get(overlay) ?? '');
};

const find = (objects: K8sObject[], kind: string, name: string): K8sObject & Record<string, Json> => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  assert.ok(found, `${kind} ${name} is in the build`);
  return found as K8sObject & Record<string, Json>;
};

const spec = (object: K8sObject): Record<string, Json> => {
  const value = at(object, 'spec');
  assert.ok(isObject(value));
  return value;
};

const object = (yaml: string): K8sObject => parse(yaml) as K8sObject;

describe('the seed guide mistakes are caught', () => {
  it('a DestinationRule with `circuitBreaker` fails strict schema validation', () => {
    const objects = fresh('istio');
    const trafficPolicy = spec(find(objects, 'DestinationRule', 'payment-service')).trafficPolicy;
    assert.ok(isObject(trafficPolicy));
    trafficPolicy.circuitBreaker = { simpleCb: { maxConnections: 100, httpMaxPendingRequests: 10 } };
    const problems = validateStrictly(toYaml(objects));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.resource, 'DestinationRule payment-service');
    assert.match(problems[0]?.message ?? '', /additional properties 'circuitBreaker' not allowed/);
  });

  it('`consecutiveErrors` (deprecated) and v1alpha3 APIs are flagged', () => {
    const objects = fresh('istio');
    const rule = find(objects, 'DestinationRule', 'user-service');
    const outlier = at(rule, 'spec', 'trafficPolicy', 'outlierDetection');
    assert.ok(isObject(outlier));
    outlier.consecutiveErrors = 3;
    const service = find(objects, 'VirtualService', 'user-service');
    (service as { apiVersion: string }).apiVersion = 'networking.istio.io/v1alpha3';
    assert.deepEqual(checkDeprecatedFields(objects), [
      'DestinationRule shop/user-service: outlierDetection.consecutiveErrors is deprecated: use consecutive5xxErrors',
      'VirtualService shop/user-service: networking.istio.io/v1alpha3 is outdated: Istio serves these kinds as v1',
    ]);
  });

  it('an AuthorizationPolicy selecting `app: microservice` selects no pod, and the real edges break', () => {
    const objects = fresh('istio').filter(
      (candidate) =>
        !(
          candidate.kind === 'AuthorizationPolicy' &&
          ['order-service', 'user-service', 'payment-service'].includes(candidate.metadata.name)
        ),
    );
    objects.push(
      object(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: microservice-policy, namespace: shop}
spec:
  selector: {matchLabels: {app: microservice}}
  action: ALLOW
  rules:
    - from: [{source: {principals: [cluster.local/ns/shop/sa/user-service]}}]
      to: [{operation: {methods: [GET, POST], paths: [/users/*]}}]
    - from: [{source: {principals: [cluster.local/ns/shop/sa/order-service]}}]
      to: [{operation: {methods: [GET, POST], paths: [/orders/*]}}]
`),
    );
    assert.deepEqual(checkAuthorizationReferences(objects), [
      'AuthorizationPolicy shop/microservice-policy: selector matches no pod, so the policy does nothing',
    ]);
    const report = meshAuthorizationReport(objects, 'istio');
    assert.ok(report.missing.includes('shop/order-service → shop/payment-service:8080 POST /payments'));
    assert.ok(report.missing.includes('istio-ingressgateway → shop/order-service:8080 POST /orders'));
  });

  it('an SMI TrafficSplit has no schema (an error, not a skip) and is a forbidden API', () => {
    const split = object(`
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: user-service-split, namespace: shop}
spec:
  service: user-service
  backends: [{service: user-service-v1, weight: 80}, {service: user-service-v2, weight: 20}]
`);
    const objects = [...fresh('linkerd'), split];
    assert.deepEqual(validateStrictly(toYaml(objects)), [
      {
        resource: 'TrafficSplit user-service-split',
        status: 'statusError',
        message: 'could not find schema for TrafficSplit',
      },
    ]);
    assert.deepEqual(checkForbiddenApis(objects), [
      'TrafficSplit shop/user-service-split (split.smi-spec.io/v1alpha2): SMI is archived and linkerd-smi deprecated: use a Gateway API HTTPRoute',
    ]);
  });

  it('a ServiceProfile is a forbidden API (it would silently override the HTTPRoute)', () => {
    const profile = object(`
apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata: {name: user-service.shop.svc.cluster.local, namespace: shop}
spec: {routes: [{name: "GET /users/{id}", condition: {method: GET, pathRegex: "/users/[^/]*"}}]}
`);
    assert.equal(checkForbiddenApis([...fresh('linkerd'), profile]).length, 1);
  });

  it('a VirtualService retrying POST /payments, or silently inheriting the mesh default retries, is flagged', () => {
    const objects = fresh('istio');
    const routes = spec(find(objects, 'VirtualService', 'payment-service')).http;
    assert.ok(Array.isArray(routes) && isObject(routes[0]));
    routes[0].retries = { attempts: 3, perTryTimeout: '1s', retryOn: '5xx' };
    assert.deepEqual(checkMeshResilience(objects), [
      'VirtualService shop/payment-service: route create-payment retries (attempts 3)',
    ]);
    delete routes[0].retries;
    assert.deepEqual(checkMeshResilience(objects), [
      'VirtualService shop/payment-service: route create-payment inherits the mesh default of 2 retries',
    ]);
  });

  it('a Linkerd retry annotation on payment-service is flagged', () => {
    const objects = fresh('linkerd');
    const service = find(objects, 'Service', 'payment-service');
    (service.metadata as Record<string, Json>).annotations = { 'retry.linkerd.io/http': '5xx' };
    assert.deepEqual(checkMeshResilience(objects), [
      'Service shop/payment-service: retry.linkerd.io/http: the mesh never retries (the client does)',
    ]);
  });
});

describe('Linkerd policy mistakes are caught by the schema', () => {
  it('a Server with an empty podSelector (it must name matchLabels or matchExpressions)', () => {
    const objects = fresh('linkerd');
    spec(find(objects, 'Server', 'services-admin')).podSelector = {};
    const problems = validateStrictly(toYaml(objects));
    assert.deepEqual(
      problems.map((problem) => problem.resource),
      ['Server services-admin'],
    );
  });

  it('a ServerAuthorization-style field on an AuthorizationPolicy', () => {
    const objects = fresh('linkerd');
    spec(find(objects, 'AuthorizationPolicy', 'postgres-clients')).client = {
      meshTLS: { serviceAccounts: [{ name: 'order-service' }] },
    };
    const [problem, ...rest] = validateStrictly(toYaml(objects));
    assert.equal(rest.length, 0);
    assert.match(problem?.message ?? '', /additional properties 'client' not allowed/);
  });
});

describe('policy mistakes change the computed call graph', () => {
  it('an ingress rule with an empty namespaceSelector opens payment-service to every pod in the cluster', () => {
    const objects = fresh('base');
    const ingress = spec(find(objects, 'NetworkPolicy', 'payment-service-from-order-service')).ingress;
    assert.ok(Array.isArray(ingress) && isObject(ingress[0]));
    ingress[0].from = [{ namespaceSelector: {} }];
    const { extra, missing } = networkPolicyReport(objects, 'none');
    assert.deepEqual(missing, []);
    assert.deepEqual(extra, ['envoy-gateway → shop/payment-service:8080', 'stranger → shop/payment-service:8080']);
  });

  it('an Istio prefix path `/users/*` lets order-service reach more than GET /users/:id', () => {
    const objects = fresh('istio');
    const rules = spec(find(objects, 'AuthorizationPolicy', 'user-service')).rules;
    const operation = at(rules, 0, 'to', 0, 'operation');
    assert.ok(isObject(operation));
    operation.paths = ['/users/*'];
    const { extra, missing } = meshAuthorizationReport(objects, 'istio');
    assert.deepEqual(missing, []);
    assert.deepEqual(extra, [
      'shop/order-service → shop/user-service-v1:8080 GET /users/0199a/orders',
      'shop/order-service → shop/user-service-v2:8080 GET /users/0199a/orders',
    ]);
  });

  it('a principal with a typo names no ServiceAccount', () => {
    const objects = fresh('istio');
    const principals = at(
      spec(find(objects, 'AuthorizationPolicy', 'payment-service')),
      'rules',
      0,
      'from',
      0,
      'source',
      'principals',
    );
    assert.ok(Array.isArray(principals));
    principals[0] = 'cluster.local/ns/shop/sa/orders';
    assert.deepEqual(checkAuthorizationReferences(objects), [
      'AuthorizationPolicy shop/payment-service: principal cluster.local/ns/shop/sa/orders names no ServiceAccount in these manifests',
    ]);
    assert.ok(
      meshAuthorizationReport(objects, 'istio').missing.includes(
        'shop/order-service → shop/payment-service:8080 POST /payments',
      ),
    );
  });

  it('a Linkerd authorization granted to the wrong identity shows as missing and extra edges', () => {
    const objects = fresh('linkerd');
    const refs = spec(find(objects, 'AuthorizationPolicy', 'user-service-get-user')).requiredAuthenticationRefs;
    assert.ok(Array.isArray(refs) && isObject(refs[0]));
    refs[0].name = 'ingress';
    const { extra, missing } = meshAuthorizationReport(objects, 'linkerd');
    assert.ok(missing.includes('shop/order-service → shop/user-service-v1:8080 GET /users/0199a'));
    assert.ok(extra.includes('envoy-gateway → shop/user-service-v1:8080 GET /users/0199a'));
  });
});

describe('workload mistakes are caught', () => {
  it('a writable root filesystem, a missing capability drop and a short grace period', () => {
    const objects = fresh('base');
    const deployment = find(objects, 'Deployment', 'payment-service');
    const podSpec = at(deployment, 'spec', 'template', 'spec');
    const container = at(podSpec, 'containers', 0);
    assert.ok(isObject(podSpec) && isObject(container) && isObject(container.securityContext));
    container.securityContext.readOnlyRootFilesystem = false;
    container.securityContext.capabilities = { drop: ['NET_RAW'] };
    podSpec.terminationGracePeriodSeconds = 20;
    assert.deepEqual(checkWorkloadSecurity(objects), [
      'Deployment shop/payment-service container payment-service: readOnlyRootFilesystem must be true',
      'Deployment shop/payment-service container payment-service: capabilities must drop ALL',
      'Deployment shop/payment-service container payment-service: terminationGracePeriodSeconds 20 must exceed preStop 5s + drain 20s',
    ]);
  });

  it('a Service whose selector or target port matches nothing', () => {
    const objects = fresh('base');
    const service = find(objects, 'Service', 'payment-service');
    const serviceSpec = spec(service);
    serviceSpec.selector = { app: 'payments' };
    assert.deepEqual(checkSelectors(objects), ['Service shop/payment-service: selector matches no pod template']);
    serviceSpec.selector = { app: 'payment-service' };
    const ports = serviceSpec.ports;
    assert.ok(Array.isArray(ports) && isObject(ports[1]));
    ports[1].targetPort = 'metrics';
    assert.deepEqual(checkServicePorts(objects), [
      'Service shop/payment-service: port metrics is not a container port of Deployment shop/payment-service',
    ]);
  });
});

describe('the mesh data path: policies written for application ports break on a real cluster', () => {
  it('Linkerd: a rule that allows only the application port drops the meshed call, which arrives on 4143', () => {
    // As k8s/linkerd shipped before the data-path model: the base rule's `port: http`, not the proxy's 4143.
    const objects = [...fresh('linkerd')];
    const ingress = spec(find(objects, 'NetworkPolicy', 'user-service-from-order-service')).ingress;
    assert.ok(Array.isArray(ingress) && isObject(ingress[0]));
    ingress[0].ports = [{ protocol: 'TCP', port: 'http' }];
    assert.deepEqual(networkPolicyReport(objects, 'linkerd'), {
      missing: ['shop/order-service → shop/user-service-v1:4143', 'shop/order-service → shop/user-service-v2:4143'],
      extra: [],
    });
    const { missing } = endToEndReport(objects, 'linkerd');
    assert.ok(missing.includes('shop/order-service → shop/user-service-v1:8080 GET /users/0199a'));
  });

  it('Linkerd: a Server-wide authorization on the admin port lets Prometheus PUT /admin/faults', () => {
    const objects = fresh('linkerd');
    objects.push(
      object(`
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: services-admin-prometheus, namespace: shop}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: services-admin}
  requiredAuthenticationRefs:
    - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: prometheus}
`),
    );
    assert.deepEqual(checkLinkerdAuthorizationScope(objects), [
      'AuthorizationPolicy shop/services-admin-prometheus: authorizes the whole HTTP/1 Server services-admin: every method and path; target an HTTPRoute instead',
    ]);
    const { extra, missing } = endToEndReport(objects, 'linkerd');
    assert.deepEqual(missing, []);
    assert.ok(extra.includes('monitoring/prometheus → shop/payment-service:9464 PUT /admin/faults'));
    assert.ok(extra.every((edge) => edge.startsWith('monitoring/prometheus → ') && edge.includes(':9464 ')));
  });

  it('Linkerd: a kubelet grant without the pod-network exception opens the probe routes to every pod', () => {
    const objects = fresh('linkerd');
    spec(find(objects, 'NetworkAuthentication', 'kubelet')).networks = [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }];
    const { extra } = meshAuthorizationReport(objects, 'linkerd');
    assert.ok(extra.includes('shop/order-service → shop/payment-service:9464 GET /health/ready'));
    // End to end, NetworkPolicy's 4143 leads to every port of the pod, so the L7 gap is a real one.
    assert.ok(
      endToEndReport(objects, 'linkerd').extra.includes(
        'shop/order-service → shop/payment-service:9464 GET /health/ready',
      ),
    );
  });

  it('Istio: Prometheus on the plaintext admin port instead of the merged endpoint :15020 finds nothing to scrape', () => {
    const objects = fresh('istio').filter((candidate) => candidate.metadata.name !== 'merged-metrics-from-prometheus');
    const { missing } = networkPolicyReport(objects, 'istio');
    assert.ok(missing.includes('monitoring/prometheus → shop/payment-service:15020'));
    assert.ok(missing.includes('monitoring/prometheus → shop/postgres:15020'));
  });

  it('monitoring without its NetworkPolicies: any pod can post silences to Alertmanager or reach Grafana', () => {
    const objects = fresh('istio').filter(
      (candidate) => !(candidate.kind === 'NetworkPolicy' && candidate.metadata.namespace === 'monitoring'),
    );
    const { extra } = networkPolicyReport(objects, 'istio');
    assert.ok(extra.includes('stranger → monitoring/alertmanager:9093'));
    assert.ok(extra.includes('stranger → monitoring/grafana:3000'));
    assert.ok(extra.includes('monitoring/otel-collector → monitoring/prometheus:9090'));
  });
});

describe('timeouts and retries follow stack.ts', () => {
  it('an Istio edge timeout that differs from budget.meshTimeoutMs is a finding', () => {
    const objects = fresh('istio');
    const routes = spec(find(objects, 'VirtualService', 'payment-service')).http;
    assert.ok(Array.isArray(routes) && isObject(routes[0]));
    routes[0].timeout = '3s';
    assert.deepEqual(checkMeshResilience(objects), [
      'VirtualService shop/payment-service: route create-payment times out POST /payments at 3s, stack.ts says 2500 ms (order-service → payment-service POST /payments)',
    ]);
  });

  it('a Linkerd public route without a timeout, and a mesh route gone, are findings', () => {
    const objects = fresh('linkerd').filter(
      (candidate) => !(candidate.kind === 'HTTPRoute' && candidate.metadata.name === 'payment-service'),
    );
    const rules = spec(find(objects, 'HTTPRoute', 'order-service-public')).rules;
    assert.ok(Array.isArray(rules) && isObject(rules[0]));
    delete rules[0].timeouts;
    const problems = checkMeshResilience(objects);
    assert.ok(
      problems.includes(
        'no mesh HTTPRoute for Service payment-service: order-service → payment-service POST /payments has no mesh timeout',
      ),
    );
    assert.ok(
      problems.includes(
        'HTTPRoute shop/order-service-public: rule 0 times out POST /orders at never, stack.ts says 9000 ms (public route)',
      ),
    );
  });
});
