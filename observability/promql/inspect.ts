/**
 * @module Parses PromQL with the Prometheus project's own Lezer grammar (the one its web UI uses) and lists
 * what an expression touches: metric selectors with their matchers, grouping labels, range windows, and
 * counters used outside `rate`/`irate`/`increase`. Grafana's `$__…` macros are replaced before parsing.
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';

export interface LabelMatcherUse {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

export interface SelectorUse {
  readonly metric: string;
  readonly matchers: readonly LabelMatcherUse[];
  /** The function whose range argument holds this selector (`rate`, `sum_over_time`, …), if any. */
  readonly rangeFunction: string | undefined;
  /** The range window as written, with Grafana macros restored (`$__rate_interval`, `5m`). */
  readonly window: string | undefined;
}

export interface ExpressionReport {
  readonly syntaxErrors: readonly string[];
  readonly selectors: readonly SelectorUse[];
  /** Labels named in `by`, `without`, `on`, `ignoring`, `group_left` and `group_right`. */
  readonly groupingLabels: readonly string[];
  /** Labels created by `label_replace` / `label_join`. */
  readonly createdLabels: readonly string[];
}

/** Grafana macros that may stand where PromQL expects a duration, with unique stand-ins for parsing. */
const GRAFANA_DURATION_MACROS: Readonly<Record<string, string>> = {
  $__rate_interval: '3331s',
  $__interval: '3332s',
  $__range: '3333s',
};
const MACRO_BY_STANDIN = new Map(Object.entries(GRAFANA_DURATION_MACROS).map(([macro, standIn]) => [standIn, macro]));

const substituteMacros = (expr: string): string =>
  expr.replace(/\$\{?(__rate_interval|__interval|__range)\}?/g, (_match, name: string) => {
    return GRAFANA_DURATION_MACROS[`$${name}`] ?? _match;
  });

const text = (source: string, node: SyntaxNode): string => source.slice(node.from, node.to);

const unquote = (literal: string): string => {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  if (literal.startsWith("'")) return literal.slice(1, -1).replace(/\\'/g, "'");
  return JSON.parse(literal) as string;
};

const childrenOf = (node: SyntaxNode): SyntaxNode[] => {
  const children: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) children.push(child);
  return children;
};

const matchersOf = (source: string, selector: SyntaxNode): LabelMatcherUse[] => {
  const list = selector.getChild('LabelMatchers');
  if (!list) return [];
  return childrenOf(list)
    .filter((node) => node.name.endsWith('LabelMatcher'))
    .map((node) => {
      const label = node.getChild('LabelName') ?? node.getChild('QuotedLabelName');
      const op = node.getChild('MatchOp');
      const value = node.getChild('StringLiteral');
      return {
        label: label ? text(source, label).replace(/^"|"$/g, '') : '',
        op: op ? text(source, op) : '',
        value: value ? unquote(text(source, value)) : '',
      };
    });
};

/** The function call whose argument list directly holds `matrix`, if any. */
const enclosingFunction = (source: string, matrix: SyntaxNode): string | undefined => {
  const body = matrix.parent;
  if (body?.name !== 'FunctionCallBody') return undefined;
  const identifier = body.parent?.getChild('FunctionIdentifier');
  return identifier ? text(source, identifier) : undefined;
};

export const inspectExpression = (expr: string): ExpressionReport => {
  const source = substituteMacros(expr);
  const tree = parser.parse(source);
  const syntaxErrors: string[] = [];
  const selectors: SelectorUse[] = [];
  const groupingLabels: string[] = [];
  const createdLabels: string[] = [];

  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) {
        syntaxErrors.push(`syntax error at ${ref.from}: …${source.slice(Math.max(0, ref.from - 20), ref.from + 20)}…`);
        return;
      }
      const node = ref.node;
      if (ref.name === 'VectorSelector') {
        const identifier = node.getChild('Identifier');
        const matchers = matchersOf(source, node);
        const nameMatcher = matchers.find((matcher) => matcher.label === '__name__' && matcher.op === '=');
        const metric = identifier ? text(source, identifier) : (nameMatcher?.value ?? '');
        const matrix = node.parent?.name === 'MatrixSelector' ? node.parent : undefined;
        const duration = matrix?.lastChild;
        const windowText = duration && duration !== node ? text(source, duration) : undefined;
        selectors.push({
          metric,
          matchers: matchers.filter((matcher) => matcher.label !== '__name__'),
          rangeFunction: matrix ? enclosingFunction(source, matrix) : undefined,
          window: windowText === undefined ? undefined : (MACRO_BY_STANDIN.get(windowText) ?? windowText),
        });
      } else if (ref.name === 'GroupingLabels') {
        for (const label of childrenOf(node)) {
          if (label.name === 'LabelName') groupingLabels.push(text(source, label));
        }
      } else if (ref.name === 'FunctionCall') {
        const fn = node.getChild('FunctionIdentifier');
        const name = fn ? text(source, fn) : '';
        if (name === 'label_replace' || name === 'label_join') {
          const destination = node.getChild('FunctionCallBody')?.getChildren('StringLiteral')[0];
          if (destination) createdLabels.push(unquote(text(source, destination)));
        }
      }
    },
  });
  if (syntaxErrors.length === 0 && tree.length !== source.length) syntaxErrors.push('expression was not fully parsed');
  return { syntaxErrors, selectors, groupingLabels, createdLabels };
};

/** Grafana's `label_values(metric, label)` / `label_values(label)` variable query, or undefined for anything else. */
export const parseLabelValuesQuery = (query: string): { metric: string | undefined; label: string } | undefined => {
  const match = /^label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(query.trim());
  if (!match?.[2]) return undefined;
  return { metric: match[1], label: match[2] };
};
