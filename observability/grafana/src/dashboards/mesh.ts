/**
 * @module What the sidecars see: Istio's standard metrics and Linkerd's proxy metrics by source and
 * destination workload. Every panel here needs a mesh and is marked mesh-only; locally they stay empty.
 *
 * Istio reports each request twice: `reporter="destination"` (server proxy, sees every inbound request and
 * the real mTLS state) and `reporter="source"` (client proxy, the only one that sees client-side Envoy
 * failures such as UO and UH). Each panel picks the side that answers its question.
 */
import {
  eq,
  ISTIO_LABEL,
  ISTIO_METRIC,
  ISTIO_VALUE,
  LINKERD_LABEL,
  LINKERD_METRIC,
  LINKERD_VALUE,
  type Matcher,
  ne,
  nre,
  PROMETHEUS_METRIC,
  quantile,
  rate,
  re,
  sel,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { type DashboardSpec, type PanelSpec, queryVariable } from '../lib/spec.ts';

const istio = ISTIO_METRIC.requests.name;
const destinationSide = [
  eq(ISTIO_LABEL.reporter, ISTIO_VALUE.reporterDestination),
  re(ISTIO_LABEL.destinationWorkloadNamespace, '$namespace'),
];
const sourceSide = [
  eq(ISTIO_LABEL.reporter, ISTIO_VALUE.reporterSource),
  re(ISTIO_LABEL.destinationWorkloadNamespace, '$namespace'),
];
// Workloads are named per namespace: grouping and legends keep the namespace so two of them never merge.
const byDestination = [ISTIO_LABEL.destinationWorkloadNamespace, ISTIO_LABEL.destinationWorkload];
const byEdge = [
  ISTIO_LABEL.sourceWorkloadNamespace,
  ISTIO_LABEL.sourceWorkload,
  ISTIO_LABEL.destinationWorkloadNamespace,
  ISTIO_LABEL.destinationWorkload,
];
const destinationLegend = `{{${ISTIO_LABEL.destinationWorkloadNamespace}}}/{{${ISTIO_LABEL.destinationWorkload}}}`;
const edgeLegend = `{{${ISTIO_LABEL.sourceWorkloadNamespace}}}/{{${ISTIO_LABEL.sourceWorkload}}} → ${destinationLegend}`;

const istioShare = (part: readonly Matcher[], side: readonly Matcher[] = destinationSide): string =>
  `${sumBy(byDestination, rate(sel(istio, ...side, ...part)))} / ${sumBy(byDestination, rate(sel(istio, ...side)))}`;

const inbound = [eq(LINKERD_LABEL.direction, LINKERD_VALUE.inbound), re(TARGET_LABEL.namespace, '$namespace')];
const byDeployment = [TARGET_LABEL.namespace, LINKERD_LABEL.deployment];
const deploymentLegend = `{{${TARGET_LABEL.namespace}}}/{{${LINKERD_LABEL.deployment}}}`;

const istioPanel = (panel: Omit<PanelSpec, 'meshOnly'>): PanelSpec => ({ ...panel, meshOnly: 'istio' });
const linkerdPanel = (panel: Omit<PanelSpec, 'meshOnly'>): PanelSpec => ({ ...panel, meshOnly: 'linkerd' });

export const meshDashboard: DashboardSpec = {
  uid: 'mesh-stack-mesh',
  title: 'Mesh stack / Service mesh',
  description:
    'Istio and Linkerd sidecar telemetry by source and destination workload: traffic, success, latency, mTLS, Envoy response flags.',
  tags: ['mesh', 'istio', 'linkerd'],
  variables: [
    queryVariable('namespace', {
      label: 'Namespace',
      // A target label in Kubernetes, so the variable works with either mesh.
      query: `label_values(${PROMETHEUS_METRIC.up.name}, ${TARGET_LABEL.namespace})`,
      multi: true,
    }),
  ],
  rows: [
    {
      title: 'Istio',
      panels: [
        istioPanel({
          kind: 'timeseries',
          title: 'Istio requests by edge',
          description: 'Requests per second per source → destination workload, as reported by the destination proxy.',
          unit: 'reqps',
          queries: [{ expr: sumBy(byEdge, rate(sel(istio, ...destinationSide))), legend: edgeLegend }],
          width: 8,
        }),
        istioPanel({
          kind: 'timeseries',
          title: 'Istio success ratio by destination',
          description:
            'Share of requests to each workload not answered with a 5xx, from both sides: the server proxy sees what the workload answered; the client proxy also sees the 503s Envoy made up itself (UO overflow, UH no healthy upstream, URX retries exhausted) that never reached it. A gap between the two lines is the mesh failing requests.',
          unit: 'percentunit',
          queries: [
            { expr: istioShare([nre(ISTIO_LABEL.responseCode, '5..')]), legend: `${destinationLegend} (server proxy)` },
            {
              expr: istioShare([nre(ISTIO_LABEL.responseCode, '5..')], sourceSide),
              legend: `${destinationLegend} (client proxy)`,
            },
          ],
          width: 8,
          min: 0,
          max: 1,
        }),
        istioPanel({
          kind: 'timeseries',
          title: 'Istio latency p95 by destination',
          description:
            'p95 request duration seen by the destination proxy; Istio measures milliseconds, shown here in seconds.',
          unit: 's',
          queries: [
            {
              expr: `${quantile(0.95, ISTIO_METRIC.requestDuration.name, destinationSide, byDestination)} / 1000`,
              legend: destinationLegend,
            },
          ],
          width: 8,
        }),
        istioPanel({
          kind: 'timeseries',
          title: 'mTLS share by destination',
          description:
            'Share of inbound requests that arrived over mutual TLS (connection_security_policy, destination proxy). Below 1 means plaintext callers.',
          unit: 'percentunit',
          queries: [
            {
              expr: istioShare([eq(ISTIO_LABEL.connectionSecurityPolicy, ISTIO_VALUE.mutualTls)]),
              legend: destinationLegend,
            },
          ],
          width: 8,
          min: 0,
          max: 1,
        }),
        istioPanel({
          kind: 'timeseries',
          title: 'Envoy response flags by edge',
          description:
            'Flagged responses per second seen by the client proxy: UO circuit-breaker overflow, UH no healthy upstream, UT timeout, URX retry limit, FI/DI injected faults.',
          unit: 'reqps',
          queries: [
            {
              expr: sumBy(
                [...byEdge, ISTIO_LABEL.responseFlags],
                rate(sel(istio, ...sourceSide, ne(ISTIO_LABEL.responseFlags, ISTIO_VALUE.noResponseFlags))),
              ),
              legend: `${edgeLegend} {{${ISTIO_LABEL.responseFlags}}}`,
            },
          ],
          width: 16,
        }),
      ],
    },
    {
      title: 'Linkerd',
      panels: [
        linkerdPanel({
          kind: 'timeseries',
          title: 'Linkerd inbound requests',
          description: 'Inbound requests per second per deployment, as counted by its Linkerd proxy.',
          unit: 'reqps',
          queries: [
            {
              expr: sumBy(byDeployment, rate(sel(LINKERD_METRIC.requests.name, ...inbound))),
              legend: deploymentLegend,
            },
          ],
          width: 8,
        }),
        linkerdPanel({
          kind: 'timeseries',
          title: 'Linkerd success ratio',
          description: 'Share of inbound responses the proxy classified as success, per deployment.',
          unit: 'percentunit',
          queries: [
            {
              expr: `${sumBy(byDeployment, rate(sel(LINKERD_METRIC.responses.name, ...inbound, eq(LINKERD_LABEL.classification, LINKERD_VALUE.success))))} / ${sumBy(byDeployment, rate(sel(LINKERD_METRIC.responses.name, ...inbound)))}`,
              legend: deploymentLegend,
            },
          ],
          width: 8,
          min: 0,
          max: 1,
        }),
        linkerdPanel({
          kind: 'timeseries',
          title: 'Linkerd latency p95',
          description:
            'p95 time to first byte of inbound responses per deployment; Linkerd measures milliseconds, shown in seconds.',
          unit: 's',
          queries: [
            {
              expr: `${quantile(0.95, LINKERD_METRIC.responseLatency.name, inbound, byDeployment)} / 1000`,
              legend: deploymentLegend,
            },
          ],
          width: 8,
        }),
        linkerdPanel({
          kind: 'timeseries',
          title: 'Linkerd mTLS share',
          description: 'Share of inbound requests the proxy received over mTLS (tls="true"), per deployment.',
          unit: 'percentunit',
          queries: [
            {
              expr: `${sumBy(byDeployment, rate(sel(LINKERD_METRIC.requests.name, ...inbound, eq(LINKERD_LABEL.tls, LINKERD_VALUE.tlsOn))))} / ${sumBy(byDeployment, rate(sel(LINKERD_METRIC.requests.name, ...inbound)))}`,
              legend: deploymentLegend,
            },
          ],
          width: 12,
          min: 0,
          max: 1,
        }),
        linkerdPanel({
          kind: 'timeseries',
          title: 'Linkerd outbound edges',
          description: 'Outbound requests per second from each deployment to each destination deployment.',
          unit: 'reqps',
          queries: [
            {
              expr: sumBy(
                [
                  TARGET_LABEL.namespace,
                  LINKERD_LABEL.deployment,
                  LINKERD_LABEL.dstNamespace,
                  LINKERD_LABEL.dstDeployment,
                ],
                rate(
                  sel(
                    LINKERD_METRIC.requests.name,
                    eq(LINKERD_LABEL.direction, LINKERD_VALUE.outbound),
                    re(TARGET_LABEL.namespace, '$namespace'),
                  ),
                ),
              ),
              legend: `${deploymentLegend} → {{${LINKERD_LABEL.dstNamespace}}}/{{${LINKERD_LABEL.dstDeployment}}}`,
            },
          ],
          width: 12,
        }),
      ],
    },
  ],
};
