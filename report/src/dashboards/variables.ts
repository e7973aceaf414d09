/**
 * @module Grafana's template variables and time macros outside Grafana, for range queries over the report window.
 *
 * - `$__rate_interval` is what Grafana computes: max(step + scrape interval, 4 × scrape interval);
 *   `$__interval` is the step; `$__range` the window.
 * - A multi-value or All variable becomes its All regex (`allValue`, `.+` when unset): the report shows everything.
 * - A single-value query variable (Grafana shows one service at a time) is expanded like a repeated panel: one
 *   copy of the dashboard per value that had data in the window, at most {@link MAX_INSTANCES}.
 * - Custom, constant, textbox and interval variables keep the value the dashboard opens with.
 */
import type { ReportDashboard, ReportVariable } from './model.ts';

/** Upper bound on the copies of one dashboard (keeps the file small when a variable has many values). */
export const MAX_INSTANCES = 8;

export interface QueryTiming {
  readonly stepSeconds: number;
  readonly scrapeIntervalSeconds: number;
  readonly rangeSeconds: number;
}

export interface DashboardInstance {
  /** `job=order-service`; empty when nothing was expanded. */
  readonly label: string;
  readonly values: ReadonlyMap<string, string>;
}

export const rateIntervalSeconds = ({ stepSeconds, scrapeIntervalSeconds }: QueryTiming): number =>
  Math.max(stepSeconds + scrapeIntervalSeconds, 4 * scrapeIntervalSeconds);

const seconds = (value: number): string => `${Math.max(1, Math.round(value))}s`;

/** Replaces Grafana's time macros, then `$var`, `${var}`, `${var:format}` and `[[var]]` with bound values. */
export const interpolate = (expr: string, values: ReadonlyMap<string, string>, timing: QueryTiming): string => {
  const macros: Record<string, string> = {
    __rate_interval: seconds(rateIntervalSeconds(timing)),
    __interval: seconds(timing.stepSeconds),
    __interval_ms: String(Math.round(timing.stepSeconds * 1000)),
    __range: seconds(timing.rangeSeconds),
    __range_s: String(Math.round(timing.rangeSeconds)),
    __range_ms: String(Math.round(timing.rangeSeconds * 1000)),
  };
  const lookup = (name: string): string | undefined => macros[name] ?? values.get(name);
  return expr
    .replace(/\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}/g, (match, name: string) => lookup(name) ?? match)
    .replace(/\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]/g, (match, name: string) => lookup(name) ?? match)
    .replace(/\$([a-zA-Z_][a-zA-Z0-9_]*)/g, (match, name: string) => lookup(name) ?? match);
};

/** `label_values(metric{…}, label)` or `label_values(label)`. */
export const parseLabelValuesQuery = (query: string): { match: string | undefined; label: string } | undefined => {
  const match = /^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  if (match?.[2] === undefined) return undefined;
  return { match: match[1], label: match[2] };
};

/** Looks up a label's values in the window (Prometheus `/api/v1/label/<label>/values`). */
export type LabelValuesLookup = (label: string, match: string | undefined) => Promise<string[]>;

const allValueOf = (variable: ReportVariable): string => variable.allValue ?? '.+';

/**
 * Binds every variable of `dashboard` and returns one instance per combination of single-value query variables,
 * plus notes on what was cut or defaulted.
 */
export const expandVariables = async (
  dashboard: ReportDashboard,
  lookup: LabelValuesLookup,
  timing: QueryTiming,
): Promise<{ instances: DashboardInstance[]; notes: string[] }> => {
  let partial: { label: string[]; values: Map<string, string> }[] = [{ label: [], values: new Map() }];
  const notes: string[] = [];
  for (const variable of dashboard.variables) {
    if (variable.type === 'datasource' || variable.name === '') continue;
    const next: typeof partial = [];
    for (const instance of partial) {
      const bind = (value: string, shown: boolean) =>
        next.push({
          label: shown ? [...instance.label, `${variable.label}: ${value}`] : instance.label,
          values: new Map([...instance.values, [variable.name, value]]),
        });
      if (variable.type === 'query') {
        if (variable.multi || variable.includeAll) {
          bind(
            variable.current === undefined || variable.current === '$__all' ? allValueOf(variable) : variable.current,
            false,
          );
          continue;
        }
        const parsed = parseLabelValuesQuery(variable.query);
        const found =
          parsed === undefined
            ? []
            : await lookup(
                parsed.label,
                parsed.match === undefined ? undefined : interpolate(parsed.match, instance.values, timing),
              );
        const values = found.length > 0 ? found : variable.current === undefined ? [] : [variable.current];
        if (values.length === 0) {
          notes.push(`${dashboard.title}: variable ${variable.name} has no values in the window`);
          bind('', true);
          continue;
        }
        for (const value of values) bind(value, true);
        continue;
      }
      bind(variable.current ?? variable.options[0] ?? '', false);
    }
    partial = next;
    if (partial.length > MAX_INSTANCES) {
      notes.push(
        `${dashboard.title}: ${partial.length} combinations of variable values; the report shows the first ${MAX_INSTANCES}`,
      );
      partial = partial.slice(0, MAX_INSTANCES);
    }
  }
  return {
    instances: partial.map((instance) => ({ label: instance.label.join(', '), values: instance.values })),
    notes,
  };
};
