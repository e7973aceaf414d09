/**
 * The data-path model and the L4/L7 evaluators on small inline manifests: what each mesh puts on the wire, and why
 * a NetworkPolicy written for application ports (as k8s/linkerd shipped before this model) drops meshed traffic.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { injected, LINKERD_PROXY_PORTS, type Peer, wirePort } from '../lib/data-path.ts';
import { linkerdAllows, POD_NETWORKS } from '../lib/mesh-authorization.ts';
import type { K8sObject } from '../lib/model.ts';
import { podTemplates } from '../lib/model.ts';
import { networkPolicyAllows } from '../lib/network-policy.ts';

const objects = (yaml: string): K8sObject[] => parseAllDocuments(yaml).map((document) => document.toJS() as K8sObject);

const APPS = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  template:
    metadata: {labels: {app: client}}
    spec: {serviceAccountName: client, containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: server, namespace: shop}
spec:
  template:
    metadata: {labels: {app: server}}
    spec:
      serviceAccountName: server
      containers: [{name: s, ports: [{name: http, containerPort: 8080}, {name: http-metrics, containerPort: 9464}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`;

/** The same edge written for the application port, as the pre-model Linkerd overlay had it. */
const APP_PORT_RULES = `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: server}}}], ports: [{port: http}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: http}]}]
`;

const peersOf = (manifests: K8sObject[], mesh: 'none' | 'linkerd'): Record<string, Peer> =>
  Object.fromEntries(
    podTemplates(manifests).map((pod) => [
      pod.owner.metadata.name,
      {
        name: pod.owner.metadata.name,
        namespace: pod.namespace,
        labels: pod.labels,
        serviceAccount: pod.serviceAccount,
        meshed: injected(manifests, pod, mesh),
        pod,
      },
    ]),
  );

describe('what each mesh puts on the wire', () => {
  const manifests = objects(APPS);
  const meshed = peersOf(manifests, 'linkerd');
  const plain = peersOf(manifests, 'none');

  it('Linkerd: meshed to meshed goes to the inbound proxy 4143, whatever the application port', () => {
    assert.equal(wirePort('linkerd', meshed.client as Peer, meshed.server as Peer, 8080), LINKERD_PROXY_PORTS.inbound);
    assert.equal(wirePort('linkerd', meshed.client as Peer, meshed.server as Peer, 5432), LINKERD_PROXY_PORTS.inbound);
  });

  it('Linkerd: the proxy admin port is never redirected; an unmeshed client keeps the application port', () => {
    assert.equal(wirePort('linkerd', meshed.client as Peer, meshed.server as Peer, 4191), 4191);
    const unmeshed = { ...(meshed.client as Peer), meshed: false };
    assert.equal(wirePort('linkerd', unmeshed, meshed.server as Peer, 8080), 8080);
  });

  it('Istio sidecars and no mesh keep the application port (the inbound redirect happens inside the pod)', () => {
    assert.equal(wirePort('istio', meshed.client as Peer, meshed.server as Peer, 8080), 8080);
    assert.equal(wirePort('none', plain.client as Peer, plain.server as Peer, 8080), 8080);
  });
});

describe('a NetworkPolicy written for application ports', () => {
  const manifests = objects(APPS + APP_PORT_RULES);

  it('passes the call without a mesh', () => {
    const peers = peersOf(manifests, 'none');
    const [client, server] = [peers.client as Peer, peers.server as Peer];
    assert.ok(networkPolicyAllows(manifests, client, server, wirePort('none', client, server, 8080)));
  });

  it('drops the same call under Linkerd, which arrives on 4143', () => {
    const peers = peersOf(manifests, 'linkerd');
    const [client, server] = [peers.client as Peer, peers.server as Peer];
    assert.ok(!networkPolicyAllows(manifests, client, server, wirePort('linkerd', client, server, 8080)));
  });

  it('passes it again once both ends allow 4143 instead, and the application port is then unused', () => {
    const fixed = objects(APPS + APP_PORT_RULES.replaceAll('{port: http}', '{port: 4143}'));
    const peers = peersOf(fixed, 'linkerd');
    const [client, server] = [peers.client as Peer, peers.server as Peer];
    assert.ok(networkPolicyAllows(fixed, client, server, wirePort('linkerd', client, server, 8080)));
    assert.ok(!networkPolicyAllows(fixed, client, server, 8080));
  });

  it('never judges the kubelet, whose probes come from the node', () => {
    const server = peersOf(manifests, 'linkerd').server as Peer;
    const kubelet: Peer = { name: 'kubelet', namespace: '', labels: {}, serviceAccount: '', meshed: false, host: true };
    assert.ok(networkPolicyAllows(manifests, kubelet, server, 9464));
  });
});

describe('Linkerd probe routes authorized by network', () => {
  const policy = (networks: string) =>
    objects(`${APPS}
---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: admin, namespace: shop}
spec: {podSelector: {matchLabels: {app: server}}, port: http-metrics, proxyProtocol: HTTP/1}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: probes, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: admin}]
  rules: [{matches: [{path: {type: Exact, value: /health/ready}, method: GET}]}]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata: {name: kubelet, namespace: shop}
spec: {networks: ${networks}}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: probes, namespace: shop}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: probes}
  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: NetworkAuthentication, name: kubelet}]
`);
  const kubelet: Peer = { name: 'kubelet', namespace: '', labels: {}, serviceAccount: '', meshed: false, host: true };
  const ready = { method: 'GET', path: '/health/ready' };

  it('every address: the kubelet, and every other pod too', () => {
    const manifests = policy('[{cidr: 0.0.0.0/0}]');
    const { client, server } = peersOf(manifests, 'linkerd') as Record<string, Peer>;
    assert.ok(linkerdAllows(manifests, kubelet, server as Peer, 9464, ready));
    assert.ok(linkerdAllows(manifests, client as Peer, server as Peer, 9464, ready));
  });

  it('every address except the pod network: the kubelet only, and only on the routed path', () => {
    const manifests = policy(`[{cidr: 0.0.0.0/0, except: ["${POD_NETWORKS[0]}"]}]`);
    const { client, server } = peersOf(manifests, 'linkerd') as Record<string, Peer>;
    assert.ok(linkerdAllows(manifests, kubelet, server as Peer, 9464, ready));
    assert.ok(!linkerdAllows(manifests, client as Peer, server as Peer, 9464, ready));
    assert.ok(!linkerdAllows(manifests, kubelet, server as Peer, 9464, { method: 'PUT', path: '/admin/faults' }));
  });
});
