/**
 * @module The end-to-end check of a report against the live stack it was built from, for the live suite
 * (test/e2e) after its load phase: builds the report for the window, opens it in Chromium, and compares it with what
 * Prometheus and Jaeger say directly. Returns every discrepancy as a sentence; an empty list means the report is true.
 *
 * @example
 * const { problems } = await checkReportAgainstLiveStack({ window: { fromMs, toMs }, prometheusUrl, jaegerUrl, out });
 * assert.deepEqual(problems, []);
 */
import { errorBudget, SLOS } from '@mesh-stack/observability/rules';
import { alertKey } from '../alerts/alerts.ts';
import type { ReportData } from '../build.ts';
import { jaegerClient } from '../sources/jaeger.ts';
import { prometheusClient } from '../sources/prometheus.ts';
import type { ClientSection } from '../verdicts/client.ts';
import { SLI_RECORD } from '../verdicts/slo.ts';
import type { TimeWindow } from '../window.ts';
import { writeReport } from '../write.ts';
import { inspectReport, type ReportInspection } from './inspect.ts';

export interface LiveCheckOptions {
  readonly window: TimeWindow;
  readonly prometheusUrl: string;
  readonly jaegerUrl: string;
  readonly out: string;
  readonly client?: ClientSection;
}

export interface LiveCheckResult {
  readonly path: string;
  readonly bytes: number;
  readonly data: ReportData;
  readonly inspection: ReportInspection;
  readonly problems: readonly string[];
}

/** Relative difference small enough to be the same number read twice. */
const same = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

export const checkReportAgainstLiveStack = async (options: LiveCheckOptions): Promise<LiveCheckResult> => {
  const written = await writeReport({ ...options });
  const { data } = written;
  const problems: string[] = [];
  const inspection = await inspectReport(written.path);

  // The page: offline, no errors, every chart drawn from data, accessible.
  for (const error of inspection.consoleErrors) problems.push(`console error in the report: ${error}`);
  for (const url of inspection.requests) problems.push(`the report requested ${url}`);
  for (const chart of inspection.charts) {
    if (!((chart.points ?? 0) > 0 && chart.canvases > 0)) problems.push(`chart "${chart.label}" drew no points`);
  }
  for (const violation of inspection.axeViolations) {
    problems.push(
      `accessibility (${violation.impact}): ${violation.id}, ${violation.help} (${violation.nodes} elements)`,
    );
  }
  for (const dashboard of data.dashboards) {
    for (const instance of dashboard.instances) {
      for (const panel of instance.rows.flatMap((row) => row.panels)) {
        if (panel.status === 'error')
          problems.push(`${dashboard.title} / ${panel.title}: ${panel.message ?? 'query failed'}`);
      }
    }
  }
  for (const absence of data.absent) {
    if (absence.section !== 'client' || options.client !== undefined)
      problems.push(`missing from the report: ${absence.message}`);
  }

  // SLO verdicts: the recorded SLI's mean over the window, read directly, judged against each objective's budget.
  const prometheus = prometheusClient(options.prometheusUrl);
  const grid = data.grid;
  if (grid !== undefined) {
    const range = `${Math.max(1, Math.round((options.window.toMs - options.window.fromMs) / 1000))}s`;
    for (const slo of SLOS) {
      const verdict = data.slo?.verdicts.find((item) => item.id === slo.id);
      const [sample] = await prometheus.query(`avg_over_time(${SLI_RECORD}{slo="${slo.id}"}[${range}])`, grid.end);
      const ratio = sample === undefined ? undefined : Number(sample.value[1]);
      const expected =
        ratio === undefined || !Number.isFinite(ratio) ? undefined : ratio <= errorBudget(slo) ? 'pass' : 'fail';
      if (verdict === undefined) problems.push(`SLO ${slo.id} has no verdict in the report`);
      else if (expected !== undefined && verdict.status !== expected) {
        problems.push(
          `SLO ${slo.id}: the report says ${verdict.status}, Prometheus's ${SLI_RECORD} mean ${ratio} says ${expected}`,
        );
      } else if (expected === undefined && (verdict.status === 'pass' || verdict.status === 'fail')) {
        problems.push(
          `SLO ${slo.id}: the report says ${verdict.status} but Prometheus has no ${SLI_RECORD} for the window`,
        );
      } else if (ratio !== undefined && verdict.errorRatio !== undefined && !same(ratio, verdict.errorRatio)) {
        problems.push(`SLO ${slo.id}: the report's ratio ${verdict.errorRatio} differs from Prometheus's ${ratio}`);
      }
    }

    // Every alert that fired in the window is listed, as firing.
    const fired = await prometheus.query(`max_over_time(ALERTS{alertstate="firing"}[${range}])`, grid.end);
    const listed = new Map(
      (data.alerts ?? []).map((alert) => [
        alertKey({ alertname: alert.alertname, severity: alert.severity, ...alert.labels }),
        alert,
      ]),
    );
    for (const sample of fired) {
      const alert = listed.get(alertKey(sample.metric));
      if (alert === undefined || alert.state !== 'firing') {
        problems.push(
          `alert ${JSON.stringify(sample.metric)} fired in the window but the report does not list it as firing`,
        );
      }
      if (!inspection.alertNames.includes(sample.metric.alertname ?? '')) {
        problems.push(`alert ${sample.metric.alertname} is not in the page`);
      }
    }
  }

  // The slowest traces are real: Jaeger knows every id the report shows with spans.
  const jaeger = jaegerClient(options.jaegerUrl);
  const shown = [
    ...(data.slowestTraces ?? []).map((trace) => trace.traceId),
    ...(data.exemplarTraces ?? []).flatMap((exemplar) => (exemplar.trace === undefined ? [] : [exemplar.traceId])),
  ];
  for (const traceId of new Set(shown)) {
    if ((await jaeger.trace(traceId)) === undefined)
      problems.push(`trace ${traceId} is in the report but not in Jaeger`);
    if (!inspection.traceIds.includes(traceId)) problems.push(`trace ${traceId} is in the data but not in the page`);
  }
  return { path: written.path, bytes: written.bytes, data, inspection, problems };
};
