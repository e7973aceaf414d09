/** The OpenAPI → strict JSON Schema converter (the generated set itself: schemas.integration.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schemaFileFor, schemasFromCrd, schemasFromSwagger, strictify } from '../lib/schemas/convert.ts';
import { LINKERD_POLICY_CRDS } from '../lib/schemas/linkerd-policy.ts';

const swagger = {
  definitions: {
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
      type: 'object',
      properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } },
    },
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
    'io.k8s.api.demo.v1.Widget': {
      'x-kubernetes-group-version-kind': [{ group: 'demo', version: 'v1', kind: 'Widget' }],
      type: 'object',
      description: 'dropped',
      properties: {
        metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
        port: { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' },
      },
    },
    'io.k8s.api.demo.v1.Unused': { type: 'object', properties: { x: { type: 'string' } } },
  },
};

describe('strict schema conversion', () => {
  it('closes every object that declares properties, keeps open maps open', () => {
    assert.deepEqual(
      strictify({ type: 'object', properties: { a: { type: 'object', properties: {} } }, description: 'x' }),
      {
        type: 'object',
        properties: { a: { type: 'object', properties: {}, additionalProperties: false } },
        additionalProperties: false,
      },
    );
    assert.deepEqual(strictify({ type: 'object', additionalProperties: { type: 'string' } }), {
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    assert.deepEqual(strictify({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }), { type: 'object' });
  });

  it('accepts both JSON types for int-or-string, and null where nullable', () => {
    assert.deepEqual(strictify({ 'x-kubernetes-int-or-string': true }), {
      oneOf: [{ type: 'string' }, { type: 'integer' }],
    });
    assert.deepEqual(strictify({ type: 'string', nullable: true }), { type: ['string', 'null'] });
  });

  it('writes one schema per kind with only the definitions it reaches', () => {
    const [widget, ...rest] = schemasFromSwagger(swagger);
    assert.equal(rest.length, 0);
    assert.deepEqual(widget?.gvk, { group: 'demo', version: 'v1', kind: 'Widget' });
    assert.deepEqual(Object.keys((widget?.schema.definitions as object) ?? {}), [
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    ]);
    assert.equal(widget?.schema.additionalProperties, false);
    assert.equal(schemaFileFor({ group: '', version: 'v1', kind: 'Service' }), 'v1/service_v1.json');
    assert.equal(
      schemaFileFor({ group: 'networking.istio.io', version: 'v1', kind: 'DestinationRule' }),
      'networking.istio.io/destinationrule_v1.json',
    );
  });

  it('checks CRD metadata against the real ObjectMeta and closes the root', () => {
    const [server] = LINKERD_POLICY_CRDS.flatMap((crd) => schemasFromCrd(crd, swagger));
    assert.ok(server);
    assert.deepEqual(server.gvk, { group: 'policy.linkerd.io', version: 'v1beta3', kind: 'Server' });
    assert.equal(server.schema.additionalProperties, false);
    assert.deepEqual((server.schema.properties as Record<string, unknown>).metadata, {
      $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    });
  });
});
