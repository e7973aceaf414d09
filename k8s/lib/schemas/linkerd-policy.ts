/**
 * @module Strict schemas for the `policy.linkerd.io` kinds this stack uses, written by hand for Linkerd 2.20 from
 * the field reference at linkerd.io/2-edge/reference/authorization-policy/ (Server, AuthorizationPolicy,
 * MeshTLSAuthentication, NetworkAuthentication).
 *
 * Why by hand: Linkerd publishes its CRDs only inside the `linkerd-crds` Helm chart and the linkerd2 repository; the Go
 * module proxy refuses `github.com/linkerd/linkerd2` and no npm, PyPI or crates.io package carries them, so setup
 * cannot fetch them. They are shaped as CustomResourceDefinitions so the same converter makes them strict, and are
 * deliberately narrow: a field the stack does not use is rejected, which errs on the safe side. Users with a cluster
 * can cross-check with `linkerd install --crds | kubectl-validate --local-crds` (docs/kubernetes.md).
 */

const dnsLabel = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
// "A podSelector object must contain exactly one of" matchExpressions and matchLabels (reference, Server).
const selector = {
  type: 'object',
  oneOf: [{ required: ['matchLabels'] }, { required: ['matchExpressions'] }],
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string' },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};
const reference = (requiredKeys: readonly string[]) => ({
  type: 'object',
  required: requiredKeys,
  properties: {
    group: { type: 'string', maxLength: 253 },
    kind: { type: 'string', minLength: 1, maxLength: 63 },
    name: { type: 'string', minLength: 1, maxLength: 253 },
    namespace: { type: 'string', maxLength: 253 },
  },
});

const crd = (kind: string, version: string, spec: object) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.policy.linkerd.io` },
  spec: {
    group: 'policy.linkerd.io',
    names: { kind },
    scope: 'Namespaced',
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', required: ['spec'], properties: { spec } } },
      },
    ],
  },
});

export const LINKERD_POLICY_CRDS: readonly object[] = [
  crd('Server', 'v1beta3', {
    type: 'object',
    required: ['port'],
    oneOf: [{ required: ['podSelector'] }, { required: ['externalWorkloadSelector'] }],
    properties: {
      podSelector: selector,
      externalWorkloadSelector: selector,
      port: { 'x-kubernetes-int-or-string': true },
      proxyProtocol: { type: 'string', enum: ['unknown', 'HTTP/1', 'HTTP/2', 'gRPC', 'opaque', 'TLS'] },
      accessPolicy: {
        type: 'string',
        enum: ['all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny'],
      },
    },
  }),
  crd('AuthorizationPolicy', 'v1alpha1', {
    type: 'object',
    required: ['targetRef', 'requiredAuthenticationRefs'],
    properties: {
      targetRef: reference(['kind', 'name']),
      requiredAuthenticationRefs: { type: 'array', items: reference(['kind', 'name']) },
    },
  }),
  crd('MeshTLSAuthentication', 'v1alpha1', {
    type: 'object',
    oneOf: [{ required: ['identities'] }, { required: ['identityRefs'] }],
    properties: {
      identities: {
        type: 'array',
        items: { type: 'string', pattern: `^(\\*|${dnsLabel.slice(1, -1)})(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$` },
      },
      identityRefs: { type: 'array', items: reference(['kind']) },
    },
  }),
  // The kubelet's probe grant (k8s/linkerd/policy.yaml): client networks, each with optional exceptions.
  crd('NetworkAuthentication', 'v1alpha1', {
    type: 'object',
    required: ['networks'],
    properties: {
      networks: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['cidr'],
          properties: {
            cidr: { type: 'string', minLength: 1 },
            except: { type: 'array', items: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
  }),
];
