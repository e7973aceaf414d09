/**
 * The exposure checks on inline manifests: each mistake the issue found in the manifests is reported, by name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { bytesOf, checkIngressTls, checkMonitoringSurfaces, checkStatefulSetServices } from '../lib/exposure.ts';
import type { K8sObject } from '../lib/model.ts';

const objects = (yaml: string): K8sObject[] => parseAllDocuments(yaml).map((document) => document.toJS() as K8sObject);

describe('exposure checks', () => {
  it('an HTTP-only Istio Gateway for any host', () => {
    const gateway = objects(`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop-gateway, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`);
    assert.deepEqual(checkIngressTls(gateway), [
      'Gateway shop/shop-gateway: server on port 80 accepts any host',
      'Gateway shop/shop-gateway: plain HTTP server on port 80 serves instead of redirecting to HTTPS',
    ]);
  });

  it('a StatefulSet governed by a Service with a cluster IP', () => {
    const manifests = objects(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: shop}
spec: {serviceName: postgres}
---
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: shop}
spec: {ports: [{port: 5432}]}
`);
    assert.deepEqual(checkStatefulSetServices(manifests), [
      'StatefulSet shop/postgres: serviceName postgres is not headless (clusterIP: None)',
    ]);
  });

  it('Prometheus with the lifecycle API and time-only retention on an emptyDir; anonymous Grafana', () => {
    const manifests = objects(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus, namespace: monitoring}
spec:
  template:
    spec:
      containers:
        - name: prometheus
          args: [--storage.tsdb.path=/prometheus, --storage.tsdb.retention.time=2d, --web.enable-lifecycle]
          volumeMounts: [{name: data, mountPath: /prometheus}]
      volumes: [{name: data, emptyDir: {sizeLimit: 8Gi}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: grafana, namespace: monitoring}
spec:
  template:
    spec:
      containers: [{name: grafana, env: [{name: GF_AUTH_ANONYMOUS_ENABLED, value: "true"}]}]
`);
    assert.deepEqual(checkMonitoringSurfaces(manifests), [
      'Deployment monitoring/prometheus: --web.enable-lifecycle lets any client call /-/quit and /-/reload',
      'Deployment monitoring/prometheus: retention by time only; the volume can fill up',
      'Deployment monitoring/grafana: Grafana allows anonymous access',
    ]);
  });

  it('a retention size at or above the volume', () => {
    assert.equal(bytesOf('6GB'), 6e9);
    assert.equal(bytesOf('8Gi'), 8 * 1024 ** 3);
    assert.equal(bytesOf('eight'), undefined);
    const manifests = objects(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus, namespace: monitoring}
spec:
  template:
    spec:
      containers:
        - {name: p, args: [--storage.tsdb.path=/prometheus, --storage.tsdb.retention.size=9GB], volumeMounts: [{name: data, mountPath: /prometheus}]}
      volumes: [{name: data, emptyDir: {sizeLimit: 8Gi}}]
`);
    assert.deepEqual(checkMonitoringSurfaces(manifests), [
      "Deployment monitoring/prometheus: retention size 9GB is not below the volume's sizeLimit 8Gi",
    ]);
  });
});
