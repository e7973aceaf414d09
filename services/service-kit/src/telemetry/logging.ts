/** @module Joins log lines to traces: a pino `mixin` adding the active span's ids. */
import { trace } from '@opentelemetry/api';
import { LOG_FIELD } from './contract.ts';

/**
 * A pino `mixin`: `trace_id`, `span_id` and `trace_flags` of the active span, nothing outside a span.
 * Always a new object: pino's default merge strategy assigns the line's fields into it.
 * @example
 * const logger = pino({ mixin: traceLogFields })
 */
export const traceLogFields = (): Record<string, string> => {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return {
    [LOG_FIELD.traceId]: traceId,
    [LOG_FIELD.spanId]: spanId,
    [LOG_FIELD.traceFlags]: `0${traceFlags.toString(16)}`.slice(-2),
  };
};
