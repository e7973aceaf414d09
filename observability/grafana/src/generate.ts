/**
 * @module `npm run generate` (Grafana part): rewrites `observability/grafana/dashboards/*.json` from scratch, and the provisioning files.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DASHBOARDS_DIR, renderDashboards } from './index.ts';
import { renderProvisioning } from './provisioning.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const directory = join(REPO_ROOT, DASHBOARDS_DIR);

mkdirSync(directory, { recursive: true });
for (const entry of readdirSync(directory)) if (entry.endsWith('.json')) rmSync(join(directory, entry));
for (const [path, content] of [...renderDashboards(), ...renderProvisioning()]) {
  mkdirSync(dirname(join(REPO_ROOT, path)), { recursive: true });
  writeFileSync(join(REPO_ROOT, path), content);
  console.log(`[generate] ${path}`);
}
