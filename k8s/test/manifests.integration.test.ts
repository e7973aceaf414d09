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
  checkRetries,
  checkSelectors,
  checkServiceContract,
  checkServicePorts,
  checkWorkloadSecurity,
} from '../lib/checks.ts';
import { meshAuthorizationReport, networkPolicyReport } from '../lib/edges.ts';
import { validateStrictly } from '../lib/kubeconform.ts';
import { byKind, type K8sObject } from '../lib/model.ts';

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
  checkRetries,
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

describe('the call graph (services/service-kit/src/stack.ts) is exactly what the policies allow', () => {
  const build = (overlay: string): K8sObject[] => parseManifests(kustomizeBuild(overlay));

  for (const [overlay, mesh] of [
    ['base', 'none'],
    ['istio', 'istio'],
    ['linkerd', 'linkerd'],
  ] as const) {
    it(`NetworkPolicies of k8s/${overlay}: every intended connection allowed, no other`, () => {
      const objects = build(overlay);
      assert.ok(byKind(objects, 'NetworkPolicy').length > 0);
      assert.deepEqual(networkPolicyReport(objects, mesh), { missing: [], extra: [] });
    });
  }

  it('Istio AuthorizationPolicies: every intended request allowed, no other', () => {
    assert.deepEqual(meshAuthorizationReport(build('istio'), 'istio'), { missing: [], extra: [] });
  });

  it('Linkerd Servers, routes and AuthorizationPolicies: every intended request allowed, no other', () => {
    assert.deepEqual(meshAuthorizationReport(build('linkerd'), 'linkerd'), { missing: [], extra: [] });
  });
});
