/**
 * The settings every service gets in Kubernetes (the `service-config` ConfigMap of k8s/base), held to the stack
 * map where the stack map owns the value.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KUBERNETES_PORTS, SERVICE_NODE_OPTIONS } from '@mesh-stack/stack';
import { parse } from 'yaml';

const kustomization = parse(readFileSync(join(import.meta.dirname, '..', 'base', 'kustomization.yaml'), 'utf8')) as {
  configMapGenerator: { name: string; literals: string[] }[];
};
const literals = new Map(
  (kustomization.configMapGenerator.find((map) => map.name === 'service-config')?.literals ?? []).map((literal) => {
    const split = literal.indexOf('=');
    return [literal.slice(0, split), literal.slice(split + 1)] as const;
  }),
);

describe('the service-config ConfigMap', () => {
  it('sets the heap limits every service process runs with (it replaces the image’s NODE_OPTIONS)', () => {
    assert.equal(literals.get('NODE_OPTIONS'), SERVICE_NODE_OPTIONS.join(' '));
  });

  it('sets the Kubernetes ports of the stack map', () => {
    assert.equal(literals.get('PORT'), String(KUBERNETES_PORTS.publicPort));
    assert.equal(literals.get('ADMIN_PORT'), String(KUBERNETES_PORTS.adminPort));
  });
});
