/**
 * @module What the Grafana suite checks, read from the committed dashboard JSON (what users provision): every
 * dashboard by uid, every panel by title, and which panels must show data given the mesh the user runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/**
 * What a panel shows when it has nothing true to show, in any panel type: time series and heatmaps print
 * "No data" over the graph, stat panels print it as their value, and a 0/0 ratio prints "NaN" as a value or in a
 * legend's calculations. Read from the panel's rendered text.
 */
const EMPTY_VALUE = /\bNo data\b|\bNaN\b/;

/** Why a panel's rendered text says it has no real value, or `undefined` when it has one. */
export const emptyValueIn = (renderedText: string): string | undefined => EMPTY_VALUE.exec(renderedText)?.[0];

/** `CHROMIUM_PATH` overrides where the browser is found; Debian's package installs it here. */
export const CHROMIUM_PATH_ENV = 'CHROMIUM_PATH';

/**
 * The Chromium to drive: `CHROMIUM_PATH`, else a system Chromium at one of the usual paths, else `undefined`,
 * which makes Playwright use its own browser (`npx playwright install chromium` downloads it once).
 */
export const chromiumExecutable = (
  env: Readonly<Record<string, string | undefined>> = process.env,
  candidates: readonly string[] = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'],
  exists: (path: string) => boolean = existsSync,
): string | undefined => {
  const configured = env[CHROMIUM_PATH_ENV];
  if (configured) {
    if (!exists(configured)) throw new Error(`${CHROMIUM_PATH_ENV}=${configured} does not exist`);
    return configured;
  }
  return candidates.find(exists);
};
