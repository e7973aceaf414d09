/**
 * @module `npm run load`: drives the local stack (started by `npm start`) with the shared scenario at a constant
 * arrival rate, prints progress to stderr every few seconds and a summary at the end.
 *
 *   npm run load -- --rate 20 --duration 2m
 *   npm run load -- --json > summary.json
 *   npm run load -- --rate 20 --duration 2m --report   # then one HTML report of the run (report/)
 *
 * Exits 1 when iterations were dropped or the error rate exceeds `--max-error-rate`, 2 on bad usage or when the
 * stack is not ready. Ctrl-C ends the run early and still prints the summary.
 */
import { parseArgs } from 'node:util';
import { HEALTH_PATHS, localBaseUrl } from '@mesh-stack/stack';
import { parseDurationSeconds } from './duration.ts';
import { assertLoopback } from './loopback.ts';
import { formatProgress } from './progress.ts';
import { LOAD_LIMITS, type LoadProgress, runLoad } from './run-load.ts';
import { formatSummary } from './summary.ts';

const USAGE = `Usage: npm run load -- [options]

  --rate <n>               iterations started per second (default 10, max ${LOAD_LIMITS.maxRatePerSecond}); each is 3 requests
  --duration <d>           how long arrivals are scheduled: seconds, or 30s, 2m, 1m30s as in k6 (default 30, max ${LOAD_LIMITS.maxDurationSeconds})
  --max-concurrency <n>    iterations in flight at once; more wait in a backlog of the same size, then drop (default 64)
  --think-time-scale <x>   multiplies the scenario's think time; 0 for back-to-back steps (default 1)
  --user-service-url <u>   default $USER_SERVICE_URL or ${localBaseUrl('user-service')}
  --order-service-url <u>  default $ORDER_SERVICE_URL or ${localBaseUrl('order-service')}
  --max-error-rate <x>     exit 1 above this fraction of failed requests (default 0.01)
  --json                   print the summary as JSON on stdout (the text summary goes to stderr)
  --allow-remote           allow non-loopback targets (refused by default)
  --report                 at the end, write one HTML report of the run's window (npm run report; reports/)
  --report-out <file>      where --report writes (default reports/load-<timestamp>.html)
  --report-wait <d>        wait this long after the run for the last scrape and spans (default 20s); the
                           report reads $PROMETHEUS_URL and $JAEGER_URL (default: the local stack's)
  --help`;

// A function declaration (not an arrow) so TypeScript narrows after calls to it.
function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const numberFlag = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) fail(`--${name} must be a number, got "${value}"`);
  return parsed;
};

/** Seconds from `--duration`: plain seconds, or a k6-style duration such as `2m` or `1m30s`. */
const durationFlag = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined) fail(`--${name} must be seconds or a duration such as 30s, 2m or 1m30s, got "${value}"`);
  return seconds;
};

const parseFlags = () =>
  parseArgs({
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      'max-concurrency': { type: 'string' },
      'think-time-scale': { type: 'string' },
      'user-service-url': { type: 'string' },
      'order-service-url': { type: 'string' },
      'max-error-rate': { type: 'string' },
      json: { type: 'boolean', default: false },
      'allow-remote': { type: 'boolean', default: false },
      report: { type: 'boolean', default: false },
      'report-out': { type: 'string' },
      'report-wait': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });

let values: ReturnType<typeof parseFlags>['values'];
try {
  ({ values } = parseFlags());
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const userServiceUrl = values['user-service-url'] ?? process.env.USER_SERVICE_URL ?? localBaseUrl('user-service');
const orderServiceUrl = values['order-service-url'] ?? process.env.ORDER_SERVICE_URL ?? localBaseUrl('order-service');
const allowRemote = values['allow-remote'];
const maxErrorRate = numberFlag('max-error-rate', values['max-error-rate'], 0.01);
const ratePerSecond = numberFlag('rate', values.rate, 10);
const durationSeconds = durationFlag('duration', values.duration, 30);
const maxConcurrency = numberFlag('max-concurrency', values['max-concurrency'], 64);
const thinkTimeScale = numberFlag('think-time-scale', values['think-time-scale'], 1);
const reportWaitSeconds = durationFlag('report-wait', values['report-wait'], 20);

try {
  assertLoopback([userServiceUrl, orderServiceUrl], allowRemote);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

// A clear message beats a run of 100% connection errors when the stack is not up.
for (const url of [userServiceUrl, orderServiceUrl]) {
  const readyUrl = new URL(HEALTH_PATHS.ready, url).toString();
  const ready = await fetch(readyUrl, { signal: AbortSignal.timeout(3_000) }).then(
    (response) => response.ok,
    () => false,
  );
  if (!ready) {
    console.error(`[load] ${readyUrl} is not ready: start the stack with \`npm start\` (or pass the service URLs)`);
    process.exit(2);
  }
}

const controller = new AbortController();
process.once('SIGINT', () => {
  console.error('[load] stopping: finishing the summary (Ctrl-C again to quit at once)');
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

let summary: Awaited<ReturnType<typeof runLoad>>;
// Kept for --report: the run's throughput and latency over time.
const progressLog: { atMs: number; progress: LoadProgress }[] = [];
try {
  summary = await runLoad({
    userServiceUrl,
    orderServiceUrl,
    ratePerSecond,
    durationSeconds,
    maxConcurrency,
    thinkTimeScale,
    allowRemote,
    signal: controller.signal,
    onProgress: (progress) => {
      console.error(formatProgress(progress));
      progressLog.push({ atMs: Date.now(), progress });
    },
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

if (values.json) {
  console.error(formatSummary(summary));
  console.log(JSON.stringify(summary, null, 2));
} else {
  console.log(formatSummary(summary));
}

const problems = [
  summary.iterations.dropped > 0 ? `${summary.iterations.dropped} iterations dropped (raise --max-concurrency)` : '',
  summary.errorRate > maxErrorRate ? `error rate ${summary.errorRate.toFixed(4)} above ${maxErrorRate}` : '',
].filter((problem) => problem !== '');
for (const problem of problems) console.error(`[load] ${problem}`);

if (values.report) {
  // The last requests reach Prometheus with its next scrape and rule evaluation (15 s each), and Jaeger after the
  // span batches flush: wait for them so the report covers the whole run.
  const settleMs = reportWaitSeconds * 1000;
  console.error(`[load] writing the report in ${settleMs / 1000} s, once the last samples and spans are in`);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const { describeAbsences, driverSection, writeReport } = await import('@mesh-stack/report');
  const written = await writeReport({
    window: { fromMs: Date.parse(summary.startedAt), toMs: Date.now() },
    client: driverSection(summary, { maxErrorRate, progress: progressLog }),
    out: values['report-out'],
    prometheusUrl: process.env.PROMETHEUS_URL,
    jaegerUrl: process.env.JAEGER_URL,
  });
  for (const line of describeAbsences(written.data)) console.error(line);
  console.error(`[load] report: ${written.path}`);
}
process.exit(problems.length > 0 ? 1 : 0);
