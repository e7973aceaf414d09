/**
 * @module The pinned versions every manifest is validated against, and where their schemas come from. Bumping a
 * version here (and the matching install commands in docs/kubernetes.md) is the whole upgrade.
 *
 * Everything is fetched by `tools/k8s-schemas/postinstall.ts` through the Go module proxy with `go mod download`, which
 * checks each module against the Go checksum database, so a schema cannot change under a pinned version.
 */
import { join } from 'node:path';

export interface SchemaModule {
  /** Go module path. */
  readonly module: string;
  readonly version: string;
  /** Files inside the module, relative to its root. */
  readonly files: readonly string[];
  readonly role: 'core' | 'crds';
}

export const KUBERNETES_VERSION = '1.34.4';
export const ISTIO_VERSION = '1.30.8';
export const GATEWAY_API_VERSION = '1.4.1';
/**
 * Linkerd's policy CRDs are not on any registry this project can reach (the Go module proxy refuses
 * github.com/linkerd/linkerd2), so `linkerd-policy.ts` describes the three kinds we use; see there.
 */
export const LINKERD_VERSION = '2.20';

export const SCHEMA_MODULES: readonly SchemaModule[] = [
  {
    module: 'k8s.io/kubernetes',
    version: `v${KUBERNETES_VERSION}`,
    files: ['api/openapi-spec/swagger.json'],
    role: 'core',
  },
  {
    module: 'istio.io/api',
    version: `v${ISTIO_VERSION}`,
    files: ['kubernetes/customresourcedefinitions.gen.yaml'],
    role: 'crds',
  },
  {
    module: 'sigs.k8s.io/gateway-api',
    version: `v${GATEWAY_API_VERSION}`,
    files: [
      'config/crd/standard/gateway.networking.k8s.io_gateways.yaml',
      'config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml',
      'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml',
      'config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml',
      'config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml',
    ],
    role: 'crds',
  },
];

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
/** Generated, git-ignored. One file per kind: `<group>/<kind>_<version>.json` (core kinds under `v1/`). */
export const SCHEMA_DIR = join(REPO_ROOT, '.tools', 'schemas');
/** Records which versions the files in {@link SCHEMA_DIR} were generated from, so setup regenerates on a bump. */
export const SCHEMA_STAMP = join(SCHEMA_DIR, 'versions.json');
/** kubeconform `-schema-location` template matching {@link SCHEMA_DIR}'s layout. */
export const KUBECONFORM_SCHEMA_LOCATION = join(
  SCHEMA_DIR,
  '{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json',
);
