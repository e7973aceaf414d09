/**
 * @module `@mesh-stack/observability/rules`: the rules' public entry, the facts other code may rely on. The
 * dashboards read the SLOs, their recorded series and alert names, the alert labels and thresholds from here (as a
 * mixin's dashboards read its `_config`), and so do the report and the end-to-end tests; nobody imports a rule file
 * by its path. Rule groups and promtool cases are not here: `render.ts` (`@mesh-stack/observability/prometheus`)
 * turns them into files. The PromQL both sides build with is `@mesh-stack/observability/promql`.
 */
export { stackCatalog } from '../stack-catalog.ts';
export { META_ALERT, META_THRESHOLD } from './meta.ts';
export { ALERT_LABEL, runbookUrl } from './model.ts';
export { OUTAGE_ALERT } from './outage.ts';
export { RECONCILIATION_ALERT, STUCK_PENDING_AGE_SECONDS } from './reconciliation.ts';
export {
  BURN_WINDOWS,
  errorBudget,
  ORDER_FLOW,
  SLO_ALERT,
  SLO_ERROR_RATIO_PERIOD,
  SLO_PERIOD_DAYS,
  SLO_RECORD,
  SLOS,
  type SloDefinition,
  sliErrorRatioExpr,
} from './slo.ts';
export { ALWAYS_FIRING, SYMPTOM_ALERT, THRESHOLD } from './symptoms.ts';
