/**
 * @module The generated Prometheus and Alertmanager files: no drift from the sources; valid for Debian's
 * Prometheus 2.42 and for Prometheus 3.x (promtool check + promtool test rules with both); every alert follows
 * the conventions, has a runbook and a firing and a silent unit test; every expression passes the contract check.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { checkExpression } from '@mesh-stack/observability/promql';
import { DEBIAN_TOOLS, GO_TOOLS } from '@mesh-stack/tools';
import { parse, stringify } from 'yaml';
import {
  auditAlertConventions,
  auditAlertTests,
  auditRunbooks,
  type RenderedRuleFile,
  type RenderedTestFile,
  renderedAlerts,
} from './audit.ts';
import {
  KUBERNETES_CONFIG_PATH,
  LOCAL_CONFIG_PATH,
  RULE_FILES,
  RULE_TESTS_DIR,
  RULES_DIR,
  renderPrometheusFiles,
} from './render.ts';
import { ALWAYS_FIRING } from './rules/meta.ts';
import { SLOS } from './rules/slo.ts';
import { stackCatalog } from './stack-catalog.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);
/** Prometheus 3.x's promtool, built by `npm run setup` from tools/promtool/go.mod. */
const PROMTOOL_3 = GO_TOOLS.promtool3;

const yamlFiles = (dir: string): string[] =>
  readdirSync(join(REPO_ROOT, dir))
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => join(REPO_ROOT, dir, file));
const ruleFiles = yamlFiles(RULES_DIR);
const testFiles = yamlFiles(RULE_TESTS_DIR);
const renderedRules = ruleFiles.map((file) => parse(readFileSync(file, 'utf8')) as RenderedRuleFile);
const renderedTests = testFiles.map((file) => parse(readFileSync(file, 'utf8')) as RenderedTestFile);
const alerts = renderedAlerts(renderedRules);

const promtool = async (binary: string, args: readonly string[]): Promise<string> => {
  try {
    const { stdout, stderr } = await run(binary, args, { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: number };
    assert.fail(
      `${binary} ${args.join(' ')} exited with ${failure.code}:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`,
    );
  }
};

describe('generated Prometheus files', () => {
  it('match the committed files exactly (run `npm run generate` after changing the sources)', () => {
    const rendered = renderPrometheusFiles();
    const generatedOnDisk = [...ruleFiles, ...testFiles].map((file) => file.slice(REPO_ROOT.length + 1));
    const expected = [...rendered.keys()].filter(
      (path) => path.startsWith(RULES_DIR) || path.startsWith(RULE_TESTS_DIR),
    );
    assert.deepEqual(generatedOnDisk.sort(), expected.sort());
    for (const [path, content] of rendered) {
      assert.equal(readFileSync(join(REPO_ROOT, path), 'utf8'), content, `${path} has drifted from its source`);
    }
  });

  it('name only metrics and labels the stack emits, in expressions that parse', () => {
    const catalog = stackCatalog(RULE_FILES);
    for (const file of renderedRules) {
      for (const rule of file.groups.flatMap((group) => group.rules)) {
        const name = 'alert' in rule ? rule.alert : rule.record;
        assert.deepEqual(checkExpression(rule.expr, catalog), [], `${name}: ${rule.expr}`);
      }
    }
  });

  it('name groups `<area>.rules` and recording rules `level:metric:operations`', () => {
    for (const group of renderedRules.flatMap((file) => file.groups)) {
      assert.match(group.name, /^[a-z0-9-]+\.rules$/);
      for (const rule of group.rules)
        if ('record' in rule) assert.match(rule.record, /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
    }
  });
});

describe('alerts', () => {
  it('follow the naming, severity and annotation conventions', () => {
    assert.deepEqual(auditAlertConventions(alerts, ALWAYS_FIRING), []);
  });

  it('each link a runbook with Meaning, Impact, Diagnosis and Mitigation', () => {
    assert.deepEqual(auditRunbooks(alerts, REPO_ROOT), []);
  });

  it('each have a promtool case where they fire and one where they stay silent', () => {
    assert.deepEqual(auditAlertTests(alerts, renderedTests, ALWAYS_FIRING), []);
  });

  it('are reported when an alert has no unit test or no runbook', () => {
    const untested = { ...alerts[1], alert: 'MeshStackUntestedAlert' } as (typeof alerts)[number];
    assert.deepEqual(auditAlertTests([untested], renderedTests, ALWAYS_FIRING), [
      `MeshStackUntestedAlert ${JSON.stringify(untested.labels)}: no promtool case where it fires`,
      'MeshStackUntestedAlert: no promtool case where it stays silent',
    ]);
    assert.deepEqual(auditRunbooks([untested], REPO_ROOT), [
      'MeshStackUntestedAlert: runbook docs/runbooks/MeshStackUntestedAlert.md does not exist',
    ]);
    const firingOnly = renderedTests.map((file) => ({
      tests: file.tests.map((testCase) => ({
        ...testCase,
        alert_rule_test: (testCase.alert_rule_test ?? []).filter((check) => (check.exp_alerts ?? []).length > 0),
      })),
    }));
    assert.ok(auditAlertTests(alerts, firingOnly, ALWAYS_FIRING).some((problem) => problem.endsWith('stays silent')));
    const badAnnotations = { ...untested, annotations: { summary: 'no period', description: 'static' } };
    assert.equal(auditAlertConventions([badAnnotations], ALWAYS_FIRING).length, 3);
  });
});

describe('docs/observability.md', () => {
  it('lists every SLO with its objective and every alert with its runbook', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs', 'observability.md'), 'utf8');
    // Table rows as trimmed cells, whatever column alignment the formatter chose.
    const rows = docs
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim())
          .join(' | '),
      );
    for (const slo of SLOS) {
      const row = [`\`${slo.id}\``, slo.service, slo.kind, `${slo.objective * 100}%`, slo.description].join(' | ');
      assert.ok(rows.includes(row), `docs/observability.md has no row: ${row}`);
    }
    for (const alert of new Set(alerts.map((rule) => rule.alert))) {
      assert.ok(docs.includes(`[${alert}](runbooks/${alert}.md)`), alert);
    }
  });
});

describe('promtool', { concurrency: 2 }, () => {
  for (const [version, binary] of [
    ['2.42 (Debian)', DEBIAN_TOOLS.promtool],
    ['3.x', PROMTOOL_3],
  ] as const) {
    it(`${version}: check config and rules, and pass every rule unit test`, async () => {
      assert.ok(existsSync(binary), `${binary} is missing: run \`npm run setup\``);
      await promtool(binary, ['check', 'config', LOCAL_CONFIG_PATH]);
      await promtool(binary, ['check', 'rules', '--lint=all', '--lint-fatal', ...ruleFiles]);
      const output = await promtool(binary, ['test', 'rules', ...testFiles]);
      assert.doesNotMatch(output, /FAILED/);
    });
  }

  it('3.x: checks the Kubernetes configuration (Debian 2.42 is built without Kubernetes discovery)', async () => {
    assert.ok(existsSync(PROMTOOL_3), `${PROMTOOL_3} is missing: run \`npm run setup\``);
    await promtool(PROMTOOL_3, ['check', 'config', KUBERNETES_CONFIG_PATH]);
  });

  it('fails a rule unit test whose expectation is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promtool-negative-'));
    const original = parse(readFileSync(testFiles.find((file) => file.endsWith('symptoms.yaml')) ?? '', 'utf8'));
    const firing = original.tests.find((testCase: { alert_rule_test: { exp_alerts: unknown[] }[] }) =>
      testCase.alert_rule_test.some((check) => check.exp_alerts.length > 0 && testCase.alert_rule_test.length === 1),
    );
    firing.alert_rule_test[0].exp_alerts = [];
    const file = join(dir, 'wrong.yaml');
    writeFileSync(
      file,
      stringify({ ...original, rule_files: [join(REPO_ROOT, RULES_DIR, 'symptoms.yaml')], tests: [firing] }),
    );
    await assert.rejects(run(DEBIAN_TOOLS.promtool, ['test', 'rules', file]), /FAILED/);
  });
});
