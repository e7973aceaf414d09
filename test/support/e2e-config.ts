/**
 * @module Configuration of the end-to-end stack, derived from the project's real files (never hand copies):
 * Prometheus with short scrape and evaluation intervals but the very same rule files, Alertmanager with the very same
 * routes but its webhook receivers pointed at a receiver the test runs; plus the rules read back from those files,
 * so the suite's time limits follow the rules' own `for:` durations and rate windows.
 */
import { globSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs?: { job_name: string; static_configs?: { targets?: string[] }[]; [key: string]: unknown }[];
  [key: string]: unknown;
}

/**
 * Writes a copy of `source` that scrapes and evaluates every `intervalSeconds`, with `rule_files` made absolute
 * (they stay the project's rule files; only where Prometheus finds them from the copy changes).
 */
export const writeFastPrometheusConfig = (source: string, outputDir: string, intervalSeconds: number): string => {
  const config = parse(readFileSync(source, 'utf8')) as PrometheusConfig;
  const interval = `${intervalSeconds}s`;
  // A scrape may not time out later than the next one starts; Prometheus rejects such a configuration.
  config.global = {
    ...config.global,
    scrape_interval: interval,
    scrape_timeout: interval,
    evaluation_interval: interval,
  };
  for (const job of config.scrape_configs ?? []) {
    delete job.scrape_interval;
    delete job.scrape_timeout;
  }
  config.rule_files = (config.rule_files ?? []).map((pattern) =>
    isAbsolute(pattern) ? pattern : resolve(dirname(source), pattern),
  );
  const output = join(outputDir, 'prometheus-fast.yml');
  writeFileSync(
    output,
    `# Derived from ${source} by the end-to-end suite: ${interval} intervals.\n${stringify(config)}`,
  );
  return output;
};

/** Scrape job → number of static targets, as configured (the targets Prometheus must report up). */
export const configuredTargets = (prometheusConfig: string): Map<string, number> => {
  const config = parse(readFileSync(prometheusConfig, 'utf8')) as PrometheusConfig;
  return new Map(
    (config.scrape_configs ?? []).map((job) => [
      job.job_name,
      (job.static_configs ?? []).reduce((sum, group) => sum + (group.targets?.length ?? 0), 0),
    ]),
  );
};

interface AlertmanagerRoute {
  receiver?: string;
  group_wait?: string;
  routes?: AlertmanagerRoute[];
  [key: string]: unknown;
}
interface AlertmanagerConfig {
  route?: AlertmanagerRoute;
  receivers?: { name: string; webhook_configs?: { url: string; [key: string]: unknown }[] }[];
  [key: string]: unknown;
}

/** Writes a copy of `source` whose webhooks all post to `webhookBaseUrl/<receiver>` (routes unchanged). */
export const writeAlertmanagerConfig = (source: string, outputDir: string, webhookBaseUrl: string): string => {
  const config = parse(readFileSync(source, 'utf8')) as AlertmanagerConfig;
  for (const receiver of config.receivers ?? []) {
    for (const webhook of receiver.webhook_configs ?? []) webhook.url = `${webhookBaseUrl}/${receiver.name}`;
  }
  const output = join(outputDir, 'alertmanager-e2e.yml');
  writeFileSync(
    output,
    `# Derived from ${source} by the end-to-end suite: webhooks to the test.\n${stringify(config)}`,
  );
  return output;
};

/** The longest `group_wait` in the route tree: an upper bound on how long Alertmanager holds a new alert back. */
export const longestGroupWaitSeconds = (alertmanagerConfig: string): number => {
  const config = parse(readFileSync(alertmanagerConfig, 'utf8')) as AlertmanagerConfig;
  // Alertmanager's default when the root route sets none.
  const DEFAULT_GROUP_WAIT = '30s';
  const walk = (route: AlertmanagerRoute | undefined): number[] =>
    route === undefined
      ? []
      : [durationSeconds(route.group_wait ?? DEFAULT_GROUP_WAIT), ...(route.routes ?? []).flatMap(walk)];
  return Math.max(...walk(config.route));
};

/* ---------- the rules Prometheus loads ---------- */

export interface RuleDefinition {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RuleGroupDefinition {
  readonly name: string;
  readonly file: string;
  readonly rules: readonly RuleDefinition[];
}

/** Every rule group of every file the configuration's `rule_files` patterns match. */
export const loadRuleGroups = (prometheusConfig: string): RuleGroupDefinition[] => {
  const config = parse(readFileSync(prometheusConfig, 'utf8')) as PrometheusConfig;
  const files = (config.rule_files ?? [])
    .flatMap((pattern) => globSync(isAbsolute(pattern) ? pattern : resolve(dirname(prometheusConfig), pattern)))
    .sort();
  return files.flatMap((file) => {
    const parsed = parse(readFileSync(file, 'utf8')) as { groups?: { name: string; rules?: RuleDefinition[] }[] };
    return (parsed.groups ?? []).map((group) => ({ name: group.name, file, rules: group.rules ?? [] }));
  });
};

export interface AlertTiming {
  /** The rule's `for:`, in seconds (0 when it has none). */
  readonly forSeconds: number;
  /** The longest range selector in its expression (`[10m]` → 600): how long a past fault can keep it true. */
  readonly longestWindowSeconds: number;
  /** The rule's `keep_firing_for:`, in seconds (0 when it has none): how long it fires after its condition clears. */
  readonly keepFiringForSeconds: number;
  /** The alert's condition: empty once nothing would keep it firing but `keep_firing_for`. */
  readonly expr: string;
}

/** The timing of the one alerting rule named `alert` whose labels include `labels`. */
export const alertTiming = (
  groups: readonly RuleGroupDefinition[],
  alert: string,
  labels: Readonly<Record<string, string>> = {},
): AlertTiming => {
  const matches = groups
    .flatMap((group) => group.rules)
    .filter((rule) => rule.alert === alert && Object.entries(labels).every(([k, v]) => rule.labels?.[k] === v));
  const [rule, ...others] = matches;
  if (rule === undefined || others.length > 0) {
    throw new Error(`expected one rule ${alert} ${JSON.stringify(labels)}, found ${matches.length}`);
  }
  const windows = [...rule.expr.matchAll(RANGE_SELECTOR)].map((match) => durationSeconds(match[1] ?? ''));
  return {
    forSeconds: durationSeconds(rule.for ?? '0s'),
    longestWindowSeconds: Math.max(0, ...windows),
    keepFiringForSeconds: durationSeconds(rule.keep_firing_for ?? '0s'),
    expr: rule.expr,
  };
};

/** `[5m]`, `[1h30m]` and subqueries `[30m:1m]` (the range is the first part). */
const RANGE_SELECTOR = /\[((?:\d+(?:ms|[smhdwy]))+)(?::[^\]]*)?\]/g;
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};

/**
 * A Prometheus duration (`1h30m`, `500ms`) in seconds. Twelve lines of regular expression rather than a dependency:
 * the general-purpose duration parsers on npm accept other grammars (`1.5h`, `1 hour`) Prometheus would reject.
 */
export const durationSeconds = (text: string): number => {
  if (!/^(\d+(ms|[smhdwy]))+$/.test(text)) throw new Error(`not a Prometheus duration: "${text}"`);
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|[smhdwy])/g)) {
    seconds += Number(amount) * (UNIT_SECONDS[unit ?? ''] ?? Number.NaN);
  }
  return seconds;
};
