/**
 * @module Playwright configuration for the Grafana suite (`npm run test:grafana`). Needs a Grafana at
 * `GRAFANA_URL` provisioned from observability/grafana/provisioning with the stack's data in Prometheus.
 * Chromium: `CHROMIUM_PATH`, else a system Chromium (Debian's `/usr/bin/chromium`: nothing downloaded, runs
 * offline), else Playwright's own browser (`npx playwright install chromium` once).
 *
 * Environment: GRAFANA_URL (required), GRAFANA_USER / GRAFANA_PASSWORD (default admin/admin),
 * GRAFANA_MESH=istio|linkerd to also require data from that mesh's panels.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginOptions } from '@grafana/plugin-e2e';
import { CHROMIUM_ARGS } from '@mesh-stack/tools';
import { defineConfig } from '@playwright/test';
import { chromiumExecutable } from './checks.ts';

const grafanaUrl = process.env.GRAFANA_URL;
if (!grafanaUrl && !process.argv.includes('--list')) {
  throw new Error(
    'Set GRAFANA_URL to the Grafana to check, e.g. GRAFANA_URL=http://127.0.0.1:3000 npm run test:grafana',
  );
}
const executablePath = chromiumExecutable();
const credentials = { user: process.env.GRAFANA_USER ?? 'admin', password: process.env.GRAFANA_PASSWORD ?? 'admin' };
/** plugin-e2e's login setup, run first; it stores the session for the dashboard tests. */
const authDir = join(dirname(fileURLToPath(import.meta.resolve('@grafana/plugin-e2e'))), 'auth');

export default defineConfig<PluginOptions>({
  testDir: import.meta.dirname,
  outputDir: join(import.meta.dirname, '..', '..', '..', '.tools', 'grafana-e2e-results'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  timeout: 180_000,
  use: {
    baseURL: grafanaUrl ?? 'http://127.0.0.1:3000',
    user: credentials,
    grafanaAPICredentials: credentials,
    provisioningRootDir: join(import.meta.dirname, '..', 'provisioning'),
    launchOptions: { ...(executablePath ? { executablePath } : {}), args: [...CHROMIUM_ARGS] },
    viewport: { width: 1600, height: 1000 },
  },
  projects: [
    { name: 'auth', testDir: authDir, testMatch: [/.*\.js/] },
    {
      name: 'dashboards',
      testMatch: /.*\.spec\.ts/,
      use: { storageState: `playwright/.auth/${credentials.user}.json` },
      dependencies: ['auth'],
    },
  ],
});
