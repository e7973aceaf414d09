/**
 * @module The L4 layer: Kubernetes NetworkPolicy decisions for one connection, as the documented rules give them
 * (kubernetes.io/docs/concepts/services-networking/network-policies/): a pod is isolated for a direction as soon as
 * any policy with that policy type selects it; then a connection needs a matching rule on both ends (egress of the
 * source, ingress of the destination). Peers by pod and namespace selector, numeric and named ports. `ipBlock` peers
 * are not modelled (they never match a pod here), and host traffic (the kubelet's probes) is not subject to policy.
 */
import type { Peer } from './data-path.ts';
import {
  asArray,
  asString,
  at,
  byKind,
  type K8sObject,
  namespaceOf,
  resolvePort,
  selectorMatches,
  stringMap,
} from './model.ts';

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
  if (podSelector === undefined && namespaceSelector === undefined) return false; // ipBlock: never a pod here.
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
    const endPort = at(entry, 'endPort');
    if (typeof wanted === 'string' && !/^\d+$/.test(wanted)) {
      return destination.pod !== undefined && resolvePort(destination.pod, wanted) === port;
    }
    if (typeof endPort === 'number') return port >= Number(wanted) && port <= endPort;
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
  if (subject.host) return true;
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

/** Whether NetworkPolicies let `source` open a TCP connection to `destination` on `port` (the wire port). */
export const networkPolicyAllows = (
  objects: readonly K8sObject[],
  source: Peer,
  destination: Peer,
  port: number,
): boolean => {
  // The kubelet's probes come from the node: NetworkPolicy does not apply to them.
  if (source.host) return true;
  return (
    allowedBy(objects, source, 'Egress', destination, destination, port) &&
    allowedBy(objects, destination, 'Ingress', source, destination, port)
  );
};
