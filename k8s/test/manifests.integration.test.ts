/**
 * Every kustomization builds, every object passes strict schema validation against the pinned Kubernetes, Istio,
 * Gateway API and Linkerd schemas, and every semantic check and call-graph comparison comes out clean.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kustomizeBuild, OVERLAYS, parseManifests } from '../lib/build.ts';
import {
  checkAuthorizationReferences,
  checkDeprecatedFields,
  checkForbiddenApis,
  checkIngressBackends,
  checkIstioReferences,
  checkLinkerdAuthorizationScope,
  checkSelectors,
  checkServiceContract,
  checkServicePorts,
  checkWorkloadSecurity,
} from '../lib/checks.ts';
import { endToEndReport, meshAuthorizationReport, networkPolicyReport } from '../lib/edges.ts';
import { checkIngressTls, checkMonitoringSurfaces, checkStatefulSetServices } from '../lib/exposure.ts';
import { validateStrictly } from '../lib/kubeconform.ts';
import { byKind, type K8sObject } from '../lib/model.ts';
import { checkMeshResilience } from '../lib/resilience.ts';

const SEMANTIC_CHECKS = {
  checkSelectors,
  checkServicePorts,
  checkServiceContract,
  checkWorkloadSecurity,
  checkForbiddenApis,
  checkDeprecatedFields,
  checkIstioReferences,
  checkIngressBackends,
  checkAuthorizationReferences,
  checkLinkerdAuthorizationScope,
  checkMeshResilience,
  checkIngressTls,
  checkStatefulSetServices,
  checkMonitoringSurfaces,
} as const;

for (const overlay of OVERLAYS) {
  describe(`k8s/${overlay}`, () => {
    const yaml = kustomizeBuild(overlay);
    const objects: K8sObject[] = parseManifests(yaml);

    it('builds with kustomize', () => {
      assert.ok(objects.length > 0, 'the build is empty');
      const ids = objects.map(
        (object) => `${object.apiVersion}/${object.kind}/${object.metadata.namespace}/${object.metadata.name}`,
      );
      assert.equal(new Set(ids).size, ids.length, 'an object appears twice');
    });

    it('validates strictly against the pinned schemas (unknown fields rejected)', () => {
      assert.deepEqual(validateStrictly(yaml), []);
    });

    for (const [name, check] of Object.entries(SEMANTIC_CHECKS)) {
      it(`passes ${name}`, () => {
        assert.deepEqual(check(objects), []);
      });
    }
  });
}

describe('the intended graph (stack.ts plus the telemetry paths) is exactly what the policies allow', () => {
  /** base is deployed with k8s/monitoring beside it (docs/kubernetes.md); the mesh overlays include it. */
  const build = (overlay: string): K8sObject[] => [
    ...parseManifests(kustomizeBuild(overlay)),
    ...(overlay === 'base' ? parseManifests(kustomizeBuild('monitoring')) : []),
  ];
  const builds = new Map<string, K8sObject[]>();
  const built = (overlay: string): K8sObject[] => {
    if (!builds.has(overlay)) builds.set(overlay, build(overlay));
    return builds.get(overlay) ?? [];
  };

  for (const [overlay, mesh] of [
    ['base', 'none'],
    ['istio', 'istio'],
    ['linkerd', 'linkerd'],
  ] as const) {
    it(`L4, NetworkPolicies of k8s/${overlay} on the ports the mesh puts on the wire: every intended connection, no other`, () => {
      const objects = built(overlay);
      assert.ok(byKind(objects, 'NetworkPolicy').some((policy) => policy.metadata.namespace === 'monitoring'));
      assert.deepEqual(networkPolicyReport(objects, mesh), { missing: [], extra: [] });
    });

    it(`end to end, k8s/${overlay}: every intended request allowed by both layers, every other refused`, () => {
      assert.deepEqual(endToEndReport(built(overlay), mesh), { missing: [], extra: [] });
    });
  }

  it('L7, Istio AuthorizationPolicies: every intended request allowed, no other', () => {
    assert.deepEqual(meshAuthorizationReport(built('istio'), 'istio'), { missing: [], extra: [] });
  });

  it('L7, Linkerd Servers, routes and AuthorizationPolicies: every intended request allowed, no other', () => {
    assert.deepEqual(meshAuthorizationReport(built('linkerd'), 'linkerd'), { missing: [], extra: [] });
  });
});
