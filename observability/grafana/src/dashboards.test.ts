/**
 * @module The generated dashboards: committed JSON matches the TypeScript sources, every dashboard follows
 * the linting conventions and the contract check, and the checks catch what they claim to catch.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RULE_FILES } from '@mesh-stack/observability/prometheus';
import { stackCatalog } from '@mesh-stack/observability/rules';
import { ENVIRONMENTS } from '@mesh-stack/observability/scrape';
import { METRIC } from '@mesh-stack/service-kit/contract';
import { parse } from 'yaml';
import {
  DASHBOARDS,
  DASHBOARDS_DIR,
  type DashboardJson,
  listDashboardQueries,
  MESH_ONLY_MARK,
  meshOfDescription,
  renderDashboards,
  resolveQuery,
  serializeDashboard,
} from './index.ts';
import { DATASOURCE_REF } from './lib/datasources.ts';
import { buildDashboard } from './lib/spec.ts';
import { lintDashboard } from './lint.ts';
import { GRAFANA_ENV, renderProvisioning } from './provisioning.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const catalog = stackCatalog(RULE_FILES);
const committed = (file: string): DashboardJson =>
  JSON.parse(readFileSync(join(REPO_ROOT, DASHBOARDS_DIR, file), 'utf8'));

/** A deep copy of the service dashboard to break on purpose. */
const serviceModel = (): DashboardJson & { panels: Record<string, unknown>[] } =>
  JSON.parse(serializeDashboard(buildDashboard(DASHBOARDS['service-detail'] ?? assert.fail('no service dashboard'))));
const firstPanel = (model: {
  panels: Record<string, unknown>[];
}): Record<string, unknown> & { targets: Record<string, unknown>[] } =>
  model.panels.find((panel) => panel.type === 'timeseries') as never;

describe('generated dashboards', () => {
  it('match the committed JSON exactly (run `npm run generate` after changing the sources)', () => {
    const rendered = renderDashboards();
    const onDisk = readdirSync(join(REPO_ROOT, DASHBOARDS_DIR)).filter((file) => file.endsWith('.json'));
    assert.deepEqual(onDisk.sort(), [...rendered.keys()].map((path) => path.split('/').at(-1)).sort());
    for (const [path, content] of rendered) {
      assert.equal(readFileSync(join(REPO_ROOT, path), 'utf8'), content, `${path} has drifted from its source`);
    }
  });

  it('and the provisioning files match their TypeScript source', () => {
    for (const [path, content] of renderProvisioning()) {
      assert.equal(readFileSync(join(REPO_ROOT, path), 'utf8'), content, `${path} has drifted from its source`);
    }
  });

  it("and compose.yaml gives Grafana every variable the provisioning reads, with compose's scrape interval", () => {
    const compose = parse(readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8')) as {
      services: { grafana: { environment: Record<string, string> } };
    };
    const environment = compose.services.grafana.environment;
    for (const name of Object.values(GRAFANA_ENV)) assert.ok(environment[name], `compose.yaml grafana: no ${name}`);
    assert.equal(environment[GRAFANA_ENV.scrapeInterval], ENVIRONMENTS.compose.scrapeInterval);
  });

  it('follow the dashboard-linter conventions and name only metrics and labels the stack emits', () => {
    for (const file of readdirSync(join(REPO_ROOT, DASHBOARDS_DIR)).filter((name) => name.endsWith('.json'))) {
      assert.deepEqual(lintDashboard(committed(file), catalog), [], `${file} breaks the conventions`);
    }
  });

  it('have unique, fixed uids', () => {
    const uids = listDashboardQueries().map((dashboard) => dashboard.uid);
    assert.equal(new Set(uids).size, uids.length);
  });

  it('list every panel with its queries and mark exactly the sidecar panels as mesh-only', () => {
    const dashboards = listDashboardQueries();
    assert.equal(dashboards.length, Object.keys(DASHBOARDS).length);
    for (const dashboard of dashboards) {
      assert.ok(dashboard.panels.length > 0, `${dashboard.uid} has no panels`);
      for (const panel of dashboard.panels) {
        assert.ok(panel.targets.length > 0 && panel.targets.every((target) => target.expr.length > 0), panel.title);
        assert.equal(panel.meshOnly, dashboard.uid === 'mesh-stack-mesh', `${dashboard.uid} / ${panel.title}`);
        assert.equal(panel.mesh !== undefined, panel.meshOnly, `${dashboard.uid} / ${panel.title}`);
      }
      assert.ok(dashboard.variables.some((variable) => variable.name === 'datasource'));
    }
  });
});

describe('resolveQuery', () => {
  it('substitutes time macros and variable defaults the way Grafana opens the dashboard', () => {
    const service = listDashboardQueries().find((dashboard) => dashboard.uid === 'mesh-stack-service') ?? assert.fail();
    const overview =
      listDashboardQueries().find((dashboard) => dashboard.uid === 'mesh-stack-overview') ?? assert.fail();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, not a JavaScript template.
    const expr = 'sum(rate(x{job=~"$job",instance=~"${instance}"}[$__rate_interval]))';
    assert.equal(resolveQuery(service, expr, '2m'), 'sum(rate(x{job=~"order-service",instance=~".+"}[2m]))');
    assert.equal(
      resolveQuery(overview, expr),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the overview has no instance variable to substitute.
      'sum(rate(x{job=~"user-service|order-service|payment-service",instance=~"${instance}"}[1m]))',
    );
  });

  it('leaves no variable behind in any query of a dashboard', () => {
    for (const dashboard of listDashboardQueries()) {
      for (const target of dashboard.panels.flatMap((panel) => panel.targets)) {
        assert.doesNotMatch(resolveQuery(dashboard, target.expr), /\$/, `${dashboard.uid}: ${target.expr}`);
      }
    }
  });
});

describe('the dashboard checks', () => {
  it('report a panel without a unit or a description', () => {
    const model = serviceModel();
    const panel = firstPanel(model);
    panel.description = '';
    panel.fieldConfig = { defaults: {}, overrides: [] };
    const problems = lintDashboard(model, catalog);
    assert.ok(
      problems.some((problem) => problem.endsWith('has no description')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((problem) => problem.endsWith('has no unit')),
      problems.join('\n'),
    );
  });

  it('report a panel querying a metric nobody emits', () => {
    const model = serviceModel();
    const target = firstPanel(model).targets[0] ?? assert.fail('no target');
    target.expr = 'sum(rate(http_requests_total{job=~"$job",instance=~"$instance"}[$__rate_interval]))';
    assert.ok(
      lintDashboard(model, catalog).some((problem) => problem.includes('metric nobody emits: http_requests_total')),
    );
  });

  it('report a label the metric does not have', () => {
    const model = serviceModel();
    const target = firstPanel(model).targets[0] ?? assert.fail('no target');
    target.expr = `sum by (path) (rate(${METRIC.httpServerRequestDuration.name}_count{job=~"$job",instance=~"$instance"}[$__rate_interval]))`;
    assert.ok(lintDashboard(model, catalog).some((problem) => problem.includes('grouping label path')));
  });

  it('report a fixed rate window, a bare counter, a missing job matcher and a query that does not parse', () => {
    const model = serviceModel();
    const panel = firstPanel(model);
    const counter = `${METRIC.httpServerRequestDuration.name}_count`;
    panel.targets = [
      {
        refId: 'A',
        datasource: DATASOURCE_REF,
        expr: `sum(rate(${counter}{job=~"$job",instance=~"$instance"}[5m]))`,
      },
      { refId: 'B', datasource: DATASOURCE_REF, expr: `sum(${counter}{job=~"$job",instance=~"$instance"})` },
      {
        refId: 'C',
        datasource: DATASOURCE_REF,
        expr: `sum(rate(${counter}{instance=~"$instance"}[$__rate_interval]))`,
      },
      { refId: 'D', datasource: DATASOURCE_REF, expr: `sum(rate(${counter}[$__rate_interval])` },
    ];
    const problems = lintDashboard(model, catalog).join('\n');
    assert.match(problems, /target A: rate\(.*\) uses \[5m\], not \[\$__rate_interval\]/);
    assert.match(problems, /target B: counter .* is used outside rate/);
    assert.match(problems, /target C: .* is not filtered by \$job/);
    assert.match(problems, /target D: does not parse/);
  });

  it('report a panel or target on a fixed datasource, an editable dashboard and a second datasource variable', () => {
    const model = serviceModel() as ReturnType<typeof serviceModel> & {
      editable: boolean;
      templating: { list: unknown[] };
    };
    const panel = firstPanel(model);
    panel.datasource = { type: 'prometheus', uid: 'some-fixed-uid' };
    (panel.targets[0] ?? assert.fail('no target')).datasource = { type: 'prometheus', uid: 'some-fixed-uid' };
    model.editable = true;
    model.templating.list.push({ type: 'datasource', name: 'other', query: 'prometheus' });
    const problems = lintDashboard(model, catalog).join('\n');
    assert.match(problems, /panel \d+ "[^"]+" does not use \$datasource/);
    assert.match(problems, /target A does not use \$datasource/);
    assert.match(problems, /read-only/);
    assert.match(problems, /exactly one datasource variable/);
  });

  it('recognise mesh-only panels by their description mark', () => {
    const mesh = listDashboardQueries().find((dashboard) => dashboard.uid === 'mesh-stack-mesh');
    const istio = mesh?.panels.filter((panel) => panel.mesh === 'istio') ?? [];
    const linkerd = mesh?.panels.filter((panel) => panel.mesh === 'linkerd') ?? [];
    assert.ok(
      istio.length > 0 && istio.every((panel) => panel.targets.every((target) => target.expr.includes('istio_'))),
    );
    assert.ok(
      linkerd.length > 0 && linkerd.every((panel) => panel.targets.every((target) => !target.expr.includes('istio_'))),
    );
    assert.equal(meshOfDescription(`${MESH_ONLY_MARK}: linkerd] Inbound requests.`), 'linkerd');
    assert.equal(meshOfDescription('Requests per second.'), undefined);
  });
});
