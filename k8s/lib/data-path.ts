/**
 * @module What each mesh really puts on the wire, for the pinned versions (k8s/lib/schemas/sources.ts): which port a
 * connection arrives on at the destination pod, where NetworkPolicy judges it, and which ports the proxies add.
 *
 * NetworkPolicy is enforced on the pod's network interface, before the sidecar's own iptables redirection inside the
 * pod, so what matters is the destination port of the packet as the client's proxy sends it:
 *
 * - **No mesh**: the application port.
 * - **Istio 1.30, sidecar mode**: the client's Envoy connects to the original pod IP and port (the server's
 *   istio-init redirects it to 15006 inside the pod), so the application port. HBONE (15008) carries traffic only in
 *   ambient mode or to waypoints, which these manifests do not use, so no policy opens it. The sidecar adds: the
 *   merged metrics endpoint 15020 (Prometheus), the agent's health port 15021 (kubelet probes are rewritten to
 *   `/app-health/<container>/{livez,readyz}` there), both excluded from inbound capture (`-d 15090,15021,15020`,
 *   istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml); Envoy's own 15090
 *   is not scraped (metrics merging, shared reference mesh.md §1.10), and xDS/CA to istiod on 15012.
 * - **Linkerd 2.20**: a meshed client's proxy replaces the target port of a connection to a meshed pod with the
 *   proxy's inbound port 4143 and names the real port in a transport header; opaque ports (PostgreSQL's 5432)
 *   always travel that way ("Communication between two meshed pods will always have its original target port
 *   replaced with the proxy's inbound port", linkerd.io/2/common-errors/network-policy; linkerd/linkerd2 issues
 *   #15246 and #12382). The client side needs egress to 4143 too (#15246). Unmeshed clients keep the application
 *   port. The proxy admin port 4191 (`/metrics`, `/ready`, `/live`) and the tap port 4190 are never redirected
 *   (linkerd-init `--inbound-ports-to-ignore 4190,4191`), so Prometheus reaches 4191 directly. Control plane:
 *   identity 8080, destination 8086, policy 8090 in namespace `linkerd` (linkerd.io/2/reference/controlplane-port-names).
 */
import { asString, at, byKind, type K8sObject, type PodTemplate, stringMap } from './model.ts';

export type Mesh = 'none' | 'istio' | 'linkerd';

export const ISTIO_SIDECAR_PORTS = {
  /** istiod xDS and certificate signing, dialled by every sidecar. */
  istiodXds: 15012,
  /** HBONE mTLS tunnel: ambient mode and waypoints only; unused by sidecar-to-sidecar traffic here. */
  hbone: 15008,
  /** pilot-agent: merged Envoy + application metrics (`/stats/prometheus`), excluded from inbound capture. */
  mergedMetrics: 15020,
  /** pilot-agent: health and rewritten kubelet probes (`/app-health/...`), excluded from inbound capture. */
  agentHealth: 15021,
  /** Envoy's own Prometheus endpoint; not scraped here (merged metrics instead), so never allowed. */
  envoyPrometheus: 15090,
} as const;

export const LINKERD_PROXY_PORTS = {
  /** Inbound proxy: every meshed-to-meshed connection arrives here. */
  inbound: 4143,
  /** Proxy admin: `/metrics` (the linkerd-proxy scrape job), `/ready`, `/live`. Not redirected. */
  admin: 4191,
  /** Tap (linkerd-viz): not installed here, so never allowed. */
  tap: 4190,
  identity: 8080,
  destination: 8086,
  policy: 8090,
} as const;

/** A pod that sends or receives traffic: one of the manifests' pod templates or a well-known outsider. */
export interface Peer {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** Whether a mesh proxy runs next to it (and so holds a mesh identity). */
  readonly meshed: boolean;
  /** The kubelet: host traffic, which NetworkPolicy does not govern. */
  readonly host?: true;
  /** Present for pods in the manifests: needed to resolve named ports on a destination. */
  readonly pod?: PodTemplate;
}

const namespaceObject = (objects: readonly K8sObject[], namespace: string): K8sObject | undefined =>
  byKind(objects, 'Namespace').find((candidate) => candidate.metadata.name === namespace);

/** Whether the mesh injects a proxy into this pod template (namespace label/annotation, pod override). */
export const injected = (objects: readonly K8sObject[], pod: PodTemplate, mesh: Mesh): boolean => {
  if (mesh === 'none') return false;
  const namespace = namespaceObject(objects, pod.namespace);
  const podAnnotations = stringMap(at(pod.owner, 'spec', 'template', 'metadata', 'annotations'));
  if (mesh === 'istio') {
    const override = pod.labels['sidecar.istio.io/inject'];
    if (override !== undefined) return override === 'true';
    return stringMap(at(namespace, 'metadata', 'labels'))['istio-injection'] === 'enabled';
  }
  const override = podAnnotations['linkerd.io/inject'];
  if (override !== undefined) return override === 'enabled';
  return asString(stringMap(at(namespace, 'metadata', 'annotations'))['linkerd.io/inject']) === 'enabled';
};

/**
 * The destination port a connection carries when `source` opens `port` on `destination`: what NetworkPolicy sees.
 */
export const wirePort = (mesh: Mesh, source: Peer, destination: Peer, port: number): number => {
  if (mesh !== 'linkerd') return port;
  const proxyOwn = port === LINKERD_PROXY_PORTS.admin || port === LINKERD_PROXY_PORTS.tap;
  return source.meshed && destination.meshed && !proxyOwn ? LINKERD_PROXY_PORTS.inbound : port;
};

/** Ports the mesh's proxies listen on in every meshed pod: probed by the L4 report beside the pods' own ports. */
export const meshPorts = (mesh: Mesh): number[] =>
  mesh === 'istio'
    ? [
        ISTIO_SIDECAR_PORTS.hbone,
        ISTIO_SIDECAR_PORTS.mergedMetrics,
        ISTIO_SIDECAR_PORTS.agentHealth,
        ISTIO_SIDECAR_PORTS.envoyPrometheus,
      ]
    : mesh === 'linkerd'
      ? [LINKERD_PROXY_PORTS.inbound, LINKERD_PROXY_PORTS.admin, LINKERD_PROXY_PORTS.tap]
      : [];
