/**
 * @module Dashboard conventions, the rules grafana/dashboard-linter checks (it is a Go binary outside our
 * toolchain, so they are re-implemented here over the same JSON), plus the stack's contract check:
 * - templating: exactly one datasource variable, named `datasource`, of type prometheus; query variables
 *   refresh on time-range change and use the datasource variable;
 * - panels: the `${datasource}` datasource on every panel and every target; a title, a description and a
 *   unit on every panel; at least one target;
 * - targets: PromQL that parses and names only known metrics and labels; `rate`/`irate`/`increase` over
 *   `$__rate_interval`; counters only inside them; `job`/`instance` matchers on the dashboard's variables
 *   wherever the dashboard has such a variable and the metric carries the label;
 * - dashboard: read-only, a fixed uid;
 * - telling the truth at a glance: thresholds on every stat and burn-rate panel (so −200% budget or 0 targets up
 *   never shows green), exemplars requested on every quantile of a histogram the services attach trace exemplars to.
 */

import type { Catalog } from '@mesh-stack/observability/promql';
import { checkExpression, checkVariableQuery, inspectExpression, TARGET_LABEL } from '@mesh-stack/observability/promql';
import { METRIC } from '@mesh-stack/service-kit/contract';
import { type DashboardJson, panelsOf } from './index.ts';
import { DATASOURCE_VARIABLE, PROMETHEUS_DATASOURCE } from './lib/datasources.ts';

const RATE_FUNCTIONS = new Set(['rate', 'irate', 'increase']);
const DATASOURCE_UIDS = new Set([`\${${DATASOURCE_VARIABLE}}`, `$${DATASOURCE_VARIABLE}`]);
/** dashboard-linter's variable rules: `job` and `instance` must be filtered on wherever they exist. */
const SCOPING_VARIABLES = [TARGET_LABEL.job, TARGET_LABEL.instance] as const;
const UID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** Histograms whose buckets carry `trace_id` exemplars (the services' observeDuration). */
const EXEMPLAR_HISTOGRAMS = [
  METRIC.httpServerRequestDuration.name,
  METRIC.httpClientRequestDuration.name,
  METRIC.dbClientOperationDuration.name,
].map((name) => `${name}_bucket`);
const BURN_RATE_TITLE = /burn rate/i;

interface Ref {
  type?: string;
  uid?: string;
}
interface LintPanel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  datasource?: Ref;
  fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps?: unknown[] } } };
  targets?: { refId?: string; expr?: string; datasource?: Ref; exemplar?: boolean }[];
}
interface LintVariable {
  name?: string;
  type?: string;
  query?: unknown;
  refresh?: number;
  datasource?: Ref;
}

const usesDatasourceVariable = (ref: Ref | undefined): boolean =>
  ref !== undefined && DATASOURCE_UIDS.has(ref.uid ?? '');

const lintTarget = (expr: string, catalog: Catalog, scopes: readonly string[]): string[] => {
  const problems = checkExpression(expr, catalog);
  const report = inspectExpression(expr);
  for (const selector of report.selectors) {
    if (RATE_FUNCTIONS.has(selector.rangeFunction ?? '') && selector.window !== '$__rate_interval') {
      problems.push(`${selector.rangeFunction}(${selector.metric}) uses [${selector.window}], not [$__rate_interval]`);
    }
    const known = catalog.get(selector.metric);
    if (!known) continue;
    for (const scope of scopes) {
      const filtered = selector.matchers.some(
        (matcher) => matcher.label === scope && matcher.value.includes(`$${scope}`),
      );
      if (known.labels.has(scope) && !filtered) problems.push(`${selector.metric} is not filtered by $${scope}`);
    }
  }
  return problems;
};

export const lintDashboard = (model: DashboardJson, catalog: Catalog): string[] => {
  const problems: string[] = [];
  const where = (panel: LintPanel) => `panel ${panel.id ?? '?'} "${panel.title ?? ''}"`;
  const variables = (model.templating?.list ?? []) as LintVariable[];

  const datasourceVariables = variables.filter((variable) => variable.type === 'datasource');
  if (datasourceVariables.length !== 1 || datasourceVariables[0]?.name !== DATASOURCE_VARIABLE) {
    problems.push(`dashboard must have exactly one datasource variable named ${DATASOURCE_VARIABLE}`);
  } else if (datasourceVariables[0]?.query !== PROMETHEUS_DATASOURCE.type) {
    problems.push(`the ${DATASOURCE_VARIABLE} variable must select ${PROMETHEUS_DATASOURCE.type} datasources`);
  }
  for (const variable of variables.filter((candidate) => candidate.type === 'query')) {
    if (!usesDatasourceVariable(variable.datasource))
      problems.push(`variable ${variable.name} does not use $${DATASOURCE_VARIABLE}`);
    if (variable.refresh !== 2) problems.push(`variable ${variable.name} does not refresh on time-range change`);
    const query = typeof variable.query === 'string' ? variable.query : '';
    for (const problem of checkVariableQuery(query, catalog)) problems.push(`variable ${variable.name}: ${problem}`);
  }
  const scopes = SCOPING_VARIABLES.filter((scope) => variables.some((variable) => variable.name === scope));

  if (model.editable !== false) problems.push('dashboard must be read-only (editable: false)');
  if (!UID_PATTERN.test(model.uid ?? ''))
    problems.push(`dashboard uid "${model.uid ?? ''}" must be fixed, lowercase, ≤ 40 characters`);

  const ids = new Set<number>();
  for (const panel of panelsOf(model) as LintPanel[]) {
    if (panel.id === undefined || ids.has(panel.id)) problems.push(`${where(panel)} needs a unique id`);
    else ids.add(panel.id);
    if (!panel.title?.trim()) problems.push(`${where(panel)} has no title`);
    if (!panel.description?.trim()) problems.push(`${where(panel)} has no description`);
    if (!panel.fieldConfig?.defaults?.unit?.trim()) problems.push(`${where(panel)} has no unit`);
    if (!usesDatasourceVariable(panel.datasource))
      problems.push(`${where(panel)} does not use $${DATASOURCE_VARIABLE}`);
    const needsThresholds = panel.type === 'stat' || BURN_RATE_TITLE.test(panel.title ?? '');
    if (needsThresholds && (panel.fieldConfig?.defaults?.thresholds?.steps ?? []).length === 0)
      problems.push(`${where(panel)} has no thresholds`);
    const targets = panel.targets ?? [];
    if (targets.length === 0) problems.push(`${where(panel)} has no targets`);
    for (const target of targets) {
      const expr = target.expr ?? '';
      const exemplarHistogram = EXEMPLAR_HISTOGRAMS.find((bucket) => expr.includes(bucket));
      if (expr.includes('histogram_quantile(') && exemplarHistogram && target.exemplar !== true)
        problems.push(
          `${where(panel)} target ${target.refId ?? '?'}: a ${exemplarHistogram} quantile without exemplars`,
        );
    }
    for (const target of targets) {
      const at = `${where(panel)} target ${target.refId ?? '?'}`;
      if (!target.refId) problems.push(`${at} has no refId`);
      if (!usesDatasourceVariable(target.datasource)) problems.push(`${at} does not use $${DATASOURCE_VARIABLE}`);
      for (const problem of lintTarget(target.expr ?? '', catalog, scopes)) problems.push(`${at}: ${problem}`);
    }
  }
  return problems;
};
