/**
 * @module What `npm start` shows in the terminal: the services' JSON logs made readable (pino-pretty) minus the
 * access lines of Prometheus scrapes and health probes, and from the Go backends only their warnings and errors.
 * Everything is in `.logs/<component>.log` regardless.
 */
import { HEALTH_PATHS, METRICS_PATH, SERVICE_NAMES } from '@mesh-stack/stack';
import { prettyFactory } from 'pino-pretty';
import type { LineListener } from './process.ts';

const SERVICES: ReadonlySet<string> = new Set(SERVICE_NAMES);
/** Routes polled every few seconds by Prometheus and probes: one line each would bury everything else. */
const QUIET_ROUTES: ReadonlySet<string> = new Set([METRICS_PATH, ...Object.values(HEALTH_PATHS)]);
/** zap console (`\twarn\t`), zap JSON (`"level":"warn"`), go-kit logfmt (`level=warn`, Prometheus and Alertmanager). */
const BACKEND_PROBLEM = /\t(warn|error|fatal|panic)\t|"level":"(warn|error|fatal|panic)"|level=(warn|error)/i;

/** Expected, explained once in the printed URLs: Jaeger built from Go modules has no UI bundle. */
const KNOWN_NOISE = /ui assets not embedded in the binary/;

const isQuietRequest = (entry: unknown): boolean =>
  typeof entry === 'object' &&
  entry !== null &&
  typeof (entry as { route?: unknown }).route === 'string' &&
  QUIET_ROUTES.has((entry as { route: string }).route);

export const prefixed = (component: string, text: string): string => `${component.padEnd(16)}│ ${text}`;

export const terminalPrinter = (colorize: boolean): LineListener => {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service', // the prefix already names the service
    singleLine: true,
  });
  return (component, line) => {
    if (SERVICES.has(component)) {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        console.log(prefixed(component, line));
        return;
      }
      if (!isQuietRequest(entry)) console.log(prefixed(component, pretty(entry).trimEnd()));
    } else if (BACKEND_PROBLEM.test(line) && !KNOWN_NOISE.test(line)) {
      console.log(prefixed(component, line));
    }
  };
};
