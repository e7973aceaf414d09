/**
 * @module Reads `compose.yaml` the way Docker Compose does before it runs anything: YAML with merge keys (`<<`),
 * then `${VAR:-default}` interpolation with an empty environment, so tests see the values a user gets by default.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const COMPOSE_FILE = join(REPO_ROOT, 'compose.yaml');

export interface ComposeHealthcheck {
  readonly test?: string | readonly string[];
}

export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile?: string };
  readonly command?: string | readonly string[];
  readonly environment?: Readonly<Record<string, string | number | boolean | null>>;
  readonly ports?: readonly string[];
  readonly volumes?: readonly string[];
  readonly depends_on?: Readonly<Record<string, { readonly condition?: string }>>;
  readonly healthcheck?: ComposeHealthcheck;
  readonly read_only?: boolean;
  readonly user?: string;
}

export interface ComposeFile {
  readonly name?: string;
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
}

/** The file as parsed, merge keys resolved, `${…}` left as written: what the JSON schema validates. */
export const readComposeDocument = (): unknown => parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true });

/**
 * `${NAME}`, `${NAME:-default}` and `${NAME-default}` with nothing set in the environment (Compose's interpolation
 * rules for the default case); `$$` is a literal `$`.
 */
export const interpolateDefaults = (text: string): string =>
  text
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
      (_match, _name: string, fallback?: string) => fallback ?? '',
    )
    .replaceAll('$$', '$');

const interpolateDeep = (value: unknown): unknown => {
  if (typeof value === 'string') return interpolateDefaults(value);
  if (Array.isArray(value)) return value.map(interpolateDeep);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDeep(item)]));
  }
  return value;
};

/** The file with the default environment applied. */
export const readCompose = (): ComposeFile => interpolateDeep(readComposeDocument()) as ComposeFile;

/** A service's environment as strings (Compose passes every value as a string). */
export const environmentOf = (service: ComposeService): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value ?? '')]));

export interface PublishedPort {
  readonly hostIp: string | undefined;
  readonly hostPort: number;
  readonly containerPort: number;
}

/** Short syntax `[HOST_IP:]HOST_PORT:CONTAINER_PORT` (the only form compose.yaml uses). */
export const parsePort = (spec: string): PublishedPort => {
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):(\d+)$/.exec(spec);
  if (match === null) throw new Error(`unsupported port syntax: ${spec}`);
  return { hostIp: match[1], hostPort: Number(match[2]), containerPort: Number(match[3]) };
};

export interface BindMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** Short syntax volumes whose source is a path (`./…`); named volumes are skipped. */
export const bindMountsOf = (service: ComposeService): BindMount[] =>
  (service.volumes ?? [])
    .map((spec) => spec.split(':'))
    .filter(([source]) => source !== undefined && (source.startsWith('./') || source.startsWith('/')))
    .map(([source = '', target = '', mode]) => ({ source, target, readOnly: mode === 'ro' }));
