/**
 * @module What the Grafana suite checks, read from the committed dashboard JSON (what users provision): every
 * dashboard by uid, every panel by title, and which panels must show data given the mesh the user runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DashboardInfo, type DashboardJson, dashboardInfo, type Mesh } from '../src/index.ts';

export const DASHBOARDS_PATH = join(import.meta.dirname, '..', 'dashboards');

/** `GRAFANA_MESH=istio|linkerd` makes that mesh's panels required to show data too; unset, none are. */
export const MESH_ENV = 'GRAFANA_MESH';

export const provisionedDashboards = (): DashboardInfo[] =>
  readdirSync(DASHBOARDS_PATH)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => dashboardInfo(JSON.parse(readFileSync(join(DASHBOARDS_PATH, file), 'utf8')) as DashboardJson));

export const meshUnderTest = (value: string | undefined): Mesh | undefined => {
  if (value === undefined || value === '' || value === 'none') return undefined;
  if (value === 'istio' || value === 'linkerd') return value;
  throw new Error(`${MESH_ENV} must be istio, linkerd or none, not "${value}"`);
};

/** A panel must show data unless it needs a mesh other than the one under test. */
export const mustShowData = (panel: DashboardInfo['panels'][number], mesh: Mesh | undefined): boolean =>
  !panel.meshOnly || panel.mesh === mesh;
