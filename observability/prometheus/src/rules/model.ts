/**
 * @module The shape of recording rules, alerts and their promtool unit tests, as data. The generator renders
 * them to Prometheus rule files and promtool test files; the checks read the rendered files back.
 */
import type { RecordedSeries } from '@mesh-stack/observability/promql';

/** monitoring-mixins severities: `critical` pages, `warning` opens a ticket, `info` is not routed. */
export type Severity = 'critical' | 'warning' | 'info';

/** Every alert name starts with this (monitoring-mixins: a shared component prefix). */
export const ALERT_PREFIX = 'MeshStack';

/** Where the runbooks live in the repository: `docs/runbooks/<alert>.md` (the audit checks each one exists). */
export const RUNBOOK_DIR = 'docs/runbooks';
export const runbookPath = (alert: string): string => `${RUNBOOK_DIR}/${alert}.md`;

/**
 * Absolute base of every `runbook_url`, so the link is clickable in Alertmanager, Slack or a pager. It defaults to
 * this repository's docs; a fork that publishes its runbooks elsewhere sets `RUNBOOK_BASE_URL` when it runs
 * `npm run generate` and commits the result (the drift check then compares against its own base).
 */
export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/mesh-stack/mesh-observability-stack/blob/main/';
export const RUNBOOK_BASE_URL_ENV = 'RUNBOOK_BASE_URL';
export const runbookBaseUrl = (): string => {
  const base = process.env[RUNBOOK_BASE_URL_ENV] ?? DEFAULT_RUNBOOK_BASE_URL;
  const url = new URL(base);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
};
export const runbookUrl = (alert: string): string => new URL(runbookPath(alert), runbookBaseUrl()).href;

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
  /**
   * Keeps a firing alert firing this long after its condition clears (Prometheus ≥ 2.42), so a signal hovering
   * around its threshold or a crash-looping target gives one notification, not one per flap.
   */
  readonly keepFiringFor?: string;
  readonly severity: Severity;
  /** Extra static labels (e.g. the SLO id); `severity` is added from the field above. */
  readonly labels?: Readonly<Record<string, string>>;
  /** A static sentence ending in a period. */
  readonly summary: string;
  /** What it means when it fires, in one sentence, for the alert review document (docs/alerts.md). */
  readonly meaning: string;
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
  /** Other rule files whose recorded series these rules read; their tests load them first. */
  readonly needs?: readonly RuleFile[];
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
