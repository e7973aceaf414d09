/**
 * @module An independent judge beside kubeconform: kubectl-validate (tools/kubectl-validate) runs the apiserver's
 * own validation code offline, with the Kubernetes OpenAPI v3 documents of the pinned version and the upstream CRDs
 * of the pinned Istio and Gateway API versions, CEL `x-kubernetes-validations` rules included. Nothing here is
 * hand-written: every schema comes from the modules k8s/lib/schemas/sources.ts pins, through the Go module proxy.
 *
 * What it cannot judge: Linkerd's policy.linkerd.io kinds, whose CRDs no reachable registry carries (the Go module
 * proxy refuses github.com/linkerd/linkerd2); those are left to kubeconform with k8s/lib/schemas/linkerd-policy.ts.
 * And like the apiserver without `fieldValidation=Strict`, it prunes unknown fields of custom resources instead of
 * rejecting them; kubeconform's `-strict` catches those.
 *
 * Offline by construction: a kubeconfig that names no cluster, and `--version` set to a release whose built-in
 * schemas ship inside the binary (1.30), so it never asks GitHub for them; the pinned release's own documents
 * (--local-schemas) take precedence for every group-version they define.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOOLS_BIN } from '@mesh-stack/tools';
import { isObject, type K8sObject } from './model.ts';
import { downloadModule } from './schemas/generate.ts';
import { KUBERNETES_VERSION, SCHEMA_MODULES } from './schemas/sources.ts';

export const KUBECTL_VALIDATE = join(TOOLS_BIN, 'kubectl-validate');
/** The newest release whose schemas kubectl-validate v0.0.4 embeds: only a fallback behind --local-schemas. */
const EMBEDDED_VERSION = '1.30';
/** API groups whose CRDs no reachable registry publishes. */
export const GROUPS_WITHOUT_UPSTREAM_CRDS = ['policy.linkerd.io'];

export interface SchemaInputs {
  readonly schemas: string;
  readonly crds: string;
}

/** Lays out the pinned Kubernetes OpenAPI v3 documents as `api/v1.json`, `apis/<group>/<version>.json`, and the CRDs. */
export const prepareSchemaInputs = (): SchemaInputs => {
  const root = mkdtempSync(join(tmpdir(), 'kubectl-validate-'));
  const schemas = join(root, 'schemas');
  const crds = join(root, 'crds');
  mkdirSync(join(schemas, 'api'), { recursive: true });
  mkdirSync(crds, { recursive: true });
  const openapi = join(downloadModule('k8s.io/kubernetes', `v${KUBERNETES_VERSION}`), 'api', 'openapi-spec', 'v3');
  for (const file of readdirSync(openapi)) {
    if (file === 'api__v1_openapi.json') copyFileSync(join(openapi, file), join(schemas, 'api', 'v1.json'));
    const groupVersion = /^apis__(.+)__(v[^_]+)_openapi\.json$/.exec(file);
    if (groupVersion?.[1] && groupVersion[2]) {
      mkdirSync(join(schemas, 'apis', groupVersion[1]), { recursive: true });
      copyFileSync(join(openapi, file), join(schemas, 'apis', groupVersion[1], `${groupVersion[2]}.json`));
    }
  }
  for (const source of SCHEMA_MODULES.filter((candidate) => candidate.role === 'crds')) {
    const dir = downloadModule(source.module, source.version);
    for (const file of source.files) {
      copyFileSync(join(dir, file), join(crds, `${source.module.replaceAll('/', '_')}_${file.split('/').at(-1)}`));
    }
  }
  return { schemas, crds };
};

export interface ValidationFailure {
  readonly resource: string;
  readonly message: string;
}

const groupOfApiVersion = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';

/** The documents kubectl-validate can judge: everything but the groups without upstream CRDs. */
export const judgeable = (objects: readonly K8sObject[]): K8sObject[] =>
  objects.filter((object) => !GROUPS_WITHOUT_UPSTREAM_CRDS.includes(groupOfApiVersion(object.apiVersion)));

/** Runs kubectl-validate on the objects; returns one entry per document that is not `Success`. */
export const kubectlValidate = (inputs: SchemaInputs, yamlText: string): ValidationFailure[] => {
  const work = mkdtempSync(join(tmpdir(), 'kubectl-validate-run-'));
  const manifest = join(work, 'manifests.yaml');
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(manifest, yamlText);
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig };
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBERNETES_SERVICE_PORT;
  let output: string;
  try {
    output = execFileSync(
      KUBECTL_VALIDATE,
      [
        manifest,
        '--local-schemas',
        inputs.schemas,
        '--local-crds',
        inputs.crds,
        '--version',
        EMBEDDED_VERSION,
        '--output',
        'json',
      ],
      { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    // Exit status 1 means "some document failed"; the JSON report is still on stdout.
    const stdout = (error as { stdout?: string }).stdout;
    if (typeof stdout !== 'string' || stdout.trim() === '') throw error;
    output = stdout;
  }
  const report = JSON.parse(output) as Record<string, unknown>;
  const results = Object.values(report).flatMap((value) => (Array.isArray(value) ? value : []));
  return results
    .filter((result) => isObject(result) && result.status !== 'Success')
    .map((result) => {
      const details = isObject(result) && isObject(result.details) ? result.details : {};
      return {
        resource: `${String(details.kind ?? '?')} ${String(details.name ?? '?')}`,
        message: isObject(result) ? String(result.message ?? '') : '',
      };
    });
};
