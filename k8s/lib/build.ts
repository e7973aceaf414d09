/**
 * @module Builds a kustomization with the project's pinned kustomize and parses the result. Every build uses
 * `--load-restrictor LoadRestrictionsNone`, as k8s/deploy.sh does: k8s/monitoring generates its ConfigMaps from
 * files in observability/, outside its own folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { GO_TOOLS, REPO_ROOT } from '@mesh-stack/tools';
import { parseAllDocuments } from 'yaml';
import { isObject, type K8sObject } from './model.ts';

export const K8S_DIR = join(REPO_ROOT, 'k8s');

/** The kustomizations a user deploys (k8s/deploy.sh accepts these names). */
export const OVERLAYS = ['base', 'monitoring', 'istio', 'istio-fault-injection', 'linkerd'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** Builds an overlay of k8s/ by name, or any kustomization directory by absolute path. */
export const kustomizeBuild = (overlay: string): string =>
  execFileSync(GO_TOOLS.kustomize, ['build', '--load-restrictor', 'LoadRestrictionsNone', resolve(K8S_DIR, overlay)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });

export const parseManifests = (yamlText: string): K8sObject[] =>
  parseAllDocuments(yamlText).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.map(String).join('\n'));
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return [];
    if (!isObject(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') {
      throw new Error(`not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    }
    return [value as unknown as K8sObject];
  });

/**
 * Builds an overlay with one of k8s/components added, as docs/kubernetes.md tells an operator to (a kustomization
 * listing both; kustomize takes relative paths only).
 */
export const kustomizeBuildWithComponent = (overlay: string, component: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-component-'));
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${relative(dir, join(K8S_DIR, overlay))}`,
      'components:',
      `  - ${relative(dir, join(K8S_DIR, 'components', component))}`,
      '',
    ].join('\n'),
  );
  return kustomizeBuild(dir);
};
