/**
 * @module The catalog for this stack: contract, runtime and external metrics plus the series our recording
 * rules write; `ALERTS` also carries the labels our alert rules set (e.g. `slo`).
 */
import { buildCatalog, type Catalog, PROMETHEUS_METRIC } from '@mesh-stack/observability/promql';
import { alertRules, type RuleFile, recordedSeries } from './rules/model.ts';

export const stackCatalog = (ruleFiles: readonly RuleFile[]): Catalog => {
  const catalog = new Map(buildCatalog(recordedSeries(ruleFiles)));
  const alerts = catalog.get(PROMETHEUS_METRIC.alerts.name);
  if (alerts) {
    const ruleLabels = alertRules(ruleFiles).flatMap((rule) => Object.keys(rule.labels ?? {}));
    catalog.set(alerts.name, { ...alerts, labels: new Set([...alerts.labels, ...ruleLabels]) });
  }
  return catalog;
};
