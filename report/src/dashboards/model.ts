/**
 * @module The generated dashboards as the report reads them: dashboard → rows → panels with their PromQL, unit,
 * min/max, thresholds and legend format, and the template variables.
 *
 * Source: `renderDashboards()` of `@mesh-stack/observability/dashboards`, the function `npm run generate:grafana`
 * writes `observability/grafana/dashboards/*.json` with. Its output is byte for byte the committed (drift-checked)
 * JSON, so the report shows exactly what Grafana loads, needs no path into the repository at run time, and picks up
 * a new dashboard or panel without a change here. Only Grafana's classic JSON model is read, generically: nothing
 * depends on a panel's title.
 */
import { meshOfDescription, renderDashboards } from '@mesh-stack/observability/dashboards';

export type Mesh = 'istio' | 'linkerd';

export interface ReportTarget {
  readonly refId: string;
  readonly expr: string;
  /** Grafana legend template: `{{label}} text`. */
  readonly legendFormat: string;
  /** `format: heatmap`: cumulative `le` buckets, shown de-cumulated. */
  readonly heatmap: boolean;
  readonly exemplar: boolean;
}

export interface ThresholdStep {
  /** `null` is the base step (from -∞). */
  readonly value: number | null;
  /** As Grafana names it (`red`, `semi-dark-orange`, `#73BF69`). */
  readonly color: string;
  /** The same colour in CSS. */
  readonly css: string;
}

export interface Thresholds {
  readonly mode: 'absolute' | 'percentage';
  readonly steps: readonly ThresholdStep[];
  /** Grafana's `custom.thresholdsStyle.mode` for graphs: `off` (the default), `line`, `dashed`, `area`, … */
  readonly style: string;
}

/** Grafana's palette for its named colours (the base shade; dark-/semi-dark-/light- variants map to it too). */
const GRAFANA_COLOURS: Readonly<Record<string, string>> = {
  red: '#F2495C',
  orange: '#FF9830',
  yellow: '#FADE2A',
  green: '#73BF69',
  blue: '#5794F2',
  purple: '#B877D9',
  text: '#1a1a1a',
  transparent: 'transparent',
};

export const cssColour = (name: string): string => {
  if (/^(#|rgb|hsl)/i.test(name)) return name;
  const base = name.replace(/^(super-light|light|semi-dark|dark)-/, '');
  return GRAFANA_COLOURS[base] ?? name;
};

export interface ReportPanel {
  readonly id: number;
  readonly title: string;
  readonly description: string;
  /** Grafana panel type: `timeseries`, `stat`, `heatmap`, … (unknown types are drawn as time series). */
  readonly type: string;
  readonly unit: string;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly decimals: number | undefined;
  readonly stacked: boolean;
  readonly thresholds: Thresholds | undefined;
  /** Only has data where this mesh's sidecars run. */
  readonly mesh: Mesh | undefined;
  readonly targets: readonly ReportTarget[];
}

export interface ReportRow {
  /** Empty for panels above the first row. */
  readonly title: string;
  readonly panels: readonly ReportPanel[];
}

export interface ReportVariable {
  readonly name: string;
  readonly type: string;
  readonly label: string;
  readonly query: string;
  readonly multi: boolean;
  readonly includeAll: boolean;
  readonly allValue: string | undefined;
  /** The value the dashboard opens with; `$__all` for All. */
  readonly current: string | undefined;
  /** Fixed options of `custom` variables. */
  readonly options: readonly string[];
}

export interface ReportDashboard {
  /** File name without `.json`. */
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly ReportVariable[];
  readonly rows: readonly ReportRow[];
}

/* ---------- the classic JSON model, as far as it is read ---------- */

interface JsonTarget {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  format?: string;
  exemplar?: boolean;
  hide?: boolean;
}
interface JsonFieldDefaults {
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
  thresholds?: { mode?: string; steps?: { value?: number | null; color?: string }[] };
  custom?: { stacking?: { mode?: string }; thresholdsStyle?: { mode?: string } };
}
interface JsonPanel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  targets?: JsonTarget[];
  panels?: JsonPanel[];
  fieldConfig?: { defaults?: JsonFieldDefaults };
  options?: { yAxis?: { unit?: string } };
}
interface JsonVariable {
  name?: string;
  type?: string;
  label?: string;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  current?: { value?: unknown };
  options?: { value?: unknown }[];
}
export interface DashboardJson {
  uid?: string;
  title?: string;
  description?: string;
  templating?: { list?: JsonVariable[] };
  panels?: JsonPanel[];
}

const thresholdsOf = (defaults: JsonFieldDefaults | undefined): Thresholds | undefined => {
  const steps = defaults?.thresholds?.steps;
  if (steps === undefined || steps.length === 0) return undefined;
  return {
    mode: defaults?.thresholds?.mode === 'percentage' ? 'percentage' : 'absolute',
    steps: steps.map((step) => ({
      value: typeof step.value === 'number' ? step.value : null,
      color: step.color ?? 'red',
      css: cssColour(step.color ?? 'red'),
    })),
    style: defaults?.custom?.thresholdsStyle?.mode ?? 'off',
  };
};

const panelOf = (panel: JsonPanel): ReportPanel => {
  const defaults = panel.fieldConfig?.defaults;
  const type = panel.type ?? 'timeseries';
  const description = panel.description ?? '';
  return {
    id: panel.id ?? -1,
    title: panel.title ?? '',
    description,
    type,
    // A heatmap's unit is that of its y axis (bucket bounds); its field unit is that of the counts.
    unit: (type === 'heatmap' ? panel.options?.yAxis?.unit : undefined) ?? defaults?.unit ?? 'short',
    min: defaults?.min,
    max: defaults?.max,
    decimals: defaults?.decimals,
    stacked: defaults?.custom?.stacking?.mode === 'normal' || defaults?.custom?.stacking?.mode === 'percent',
    thresholds: thresholdsOf(defaults),
    mesh: meshOfDescription(description),
    targets: (panel.targets ?? [])
      .filter((target) => target.hide !== true && (target.expr ?? '') !== '')
      .map((target) => ({
        refId: target.refId ?? '',
        expr: target.expr ?? '',
        legendFormat: target.legendFormat ?? '',
        heatmap: target.format === 'heatmap',
        exemplar: target.exemplar === true,
      })),
  };
};

/** Rows in dashboard order; a collapsed row carries its panels inside it, an open one is followed by them. */
export const rowsOf = (model: DashboardJson): ReportRow[] => {
  const rows: { title: string; panels: ReportPanel[] }[] = [];
  let current: { title: string; panels: ReportPanel[] } | undefined;
  for (const panel of model.panels ?? []) {
    if (panel.type === 'row') {
      current = { title: panel.title ?? '', panels: (panel.panels ?? []).map(panelOf) };
      rows.push(current);
      continue;
    }
    if (current === undefined) {
      current = { title: '', panels: [] };
      rows.push(current);
    }
    current.panels.push(panelOf(panel));
  }
  return rows.filter((row) => row.panels.length > 0);
};

const variableOf = (variable: JsonVariable): ReportVariable => {
  const query =
    typeof variable.query === 'string'
      ? variable.query
      : typeof (variable.query as { query?: unknown } | undefined)?.query === 'string'
        ? String((variable.query as { query: string }).query)
        : '';
  const current = variable.current?.value;
  return {
    name: variable.name ?? '',
    type: variable.type ?? '',
    label: variable.label ?? variable.name ?? '',
    query,
    multi: variable.multi === true,
    includeAll: variable.includeAll === true,
    allValue: variable.allValue,
    current: typeof current === 'string' ? current : Array.isArray(current) ? String(current[0] ?? '') : undefined,
    options: (variable.options ?? []).map((option) => String(option.value ?? '')).filter((value) => value !== ''),
  };
};

export const dashboardOf = (file: string, model: DashboardJson): ReportDashboard => ({
  file,
  uid: model.uid ?? file,
  title: model.title ?? file,
  description: model.description ?? '',
  variables: (model.templating?.list ?? []).map(variableOf),
  rows: rowsOf(model),
});

/** Every generated dashboard, in the order the generator lists them. */
export const loadDashboards = (): ReportDashboard[] =>
  [...renderDashboards()].map(([path, json]) =>
    dashboardOf(
      path
        .split(/[\\/]/)
        .at(-1)
        ?.replace(/\.json$/, '') ?? path,
      JSON.parse(json) as DashboardJson,
    ),
  );
