/**
 * @module SLOs: budget left, the error ratio against the objective, and the burn rates the alerts watch,
 * window pair by window pair, so an on-call engineer sees why an alert fired and how fast the budget goes.
 */
import { ALERTS_LABEL, eq, oneOf, PROMETHEUS_METRIC, re, sel, TARGET_LABEL } from '@mesh-stack/observability/promql';
import {
  ALERT_LABEL,
  BURN_WINDOWS,
  SLO_ALERT,
  SLO_ERROR_RATIO_PERIOD,
  SLO_PERIOD_DAYS,
  SLO_RECORD,
} from '@mesh-stack/observability/rules';
import { ENVIRONMENT_MATCHERS, environmentVariables } from '../lib/queries.ts';
import { type DashboardSpec, higherIsBetter, lowerIsBetter, type PanelSpec, queryVariable } from '../lib/spec.ts';

const SLO_MATCHER = re(ALERT_LABEL.slo, '$slo');
/** Recorded SLI series carry the environment labels; the objective and budget constants do not. */
const SLI_MATCHERS = [SLO_MATCHER, ...ENVIRONMENT_MATCHERS];
const sloLegend = `{{${ALERT_LABEL.slo}}}`;
const onSlo = `on (${ALERT_LABEL.slo}, ${TARGET_LABEL.job}) group_left`;

/** Burn rate = error ratio over the window / error budget: 1 spends the budget exactly in 30 days. */
const burnRate = (window: string): string =>
  `${sel(SLO_RECORD.errorRatio(window), ...SLI_MATCHERS)} / ${onSlo} ${sel(SLO_RECORD.errorBudget, SLO_MATCHER)}`;

/** Budget left: red once the objective is missed, amber in its last quarter. */
export const BUDGET_LEFT_THRESHOLDS = higherIsBetter(0, 0.25);

const burnPanel = (severity: 'critical' | 'warning'): PanelSpec => {
  const pairs = BURN_WINDOWS.filter((pair) => pair.severity === severity);
  const factors = pairs.map((pair) => pair.factor).sort((a, b) => a - b);
  const label = severity === 'critical' ? 'page' : 'ticket';
  return {
    kind: 'timeseries',
    title: `Burn rate, ${label} windows (${pairs.map((pair) => `${pair.long}/${pair.short} > ${pair.factor}`).join(', ')})`,
    description: `Burn rate over the windows of the ${label} alerts. The alert fires when both windows of a pair exceed its factor; 1 spends the budget in exactly ${SLO_PERIOD_DAYS} days.`,
    unit: 'short',
    queries: pairs.flatMap((pair) =>
      [pair.long, pair.short].map((window) => ({ expr: burnRate(window), legend: `${sloLegend} ${window}` })),
    ),
    width: 12,
    min: 0,
    // The alert factors as lines: above the lower one a pair can fire, above the higher one both can.
    thresholds: lowerIsBetter(factors[0] ?? 1, factors.at(-1) ?? 1),
  };
};

export const sloDashboard: DashboardSpec = {
  uid: 'mesh-stack-slo',
  title: 'Mesh stack / SLOs',
  description: `Service level objectives over ${SLO_PERIOD_DAYS} days: budget left, error ratio against the objective, and multiwindow burn rates.`,
  tags: ['slo'],
  variables: [
    ...environmentVariables(),
    queryVariable('slo', {
      label: 'SLO',
      query: `label_values(${SLO_RECORD.objective}, ${ALERT_LABEL.slo})`,
      multi: true,
    }),
  ],
  rows: [
    {
      title: 'Budget',
      panels: [
        {
          kind: 'stat',
          title: 'Error budget left',
          description: `Share of the ${SLO_PERIOD_DAYS}-day error budget not yet spent, per SLO (below 0: objective missed).`,
          unit: 'percentunit',
          queries: [{ expr: sel(SLO_RECORD.errorBudgetRemaining, ...SLI_MATCHERS), legend: sloLegend }],
          width: 12,
          thresholds: BUDGET_LEFT_THRESHOLDS,
        },
        {
          kind: 'stat',
          title: 'Objective',
          description: 'The objective of each SLO: the share of good events required over 30 days.',
          unit: 'percentunit',
          queries: [{ expr: sel(SLO_RECORD.objective, SLO_MATCHER), legend: sloLegend }],
          width: 8,
          // A target, not a state: one neutral colour.
          thresholds: { steps: [{ from: null, color: 'blue' }] },
        },
        {
          kind: 'stat',
          title: 'Budget-burn alerts firing',
          description: 'Number of SLO burn-rate alerts firing now (page and ticket); 0 when all is well.',
          unit: 'short',
          queries: [
            {
              expr: `count(${sel(PROMETHEUS_METRIC.alerts.name, re(ALERTS_LABEL.alertname, oneOf(Object.values(SLO_ALERT))), eq(ALERTS_LABEL.alertstate, 'firing'), SLO_MATCHER)}) or vector(0)`,
              legend: 'firing',
            },
          ],
          width: 4,
          thresholds: lowerIsBetter(1, 1),
        },
      ],
    },
    {
      title: 'Error ratio',
      panels: [
        {
          kind: 'timeseries',
          title: `Error ratio over ${SLO_PERIOD_DAYS} days against the budget`,
          description:
            'Bad-event ratio averaged over the SLO period, next to the error budget (1 − objective) it must stay under.',
          unit: 'percentunit',
          queries: [
            { expr: sel(SLO_ERROR_RATIO_PERIOD, ...SLI_MATCHERS), legend: `${sloLegend} ratio` },
            { expr: sel(SLO_RECORD.errorBudget, SLO_MATCHER), legend: `${sloLegend} budget` },
          ],
          width: 12,
        },
        {
          kind: 'timeseries',
          title: 'Error ratio, last 5 minutes and last hour',
          description: 'Bad-event ratio over the shortest windows: what the fast-burn page reacts to.',
          unit: 'percentunit',
          queries: ['5m', '1h'].map((window) => ({
            expr: sel(SLO_RECORD.errorRatio(window), ...SLI_MATCHERS),
            legend: `${sloLegend} ${window}`,
          })),
          width: 12,
        },
      ],
    },
    { title: 'Burn rates', panels: [burnPanel('critical'), burnPanel('warning')] },
  ],
};
