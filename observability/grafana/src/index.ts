/**
 * @module Every dashboard of the stack, rendered to the classic JSON that Grafana's file provider loads, and a
 * listing of every panel's queries and the variables they use (for the end-to-end "every query returns data"
 * test and the contract check).
 */
import { join } from 'node:path';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { meshDashboard } from './dashboards/mesh.ts';
import { overviewDashboard } from './dashboards/overview.ts';
import { pipelineDashboard } from './dashboards/pipeline.ts';
import { serviceDashboard } from './dashboards/service.ts';
import { sloDashboard } from './dashboards/slo.ts';
import { buildDashboard, type DashboardSpec, MESH_ONLY_MARK, type Mesh, meshOfDescription } from './lib/spec.ts';

export { DATASOURCE_VARIABLE, JAEGER_DATASOURCE, PROMETHEUS_DATASOURCE } from './lib/datasources.ts';
export { MESH_ONLY_MARK, type Mesh, meshOfDescription, STACK_TAG } from './lib/spec.ts';

/** File name (without `.json`) → dashboard; the file name is `<component>-<kind>`-style and stable. */
export const DASHBOARDS: Readonly<Record<string, DashboardSpec>> = {
  'stack-overview': overviewDashboard,
  'service-detail': serviceDashboard,
  'service-mesh': meshDashboard,
  slos: sloDashboard,
  'telemetry-pipeline': pipelineDashboard,
};

/** Where provisioning loads dashboards from, relative to the repository root. */
export const DASHBOARDS_DIR = join('observability', 'grafana', 'dashboards');

export const serializeDashboard = (model: Dashboard): string => `${JSON.stringify(model, null, 2)}\n`;

/** Path (relative to the repository root) → file content, for the generator and the drift test. */
export const renderDashboards = (): Map<string, string> =>
  new Map(
    Object.entries(DASHBOARDS).map(([file, spec]) => [
      join(DASHBOARDS_DIR, `${file}.json`),
      serializeDashboard(buildDashboard(spec)),
    ]),
  );

/* ---------- reading dashboard JSON back: used by the checks, the e2e tests and the Grafana suite ---------- */

export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
}

export interface DashboardPanelInfo {
  readonly id: number;
  readonly title: string;
  readonly type: string;
  /** Only has data where Istio or Linkerd sidecars run (marked with {@link MESH_ONLY_MARK}). */
  readonly meshOnly: boolean;
  /** Which mesh's sidecars it needs, when {@link meshOnly}. */
  readonly mesh: Mesh | undefined;
  readonly targets: readonly DashboardTarget[];
}

export interface DashboardVariableInfo {
  readonly name: string;
  readonly type: string;
  readonly query: string;
  /** The value the dashboard opens with (`$__all` for All), if it has one. */
  readonly defaultValue: string | undefined;
  readonly allValue: string | undefined;
}

export interface DashboardInfo {
  readonly uid: string;
  readonly title: string;
  readonly variables: readonly DashboardVariableInfo[];
  readonly panels: readonly DashboardPanelInfo[];
}

interface JsonPanel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: JsonPanel[];
}
interface JsonVariable {
  name?: string;
  type?: string;
  query?: unknown;
  allValue?: string;
  current?: { value?: unknown };
}
/** The parts of a classic dashboard JSON model the checks read. */
export interface DashboardJson {
  uid?: string;
  title?: string;
  editable?: boolean;
  templating?: { list?: JsonVariable[] };
  panels?: JsonPanel[];
}

/** Every non-row panel, including those nested in collapsed rows. */
export const panelsOf = (model: DashboardJson): JsonPanel[] =>
  (model.panels ?? []).flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));

export const dashboardInfo = (model: DashboardJson): DashboardInfo => ({
  uid: model.uid ?? '',
  title: model.title ?? '',
  variables: (model.templating?.list ?? []).map((variable) => ({
    name: variable.name ?? '',
    type: variable.type ?? '',
    query: typeof variable.query === 'string' ? variable.query : JSON.stringify(variable.query ?? ''),
    defaultValue: typeof variable.current?.value === 'string' ? variable.current.value : undefined,
    allValue: variable.allValue,
  })),
  panels: panelsOf(model).map((panel) => ({
    id: panel.id ?? -1,
    title: panel.title ?? '',
    type: panel.type ?? '',
    meshOnly: (panel.description ?? '').startsWith(MESH_ONLY_MARK),
    mesh: meshOfDescription(panel.description ?? ''),
    targets: (panel.targets ?? []).map((target) => ({ refId: target.refId ?? '', expr: target.expr ?? '' })),
  })),
});

/**
 * Every dashboard with its variables and every panel's PromQL, from the generated models. The end-to-end
 * suite substitutes the variables (defaults, `$__rate_interval`) and expects data from every panel that is
 * not `meshOnly`.
 */
export const listDashboardQueries = (): DashboardInfo[] =>
  Object.values(DASHBOARDS).map((spec) => dashboardInfo(buildDashboard(spec) as DashboardJson));

/** Grafana's time macros, replaced by one window when a query is run outside Grafana. */
const TIME_MACROS = /\$\{?(__rate_interval|__interval|__range)\}?/g;

/**
 * A panel query as Grafana would send it when the dashboard opens with its defaults: time macros become
 * `window`, each variable its default value (All becomes the variable's `allValue`, `.+` when unset), and
 * `${datasource}` is not part of PromQL. Used by the end-to-end test to run every query against Prometheus.
 *
 * @example resolveQuery(dashboard, 'sum(rate(x{job=~"$job"}[$__rate_interval]))', '1m')
 */
export const resolveQuery = (dashboard: DashboardInfo, expr: string, window = '1m'): string => {
  const values = new Map(
    dashboard.variables.map((variable) => [
      variable.name,
      variable.defaultValue === undefined || variable.defaultValue === '$__all'
        ? (variable.allValue ?? '.+')
        : variable.defaultValue,
    ]),
  );
  return expr
    .replace(TIME_MACROS, window)
    .replace(/\$\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?/g, (match, name: string) => values.get(name) ?? match);
};
