/**
 * @module `npm run report`: one self-contained HTML file for a time window, from the live Prometheus and Jaeger.
 *
 *   npm run report -- --last 10m
 *   npm run report -- --from 2026-12-02T08:00:00Z --to 2026-12-02T08:10:00Z --k6-summary summary.json
 *
 * Exits 0 when every section was built, 1 when the file was written but parts are missing (each named on stderr),
 * 2 on bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LoadSummary } from '@mesh-stack/loadtest/driver';
import { DEFAULT_JAEGER_URL, DEFAULT_PROMETHEUS_URL } from './build.ts';
import { type ClientSection, driverSection, type K6Summary, k6Section } from './verdicts/client.ts';
import { resolveWindow } from './window.ts';
import { describeAbsences, writeReport } from './write.ts';

const USAGE = `Usage: npm run report -- (--last <duration> | --from <time> [--to <time>] | --summary <file>) [options]

  --last <d>                the window ending now: 10m, 1h30m
  --from <t>, --to <t>      ISO 8601 (2026-12-02T08:00:00Z) or epoch seconds/milliseconds; --to defaults to now
  --prometheus-url <u>      default ${DEFAULT_PROMETHEUS_URL}
  --jaeger-url <u>          Jaeger query API, default ${DEFAULT_JAEGER_URL}
  --jaeger-ui-url <u>       link traces to this Jaeger UI (none by default: the local Jaeger has no UI)
  --summary <file>          the load driver's summary (npm run -s load -- --json > run.json); without
                            --last/--from the window is that run's
  --k6-summary <file>       k6's JSON summary (SUMMARY_JSON=file k6 run loadtest/orders.ts)
  --max-error-rate <x>      the driver's error-rate threshold to judge --summary against (default 0.001)
  --runbook-base-url <u>    prefix for runbook links (default: this clone, relative to the file)
  --out <file>              default reports/load-<timestamp>.html
  --help`;

/** After a run ends, its last requests still reach Prometheus with the next scrape and rule evaluation. */
const RUN_TAIL_MS = 30_000;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const parse = () =>
  parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      last: { type: 'string' },
      'prometheus-url': { type: 'string' },
      'jaeger-url': { type: 'string' },
      'jaeger-ui-url': { type: 'string' },
      summary: { type: 'string' },
      'k6-summary': { type: 'string' },
      'max-error-rate': { type: 'string' },
      'runbook-base-url': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });

let values: ReturnType<typeof parse>['values'];
try {
  ({ values } = parse());
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

for (const [flag, url] of [
  ['--prometheus-url', values['prometheus-url']],
  ['--jaeger-url', values['jaeger-url']],
  ['--jaeger-ui-url', values['jaeger-ui-url']],
] as const) {
  if (url !== undefined && !URL.canParse(url)) fail(`${flag} is not a URL: "${url}"`);
}
const maxErrorRate = values['max-error-rate'] === undefined ? undefined : Number(values['max-error-rate']);
if (maxErrorRate !== undefined && !(maxErrorRate >= 0 && maxErrorRate <= 1)) fail('--max-error-rate must be in [0, 1]');

/** A client-results file: read and shape it, or say why it could not be. */
const readClient = (): { client?: ClientSection; problem?: string; runWindow?: { fromMs: number; toMs: number } } => {
  const path = values.summary ?? values['k6-summary'];
  if (path === undefined) return {};
  if (values.summary !== undefined && values['k6-summary'] !== undefined)
    fail('give --summary or --k6-summary, not both');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return {
      problem: `client results ${path} could not be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (values.summary !== undefined) {
    const summary = parsed as Partial<LoadSummary>;
    if (summary.steps === undefined || summary.iterations === undefined) {
      return { problem: `${path} is not the load driver's JSON summary (npm run -s load -- --json > run.json)` };
    }
    const fromMs = Date.parse(summary.startedAt ?? '');
    return {
      client: driverSection(summary as LoadSummary, maxErrorRate === undefined ? {} : { maxErrorRate }),
      ...(Number.isNaN(fromMs) ? {} : { runWindow: { fromMs, toMs: fromMs + (summary.elapsedSeconds ?? 0) * 1000 } }),
    };
  }
  const k6 = parsed as K6Summary;
  if (typeof k6.metrics !== 'object' || k6.metrics === null)
    return { problem: `${path} is not a k6 JSON summary (no "metrics")` };
  return { client: k6Section(k6) };
};

const { client, problem, runWindow } = readClient();
const nowMs = Date.now();
// A driver summary knows its own run: without window flags, the report covers it (plus the last scrape after it).
const windowFlags =
  values.from === undefined && values.last === undefined && runWindow !== undefined
    ? { from: String(runWindow.fromMs), to: String(runWindow.toMs + RUN_TAIL_MS) }
    : { from: values.from, to: values.to, last: values.last };
const resolved = resolveWindow(windowFlags, nowMs);
if (!resolved.ok) fail(resolved.error);
const written = await writeReport({
  window: resolved.window,
  windowNotes: resolved.notes,
  nowMs,
  prometheusUrl: values['prometheus-url'],
  jaegerUrl: values['jaeger-url'],
  jaegerUiUrl: values['jaeger-ui-url'],
  client,
  clientProblem: problem,
  out: values.out,
  runbookBaseUrl: values['runbook-base-url'],
});
for (const line of describeAbsences(written.data)) console.error(line);
console.log(`[report] ${written.path} (${(written.bytes / 1024).toFixed(0)} KiB)`);
process.exit(written.data.absent.length > 0 ? 1 : 0);
