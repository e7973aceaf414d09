/**
 * @module Every panel of every generated dashboard, drawn from range queries over the report window: the panel's
 * own PromQL with variables and time macros bound ({@link interpolate}), its unit, min/max and thresholds, grouped
 * by dashboard, variable value and row as the dashboards are.
 */
import { mapLimit } from '../limit.ts';
import type { PrometheusClient, RangeSeries } from '../sources/prometheus.ts';
import type { Mesh, ReportDashboard, ReportPanel, Thresholds } from './model.ts';
import {
  alignSeries,
  type ChartSeries,
  gridTimes,
  type HeatmapData,
  heatmapOf,
  legendName,
  type SeriesStats,
  statsOf,
  type TimeGrid,
} from './series.ts';
import { type DashboardInstance, expandVariables, interpolate, type QueryTiming } from './variables.ts';

/** Series kept per panel, the highest first; Grafana would draw more, but a report has to stay readable and small. */
export const MAX_SERIES_PER_PANEL = 24;
const QUERY_CONCURRENCY = 6;

export type PanelStatus = 'data' | 'empty' | 'no-mesh-data' | 'error';

export interface PanelData {
  /** Unique in the report: the DOM id of its chart. */
  readonly key: string;
  readonly title: string;
  readonly description: string;
  readonly type: string;
  readonly unit: string;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly decimals: number | undefined;
  readonly stacked: boolean;
  readonly thresholds: Thresholds | undefined;
  readonly mesh: Mesh | undefined;
  /** The PromQL actually run (variables bound), one per target. */
  readonly queries: readonly string[];
  readonly times: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly heatmap: HeatmapData | undefined;
  readonly stats: readonly SeriesStats[];
  readonly status: PanelStatus;
  /** Why a panel has no chart, or that series were cut. */
  readonly message: string | undefined;
}

export interface RowData {
  readonly title: string;
  readonly panels: readonly PanelData[];
}

export interface InstanceData {
  readonly label: string;
  readonly rows: readonly RowData[];
}

export interface DashboardSection {
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly instances: readonly InstanceData[];
  readonly notes: readonly string[];
}

const seriesPeak = (series: ChartSeries): number =>
  series.values.reduce<number>(
    (peak, value) => (value !== null && value > peak ? value : peak),
    Number.NEGATIVE_INFINITY,
  );

const meshMessage = (mesh: Mesh): string =>
  `no mesh data: this panel reads ${mesh === 'istio' ? 'Istio (Envoy sidecar)' : 'Linkerd (proxy)'} metrics, which were absent in the window`;

export const panelData = (
  panel: ReportPanel,
  key: string,
  queries: readonly string[],
  results: readonly (RangeSeries[] | Error)[],
  grid: TimeGrid,
): PanelData => {
  const times = gridTimes(grid);
  const errors = results.filter((result): result is Error => result instanceof Error);
  const matrices = results.filter((result): result is RangeSeries[] => !(result instanceof Error));
  const base = {
    key,
    title: panel.title,
    description: panel.description,
    type: panel.type,
    unit: panel.unit,
    min: panel.min,
    max: panel.max,
    decimals: panel.decimals,
    stacked: panel.stacked,
    thresholds: panel.thresholds,
    mesh: panel.mesh,
    queries,
    times,
  };
  const errorMessage = errors.length === 0 ? undefined : errors.map((error) => error.message).join('; ');
  if (panel.targets.some((target) => target.heatmap)) {
    const heatmap = heatmapOf(matrices.flat(), grid, times);
    const hasData = heatmap.counts.some((row) => row.some((value) => value !== null));
    return {
      ...base,
      series: [],
      heatmap: hasData ? heatmap : undefined,
      stats: [],
      status: hasData ? 'data' : errorMessage !== undefined ? 'error' : panel.mesh ? 'no-mesh-data' : 'empty',
      message: hasData
        ? errorMessage
        : (errorMessage ?? (panel.mesh ? meshMessage(panel.mesh) : 'no data in the window')),
    };
  }
  const all: ChartSeries[] = panel.targets.flatMap((target, index) =>
    (results[index] instanceof Error ? [] : ((results[index] as RangeSeries[] | undefined) ?? [])).map((series) => ({
      name: legendName(target.legendFormat, series.metric),
      values: alignSeries(series, grid, times),
    })),
  );
  const withPoints = all.filter((series) => series.values.some((value) => value !== null));
  const kept = [...withPoints].sort((a, b) => seriesPeak(b) - seriesPeak(a)).slice(0, MAX_SERIES_PER_PANEL);
  // Keep the query's order for the kept series, so legends read as in Grafana.
  const series = withPoints.filter((item) => kept.includes(item));
  const cut =
    withPoints.length > kept.length ? `showing the ${kept.length} highest of ${withPoints.length} series` : undefined;
  if (series.length === 0) {
    return {
      ...base,
      series: [],
      heatmap: undefined,
      stats: [],
      status: errorMessage !== undefined ? 'error' : panel.mesh ? 'no-mesh-data' : 'empty',
      message: errorMessage ?? (panel.mesh ? meshMessage(panel.mesh) : 'no data in the window'),
    };
  }
  return {
    ...base,
    series,
    heatmap: undefined,
    stats: series.map(statsOf),
    status: 'data',
    message: [cut, errorMessage].filter((part) => part !== undefined).join('; ') || undefined,
  };
};

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export const buildDashboardSections = async (
  prometheus: PrometheusClient,
  dashboards: readonly ReportDashboard[],
  grid: TimeGrid,
  timing: QueryTiming,
): Promise<DashboardSection[]> => {
  const lookup = (label: string, match: string | undefined) =>
    prometheus.labelValues(label, match, grid.start, grid.end);
  const sections: DashboardSection[] = [];
  for (const dashboard of dashboards) {
    const { instances, notes } = await expandVariables(dashboard, lookup, timing);
    const instanceData: InstanceData[] = [];
    for (const [instanceIndex, instance] of instances.entries()) {
      instanceData.push({
        label: instance.label,
        rows: await rowsFor(prometheus, dashboard, instance, `${slug(dashboard.file)}-${instanceIndex}`, grid, timing),
      });
    }
    sections.push({
      file: dashboard.file,
      uid: dashboard.uid,
      title: dashboard.title,
      description: dashboard.description,
      instances: instanceData,
      notes,
    });
  }
  return sections;
};

const rowsFor = async (
  prometheus: PrometheusClient,
  dashboard: ReportDashboard,
  instance: DashboardInstance,
  keyPrefix: string,
  grid: TimeGrid,
  timing: QueryTiming,
): Promise<RowData[]> =>
  Promise.all(
    dashboard.rows.map(async (row) => ({
      title: row.title,
      panels: await mapLimit(row.panels, QUERY_CONCURRENCY, async (panel) => {
        const queries = panel.targets.map((target) => interpolate(target.expr, instance.values, timing));
        const results = await Promise.all(
          queries.map((query) =>
            prometheus
              .queryRange(query, grid.start, grid.end, grid.step)
              .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
          ),
        );
        return panelData(panel, `${keyPrefix}-p${panel.id}`, queries, results, grid);
      }),
    })),
  );
