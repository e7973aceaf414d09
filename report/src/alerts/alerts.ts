/**
 * @module Alerts that were pending or firing during the window, from Prometheus's synthetic `ALERTS` series, with
 * the summary and runbook of their rule (from `/api/v1/rules`, falling back to the rule source's runbook pattern).
 */
import { ALWAYS_FIRING, runbookUrl } from '@mesh-stack/observability/rules';
import type { InstantSample, Labels, PrometheusClient, RangeSeries, RuleGroupInfo } from '../sources/prometheus.ts';

export type AlertState = 'pending' | 'firing';

export interface AlertRow {
  readonly alertname: string;
  readonly severity: string;
  /** Labels other than alertname, alertstate and severity, e.g. `job`, `slo`. */
  readonly labels: Labels;
  /** The worst state reached in the window. */
  readonly state: AlertState;
  /** Unix seconds of the first and last evaluation seen in each state, on the query grid. */
  readonly firing: { readonly from: number; readonly to: number } | undefined;
  readonly pending: { readonly from: number; readonly to: number } | undefined;
  readonly summary: string;
  /** As the rule's `runbook_url` annotation reads (repository-relative in this stack). */
  readonly runbookUrl: string;
  /** Meant to fire all the time (the Watchdog): its absence, not its presence, is the problem. */
  readonly alwaysFiring: boolean;
}

const OWN_LABELS = new Set(['__name__', 'alertname', 'alertstate', 'severity']);

export const alertKey = (labels: Labels): string =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([name]) => name !== '__name__' && name !== 'alertstate')
      .sort(([a], [b]) => a.localeCompare(b)),
  );

interface RuleAnnotations {
  readonly summary: string;
  readonly runbookUrl: string;
}

export const annotationsByAlert = (groups: readonly RuleGroupInfo[]): Map<string, RuleAnnotations> => {
  const result = new Map<string, RuleAnnotations>();
  for (const group of groups) {
    for (const rule of group.rules) {
      if (rule.type !== 'alerting' || result.has(rule.name)) continue;
      result.set(rule.name, {
        summary: rule.annotations?.summary ?? '',
        runbookUrl: rule.annotations?.runbook_url ?? runbookUrl(rule.name),
      });
    }
  }
  return result;
};

const spanOf = (series: RangeSeries | undefined): { from: number; to: number } | undefined => {
  const active = (series?.values ?? []).filter(([, value]) => Number(value) > 0).map(([time]) => time);
  return active.length === 0 ? undefined : { from: Math.min(...active), to: Math.max(...active) };
};

/**
 * Shapes the alerts of the window: `present` lists every ALERTS series seen at all in the window (an instant
 * `max_over_time(ALERTS[window])`, which misses nothing between grid steps), `timeline` when each was active.
 */
export const shapeAlerts = (
  present: readonly InstantSample[],
  timeline: readonly RangeSeries[],
  annotations: ReadonlyMap<string, RuleAnnotations>,
): AlertRow[] => {
  const byKey = new Map<string, { labels: Labels; states: Map<AlertState, RangeSeries | undefined> }>();
  const add = (labels: Labels, series: RangeSeries | undefined): void => {
    const state = labels.alertstate === 'firing' ? 'firing' : 'pending';
    const key = alertKey(labels);
    const entry = byKey.get(key) ?? { labels, states: new Map() };
    if (series !== undefined || !entry.states.has(state)) entry.states.set(state, series ?? entry.states.get(state));
    byKey.set(key, entry);
  };
  for (const sample of present) add(sample.metric, undefined);
  for (const series of timeline) add(series.metric, series);
  const rows = [...byKey.values()].map(({ labels, states }): AlertRow => {
    const alertname = labels.alertname ?? '';
    const rule = annotations.get(alertname);
    return {
      alertname,
      severity: labels.severity ?? '',
      labels: Object.fromEntries(Object.entries(labels).filter(([name]) => !OWN_LABELS.has(name))),
      state: states.has('firing') ? 'firing' : 'pending',
      firing: spanOf(states.get('firing')),
      pending: spanOf(states.get('pending')),
      summary: rule?.summary ?? '',
      runbookUrl: rule?.runbookUrl ?? runbookUrl(alertname),
      alwaysFiring: ALWAYS_FIRING.has(alertname),
    };
  });
  const rank = (row: AlertRow): number =>
    (row.alwaysFiring ? 10 : 0) + (row.state === 'firing' ? 0 : 2) + (row.severity === 'critical' ? 0 : 1);
  return rows.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.alertname.localeCompare(b.alertname) ||
      alertKey(a.labels).localeCompare(alertKey(b.labels)),
  );
};

export const buildAlerts = async (
  prometheus: PrometheusClient,
  grid: { start: number; end: number; step: number },
  windowSeconds: number,
  ruleGroups: readonly RuleGroupInfo[],
): Promise<AlertRow[]> => {
  const range = `${Math.max(1, Math.round(windowSeconds))}s`;
  const [present, timeline] = await Promise.all([
    prometheus.query(`max_over_time(ALERTS[${range}])`, grid.end),
    prometheus.queryRange('ALERTS', grid.start, grid.end, grid.step),
  ]);
  return shapeAlerts(present, timeline, annotationsByAlert(ruleGroups));
};
