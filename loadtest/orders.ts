/**
 * The order journey under load, for k6 (v0.57 or newer runs TypeScript as is):
 *
 *   k6 run loadtest/orders.ts                                   # smoke: 1 iteration/s for 30 s
 *   SCENARIO=load RATE=20 k6 run loadtest/orders.ts             # ramp to 20 iterations/s, hold 5 min
 *   k6 run -e SCENARIO=stress -e BASE_URL=http://127.0.0.1:8080 loadtest/orders.ts
 *
 * Environment: SCENARIO (smoke | load | stress), RATE (peak iterations/s), THINK_TIME_SCALE (1; 0 = none),
 * USER_SERVICE_URL and ORDER_SERVICE_URL (or one BASE_URL for both), SUMMARY_JSON (also write k6's end-of-test
 * summary there as JSON, for `npm run report -- --k6-summary <file>`). See loadtest/README.md for reaching the
 * services through a mesh ingress.
 *
 * The scenario itself (steps, data, checks) is `./scenario.ts`, shared with the project's Node load driver.
 */
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { type BaseUrls, runIteration } from './k6/iteration.ts';
import { profileFromEnv, targetsFromEnv } from './profiles.ts';
import { newIteration } from './scenario.ts';

const profile = profileFromEnv(__ENV);
const targets = targetsFromEnv(__ENV);
const baseUrls: BaseUrls = { 'user-service': targets.userServiceUrl, 'order-service': targets.orderServiceUrl };
const thinkTimeScale = __ENV.THINK_TIME_SCALE === undefined ? 1 : Number(__ENV.THINK_TIME_SCALE);

export const options: Options = {
  scenarios: profile.scenarios,
  thresholds: profile.thresholds,
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

export interface SetupData {
  readonly runId: string;
}

/** Emails must be unique per run and k6 keeps no state between runs, so each run gets an id here. */
export function setup(): SetupData {
  return { runId: `k6${Date.now().toString(36)}` };
}

export default function orderJourney(data: SetupData): void {
  // iterationInTest is unique across VUs within the scenario: with the run id it keeps every email unique.
  const state = newIteration(data.runId, exec.scenario.iterationInTest);
  runIteration(baseUrls, state, thinkTimeScale);
}

/** The parts of k6's end-of-test summary data (`handleSummary`'s argument) printed below. */
interface SummaryData {
  readonly metrics: Record<
    string,
    { readonly values: Record<string, number>; readonly thresholds?: Record<string, { readonly ok: boolean }> }
  >;
}

const summaryValue = (value: number | undefined, unit: 'ms' | '%' | ''): string =>
  value === undefined
    ? '-'
    : unit === '%'
      ? `${(value * 100).toFixed(2)}%`
      : `${value.toFixed(unit === 'ms' ? 1 : 0)}${unit}`;

/**
 * Prints the thresholds, dropped iterations and per-step latency (a script that defines handleSummary replaces k6's
 * own text summary, and k6's text formatter is a remote jslib import); with SUMMARY_JSON also writes the full data as
 * JSON for the HTML report.
 */
export function handleSummary(data: SummaryData): Record<string, string> {
  const { metrics } = data;
  const lines = ['thresholds:'];
  for (const [name, metric] of Object.entries(metrics)) {
    for (const [limit, result] of Object.entries(metric.thresholds ?? {})) {
      lines.push(`  ${result.ok ? 'ok  ' : 'FAIL'} ${name} ${limit}`);
    }
  }
  lines.push(
    `requests: ${summaryValue(metrics.http_reqs?.values.count, '')}, failed ${summaryValue(metrics.http_req_failed?.values.rate, '%')}; ` +
      `iterations: ${summaryValue(metrics.iterations?.values.count, '')}, dropped ${summaryValue(metrics.dropped_iterations?.values.count ?? 0, '')}`,
  );
  for (const [name, metric] of Object.entries(metrics)) {
    const step = /^http_req_duration\{step:(.+)\}$/.exec(name)?.[1];
    if (step === undefined) continue;
    const v = metric.values;
    lines.push(
      `  ${step}: med ${summaryValue(v.med, 'ms')}, p95 ${summaryValue(v['p(95)'], 'ms')}, p99 ${summaryValue(v['p(99)'], 'ms')}, max ${summaryValue(v.max, 'ms')}`,
    );
  }
  const outputs: Record<string, string> = { stdout: `${lines.join('\n')}\n` };
  if (__ENV.SUMMARY_JSON) outputs[__ENV.SUMMARY_JSON] = JSON.stringify(data, null, 2);
  return outputs;
}
