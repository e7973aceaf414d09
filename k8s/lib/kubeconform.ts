/**
 * @module Strict schema validation with kubeconform against the pinned schemas in `.tools/schemas` (written by
 * tools/k8s-schemas/postinstall.ts). Nothing is fetched: the only schema location is that local folder, and a kind
 * without a schema is an error, not a skip.
 */
import { spawnSync } from 'node:child_process';
import { GO_TOOLS } from '@mesh-stack/tools';
import { stringify } from 'yaml';
import type { K8sObject } from './model.ts';
import { KUBECONFORM_SCHEMA_LOCATION } from './schemas/sources.ts';

export interface ValidationProblem {
  readonly resource: string;
  readonly status: string;
  readonly message: string;
}

interface KubeconformResource {
  readonly kind?: string;
  readonly name?: string;
  readonly status?: string;
  readonly msg?: string;
}

export const toYaml = (objects: readonly K8sObject[]): string =>
  objects.map((object) => stringify(object)).join('---\n');

/** Returns every resource kubeconform did not find valid (invalid, error, or missing schema). */
export const validateStrictly = (yamlText: string): ValidationProblem[] => {
  const result = spawnSync(
    GO_TOOLS.kubeconform,
    ['-strict', '-output', 'json', '-schema-location', KUBECONFORM_SCHEMA_LOCATION, '-'],
    { input: yamlText, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.error) throw result.error;
  const report = JSON.parse(result.stdout) as { resources?: KubeconformResource[] };
  const problems = (report.resources ?? [])
    .filter((resource) => resource.status !== 'statusValid')
    .map((resource) => ({
      resource: `${resource.kind ?? '?'} ${resource.name ?? '?'}`,
      status: resource.status ?? 'unknown',
      message: resource.msg ?? '',
    }));
  if (result.status !== 0 && problems.length === 0) {
    throw new Error(`kubeconform failed without a per-resource report: ${result.stderr}`);
  }
  return problems;
};
