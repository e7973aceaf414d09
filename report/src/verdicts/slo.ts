/**
 * @module Pass or fail per SLO for the report window, from the objectives and recording rules the alerts use
 * (`observability/prometheus/src/rules/slo.ts`): the window's error ratio is the mean of the recorded 5-minute SLI
 * (`slo:sli_error:ratio_rate5m`, the same Sloth-style mean the 30-day ratio uses), and an SLO passes when that
 * ratio stays within its error budget (1 − objective), i.e. a burn rate of at most 1 over the window.
 *
 * When Prometheus lacks the recording rules, the verdict falls back to the SLI expression itself, built from the same
 * source for the window, and the report says which rules are missing.
 */

import { errorBudget, SLO_RECORD, SLOS, type SloDefinition, sliErrorRatioExpr } from '@mesh-stack/observability/rules';
import { METRIC } from '@mesh-stack/service-kit/contract';
import type { PrometheusClient } from '../sources/prometheus.ts';

export type VerdictStatus = 'pass' | 'fail' | 'no-traffic' | 'unknown';

export interface SloVerdict {
  readonly id: string;
  readonly service: string;
  readonly kind: string;
  readonly description: string;
  readonly objective: number;
  readonly errorBudget: number;
  readonly thresholdSeconds: number | undefined;
  /** Mean bad-event ratio over the window; undefined without traffic. */
  readonly errorRatio: number | undefined;
  /** errorRatio / errorBudget. */
  readonly burnRate: number | undefined;
  /** Highest 5-minute burn rate in the window (what the page alert's short window saw). */
  readonly peakBurnRate: number | undefined;
  /** Requests the SLO counted in the window. */
  readonly requests: number | undefined;
  readonly status: VerdictStatus;
  /** Where the ratio came from: the recording rule, or the SLI expression when the rule is missing. */
  readonly source: string;
  readonly message: string | undefined;
}

export const SLI_RECORD = SLO_RECORD.errorRatio('5m');

const windowRange = (seconds: number): string => `${Math.max(1, Math.round(seconds))}s`;

const bySlo = (samples: readonly { metric: Readonly<Record<string, string>>; value: readonly [number, string] }[]) =>
  new Map(samples.map((sample) => [sample.metric.slo ?? '', Number(sample.value[1])]));

const finite = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isFinite(value) ? value : undefined;

/** `sum(increase(<requests of the SLO>[window]))`: the requests the SLO counts, with the SLO's own matchers. */
export const sloRequestsExpr = (slo: SloDefinition, range: string): string => {
  const matchers = [`job=${JSON.stringify(slo.service)}`, ...slo.matchers].join(',');
  return `sum(increase(${METRIC.httpServerRequestDuration.name}_count{${matchers}}[${range}]))`;
};

export const verdictOf = (
  slo: SloDefinition,
  errorRatio: number | undefined,
  peakRatio: number | undefined,
  requests: number | undefined,
  source: string,
): SloVerdict => {
  const budget = errorBudget(slo);
  const status: VerdictStatus =
    errorRatio === undefined
      ? requests === undefined || requests === 0
        ? 'no-traffic'
        : 'unknown'
      : errorRatio <= budget
        ? 'pass'
        : 'fail';
  return {
    id: slo.id,
    service: slo.service,
    kind: slo.kind,
    description: slo.description,
    objective: slo.objective,
    errorBudget: budget,
    thresholdSeconds: slo.thresholdSeconds,
    errorRatio,
    burnRate: errorRatio === undefined ? undefined : errorRatio / budget,
    peakBurnRate: peakRatio === undefined ? undefined : peakRatio / budget,
    requests,
    status,
    source,
    message:
      status === 'no-traffic'
        ? 'no requests in the window: nothing to judge'
        : status === 'unknown'
          ? `requests were served but ${source} has no value for the window`
          : undefined,
  };
};

export interface SloVerdicts {
  readonly verdicts: readonly SloVerdict[];
  /** Missing recording rules, named. */
  readonly missing: readonly string[];
}

export const buildSloVerdicts = async (
  prometheus: PrometheusClient,
  windowSeconds: number,
  atSeconds: number,
  recordingRules: ReadonlySet<string>,
): Promise<SloVerdicts> => {
  const range = windowRange(windowSeconds);
  const hasRule = recordingRules.has(SLI_RECORD);
  const missing = hasRule ? [] : [SLI_RECORD];
  const [means, peaks] = hasRule
    ? await Promise.all([
        prometheus.query(`avg_over_time(${SLI_RECORD}[${range}])`, atSeconds).then(bySlo),
        prometheus.query(`max_over_time(${SLI_RECORD}[${range}])`, atSeconds).then(bySlo),
      ])
    : [new Map<string, number>(), new Map<string, number>()];
  const verdicts = await Promise.all(
    SLOS.map(async (slo) => {
      const requestsSample = await prometheus.query(sloRequestsExpr(slo, range), atSeconds);
      const requests = finite(Number(requestsSample[0]?.value[1] ?? Number.NaN)) ?? 0;
      if (hasRule) {
        return verdictOf(
          slo,
          finite(means.get(slo.id)),
          finite(peaks.get(slo.id)),
          requests,
          `recording rule ${SLI_RECORD}`,
        );
      }
      const exact = await prometheus.query(sliErrorRatioExpr(slo, range), atSeconds);
      return verdictOf(
        slo,
        finite(Number(exact[0]?.value[1] ?? Number.NaN)),
        undefined,
        requests,
        'the SLI expression of the rule source (recording rule missing)',
      );
    }),
  );
  return { verdicts, missing };
};
