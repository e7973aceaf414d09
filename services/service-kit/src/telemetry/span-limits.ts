/**
 * @module Span limits: every span's attributes, events and links are bounded, whatever a handler or a client sends.
 *
 * The 3.x `@opentelemetry/sdk-trace` line does not read the `OTEL_*_LIMIT` variables itself and, left alone, keeps
 * attribute values of any length: one 15 KB value (a URL, an error message echoing input) then travels to every
 * backend. The variables and their precedence are the SDK specification's: the span-specific variable wins over the
 * general `OTEL_ATTRIBUTE_*` one, which wins over this stack's default.
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#attribute-limits
 */
import type { SpanLimits } from '@opentelemetry/sdk-trace';
import type { ConfigWarning } from './config.ts';

/** Longer values are cut to this many characters: room for a stack trace, none for a request body. */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 4096;
/** A span of this stack carries about 15 attributes; the limit is 4 times that. */
export const DEFAULT_ATTRIBUTE_COUNT_LIMIT = 64;
export const DEFAULT_SPAN_EVENT_COUNT_LIMIT = 64;
export const DEFAULT_SPAN_LINK_COUNT_LIMIT = 32;

/** Each limit: the variables that set it, most specific first, and the default. */
export const SPAN_LIMIT_VARIABLES = {
  attributeValueLengthLimit: {
    variables: ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'],
    fallback: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  },
  attributeCountLimit: {
    variables: ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
    fallback: DEFAULT_ATTRIBUTE_COUNT_LIMIT,
  },
  eventCountLimit: { variables: ['OTEL_SPAN_EVENT_COUNT_LIMIT'], fallback: DEFAULT_SPAN_EVENT_COUNT_LIMIT },
  linkCountLimit: { variables: ['OTEL_SPAN_LINK_COUNT_LIMIT'], fallback: DEFAULT_SPAN_LINK_COUNT_LIMIT },
  attributePerEventCountLimit: {
    variables: ['OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
    fallback: DEFAULT_ATTRIBUTE_COUNT_LIMIT,
  },
  attributePerLinkCountLimit: {
    variables: ['OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
    fallback: DEFAULT_ATTRIBUTE_COUNT_LIMIT,
  },
} as const satisfies Record<keyof SpanLimits, { variables: readonly string[]; fallback: number }>;

export type ResolvedSpanLimits = Required<SpanLimits>;

/**
 * Reads the limits from the environment. A value that is not a positive integer is reported and the next variable
 * (or the default) applies: a typo never lifts a limit.
 */
export const resolveSpanLimits = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): { limits: ResolvedSpanLimits; warnings: ConfigWarning[] } => {
  const warnings: ConfigWarning[] = [];
  const warned = new Set<string>();
  const read = ({ variables, fallback }: { variables: readonly string[]; fallback: number }): number => {
    for (const variable of variables) {
      const raw = env[variable]?.trim();
      if (!raw) continue;
      if (/^[1-9][0-9]{0,8}$/.test(raw)) return Number(raw);
      // One warning per variable, though the general ones feed several limits.
      if (!warned.has(variable)) {
        warned.add(variable);
        warnings.push({ variable, message: `expected a positive integer, got "${raw.slice(0, 40)}"; ignored` });
      }
    }
    return fallback;
  };
  const limits = Object.fromEntries(
    Object.entries(SPAN_LIMIT_VARIABLES).map(([name, source]) => [name, read(source)]),
  ) as ResolvedSpanLimits;
  return { limits, warnings };
};
