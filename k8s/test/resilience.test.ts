/**
 * The timeout/retry check on inline routes, and docs/kubernetes.md's timeout table against stack.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CALL_EDGES, PUBLIC_REQUEST_BUDGET } from '@mesh-stack/stack';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from '../lib/model.ts';
import { checkMeshResilience, durationMs } from '../lib/resilience.ts';

const objects = (yaml: string): K8sObject[] => parseAllDocuments(yaml).map((document) => document.toJS() as K8sObject);

describe('durations as Istio and the Gateway API write them', () => {
  it('reads seconds, fractions, milliseconds and compound values', () => {
    assert.equal(durationMs('9s'), 9000);
    assert.equal(durationMs('1.5s'), 1500);
    assert.equal(durationMs('2500ms'), 2500);
    assert.equal(durationMs('1m30s'), 90_000);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['', '9', 'nine seconds', '1.5', '5d', 9000])
      assert.equal(durationMs(bad), undefined, String(bad));
  });
});

describe('checkMeshResilience', () => {
  const payments = CALL_EDGES.filter((edge) => edge.to === 'payment-service');
  const user = CALL_EDGES.find((edge) => edge.to === 'user-service');
  assert.ok(user && payments.length === 2);

  it('a Linkerd payment-service route without the GET rule leaves reconciliation without a mesh timeout', () => {
    const findings = checkMeshResilience(
      objects(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: payment-service, namespace: shop}
spec:
  parentRefs: [{group: core, kind: Service, name: payment-service, port: 8080}]
  rules: [{matches: [{path: {type: Exact, value: /payments}, method: POST}], timeouts: {request: 2500ms}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: user-service, namespace: shop, annotations: {retry.linkerd.io/http: 5xx}}
spec:
  parentRefs: [{group: core, kind: Service, name: user-service, port: 8080}]
  rules: [{timeouts: {request: 1500ms}}]
`),
    );
    assert.deepEqual(findings, [
      'HTTPRoute shop/payment-service: no rule carries GET /payments (order-service → payment-service GET /payments), so no timeout',
      'HTTPRoute shop/user-service: retry.linkerd.io/http: the mesh never retries (the client does)',
    ]);
  });

  it('an Istio route left without `retries` inherits the mesh default of 2', () => {
    const findings = checkMeshResilience(
      objects(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: user-service, namespace: shop}
spec:
  hosts: [user-service.shop.svc.cluster.local]
  http: [{name: all, timeout: 1.5s, route: [{destination: {host: user-service.shop.svc.cluster.local}}]}]
`),
    );
    assert.ok(findings.includes('VirtualService shop/user-service: route all inherits the mesh default of 2 retries'));
  });
});

describe('docs/kubernetes.md walks through the numbers stack.ts holds', () => {
  const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'kubernetes.md'), 'utf8');
  const seconds = (ms: number): string => `${ms / 1000} s`;

  for (const edge of CALL_EDGES) {
    it(`${edge.from} → ${edge.to} ${edge.method} ${edge.route}`, () => {
      const row = docs
        .split('\n')
        .find((line) => line.startsWith('| ') && line.includes(`→ ${edge.to} \`${edge.method} ${edge.route}`));
      assert.ok(row, 'a row of the timeout table');
      const cells = row.split('|').map((cell) => cell.trim());
      assert.match(
        cells[2] ?? '',
        new RegExp(`^${seconds(edge.budget.attemptTimeoutMs)} × ${edge.budget.clientRetries + 1}\\b`),
      );
      assert.equal(cells[3], seconds(edge.budget.meshTimeoutMs));
      assert.equal(cells[4], String(edge.budget.meshRetries));
    });
  }

  it('the public request: deadline < gateway < load driver', () => {
    const row = docs.split('\n').find((line) => line.startsWith('| ingress → order-service `/orders`'));
    assert.ok(row);
    assert.ok(row.includes(`${seconds(PUBLIC_REQUEST_BUDGET.deadlineMs)} for the whole request`));
    assert.ok(row.includes(`${seconds(PUBLIC_REQUEST_BUDGET.gatewayTimeoutMs)} (gateway route)`));
    assert.ok(
      docs.includes(
        `| load driver (\`npm run load\`) | ${seconds(PUBLIC_REQUEST_BUDGET.loadDriverTimeoutMs)} per request |`,
      ),
    );
  });
});
