/**
 * @module `npm start`: installs what is missing (the setup script), then runs the whole stack natively — the three
 * services, the OpenTelemetry Collector, Jaeger, Prometheus and Alertmanager — waits until each is ready, prints the
 * URLs and keeps running until Ctrl-C, which stops everything cleanly (services drain their in-flight requests).
 *
 * Logs: `.logs/<component>.log`; data: `.data/` (SQLite files, Prometheus TSDB, Alertmanager state).
 */
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { WEBHOOK_BASE_URL } from '@mesh-stack/observability/alertmanager';
import { SERVICE_NAMES } from '@mesh-stack/stack';
import { REPO_ROOT } from '@mesh-stack/tools';
import { type AlertSink, describeNotification, startAlertSink } from './lib/stack/alert-sink.ts';
import { prefixed, terminalPrinter } from './lib/stack/terminal.ts';
import { type ComponentFailure, type StackHandle, type StackUrls, startStack } from './lib/stack.ts';

const say = (message: string): void => console.log(`[start] ${message}`);

const setup = spawnSync(process.execPath, ['scripts/setup.ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
if (setup.status !== 0) {
  console.error('[start] setup failed: the stack cannot start without its tools (see the output above)');
  process.exit(setup.status ?? 1);
}

const printUrls = (urls: StackUrls, logDir: string): void => {
  const rows: [string, string][] = [
    ...SERVICE_NAMES.map((name): [string, string] => [
      name,
      `${urls.services[name].api}  (admin, /metrics: ${urls.services[name].admin})`,
    ]),
    ['OTLP (services → collector)', `${urls.otlpHttp} (HTTP), ${urls.otlpGrpc.replace('http://', '')} (gRPC)`],
    ['span metrics', urls.spanMetrics],
    ['collector metrics', urls.collectorMetrics],
    [
      'Jaeger API (no UI natively)',
      `${urls.jaegerApi}/api/services, ${urls.jaegerApi}/api/traces?service=order-service`,
    ],
    [
      'Prometheus',
      `${urls.prometheus}  (alerts: ${urls.prometheus}/classic/alerts, targets: ${urls.prometheus}/classic/targets)`,
    ],
    ['Alertmanager', `${urls.alertmanager}  (its webhooks print here as "alerts")`],
    ['logs', `${relative(process.cwd(), logDir) || '.'}/<component>.log`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log('');
  for (const [name, url] of rows) console.log(`  ${name.padEnd(width)}  ${url}`);
  console.log(
    `\n  Try: curl -s '${urls.services['user-service'].api}/users?limit=5' (the README walks through an order)   ·   Ctrl-C stops everything\n`,
  );
};

let stack: StackHandle | undefined;
let alertSink: AlertSink | undefined;
let shuttingDown = false;

const shutdown = async (reason: string, exitCode: number): Promise<never> => {
  if (shuttingDown) process.exit(exitCode);
  shuttingDown = true;
  say(`${reason}: stopping the stack (services drain first; Ctrl-C again to force)`);
  await stack?.stop();
  await alertSink?.stop();
  say('stopped');
  process.exit(exitCode);
};

const onFailure = (failure: ComponentFailure): void => {
  console.error(`\n[start] ${failure.message}\n`);
  void shutdown(`${failure.component} failed`, 1);
};

process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

// Serves the loopback webhooks alertmanager.yml notifies, so alerts are printed here. The Watchdog heartbeat fires
// every minute by design: only its first arrival is worth a line.
let heartbeatSeen = false;
alertSink = await startAlertSink(WEBHOOK_BASE_URL, (notification) => {
  if (notification.receiver === 'heartbeat') {
    if (!heartbeatSeen)
      console.log(prefixed('alerts', `${describeNotification(notification)}: the alerting path works`));
    heartbeatSeen = true;
    return;
  }
  console.log(prefixed('alerts', describeNotification(notification)));
}).catch((error: unknown) => {
  say(`alert webhooks not served (${error instanceof Error ? error.message : String(error)}): notifications will fail`);
  return undefined;
});

say('starting jaeger, alertmanager → otel-collector, prometheus → user-service, payment-service → order-service');
try {
  stack = await startStack({
    onLine: terminalPrinter(process.stdout.isTTY),
    onReady: (component, millis) => say(`${component} ready (${(millis / 1000).toFixed(1)} s)`),
    onUnexpectedExit: onFailure,
  });
} catch (error) {
  console.error(`\n[start] ${error instanceof Error ? error.message : String(error)}`);
  await alertSink?.stop();
  process.exit(1);
}
const mebibytes = Object.values(stack.residentBytes()).reduce((sum, bytes) => sum + bytes, 0) / 2 ** 20;
say(`the stack is up, using ${Math.round(mebibytes)} MiB of memory (resident, all components)`);
printUrls(stack.urls, stack.logDir);
