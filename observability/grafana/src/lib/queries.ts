/**
 * @module RED queries over the contract's HTTP histograms, shared by the overview and service dashboards.
 */
import {
  count,
  type Matcher,
  PROMETHEUS_METRIC,
  quantile,
  rate,
  ratioOrZero,
  re,
  sel,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { LABEL, METRIC } from '@mesh-stack/service-kit/contract';
import { queryVariable } from './spec.ts';

const server = METRIC.httpServerRequestDuration.name;

/**
 * The environment a series comes from: `cluster` (an external label, where several Prometheus servers meet) and
 * `namespace` (Kubernetes). Each dashboard that reads the services has a variable for both, defaulting to All
 * (`.*`, which also matches series without the label, as on the local stack), so two environments in one
 * Prometheus are never summed together unless the viewer asks for it.
 */
export const ENVIRONMENT_LABELS = [TARGET_LABEL.cluster, TARGET_LABEL.namespace] as const;
export const ENVIRONMENT_MATCHERS: readonly string[] = ENVIRONMENT_LABELS.map((label) => re(label, `$${label}`));

export const environmentVariables = () =>
  ENVIRONMENT_LABELS.map((label) =>
    queryVariable(label, {
      label: label === TARGET_LABEL.cluster ? 'Cluster' : 'Namespace',
      query: `label_values(${PROMETHEUS_METRIC.up.name}, ${label})`,
      multi: true,
      allValue: '.*',
    }),
  );

/**
 * Matchers bound to the dashboard variables `$cluster`, `$namespace` and `$job` (regex, so All and multi-select
 * work), as one matcher list in PromQL notation.
 */
export const JOB_MATCHER = [...ENVIRONMENT_MATCHERS, re(TARGET_LABEL.job, '$job')].join(',');
export const INSTANCE_MATCHER = re(TARGET_LABEL.instance, '$instance');
export const SERVER_ERROR = re(LABEL.httpResponseStatusCode, '5..');

export const requestRate = (matchers: readonly Matcher[], by: readonly string[]): string =>
  sumBy(by, rate(sel(count(server), ...matchers)));

/** 5xx share of requests; 0 rather than no data while nothing has failed. */
export const errorRatio = (matchers: readonly Matcher[], by: readonly string[]): string =>
  ratioOrZero(sumBy(by, rate(sel(count(server), ...matchers, SERVER_ERROR))), requestRate(matchers, by));

export const latency = (q: number, matchers: readonly Matcher[], by: readonly string[]): string =>
  quantile(q, server, matchers, by);
