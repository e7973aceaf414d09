/**
 * @module Fetches the pinned API definitions through the Go module proxy and writes one strict JSON Schema per kind
 * to `.tools/schemas/`. Idempotent: does nothing when the stamp file already names the pinned versions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type GeneratedSchema, schemaFileFor, schemasFromCrd, schemasFromSwagger } from './convert.ts';
import { LINKERD_POLICY_CRDS } from './linkerd-policy.ts';
import { SCHEMA_DIR, SCHEMA_MODULES, SCHEMA_STAMP } from './sources.ts';

const stamp = JSON.stringify(
  {
    modules: SCHEMA_MODULES.map(({ module, version }) => `${module}@${version}`),
    // Bumped by hand when the converter or the hand-written Linkerd schemas change.
    generator: 3,
  },
  null,
  2,
);

/** `go mod download` verifies the module against the checksum database and returns where it was unpacked. */
export const downloadModule = (module: string, version: string): string => {
  // Outside any module, so no go.mod in the way; GOFLAGS is cleared so a user's -mod=vendor cannot interfere.
  const cwd = mkdtempSync(join(tmpdir(), 'k8s-schemas-'));
  try {
    const output = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '', GO111MODULE: 'on' },
    });
    const info = JSON.parse(output) as { Dir?: string; Error?: string };
    if (info.Error !== undefined || info.Dir === undefined) throw new Error(`${module}@${version}: ${info.Error}`);
    return info.Dir;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
};

const crdsIn = (yamlText: string): unknown[] =>
  parseAllDocuments(yamlText)
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null);

export const generateSchemas = ({ force = false } = {}): { written: number; skipped: boolean } => {
  if (!force && existsSync(SCHEMA_STAMP) && readFileSync(SCHEMA_STAMP, 'utf8') === stamp) {
    return { written: 0, skipped: true };
  }
  const sources = SCHEMA_MODULES.map((source) => ({ ...source, dir: downloadModule(source.module, source.version) }));
  const core = sources.find((source) => source.role === 'core');
  if (core === undefined || core.files[0] === undefined) throw new Error('no core API definitions pinned');
  const swagger: unknown = JSON.parse(readFileSync(join(core.dir, core.files[0]), 'utf8'));

  const schemas: GeneratedSchema[] = [...schemasFromSwagger(swagger)];
  for (const source of sources.filter(({ role }) => role === 'crds')) {
    for (const file of source.files) {
      for (const crd of crdsIn(readFileSync(join(source.dir, file), 'utf8'))) {
        schemas.push(...schemasFromCrd(crd, swagger));
      }
    }
  }
  for (const crd of LINKERD_POLICY_CRDS) schemas.push(...schemasFromCrd(crd, swagger));

  rmSync(SCHEMA_DIR, { recursive: true, force: true });
  for (const { gvk, schema } of schemas) {
    const path = join(SCHEMA_DIR, schemaFileFor(gvk));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(schema));
  }
  writeFileSync(SCHEMA_STAMP, stamp);
  return { written: schemas.length, skipped: false };
};
