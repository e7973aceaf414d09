/**
 * @module Audits the rendered rule and test files as a reviewer would: every alert is named, labelled and
 * annotated by the conventions, links a runbook that exists with the four sections, and has a promtool case
 * where it fires and one where it stays silent. Reads YAML, not the TypeScript, so hand edits are caught too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALERT_PREFIX, runbookPath, runbookUrl } from './rules/model.ts';

export interface RenderedAlert {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
export interface RenderedRuleFile {
  readonly groups: readonly {
    readonly name: string;
    readonly rules: readonly (RenderedAlert | { record: string; expr: string })[];
  }[];
}
export interface RenderedTestFile {
  readonly tests: readonly {
    readonly name: string;
    readonly alert_rule_test?: readonly {
      readonly alertname: string;
      readonly exp_alerts?: readonly { readonly exp_labels?: Record<string, string> }[];
    }[];
  }[];
}

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export const RUNBOOK_SECTIONS = ['Meaning', 'Impact', 'Diagnosis', 'Mitigation'] as const;

export const renderedAlerts = (files: readonly RenderedRuleFile[]): RenderedAlert[] =>
  files.flatMap((file) =>
    file.groups.flatMap((group) => group.rules.filter((rule): rule is RenderedAlert => 'alert' in rule)),
  );

/** Name, severity and annotation conventions (monitoring-mixins). */
export const auditAlertConventions = (alerts: readonly RenderedAlert[], alwaysFiring: ReadonlySet<string>): string[] =>
  alerts.flatMap((rule) => {
    const problems: string[] = [];
    const at = `${rule.alert}{${Object.entries(rule.labels ?? {})
      .map(([name, value]) => `${name}="${value}"`)
      .join(',')}}`;
    if (!new RegExp(`^${ALERT_PREFIX}([A-Z][a-z0-9]*)+$`).test(rule.alert))
      problems.push(`${at}: not CamelCase with the ${ALERT_PREFIX} prefix`);
    if (!SEVERITIES.includes((rule.labels?.severity ?? '') as never))
      problems.push(`${at}: severity must be one of ${SEVERITIES.join(', ')}`);
    const summary = rule.annotations?.summary ?? '';
    if (!/^[A-Z].*\.$/.test(summary) || summary.includes('{{'))
      problems.push(`${at}: summary must be a static sentence ending in a period`);
    const description = rule.annotations?.description ?? '';
    if (!description) problems.push(`${at}: no description`);
    else if (!description.includes('{{') && !alwaysFiring.has(rule.alert))
      problems.push(`${at}: description is not templated`);
    const runbook = rule.annotations?.runbook_url ?? '';
    if (runbook !== runbookUrl(rule.alert)) problems.push(`${at}: runbook_url does not follow the pattern`);
    else if (!/^https?:\/\//.test(runbook)) problems.push(`${at}: runbook_url is not an absolute link`);
    return problems;
  });

/** Every alert name has `docs/runbooks/<alert>.md` with the Meaning, Impact, Diagnosis and Mitigation sections. */
export const auditRunbooks = (alerts: readonly RenderedAlert[], repoRoot: string): string[] =>
  [...new Set(alerts.map((rule) => rule.alert))].flatMap((alert) => {
    const path = join(repoRoot, runbookPath(alert));
    if (!existsSync(path)) return [`${alert}: runbook ${runbookPath(alert)} does not exist`];
    const text = readFileSync(path, 'utf8');
    return RUNBOOK_SECTIONS.filter((section) => !new RegExp(`^## ${section}\\s*$`, 'm').test(text)).map(
      (section) => `${alert}: runbook has no "## ${section}" section`,
    );
  });

/**
 * Every alert rule (name plus static labels) fires in at least one promtool case, and every alert name is
 * asserted silent in at least one case, except alerts that fire by design all the time.
 */
export const auditAlertTests = (
  alerts: readonly RenderedAlert[],
  tests: readonly RenderedTestFile[],
  alwaysFiring: ReadonlySet<string>,
): string[] => {
  const checks = tests.flatMap((file) => file.tests.flatMap((testCase) => testCase.alert_rule_test ?? []));
  const problems: string[] = [];
  for (const rule of alerts) {
    const labels = rule.labels ?? {};
    const fires = checks.some(
      (check) =>
        check.alertname === rule.alert &&
        (check.exp_alerts ?? []).some((expected) =>
          Object.entries(labels).every(([name, value]) => expected.exp_labels?.[name] === value),
        ),
    );
    if (!fires) problems.push(`${rule.alert} ${JSON.stringify(labels)}: no promtool case where it fires`);
  }
  for (const alert of new Set(alerts.map((rule) => rule.alert))) {
    if (alwaysFiring.has(alert)) continue;
    const silent = checks.some((check) => check.alertname === alert && (check.exp_alerts ?? []).length === 0);
    if (!silent) problems.push(`${alert}: no promtool case where it stays silent`);
  }
  return problems;
};
