/**
 * @module The OpenTelemetry SDK's own diagnostics as structured, rate-limited log lines.
 *
 * By default the SDK prints through `console` (a failed span export is a multi-line JSON dump with a stack trace on
 * stderr, once per failed batch: every 5 s while the collector is down). Here every diagnostic is one JSON line in
 * the services' log shape (`level`, `time`, `service`, `msg`), its text cut to its first line, and each distinct
 * message is written at most once per interval, the next line saying how many were suppressed meanwhile.
 */
import type { DiagLogger } from '@opentelemetry/api';

/** One line per distinct message per minute: an outage is visible at once, and costs a line a minute after that. */
export const DIAGNOSTIC_INTERVAL_MS = 60_000;
const MAX_TEXT_LENGTH = 300;

export type DiagnosticLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface StructuredDiagLoggerOptions {
  readonly service: string;
  /** Where lines go. [default=stderr] */
  readonly write?: (line: string) => void;
  /** [default=Date.now] */
  readonly now?: () => number;
  /** [default={@link DIAGNOSTIC_INTERVAL_MS}] */
  readonly intervalMs?: number;
}

/** The first line of an error or value, without a stack, bounded. */
export const summarize = (value: unknown): string => {
  const text =
    value instanceof Error
      ? `${value.name}: ${value.message}`
      : typeof value === 'string'
        ? value
        : (() => {
            try {
              return JSON.stringify(value) ?? String(value);
            } catch {
              return String(value);
            }
          })();
  const firstLine = text.split('\n', 1)[0] ?? '';
  return firstLine.length > MAX_TEXT_LENGTH ? `${firstLine.slice(0, MAX_TEXT_LENGTH)}…` : firstLine;
};

/**
 * @example
 * diag.setLogger(structuredDiagLogger({ service: 'order-service' }), { logLevel: DiagLogLevel.WARN })
 */
export const structuredDiagLogger = ({
  service,
  write = (line) => process.stderr.write(line),
  now = Date.now,
  intervalMs = DIAGNOSTIC_INTERVAL_MS,
}: StructuredDiagLoggerOptions): DiagLogger => {
  const lastWritten = new Map<string, { atMs: number; suppressed: number }>();
  const log =
    (level: DiagnosticLevel) =>
    (message: string, ...args: unknown[]): void => {
      const msg = summarize(message);
      const detail = args.length > 0 ? args.map(summarize).join(' ').slice(0, MAX_TEXT_LENGTH) : undefined;
      const key = `${level}\u0000${msg}`;
      const nowMs = now();
      const previous = lastWritten.get(key);
      if (previous !== undefined && nowMs - previous.atMs < intervalMs) {
        previous.suppressed++;
        return;
      }
      const suppressed = previous?.suppressed ?? 0;
      lastWritten.set(key, { atMs: nowMs, suppressed: 0 });
      // Bounded: a burst of distinct messages must not grow the map forever.
      if (lastWritten.size > 1000) lastWritten.delete(lastWritten.keys().next().value as string);
      const line = {
        level,
        time: new Date(nowMs).toISOString(),
        service,
        component: 'opentelemetry-sdk',
        ...(detail ? { detail } : {}),
        ...(suppressed > 0 ? { suppressed } : {}),
        msg,
      };
      write(`${JSON.stringify(line)}\n`);
    };
  return {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    verbose: log('trace'),
  };
};
