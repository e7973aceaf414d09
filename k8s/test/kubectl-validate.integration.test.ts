/**
 * The independent validation pass: every rendered overlay through kubectl-validate, with the pinned Kubernetes
 * release's own OpenAPI documents and the upstream Istio and Gateway API CRDs (CEL rules included), so the
 * project's converted schemas are never the only judge. policy.linkerd.io is the one group no reachable registry
 * publishes CRDs for (k8s/lib/kubectl-validate.ts); it is counted here so that nothing else slips out unjudged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kustomizeBuild, kustomizeBuildWithComponent, OVERLAYS, parseManifests } from '../lib/build.ts';
import { toYaml } from '../lib/kubeconform.ts';
import {
  GROUPS_WITHOUT_UPSTREAM_CRDS,
  judgeable,
  kubectlValidate,
  prepareSchemaInputs,
} from '../lib/kubectl-validate.ts';
import { at, isObject } from '../lib/model.ts';

const inputs = prepareSchemaInputs();

describe('kubectl-validate (apiserver validation code, upstream CRDs) accepts every overlay', () => {
  for (const overlay of OVERLAYS) {
    it(`k8s/${overlay}`, () => {
      const objects = parseManifests(kustomizeBuild(overlay));
      const judged = judgeable(objects);
      const unjudged = objects.filter((object) => !judged.includes(object));
      for (const object of unjudged) {
        assert.ok(GROUPS_WITHOUT_UPSTREAM_CRDS.some((group) => object.apiVersion.startsWith(`${group}/`)));
      }
      if (overlay !== 'linkerd') assert.equal(unjudged.length, 0);
      assert.ok(judged.length > 0);
      assert.deepEqual(kubectlValidate(inputs, toYaml(judged)), []);
    });
  }
});

describe('kubectl-validate accepts the opt-in components on their overlays', () => {
  for (const [overlay, component] of [
    ['istio', 'fault-injection-access-istio'],
    ['linkerd', 'fault-injection-access-linkerd'],
    ['istio', 'grafana-anonymous'],
  ] as const) {
    it(`k8s/components/${component} on k8s/${overlay}`, () => {
      const objects = parseManifests(kustomizeBuildWithComponent(overlay, component));
      assert.deepEqual(kubectlValidate(inputs, toYaml(judgeable(objects))), []);
    });
  }
});

describe('kubectl-validate enforces what the hand-written schemas might miss', () => {
  it('a VirtualService timeout that is not a duration fails the upstream CRD CEL rule', () => {
    const objects = parseManifests(kustomizeBuild('istio'));
    const ingress = objects.find(
      (object) => object.kind === 'VirtualService' && object.metadata.name === 'order-service-ingress',
    );
    const route = at(ingress, 'spec', 'http', 0);
    assert.ok(isObject(route));
    route.timeout = 'nine seconds';
    const failures = kubectlValidate(inputs, toYaml(objects));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.resource, 'VirtualService order-service-ingress');
    assert.match(failures[0]?.message ?? '', /spec\.http\[0\]\.timeout.*must be a valid duration/);
  });

  it('an unknown field in a NetworkPolicy fails the Kubernetes 1.34 OpenAPI document', () => {
    const objects = parseManifests(kustomizeBuild('base'));
    const policy = objects.find(
      (object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'services-to-postgres',
    );
    const port = at(policy, 'spec', 'egress', 0, 'ports', 0);
    assert.ok(isObject(port));
    port.prot = 'TCP';
    const failures = kubectlValidate(inputs, toYaml(objects));
    assert.equal(failures.length, 1);
    assert.match(failures[0]?.message ?? '', /spec\.egress\[0\]\.ports\[0\]\.prot: .*unknown field/);
  });
});
