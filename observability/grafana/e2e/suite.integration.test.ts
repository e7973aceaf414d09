/**
 * @module The Grafana suite cannot run here (Grafana is AGPL and is never run in this project's environment),
 * so `npm test` does not count it: this test says so, and checks what can be checked without Grafana, namely
 * that Playwright loads the suite and would open every provisioned dashboard.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@mesh-stack/tools';
import { meshUnderTest, mustShowData, provisionedDashboards } from './checks.ts';

const run = promisify(execFile);
const PLAYWRIGHT_CLI = join(REPO_ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
const CONFIG = join('observability', 'grafana', 'e2e', 'playwright.config.ts');

describe('Grafana Playwright suite (npm run test:grafana)', () => {
  it('is NOT run by npm test: there is no Grafana here; it loads and would check every provisioned dashboard', async (t) => {
    const dashboards = provisionedDashboards();
    const env = { ...process.env };
    delete env.GRAFANA_URL;
    const { stdout } = await run(process.execPath, [PLAYWRIGHT_CLI, 'test', '--config', CONFIG, '--list'], {
      cwd: REPO_ROOT,
      env,
    });
    for (const dashboard of dashboards) {
      assert.ok(
        stdout.includes(`(${dashboard.uid}) renders every panel with data`),
        `${dashboard.uid} is not in the suite`,
      );
    }
    t.diagnostic(
      'NOT RUN: the Grafana suite needs a running Grafana (GRAFANA_URL); Grafana is not run in this environment.',
    );
    t.diagnostic(
      'Run it against your Grafana: GRAFANA_URL=http://127.0.0.1:3000 npm run test:grafana (docs/observability.md).',
    );
    for (const dashboard of dashboards) {
      const meshOnly = dashboard.panels.filter((panel) => panel.meshOnly).length;
      t.diagnostic(`would check ${dashboard.uid}: ${dashboard.panels.length} panels (${meshOnly} mesh-only)`);
    }
  });

  it('requires data from every panel except those of a mesh the user does not run', () => {
    const panels = provisionedDashboards().flatMap((dashboard) => dashboard.panels);
    const istio = panels.find((panel) => panel.mesh === 'istio') ?? assert.fail('no Istio panel');
    const linkerd = panels.find((panel) => panel.mesh === 'linkerd') ?? assert.fail('no Linkerd panel');
    const plain = panels.find((panel) => !panel.meshOnly) ?? assert.fail('no plain panel');
    assert.deepEqual(
      [undefined, meshUnderTest('istio'), meshUnderTest('linkerd')].map((mesh) => [
        mustShowData(plain, mesh),
        mustShowData(istio, mesh),
        mustShowData(linkerd, mesh),
      ]),
      [
        [true, false, false],
        [true, true, false],
        [true, false, true],
      ],
    );
    assert.throws(() => meshUnderTest('consul'), /GRAFANA_MESH/);
  });
});
