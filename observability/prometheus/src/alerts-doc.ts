/**
 * @module docs/alerts.md, the alert review document, generated from the rule sources: for every alert rule its
 * expression, `for` and `keep_firing_for`, severity, where Alertmanager routes it and what inhibits it, what it
 * means in one sentence, its runbook and the promtool cases that cover it. Drift-checked with the rule files.
 */
import { alertmanagerConfig } from './alertmanager.ts';
import { type AlertRule, type AlertTestCase, type RuleFile, runbookPath } from './rules/model.ts';

export const ALERTS_DOC_PATH = 'docs/alerts.md';

type Labels = Readonly<Record<string, string>>;

interface Route {
  readonly receiver?: string;
  readonly matchers?: readonly string[];
  readonly routes?: readonly Route[];
}

/** `label="value"` and `label=~"a|b"` matchers, the only forms our configuration uses. */
const matches = (matcher: string, labels: Labels): boolean => {
  const parsed = /^([a-zA-Z_][a-zA-Z0-9_]*)(=~|=)(".*")$/.exec(matcher);
  if (!parsed) throw new Error(`unsupported matcher ${matcher}`);
  const [, name = '', op, quoted = '""'] = parsed;
  const value = JSON.parse(quoted) as string;
  const actual = labels[name] ?? '';
  return op === '=' ? actual === value : new RegExp(`^(?:${value})$`).test(actual);
};

/** Alertmanager's routing for our tree: the first child whose matchers all match, else the parent's receiver. */
export const receiverFor = (labels: Labels, route: Route = alertmanagerConfig().route): string => {
  for (const child of route.routes ?? []) {
    if ((child.matchers ?? []).every((matcher) => matches(matcher, labels))) {
      return receiverFor(labels, { ...child, receiver: child.receiver ?? route.receiver });
    }
  }
  return route.receiver ?? '';
};

/** The inhibition rules whose target matchers select these labels, described for a reader. */
const inhibitedBy = (labels: Labels): string[] =>
  alertmanagerConfig()
    .inhibit_rules.filter((rule) => rule.target_matchers.every((matcher) => matches(matcher, labels)))
    .map(
      (rule) =>
        `${rule.source_matchers.map((matcher) => `\`${matcher}\``).join(', ')} with the same ${rule.equal.map((label) => `\`${label}\``).join(', ')}`,
    );

const ruleLabels = (rule: AlertRule): Labels => ({ alertname: rule.alert, severity: rule.severity, ...rule.labels });

/**
 * The cases of `tests` in which `rule` must fire, and those in which it must not (its alert is checked and no
 * expected alert matches its severity and labels). A case about one SLO (named `<slo id>: …`) covers that SLO's
 * rules only.
 */
const coveringCases = (rule: AlertRule, tests: readonly AlertTestCase[]) => {
  const staticLabels = Object.entries(rule.labels ?? {});
  const matchesRule = (expected: AlertTestCase['expectations'][number]['firing'][number]): boolean =>
    expected.severity === rule.severity && staticLabels.every(([name, value]) => expected.labels[name] === value);
  const checked = tests.filter((testCase) => {
    const scope = /^([a-z0-9-]+): /.exec(testCase.name)?.[1];
    return (
      (scope === undefined || staticLabels.length === 0 || staticLabels.some(([, value]) => value === scope)) &&
      testCase.expectations.some((expectation) => expectation.alert === rule.alert)
    );
  });
  const firesIn = (testCase: AlertTestCase): boolean =>
    testCase.expectations.some(
      (expectation) => expectation.alert === rule.alert && expectation.firing.some(matchesRule),
    );
  return {
    fires: tests.filter(firesIn),
    silent: checked.filter((testCase) => !firesIn(testCase)),
  };
};

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

const renderRule = (rule: AlertRule, file: RuleFile): string => {
  const labels = ruleLabels(rule);
  const { fires, silent } = coveringCases(rule, file.tests);
  const staticLabels = Object.entries(rule.labels ?? {}).map(([name, value]) => `\`${name}="${value}"\``);
  const inhibitions = inhibitedBy(labels);
  const testFile = `observability/prometheus/tests/${file.name}.yaml`;
  const caseList = (cases: readonly AlertTestCase[]): string =>
    cases.length === 0 ? 'none' : cases.map((testCase) => `“${escapeCell(testCase.name)}”`).join('; ');
  return [
    `### ${rule.alert}${staticLabels.length > 0 ? ` (${staticLabels.join(', ')})` : ''} — ${rule.severity}`,
    '',
    rule.meaning,
    '',
    '```promql',
    rule.expr,
    '```',
    '',
    '| | |',
    '|---|---|',
    `| for | ${rule.for ?? '0s (fires at once)'} |`,
    `| keep firing for | ${rule.keepFiringFor ?? '—'} |`,
    `| severity | \`${rule.severity}\` |`,
    `| routed to | \`${receiverFor(labels)}\` |`,
    `| inhibited by | ${inhibitions.length === 0 ? '—' : inhibitions.join('; ')} |`,
    `| runbook | [${runbookPath(rule.alert)}](runbooks/${rule.alert}.md) |`,
    `| fires in | ${caseList(fires)} (${testFile}) |`,
    `| silent in | ${caseList(silent)} |`,
    '',
  ].join('\n');
};

export const renderAlertsDoc = (files: readonly RuleFile[]): string => {
  const sections = files.flatMap((file) => {
    const alerts = file.groups.flatMap((group) => group.rules.filter((rule): rule is AlertRule => 'alert' in rule));
    if (alerts.length === 0) return [];
    return [`## ${file.name}.yaml`, '', ...alerts.map((rule) => renderRule(rule, file))];
  });
  return [
    '<!-- Generated by `npm run generate` from observability/prometheus/src (rules, tests, alertmanager.ts). Do not edit. -->',
    '',
    '# Alerts',
    '',
    'Every alert rule the stack loads, as a reviewer needs it: what it means, its expression, how long it must hold',
    '(`for`) and keeps firing after it clears (`keep_firing_for`), its severity, where Alertmanager sends it',
    '(`critical` → `page`, `warning` → `ticket`, `info` → nowhere, the Watchdog → `heartbeat`) and which alerts',
    'inhibit it, its runbook, and the promtool cases in which it must fire and must stay silent. The cases run with',
    "Debian's Prometheus 2.42 and with Prometheus 3.x (`npm run test:integration -- observability/prometheus`).",
    '',
    ...sections,
  ].join('\n');
};
