/**
 * @module Turns Kubernetes OpenAPI (the apiserver's swagger.json and CRD `openAPIV3Schema`s) into **strict** JSON
 * Schemas that kubeconform loads from disk: every object that declares its properties rejects any other property,
 * int-or-string and quantities accept both JSON types, and `nullable` becomes a `null` type.
 *
 * Why not kubeconform's `openapi2jsonschema.py`: it needs Python plus PyYAML and only reads CRDs; this ~150-line
 * module handles core types and CRDs the same way, runs on the project's Node, and has tests.
 */

export type JsonSchema = { [key: string]: unknown };

const isRecord = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys that only document a schema; dropping them keeps the generated files small. */
const DOCUMENTATION_KEYS = new Set(['description', 'example', 'externalDocs']);

const INT_OR_STRING: JsonSchema = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
const QUANTITY: JsonSchema = { oneOf: [{ type: 'string' }, { type: 'number' }] };

const SUB_SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;

/**
 * Makes one OpenAPI schema node strict, recursively. `definitionName` is used to recognise the core
 * `Quantity` type, whose swagger form says only `type: string` although the apiserver also accepts numbers.
 */
export const strictify = (node: unknown): unknown => {
  if (!isRecord(node)) return node;
  if (node['x-kubernetes-int-or-string'] === true || node.format === 'int-or-string') return { ...INT_OR_STRING };
  if (node['x-kubernetes-preserve-unknown-fields'] === true && !isRecord(node.properties)) {
    // An open object (or any value): accept what the apiserver would keep.
    return node.type === 'object' ? { type: 'object' } : {};
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DOCUMENTATION_KEYS.has(key) || key.startsWith('x-kubernetes-') || key === 'default') continue;
    if (key === 'properties' && isRecord(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, strictify(child)]));
    } else if (key === 'items' || key === 'not') {
      out[key] = strictify(value);
    } else if (key === 'additionalProperties') {
      out[key] = isRecord(value) ? strictify(value) : value;
    } else if ((SUB_SCHEMA_LISTS as readonly string[]).includes(key) && Array.isArray(value)) {
      out[key] = value.map(strictify);
    } else if (key !== 'nullable') {
      out[key] = value;
    }
  }
  const declaresProperties = isRecord(node.properties);
  const keepsUnknownFields = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (declaresProperties && !keepsUnknownFields && !('additionalProperties' in node)) out.additionalProperties = false;
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
};

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Where kubeconform looks for a schema, with `-schema-location '<dir>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'`. */
export const schemaFileFor = ({ group, version, kind }: GroupVersionKind): string =>
  `${group === '' ? version : group}/${kind.toLowerCase()}_${version}.json`;

const REF_PREFIX = '#/definitions/';
const QUANTITY_DEFINITION = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

const collectRefs = (node: unknown, into: Set<string>): void => {
  if (Array.isArray(node)) {
    for (const child of node) collectRefs(child, into);
  } else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
        into.add(value.slice(REF_PREFIX.length));
      } else {
        collectRefs(value, into);
      }
    }
  }
};

/** Every definition reachable from `roots`, so each kind's file carries only what it needs. */
const closure = (definitions: Readonly<Record<string, unknown>>, roots: readonly string[]): Set<string> => {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop();
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    const refs = new Set<string>();
    collectRefs(definitions[name], refs);
    queue.push(...refs);
  }
  return seen;
};

const strictDefinitions = (definitions: Readonly<Record<string, unknown>>, names: Iterable<string>): JsonSchema =>
  Object.fromEntries(
    [...names].sort().map((name) => [name, name === QUANTITY_DEFINITION ? QUANTITY : strictify(definitions[name])]),
  );

export interface GeneratedSchema {
  readonly gvk: GroupVersionKind;
  readonly schema: JsonSchema;
}

/** One strict schema per kind from the apiserver's OpenAPI v2 document (`api/openapi-spec/swagger.json`). */
export const schemasFromSwagger = (swagger: unknown): GeneratedSchema[] => {
  if (!isRecord(swagger) || !isRecord(swagger.definitions)) throw new Error('swagger.json has no definitions');
  const definitions = swagger.definitions;
  const result: GeneratedSchema[] = [];
  for (const [name, definition] of Object.entries(definitions)) {
    if (!isRecord(definition)) continue;
    const gvks = definition['x-kubernetes-group-version-kind'];
    // Shared option types (DeleteOptions, WatchEvent…) list many GVKs; they are never applied as manifests.
    if (!Array.isArray(gvks) || gvks.length !== 1 || !isRecord(gvks[0])) continue;
    const { group, version, kind } = gvks[0];
    if (typeof group !== 'string' || typeof version !== 'string' || typeof kind !== 'string') continue;
    const needed = closure(definitions, [name]);
    needed.delete(name);
    result.push({
      gvk: { group, version, kind },
      schema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        ...(strictify(definition) as JsonSchema),
        definitions: strictDefinitions(definitions, needed),
      },
    });
  }
  return result;
};

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * One strict schema per served version of a CustomResourceDefinition. `metadata` is checked against the real
 * ObjectMeta (a CRD schema says only `type: object`), so a misspelt `annotation:` is caught too.
 */
export const schemasFromCrd = (crd: unknown, swagger: unknown): GeneratedSchema[] => {
  if (!isRecord(crd) || crd.kind !== 'CustomResourceDefinition' || !isRecord(crd.spec)) return [];
  if (!isRecord(swagger) || !isRecord(swagger.definitions)) throw new Error('swagger.json has no definitions');
  const { group, names, versions } = crd.spec;
  if (typeof group !== 'string' || !isRecord(names) || typeof names.kind !== 'string' || !Array.isArray(versions)) {
    throw new Error('CustomResourceDefinition without group, names.kind or versions');
  }
  const metaDefinitions = strictDefinitions(swagger.definitions, closure(swagger.definitions, [OBJECT_META]));
  const result: GeneratedSchema[] = [];
  for (const version of versions) {
    if (!isRecord(version) || version.served !== true || typeof version.name !== 'string') continue;
    const openApi = isRecord(version.schema) ? version.schema.openAPIV3Schema : undefined;
    if (!isRecord(openApi)) continue;
    const root = strictify(openApi) as JsonSchema;
    const properties = isRecord(root.properties) ? root.properties : {};
    result.push({
      gvk: { group, version: version.name, kind: names.kind },
      schema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        ...root,
        properties: {
          ...properties,
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { $ref: `${REF_PREFIX}${OBJECT_META}` },
        },
        additionalProperties: false,
        definitions: metaDefinitions,
      },
    });
  }
  return result;
};
