/**
 * @module RED queries over the contract's HTTP histograms, shared by the overview and service dashboards.
 */
import { LABEL, METRIC } from '@mesh-stack/service-kit/contract';
import {
  count,
  type Matcher,
  quantile,
  rate,
  ratioOrZero,
  re,
  sel,
  sumBy,
} from '../../../prometheus/src/promql/build.ts';
import { TARGET_LABEL } from '../../../prometheus/src/targets.ts';

const server = METRIC.httpServerRequestDuration.name;

/** Matchers bound to the dashboard variables `$job` and `$instance` (regex, so All and multi-select work). */
export const JOB_MATCHER = re(TARGET_LABEL.job, '$job');
export const INSTANCE_MATCHER = re(TARGET_LABEL.instance, '$instance');
export const SERVER_ERROR = re(LABEL.httpResponseStatusCode, '5..');

export const requestRate = (matchers: readonly Matcher[], by: readonly string[]): string =>
  sumBy(by, rate(sel(count(server), ...matchers)));

/** 5xx share of requests; 0 rather than no data while nothing has failed. */
export const errorRatio = (matchers: readonly Matcher[], by: readonly string[]): string =>
  ratioOrZero(sumBy(by, rate(sel(count(server), ...matchers, SERVER_ERROR))), requestRate(matchers, by));

export const latency = (q: number, matchers: readonly Matcher[], by: readonly string[]): string =>
  quantile(q, server, matchers, by);
