/**
 * @module The real PromQL engine agrees: a Prometheus (Debian's 2.42) started on an ephemeral loopback port
 * loads the generated rules, evaluates every rule without error, and executes every dashboard query (variables
 * substituted) without error. This catches what a parser cannot: type errors such as `rate()` of an instant vector
 * or a scalar on the wrong side of `or`. The TSDB is empty, so results are empty; data is the end-to-end suite's job.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listDashboardQueries, resolveQuery } from '@mesh-stack/observability/dashboards';
import { DEBIAN_TOOLS } from '@mesh-stack/tools';
import { stringify } from 'yaml';
import { freePort } from '../../../scripts/lib/stack/port-check.ts';
import { RULES_DIR } from './render.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

interface ApiResponse<T> {
  status: 'success' | 'error';
  error?: string;
  data: T;
}
interface RuleGroups {
  groups: { name: string; rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[] }[];
}

describe('the PromQL engine (Prometheus 2.42)', () => {
  let prometheus: ChildProcess;
  let baseUrl = '';
  let workDir = '';
  let output = '';

  const api = async <T>(path: string): Promise<ApiResponse<T>> => {
    const response = await fetch(`${baseUrl}${path}`);
    return (await response.json()) as ApiResponse<T>;
  };

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'prometheus-engine-'));
    const config = join(workDir, 'prometheus.yml');
    // Evaluate rules every second so the test does not wait; the rules themselves are the generated files.
    writeFileSync(
      config,
      stringify({ global: { evaluation_interval: '1s' }, rule_files: [join(REPO_ROOT, RULES_DIR, '*.yaml')] }),
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      DEBIAN_TOOLS.prometheus,
      [
        `--config.file=${config}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${join(workDir, 'data')}`,
        '--enable-feature=exemplar-storage',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    for (let attempt = 0; attempt < 100; attempt++) {
      const ready = await fetch(`${baseUrl}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      if (prometheus.exitCode !== null) break;
      await sleep(200);
    }
    assert.fail(`Prometheus did not become ready:\n${output}`);
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  it('evaluates every recording and alert rule without error', async () => {
    let rules: RuleGroups['groups'][number]['rules'] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const response = await api<RuleGroups>('/api/v1/rules');
      rules = response.data.groups.flatMap((group) => group.rules);
      if (rules.length > 0 && rules.every((rule) => rule.health !== 'unknown')) break;
      await sleep(200);
    }
    assert.ok(rules.length > 100, `only ${rules.length} rules loaded`);
    const broken = rules
      .filter((rule) => rule.health !== 'ok')
      .map((rule) => `${rule.name}: ${rule.lastError ?? rule.health}`);
    assert.deepEqual(broken, []);
  });

  it('executes every dashboard query, variables substituted, without error', async () => {
    const failures: string[] = [];
    for (const dashboard of listDashboardQueries()) {
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) {
          const query = resolveQuery(dashboard, target.expr, '1m');
          const response = await api<unknown>(`/api/v1/query?query=${encodeURIComponent(query)}`);
          if (response.status !== 'success')
            failures.push(`${dashboard.uid} / ${panel.title} / ${target.refId}: ${response.error}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('rejects a query with a type error, so the check above can fail', async () => {
    const response = await api<unknown>(`/api/v1/query?query=${encodeURIComponent('rate(up)')}`);
    assert.equal(response.status, 'error');
  });
});
