/**
 * @module Builds the report's data for one window from the live Prometheus and Jaeger. Every section is built on
 * its own: a backend that is down, a window with nothing in it or missing recording rules take out only the parts
 * that need them, and {@link ReportData.absent} names what is missing and why.
 */
import { METRIC } from '@mesh-stack/service-kit/contract';
import { SERVICE_NAMES } from '@mesh-stack/stack';
import { type AlertRow, buildAlerts } from './alerts/alerts.ts';
import { loadDashboards, type ReportDashboard } from './dashboards/model.ts';
import { buildDashboardSections, type DashboardSection } from './dashboards/panels.ts';
import type { TimeGrid } from './dashboards/series.ts';
import { BackendError } from './sources/http.ts';
import { type JaegerClient, jaegerClient } from './sources/jaeger.ts';
import { type PrometheusClient, prometheusClient, type RuleGroupInfo } from './sources/prometheus.ts';
import type { TraceSummary } from './traces/shape.ts';
import { type ExemplarTrace, exemplarTraces, searchSlowest } from './traces/slowest.ts';
import type { ClientSection } from './verdicts/client.ts';
import { buildSloVerdicts, SLI_RECORD, type SloVerdicts } from './verdicts/slo.ts';
import type { TimeWindow } from './window.ts';

/** Defaults of `npm start` (BACKEND_PORTS in stack/src/stack.ts). */
export const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';
export const DEFAULT_JAEGER_URL = 'http://127.0.0.1:16686';
/** Prometheus's own default, used when the running config cannot be read. */
const FALLBACK_SCRAPE_INTERVAL_SECONDS = 15;
/** Points per chart at most: a 10-minute run at a 15 s scrape interval has 40; a day would be 300. */
export const MAX_POINTS = 300;

export type SectionName = 'verdicts' | 'client' | 'dashboards' | 'alerts' | 'traces';

export interface Absence {
  readonly section: SectionName;
  readonly message: string;
}

export interface ReportData {
  readonly title: string;
  readonly generatedAt: string;
  readonly window: TimeWindow;
  readonly grid: TimeGrid | undefined;
  readonly sources: { readonly prometheus: string; readonly jaeger: string; readonly jaegerUi: string | undefined };
  /** About the window itself (cut at now, in the future, no traffic). */
  readonly notes: readonly string[];
  readonly absent: readonly Absence[];
  readonly slo: SloVerdicts | undefined;
  readonly client: ClientSection | undefined;
  readonly dashboards: readonly DashboardSection[];
  readonly alerts: readonly AlertRow[] | undefined;
  readonly slowestTraces: readonly TraceSummary[] | undefined;
  readonly exemplarTraces: readonly ExemplarTrace[] | undefined;
}

export interface BuildOptions {
  readonly window: TimeWindow;
  /** Notes from resolving the window (see window.ts). */
  readonly windowNotes?: readonly string[];
  readonly nowMs?: number;
  readonly prometheusUrl?: string;
  readonly jaegerUrl?: string;
  /** Jaeger UI base URL for links; no links without it (the local Jaeger serves the API only). */
  readonly jaegerUiUrl?: string;
  readonly client?: ClientSection;
  /** Client results that were asked for but could not be read. */
  readonly clientProblem?: string;
  readonly dashboards?: readonly ReportDashboard[];
  readonly services?: readonly string[];
  readonly title?: string;
}

export const timeGrid = (window: TimeWindow, scrapeIntervalSeconds: number): TimeGrid => {
  const start = Math.ceil(window.fromMs / 1000);
  const end = Math.max(start, Math.floor(window.toMs / 1000));
  const step = Math.max(scrapeIntervalSeconds, Math.ceil((end - start) / MAX_POINTS));
  return { start, end, step };
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const buildReport = async (options: BuildOptions): Promise<ReportData> => {
  const nowMs = options.nowMs ?? Date.now();
  const { window } = options;
  const prometheusUrl = (options.prometheusUrl ?? DEFAULT_PROMETHEUS_URL).replace(/\/+$/, '');
  const jaegerUrl = (options.jaegerUrl ?? DEFAULT_JAEGER_URL).replace(/\/+$/, '');
  const notes = [...(options.windowNotes ?? [])];
  const absent: Absence[] = [];
  const miss = (section: SectionName, message: string): void => {
    absent.push({ section, message });
  };
  const base = {
    title: options.title ?? 'Load test report',
    generatedAt: new Date(nowMs).toISOString(),
    window,
    sources: { prometheus: prometheusUrl, jaeger: jaegerUrl, jaegerUi: options.jaegerUiUrl?.replace(/\/+$/, '') },
    client: options.client,
  };
  if (options.client === undefined) {
    miss(
      'client',
      options.clientProblem ??
        'no client-side results: run `npm run load -- --report`, or pass --summary (npm run -s load -- --json > run.json) or --k6-summary',
    );
  }

  if (window.fromMs >= nowMs) {
    const why = 'the window is in the future: nothing has been recorded for it yet';
    for (const section of ['verdicts', 'dashboards', 'alerts', 'traces'] as const) miss(section, why);
    return {
      ...base,
      grid: undefined,
      notes,
      absent,
      slo: undefined,
      dashboards: [],
      alerts: undefined,
      slowestTraces: undefined,
      exemplarTraces: undefined,
    };
  }

  const prometheus: PrometheusClient = prometheusClient(prometheusUrl);
  const jaeger: JaegerClient = jaegerClient(jaegerUrl);
  const windowSeconds = (window.toMs - window.fromMs) / 1000;

  // Prometheus first: its rules tell whether it is reachable at all, and what is loaded.
  let ruleGroups: RuleGroupInfo[] | undefined;
  let prometheusDown: string | undefined;
  try {
    ruleGroups = await prometheus.ruleGroups();
  } catch (error) {
    prometheusDown = messageOf(error);
  }
  const scrapeInterval = prometheusDown
    ? FALLBACK_SCRAPE_INTERVAL_SECONDS
    : ((await prometheus.scrapeIntervalSeconds().catch(() => undefined)) ?? FALLBACK_SCRAPE_INTERVAL_SECONDS);
  const grid = timeGrid(window, scrapeInterval);
  const timing = { stepSeconds: grid.step, scrapeIntervalSeconds: scrapeInterval, rangeSeconds: windowSeconds };

  let slo: SloVerdicts | undefined;
  let dashboards: DashboardSection[] = [];
  let alerts: AlertRow[] | undefined;
  if (prometheusDown !== undefined) {
    miss('verdicts', `SLO verdicts: ${prometheusDown}`);
    miss('dashboards', `dashboard panels: ${prometheusDown}`);
    miss('alerts', `alerts: ${prometheusDown}`);
  } else {
    const recording = new Set(
      (ruleGroups ?? []).flatMap((group) =>
        group.rules.filter((rule) => rule.type === 'recording').map((rule) => rule.name),
      ),
    );
    const [sloResult, dashboardResult, alertResult, traffic] = await Promise.allSettled([
      buildSloVerdicts(prometheus, windowSeconds, grid.end, recording),
      buildDashboardSections(prometheus, options.dashboards ?? loadDashboards(), grid, timing),
      buildAlerts(prometheus, grid, windowSeconds, ruleGroups ?? []),
      prometheus.query(
        `sum(increase(${METRIC.httpServerRequestDuration.name}_count[${Math.max(1, Math.round(windowSeconds))}s]))`,
        grid.end,
      ),
    ]);
    if (sloResult.status === 'fulfilled') {
      slo = sloResult.value;
      for (const rule of slo.missing) {
        miss(
          'verdicts',
          `Prometheus at ${prometheusUrl} has no recording rule ${rule} (observability/prometheus/rules/slo.yaml is not loaded): ` +
            'verdicts are computed from the SLI expression of the rule source instead, and the SLO panels are empty',
        );
      }
    } else miss('verdicts', `SLO verdicts: ${messageOf(sloResult.reason)}`);
    if (dashboardResult.status === 'fulfilled') dashboards = dashboardResult.value;
    else miss('dashboards', `dashboard panels: ${messageOf(dashboardResult.reason)}`);
    if (alertResult.status === 'fulfilled') alerts = alertResult.value;
    else miss('alerts', `alerts: ${messageOf(alertResult.reason)}`);
    if (traffic.status === 'fulfilled' && !(Number(traffic.value[0]?.value[1] ?? 0) > 0)) {
      notes.push(
        `Prometheus at ${prometheusUrl} recorded no HTTP requests in this window: was the stack running and under load then?`,
      );
    }
    if (ruleGroups !== undefined && ruleGroups.length === 0) {
      miss(
        'alerts',
        `Prometheus at ${prometheusUrl} has no rules loaded: no alert could have fired, and ${SLI_RECORD} is missing`,
      );
    }
  }

  let slowestTraces: TraceSummary[] | undefined;
  let exemplars: ExemplarTrace[] | undefined;
  let jaegerDown: string | undefined;
  try {
    slowestTraces = await searchSlowest(jaeger, options.services ?? SERVICE_NAMES, window);
  } catch (error) {
    jaegerDown = messageOf(error);
    miss(
      'traces',
      `slowest traces from Jaeger: ${jaegerDown}${error instanceof BackendError && error.unreachable ? '; exemplar traces are listed without their spans' : ''}`,
    );
  }
  if (prometheusDown === undefined) {
    try {
      exemplars = await exemplarTraces(prometheus, jaegerDown === undefined ? jaeger : undefined, window);
    } catch (error) {
      miss('traces', `exemplar traces: ${messageOf(error)}`);
    }
  } else miss('traces', `exemplar traces: ${prometheusDown}`);

  return { ...base, grid, notes, absent, slo, dashboards, alerts, slowestTraces, exemplarTraces: exemplars };
};
