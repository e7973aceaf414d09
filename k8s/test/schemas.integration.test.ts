/** The schema set setup wrote into `.tools/schemas`: needs the Go module download of the pinned sources. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SCHEMA_DIR, SCHEMA_MODULES, SCHEMA_STAMP } from '../lib/schemas/sources.ts';

describe('the pinned schema set in .tools/schemas (written by tools/k8s-schemas/postinstall.ts)', () => {
  it('was generated from the pinned module versions', () => {
    const stamp = JSON.parse(readFileSync(SCHEMA_STAMP, 'utf8')) as { modules: string[] };
    assert.deepEqual(
      stamp.modules,
      SCHEMA_MODULES.map(({ module, version }) => `${module}@${version}`),
    );
  });

  it('holds every kind the manifests use', () => {
    for (const file of [
      'apps/deployment_v1.json',
      'v1/service_v1.json',
      'networking.k8s.io/networkpolicy_v1.json',
      'networking.istio.io/destinationrule_v1.json',
      'security.istio.io/authorizationpolicy_v1.json',
      'telemetry.istio.io/telemetry_v1.json',
      'gateway.networking.k8s.io/httproute_v1.json',
      'policy.linkerd.io/server_v1beta3.json',
    ]) {
      assert.ok(existsSync(join(SCHEMA_DIR, file)), file);
    }
    assert.ok(
      !existsSync(join(SCHEMA_DIR, 'split.smi-spec.io')),
      'no SMI schemas: SMI is not an API this stack accepts',
    );
  });
});
