/**
 * @module The contract check: an expression must parse, and name only metrics and labels in the catalog.
 * Counters must sit inside `rate`, `irate` or `increase`. Used for every dashboard query and every rule.
 */
import type { Catalog } from './catalog.ts';
import { inspectExpression, parseLabelValuesQuery } from './inspect.ts';

const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);

export const checkExpression = (expr: string, catalog: Catalog): string[] => {
  const report = inspectExpression(expr);
  if (report.syntaxErrors.length > 0) return report.syntaxErrors.map((error) => `does not parse: ${error}`);
  const problems: string[] = [];
  const labelsInScope = new Set<string>(report.createdLabels);
  for (const selector of report.selectors) {
    const known = catalog.get(selector.metric);
    if (!known) {
      problems.push(`metric nobody emits: ${selector.metric || '(selector without a metric name)'}`);
      continue;
    }
    for (const label of known.labels) labelsInScope.add(label);
    for (const matcher of selector.matchers) {
      if (!known.labels.has(matcher.label)) problems.push(`label ${matcher.label} is not a label of ${known.name}`);
    }
    if (known.counter && !COUNTER_FUNCTIONS.has(selector.rangeFunction ?? '')) {
      problems.push(`counter ${known.name} is used outside rate/irate/increase`);
    }
  }
  for (const label of new Set(report.groupingLabels)) {
    if (!labelsInScope.has(label)) problems.push(`grouping label ${label} is on none of the selected metrics`);
  }
  return problems;
};

/** Checks a Grafana variable query: `label_values(metric, label)` or a PromQL expression. */
export const checkVariableQuery = (query: string, catalog: Catalog): string[] => {
  const labelValues = parseLabelValuesQuery(query);
  if (!labelValues) return checkExpression(query, catalog);
  if (labelValues.metric === undefined) return [];
  // label_values reads series names, not values, so a bare counter is fine here.
  const problems = checkExpression(labelValues.metric, catalog).filter((problem) => !problem.startsWith('counter '));
  const report = inspectExpression(labelValues.metric);
  const known = report.selectors.map((selector) => catalog.get(selector.metric)).find((entry) => entry !== undefined);
  if (known && !known.labels.has(labelValues.label)) {
    problems.push(`label ${labelValues.label} is not a label of ${known.name}`);
  }
  return problems;
};
