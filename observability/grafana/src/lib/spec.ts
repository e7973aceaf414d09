/**
 * @module Dashboards as small declarative specs, turned into classic dashboard JSON with
 * @grafana/grafana-foundation-sdk. Panels get ids, refIds, the datasource variable and a legend the same way
 * everywhere, so the dashboard modules only say what to show and why.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE_REF, DATASOURCE_VARIABLE, PROMETHEUS_DATASOURCE } from './datasources.ts';

/** The meshes whose sidecar metrics some panels need. */
export type Mesh = 'istio' | 'linkerd';
/**
 * Description prefix of panels that only have data on a mesh, machine-readable: `[mesh only: istio] …`.
 * {@link meshOfDescription} reads it back from the JSON.
 */
export const MESH_ONLY_MARK = '[mesh only';
export const meshOnlyMark = (mesh: Mesh): string => `${MESH_ONLY_MARK}: ${mesh}]`;
export const meshOfDescription = (description: string): Mesh | undefined =>
  /^\[mesh only: (istio|linkerd)\]/.exec(description)?.[1] as Mesh | undefined;
/** Tag on every dashboard of the stack; the dashboards link to each other through it. */
export const STACK_TAG = 'mesh-stack';

export interface QuerySpec {
  readonly expr: string;
  readonly legend: string;
  /** Ask Prometheus for exemplars (histogram queries) so Grafana links points to their traces in Jaeger. */
  readonly exemplar?: boolean;
  /** Prometheus `format: heatmap`: buckets as a heatmap frame. */
  readonly heatmap?: boolean;
}

/** Grafana's named colours for threshold steps. */
export type ThresholdColor = 'green' | 'orange' | 'red' | 'blue' | 'text';

/**
 * Colour steps, lowest first: the first step's `from` is `null` (minus infinity). Stat panels colour their value
 * with them; time series draw them as dashed lines, so a budget of −200% or zero targets up never shows green.
 */
export interface Thresholds {
  readonly steps: readonly { readonly from: number | null; readonly color: ThresholdColor }[];
}

/** Green above `amber`, orange between `red` and `amber`, red below `red` (budget left, targets up). */
export const higherIsBetter = (red: number, amber: number): Thresholds => ({
  steps: [
    { from: null, color: 'red' },
    { from: red, color: 'orange' },
    { from: amber, color: 'green' },
  ],
});
/** Green below `amber`, orange from `amber`, red from `red` (burn rate, lag, age). */
export const lowerIsBetter = (amber: number, red: number): Thresholds => ({
  steps: [
    { from: null, color: 'green' },
    { from: amber, color: 'orange' },
    { from: red, color: 'red' },
  ],
});

export interface PanelSpec {
  readonly kind: 'timeseries' | 'stat' | 'heatmap';
  readonly title: string;
  readonly description: string;
  /** A Grafana unit id (`reqps`, `s`, `percentunit`, `bytes`, `short`, …). */
  readonly unit: string;
  readonly queries: readonly QuerySpec[];
  readonly width?: number;
  readonly height?: number;
  /** Only has data where this mesh's sidecars run. */
  readonly meshOnly?: Mesh;
  readonly min?: number;
  readonly max?: number;
  readonly stacked?: boolean;
  /** Required on stat panels (the lint checks it); on time series, drawn as dashed lines. */
  readonly thresholds?: Thresholds;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly VariableBuilderLike[];
  readonly rows: readonly RowSpec[];
}

/** Any SDK variable builder. */
export type VariableBuilderLike = { build(): dashboard.VariableModel };

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const target = (query: QuerySpec, index: number): prometheus.DataqueryBuilder => {
  const builder = new prometheus.DataqueryBuilder()
    .datasource(DATASOURCE_REF)
    .refId(REF_IDS[index] ?? `Q${index}`)
    .expr(query.expr)
    .legendFormat(query.legend)
    .range();
  if (query.exemplar) builder.exemplar(true);
  if (query.heatmap) builder.format(prometheus.PromQueryFormat.Heatmap);
  return builder;
};

const legend = (): common.VizLegendOptionsBuilder =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Bottom)
    .calcs(['mean', 'max', 'lastNotNull']);

const thresholdsConfig = (thresholds: Thresholds): dashboard.ThresholdsConfigBuilder =>
  new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(thresholds.steps.map((step) => ({ value: step.from, color: step.color })));

const description = (spec: PanelSpec): string =>
  spec.meshOnly ? `${meshOnlyMark(spec.meshOnly)} ${spec.description}` : spec.description;

const buildPanel = (spec: PanelSpec, id: number) => {
  const targets = spec.queries.map(target);
  const width = spec.width ?? 12;
  const height = spec.height ?? 8;
  if (spec.kind === 'stat') {
    const panel = new stat.PanelBuilder()
      .id(id)
      .title(spec.title)
      .description(description(spec))
      .datasource(DATASOURCE_REF)
      .unit(spec.unit)
      .targets(targets)
      .span(width)
      .height(height)
      .graphMode(common.BigValueGraphMode.Area)
      .colorMode(common.BigValueColorMode.Value)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    if (spec.min !== undefined) panel.min(spec.min);
    if (spec.max !== undefined) panel.max(spec.max);
    if (spec.thresholds) panel.thresholds(thresholdsConfig(spec.thresholds));
    return panel;
  }
  if (spec.kind === 'heatmap') {
    return new heatmap.PanelBuilder()
      .id(id)
      .title(spec.title)
      .description(description(spec))
      .datasource(DATASOURCE_REF)
      .unit(spec.unit)
      .targets(targets)
      .span(width)
      .height(height)
      .calculate(false)
      .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Le))
      .yAxis(new heatmap.YAxisConfigBuilder().unit('s'))
      .exemplarsColor('rgba(255,0,255,0.7)');
  }
  const panel = new timeseries.PanelBuilder()
    .id(id)
    .title(spec.title)
    .description(description(spec))
    .datasource(DATASOURCE_REF)
    .unit(spec.unit)
    .targets(targets)
    .span(width)
    .height(height)
    .legend(legend())
    .fillOpacity(spec.stacked ? 30 : 10);
  if (spec.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  if (spec.thresholds) {
    panel
      .thresholds(thresholdsConfig(spec.thresholds))
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  return panel;
};

export const datasourceVariable = (): dashboard.DatasourceVariableBuilder =>
  new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label('Data source')
    .type(PROMETHEUS_DATASOURCE.type)
    .current({ selected: true, text: PROMETHEUS_DATASOURCE.name, value: PROMETHEUS_DATASOURCE.uid });

export interface QueryVariableOptions {
  readonly label: string;
  /** `label_values(metric, label)`. */
  readonly query: string;
  readonly multi: boolean;
  /** Default selection; `undefined` selects All (multi) or the first value. */
  readonly defaultValue?: string;
  /** Regex sent for "All" (multi only); default `.+`. */
  readonly allValue?: string;
}

export const queryVariable = (name: string, options: QueryVariableOptions): dashboard.QueryVariableBuilder => {
  const builder = new dashboard.QueryVariableBuilder(name)
    .label(options.label)
    .query(options.query)
    .definition(options.query)
    .datasource(DATASOURCE_REF)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(options.multi)
    .includeAll(options.multi);
  if (options.multi) builder.allValue(options.allValue ?? '.+');
  if (options.defaultValue !== undefined) {
    builder.current({ selected: true, text: options.defaultValue, value: options.defaultValue });
  } else if (options.multi) {
    builder.current({ selected: true, text: 'All', value: '$__all' });
  }
  return builder;
};

/** Builds the classic dashboard JSON model that Grafana's file provisioning reads. */
export const buildDashboard = (spec: DashboardSpec): dashboard.Dashboard => {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([STACK_TAG, ...spec.tags])
    .readonly()
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .link(
      new dashboard.DashboardLinkBuilder('Mesh stack dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([STACK_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  builder.withVariable(datasourceVariable());
  for (const variable of spec.variables) builder.withVariable(variable);
  let id = 1;
  for (const row of spec.rows) {
    builder.withRow(new dashboard.RowBuilder(row.title).id(id++));
    for (const panel of row.panels) builder.withPanel(buildPanel(panel, id++));
  }
  return builder.build();
};
