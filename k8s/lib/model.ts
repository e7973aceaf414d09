/**
 * @module A small typed view over built manifests: objects, pod templates with their identity, and label selector
 * matching as the apiserver does it (matchLabels AND matchExpressions).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & JsonObject;
  readonly [key: string]: Json | undefined;
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a nested value by path; `undefined` when any step is missing. */
export const at = (value: unknown, ...path: readonly (string | number)[]): unknown => {
  let current: unknown = value;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      if (!isObject(current)) return undefined;
      current = current[step];
    }
  }
  return current;
};

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const stringMap = (value: unknown): Record<string, string> =>
  isObject(value)
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
    : {};

export const groupOf = (object: K8sObject): string =>
  object.apiVersion.includes('/') ? (object.apiVersion.split('/')[0] ?? '') : '';
export const namespaceOf = (object: K8sObject): string => object.metadata.namespace ?? 'default';
export const idOf = (object: K8sObject): string =>
  `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;

export const byKind = (objects: readonly K8sObject[], kind: string, group?: string): K8sObject[] =>
  objects.filter((object) => object.kind === kind && (group === undefined || groupOf(object) === group));

/** Kubernetes label selector semantics. An empty selector matches everything. */
export const selectorMatches = (selector: unknown, labels: Readonly<Record<string, string>>): boolean => {
  if (!isObject(selector)) return true;
  for (const [key, value] of Object.entries(stringMap(selector.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expression of asArray(selector.matchExpressions)) {
    const key = asString(at(expression, 'key')) ?? '';
    const operator = asString(at(expression, 'operator'));
    const values = asArray(at(expression, 'values')).filter((v): v is string => typeof v === 'string');
    const present = key in labels;
    const value = labels[key];
    if (operator === 'In' && !(value !== undefined && values.includes(value))) return false;
    if (operator === 'NotIn' && value !== undefined && values.includes(value)) return false;
    if (operator === 'Exists' && !present) return false;
    if (operator === 'DoesNotExist' && present) return false;
  }
  return true;
};

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
}

export interface PodTemplate {
  /** The workload that owns the template, e.g. `Deployment shop/order-service`. */
  readonly owner: K8sObject;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly spec: JsonObject;
  readonly containers: readonly JsonObject[];
  readonly ports: readonly ContainerPort[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export const podTemplates = (objects: readonly K8sObject[]): PodTemplate[] =>
  objects
    .filter((object) => WORKLOAD_KINDS.has(object.kind))
    .map((owner) => {
      const spec = at(owner, 'spec', 'template', 'spec');
      const podSpec: JsonObject = isObject(spec) ? spec : {};
      const containers = asArray(podSpec.containers).filter(isObject);
      return {
        owner,
        namespace: namespaceOf(owner),
        labels: stringMap(at(owner, 'spec', 'template', 'metadata', 'labels')),
        serviceAccount: asString(podSpec.serviceAccountName) ?? 'default',
        spec: podSpec,
        containers,
        ports: containers.flatMap((container) =>
          asArray(container.ports)
            .filter(isObject)
            .map((port) => ({
              containerPort: typeof port.containerPort === 'number' ? port.containerPort : -1,
              ...(typeof port.name === 'string' ? { name: port.name } : {}),
            })),
        ),
      };
    });

/** Resolves a Service `targetPort`, NetworkPolicy or Linkerd Server port (name or number) on one pod template. */
export const resolvePort = (pod: PodTemplate, port: unknown): number | undefined => {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    return pod.ports.find((candidate) => candidate.name === port)?.containerPort;
  }
  return undefined;
};
