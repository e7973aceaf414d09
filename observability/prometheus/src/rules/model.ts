/**
 * @module The shape of recording rules, alerts and their promtool unit tests, as data. The generator renders
 * them to Prometheus rule files and promtool test files; the checks read the rendered files back.
 */
import type { RecordedSeries } from '../catalog.ts';

/** monitoring-mixins severities: `critical` pages, `warning` opens a ticket, `info` is not routed. */
export type Severity = 'critical' | 'warning' | 'info';

/** Every alert name starts with this (monitoring-mixins: a shared component prefix). */
export const ALERT_PREFIX = 'MeshStack';

/**
 * One pattern for every runbook link; `%s` is the alert name, which is also the runbook's file name.
 * Relative to the repository root: a fork publishing its docs replaces the prefix with their URL and regenerates.
 */
export const RUNBOOK_URL_PATTERN = 'docs/runbooks/%s.md';
export const runbookUrl = (alert: string): string => RUNBOOK_URL_PATTERN.replace('%s', alert);

export const ALERT_LABEL = { severity: 'severity', slo: 'slo' } as const;

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  /** Static labels added to the result. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Every label the recorded series carries (aggregation labels plus static labels), for the contract check. */
  readonly outputLabels: readonly string[];
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: Severity;
  /** Extra static labels (e.g. the SLO id); `severity` is added from the field above. */
  readonly labels?: Readonly<Record<string, string>>;
  /** A static sentence ending in a period. */
  readonly summary: string;
  /** Templated with `{{ $labels.x }}` and `{{ $value | … }}`. */
  readonly description: string;
}

export type Rule = RecordingRule | AlertRule;

export interface RuleGroup {
  /** `<area>.rules` */
  readonly name: `${string}.rules`;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

/** One generated rule file, `observability/prometheus/rules/<name>.yaml`, with its unit tests. */
export interface RuleFile {
  readonly name: string;
  readonly groups: readonly RuleGroup[];
  readonly tests: readonly AlertTestCase[];
}

export interface InputSeries {
  /** Series in PromQL notation, e.g. `up{job="order-service"}`. */
  readonly series: string;
  /** promtool expanding notation, e.g. `0+60x90`. */
  readonly values: string;
}

export interface ExpectedAlert {
  /** Labels of the firing alert besides `alertname` and `severity`, including the rule's static labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** What `{{ $value | … }}` renders to in the description, exactly as promtool will render it. */
  readonly valueText: string;
}

export interface AlertExpectation {
  readonly alert: string;
  /** Severity of each expected alert; the rule with that alert name and severity supplies static labels. */
  readonly firing: readonly (ExpectedAlert & { readonly severity: Severity })[];
}

/** A `promql_expr_test`: the samples an expression must return at the case's `evalTime`. */
export interface ExprCheck {
  readonly expr: string;
  /** Labels in PromQL notation (`{job="x"}`) and the exact value. */
  readonly samples: readonly { readonly labels: string; readonly value: number }[];
}

export interface AlertTestCase {
  readonly name: string;
  readonly interval: string;
  readonly inputSeries: readonly InputSeries[];
  readonly evalTime: string;
  /** For each alert checked: the alerts that must be firing at `evalTime` (none = must stay silent). */
  readonly expectations: readonly AlertExpectation[];
  /** Recording-rule checks evaluated at `evalTime`. */
  readonly exprChecks?: readonly ExprCheck[];
}

export const isAlert = (rule: Rule): rule is AlertRule => 'alert' in rule;
export const isRecording = (rule: Rule): rule is RecordingRule => 'record' in rule;

export const recordedSeries = (files: readonly RuleFile[]): RecordedSeries[] =>
  files.flatMap((file) =>
    file.groups.flatMap((group) =>
      group.rules.filter(isRecording).map((rule) => ({ name: rule.record, labels: rule.outputLabels })),
    ),
  );

export const alertRules = (files: readonly RuleFile[]): AlertRule[] =>
  files.flatMap((file) => file.groups.flatMap((group) => group.rules.filter(isAlert)));
