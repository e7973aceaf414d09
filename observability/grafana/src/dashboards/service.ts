/**
 * @module One service in depth, templated by `job`: RED per route, the latency distribution with exemplars
 * (click through to the trace in Jaeger), its dependencies and retries, its database, and the Node runtime.
 */
import {
  bucket,
  count,
  LE,
  orZeroPerGroup,
  quantile,
  rate,
  sel,
  sum,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { LABEL, METRIC, RUNTIME_METRIC } from '@mesh-stack/service-kit/contract';
import {
  environmentVariables,
  errorRatio,
  INSTANCE_MATCHER,
  JOB_MATCHER,
  latency,
  requestRate,
} from '../lib/queries.ts';
import { type DashboardSpec, queryVariable } from '../lib/spec.ts';

const scope = [JOB_MATCHER, INSTANCE_MATCHER];
const byRoute = [LABEL.httpRequestMethod, LABEL.httpRoute];
const routeLegend = `{{${LABEL.httpRequestMethod}}} {{${LABEL.httpRoute}}}`;
const byInstance = [TARGET_LABEL.instance];
const instanceLegend = `{{${TARGET_LABEL.instance}}}`;
const client = METRIC.httpClientRequestDuration.name;
const db = METRIC.dbClientOperationDuration.name;
const byPeer = [LABEL.peerService];

/** The service whose panels all have data on the local stack: it serves, calls both others and stores. */
export const DEFAULT_SERVICE = 'order-service';

export const serviceDashboard: DashboardSpec = {
  uid: 'mesh-stack-service',
  title: 'Mesh stack / Service detail',
  description:
    'One service in depth: RED per route, latency heatmap with trace exemplars, dependencies, database and runtime.',
  tags: ['service'],
  variables: [
    ...environmentVariables(),
    queryVariable('job', {
      label: 'Service',
      query: `label_values(${count(METRIC.httpServerRequestDuration.name)}, ${TARGET_LABEL.job})`,
      multi: false,
      defaultValue: DEFAULT_SERVICE,
    }),
    queryVariable('instance', {
      label: 'Instance',
      query: `label_values(${sel(count(METRIC.httpServerRequestDuration.name), JOB_MATCHER)}, ${TARGET_LABEL.instance})`,
      multi: true,
    }),
  ],
  rows: [
    {
      title: 'Requests per route (RED)',
      panels: [
        {
          kind: 'timeseries',
          title: 'Request rate by route',
          description:
            'Requests per second by method and route template. `_unmatched` collects every path that matched no route.',
          unit: 'reqps',
          queries: [{ expr: requestRate(scope, byRoute), legend: routeLegend }],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Error ratio (5xx) by route',
          description: 'Share of requests per route answered with a 5xx.',
          unit: 'percentunit',
          queries: [{ expr: errorRatio(scope, byRoute), legend: routeLegend }],
          width: 8,
          min: 0,
        },
        {
          kind: 'timeseries',
          title: 'Latency p95 by route',
          description:
            '95th percentile of request duration per route. Exemplar dots link to the trace of a real request.',
          unit: 's',
          queries: [{ expr: latency(0.95, scope, byRoute), legend: routeLegend, exemplar: true }],
          width: 8,
        },
      ],
    },
    {
      title: 'Latency distribution',
      panels: [
        {
          kind: 'heatmap',
          title: 'Request duration heatmap',
          description:
            'Requests per second in each duration bucket over time. Exemplars (magenta) carry a trace_id: click one to open its trace in Jaeger.',
          unit: 'reqps',
          queries: [
            {
              expr: sumBy([LE], rate(sel(bucket(METRIC.httpServerRequestDuration.name), ...scope))),
              legend: `{{${LE}}}`,
              heatmap: true,
              exemplar: true,
            },
          ],
          width: 16,
        },
        {
          kind: 'timeseries',
          title: 'Latency percentiles',
          description: 'p50, p90 and p99 of request duration over all routes, with exemplars.',
          unit: 's',
          queries: [0.5, 0.9, 0.99].map((q) => ({
            expr: latency(q, scope, []),
            legend: `p${q * 100}`,
            exemplar: true,
          })),
          width: 8,
        },
      ],
    },
    {
      title: 'Dependencies',
      panels: [
        {
          kind: 'timeseries',
          title: 'Outgoing attempts by dependency and status',
          description:
            'Outgoing HTTP attempts per second (each retry counts) by called service and status; status 0 means no response (timeout or network error).',
          unit: 'reqps',
          queries: [
            {
              expr: sumBy([...byPeer, LABEL.httpResponseStatusCode], rate(sel(count(client), ...scope))),
              legend: `{{${LABEL.peerService}}} {{${LABEL.httpResponseStatusCode}}}`,
            },
          ],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Dependency latency p95',
          description: '95th percentile duration of one outgoing attempt, per called service, with exemplars.',
          unit: 's',
          queries: [
            { expr: quantile(0.95, client, scope, byPeer), legend: `{{${LABEL.peerService}}}`, exemplar: true },
          ],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Retries by dependency and reason',
          description: 'Retried attempts per second by called service and reason; 0 while nothing is retried.',
          unit: 'ops',
          queries: [
            {
              expr: orZeroPerGroup(
                sumBy([...byPeer, LABEL.retryReason], rate(sel(METRIC.httpClientRetries.name, ...scope))),
                sumBy(byPeer, rate(sel(count(client), ...scope))),
                byPeer,
              ),
              legend: `{{${LABEL.peerService}}} {{${LABEL.retryReason}}}`,
            },
          ],
          width: 8,
        },
      ],
    },
    {
      title: 'Database',
      panels: [
        {
          kind: 'timeseries',
          title: 'Database operations',
          description: 'Database operations per second by operation and table.',
          unit: 'ops',
          queries: [
            {
              expr: sumBy([LABEL.dbOperationName, LABEL.dbCollectionName], rate(sel(count(db), ...scope))),
              legend: `{{${LABEL.dbOperationName}}} {{${LABEL.dbCollectionName}}}`,
            },
          ],
          width: 12,
        },
        {
          kind: 'timeseries',
          title: 'Database operation latency p95',
          description: '95th percentile duration of database operations, by operation.',
          unit: 's',
          queries: [
            {
              expr: quantile(0.95, db, scope, [LABEL.dbOperationName]),
              legend: `{{${LABEL.dbOperationName}}}`,
              exemplar: true,
            },
          ],
          width: 12,
        },
      ],
    },
    {
      title: 'Node.js runtime',
      panels: [
        {
          kind: 'timeseries',
          title: 'Event-loop lag',
          description: 'p99 and mean event-loop lag per instance: time a ready callback waits before it runs.',
          unit: 's',
          queries: [
            { expr: sel(RUNTIME_METRIC.eventLoopLagP99, ...scope), legend: `p99 ${instanceLegend}` },
            { expr: sel(RUNTIME_METRIC.eventLoopLagMean, ...scope), legend: `mean ${instanceLegend}` },
          ],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'CPU',
          description: 'CPU time used per second of wall time per instance (1 = one full core).',
          unit: 'percentunit',
          queries: [
            { expr: sumBy(byInstance, rate(sel(RUNTIME_METRIC.cpuSeconds, ...scope))), legend: instanceLegend },
          ],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Memory',
          description: 'Resident set size and V8 heap used per instance.',
          unit: 'bytes',
          queries: [
            { expr: sel(RUNTIME_METRIC.residentMemory, ...scope), legend: `rss ${instanceLegend}` },
            { expr: sel(RUNTIME_METRIC.heapUsed, ...scope), legend: `heap used ${instanceLegend}` },
            { expr: sel(RUNTIME_METRIC.heapTotal, ...scope), legend: `heap total ${instanceLegend}` },
          ],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Garbage collection time',
          description: 'Share of wall time spent in garbage collection, by GC kind.',
          unit: 'percentunit',
          queries: [
            {
              expr: sumBy([LABEL.gcKind], rate(sel(sum(RUNTIME_METRIC.gcDuration), ...scope))),
              legend: `{{${LABEL.gcKind}}}`,
            },
          ],
          width: 12,
        },
        {
          kind: 'timeseries',
          title: 'Open file descriptors and requests in flight',
          description: 'Open file descriptors (sockets, database files) and HTTP requests being served, per instance.',
          unit: 'short',
          queries: [
            { expr: sel(RUNTIME_METRIC.openFds, ...scope), legend: `fds ${instanceLegend}` },
            { expr: sel(METRIC.httpServerActiveRequests.name, ...scope), legend: `in flight ${instanceLegend}` },
          ],
          width: 12,
        },
      ],
    },
  ],
};
