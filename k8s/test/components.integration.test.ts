/**
 * The opt-in components: fault injection on payment-service's admin port opens to one identity and nothing else,
 * in either mesh; Grafana's anonymous demo switch turns on exactly anonymous Viewer access.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAULTS_PATH, KUBERNETES_PORTS } from '@mesh-stack/stack';
import { kustomizeBuild, kustomizeBuildWithComponent, parseManifests } from '../lib/build.ts';
import { checkAuthorizationReferences } from '../lib/checks.ts';
import { endToEndReport, type Mesh, type Peer, peers, requestAllowed } from '../lib/edges.ts';
import { toYaml, validateStrictly } from '../lib/kubeconform.ts';
import { at, type K8sObject } from '../lib/model.ts';

const withComponent = (overlay: string, component: string): K8sObject[] =>
  parseManifests(kustomizeBuildWithComponent(overlay, component));

const operator: Peer = {
  name: 'fault-operator',
  namespace: 'shop',
  labels: { app: 'fault-operator' },
  serviceAccount: 'fault-operator',
  meshed: true,
};

for (const mesh of ['istio', 'linkerd'] as const satisfies readonly Mesh[]) {
  describe(`k8s/components/fault-injection-access-${mesh}`, () => {
    const objects = withComponent(mesh, `fault-injection-access-${mesh}`);
    const destinations = peers(objects, mesh).destinations;
    const pod = (name: string): Peer => {
      const found = destinations.find((peer) => peer.name === `shop/${name}`);
      assert.ok(found, name);
      return found;
    };
    const put = { method: 'PUT', path: FAULTS_PATH };

    it('validates strictly and names only identities it defines', () => {
      assert.deepEqual(validateStrictly(toYaml(objects)), []);
      assert.deepEqual(checkAuthorizationReferences(objects), []);
    });

    it('lets the fault-operator identity PUT /admin/faults on payment-service', () => {
      assert.ok(requestAllowed(objects, mesh, operator, pod('payment-service'), KUBERNETES_PORTS.adminPort, put));
    });

    it('and nothing else: not another service, not another path, not the public API, not another identity', () => {
      const admin = KUBERNETES_PORTS.adminPort;
      assert.ok(!requestAllowed(objects, mesh, operator, pod('user-service-v1'), admin, put));
      assert.ok(
        !requestAllowed(objects, mesh, operator, pod('payment-service'), admin, { method: 'GET', path: '/metrics' }),
      );
      assert.ok(
        !requestAllowed(objects, mesh, operator, pod('payment-service'), KUBERNETES_PORTS.publicPort, {
          method: 'POST',
          path: '/payments',
        }),
      );
      const impostor: Peer = { ...operator, name: 'impostor', serviceAccount: 'default' };
      assert.ok(!requestAllowed(objects, mesh, impostor, pod('payment-service'), admin, put));
      // Every pod of the manifests keeps exactly its intended graph.
      assert.deepEqual(endToEndReport(objects, mesh), { missing: [], extra: [] });
    });

    it('without the component, nobody reaches PUT /admin/faults, the fault-operator identity included', () => {
      const base = parseManifests(kustomizeBuild(mesh));
      assert.ok(!requestAllowed(base, mesh, operator, pod('payment-service'), KUBERNETES_PORTS.adminPort, put));
    });
  });
}

describe('k8s/components/grafana-anonymous', () => {
  const env = (objects: K8sObject[]): Record<string, unknown> => {
    const grafana = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === 'grafana');
    const entries = (at(grafana, 'spec', 'template', 'spec', 'containers', 0, 'env') as unknown[]) ?? [];
    return Object.fromEntries(
      entries.map((entry) => [String(at(entry, 'name')), at(entry, 'value') ?? at(entry, 'valueFrom')]),
    );
  };

  it('Grafana has no anonymous access by default, and an admin password from a Secret', () => {
    const variables = env(parseManifests(kustomizeBuild('monitoring')));
    assert.equal(variables.GF_AUTH_ANONYMOUS_ENABLED, 'false');
    assert.equal(variables.GF_AUTH_ANONYMOUS_ORG_ROLE, undefined);
    assert.deepEqual(variables.GF_SECURITY_ADMIN_PASSWORD, {
      secretKeyRef: { name: 'grafana-admin', key: 'password' },
    });
  });

  it('the demo switch turns on anonymous Viewer access and changes nothing else', () => {
    const before = env(parseManifests(kustomizeBuild('istio')));
    const after = env(withComponent('istio', 'grafana-anonymous'));
    assert.deepEqual(after, { ...before, GF_AUTH_ANONYMOUS_ENABLED: 'true', GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer' });
  });
});
