/**
 * @module Structured logs: pino JSON on stdout, one object per line, `service` on every line.
 * Emails and names are PII and must never be logged; the redaction below is a safety net, not a licence.
 */
import { type Logger, pino } from 'pino';
import type { LOG_FORMATS, LOG_LEVELS } from './config.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: (typeof LOG_LEVELS)[number];
  /**
   * `pretty` renders through pino-pretty in a worker thread, for people running a service by hand at a terminal.
   * pino-pretty is a dev dependency (`npm start` prettifies in its launcher, production images carry only what
   * runs): where it is not installed, the service logs JSON and says so on its first line.
   */
  format?: (typeof LOG_FORMATS)[number];
  /** Fields merged into every line: the telemetry's `logMixin` (trace_id, span_id). */
  mixin?: () => Record<string, unknown>;
}

// Paths where a user's email or name could end up if someone logs a request body or a user by mistake.
const PII_PATHS = ['email', 'name', 'body.email', 'body.name', 'user.email', 'user.name'];

/**
 * pino merges the line's own fields into the object the mixin returns, so it must be a fresh, extensible object;
 * and a broken mixin must cost the trace fields, never the log line.
 */
const safeMixin = (mixin: () => Record<string, unknown>) => (): Record<string, unknown> => {
  try {
    return { ...mixin() };
  } catch {
    return {};
  }
};

/**
 * @example
 * const logger = createLogger({ service: 'user-service', level: 'info' });
 * logger.info({ userId }, 'user created');
 */
export const createLogger = ({ service, level = 'info', format = 'json', mixin }: LoggerOptions): Logger => {
  const pretty = format === 'pretty' && isInstalled('pino-pretty');
  const logger = pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: PII_PATHS, censor: '[redacted]' },
    ...(mixin ? { mixin: safeMixin(mixin) } : {}),
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
  if (format === 'pretty' && !pretty) {
    logger.warn('LOG_FORMAT=pretty needs pino-pretty, a dev dependency that is not installed here: logging JSON');
  }
  return logger;
};

const isInstalled = (specifier: string): boolean => {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
};
