/**
 * @module What `npm start` shows in the terminal: the services' JSON logs made readable (pino-pretty), and from the
 * Go backends only their warnings and errors (everything is in `.logs/<component>.log`).
 */

import { SERVICE_NAMES } from '@mesh-stack/service-kit/stack';
import { prettyFactory } from 'pino-pretty';
import type { LineListener } from './process.ts';

const SERVICES: ReadonlySet<string> = new Set(SERVICE_NAMES);
/** zap console (`\twarn\t`), zap JSON (`"level":"warn"`), go-kit logfmt (`level=warn`, Prometheus and Alertmanager). */
const BACKEND_PROBLEM = /\t(warn|error|fatal|panic)\t|"level":"(warn|error|fatal|panic)"|level=(warn|error)/i;

export const terminalPrinter = (colorize: boolean): LineListener => {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service', // the prefix already names the service
    singleLine: true,
  });
  return (component, line) => {
    if (SERVICES.has(component)) {
      const text = line.startsWith('{') ? pretty(line).trimEnd() : line;
      console.log(`${component.padEnd(16)}│ ${text}`);
    } else if (BACKEND_PROBLEM.test(line)) {
      console.log(`${component.padEnd(16)}│ ${line}`);
    }
  };
};
