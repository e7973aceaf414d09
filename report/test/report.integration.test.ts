/**
 * @module The report against real backends: a Prometheus with the project's rules scraping a target that serves the
 * contract's histogram, and Jaeger holding the exemplars' traces; then the bad inputs (unreachable backends, an
 * empty TSDB, no rules loaded, a window in the future). Each produced file is opened in Chromium: no console errors,
 * no requests, charts that drew points, no serious axe-core violations.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runbookUrl } from '@mesh-stack/observability/rules';
import { startInMemoryApi } from '../../loadtest/driver/test/in-memory-api.ts';
import { freePort } from '../../scripts/lib/stack/port-check.ts';
import { prometheusClient } from '../src/sources/prometheus.ts';
import { EXEMPLAR_QUERY } from '../src/traces/slowest.ts';
import { SLI_RECORD } from '../src/verdicts/slo.ts';
import { inspectReport } from '../src/verify/inspect.ts';
import { checkReportAgainstLiveStack } from '../src/verify/live.ts';
import { writeReport } from '../src/write.ts';
import { type RunningBackend, sendTrace, startJaeger, startMetricsTarget, startPrometheus } from './backends.ts';
import { orderTrace, TRACE_IDS } from './capture.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const outDir = mkdtempSync(join(tmpdir(), 'report-it-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

/** Polls until `probe` is true, failing with `what` after `timeoutMs`. */
const until = async (what: string, probe: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(500);
  }
  assert.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
};

const assertOpensCleanly = async (path: string) => {
  const inspection = await inspectReport(path);
  assert.deepEqual(inspection.consoleErrors, [], 'console errors');
  assert.deepEqual(inspection.requests, [], 'the page made requests');
  assert.deepEqual(inspection.axeViolations, [], 'serious accessibility violations');
  for (const chart of inspection.charts) {
    assert.ok((chart.points ?? 0) > 0 && chart.canvases > 0, `chart ${chart.key} (${chart.label}) drew no points`);
  }
  return inspection;
};

describe('a report over a window with traffic, alerts and traces', { timeout: 240_000 }, () => {
  let prometheus: RunningBackend;
  let jaeger: RunningBackend & { otlpHttpUrl: string };
  let target: Awaited<ReturnType<typeof startMetricsTarget>>;
  let fromMs = 0;

  before(async () => {
    target = await startMetricsTarget(TRACE_IDS);
    [prometheus, jaeger] = await Promise.all([
      startPrometheus({ targets: { 'order-service': target.hostPort } }),
      startJaeger(),
    ]);
    fromMs = Date.now();
    await sendTrace(jaeger.otlpHttpUrl, TRACE_IDS[0], orderTrace(fromMs + 100, 700, 503));
    await sendTrace(jaeger.otlpHttpUrl, TRACE_IDS[1], orderTrace(fromMs + 200, 300));
    const client = prometheusClient(prometheus.url);
    const now = () => Date.now() / 1000;
    await until(
      'the SLI recording rule to have values',
      async () => (await client.query(SLI_RECORD, now())).length > 0,
    );
    await until('an SLO alert to be pending', async () => (await client.query('ALERTS', now())).length > 0);
    await until('exemplars on the latency histogram', async () =>
      (await client.exemplars(EXEMPLAR_QUERY, fromMs / 1000, now())).some((series) => series.exemplars.length > 0),
    );
    await until('both traces in Jaeger', async () => {
      const found = await Promise.all(
        TRACE_IDS.map((id) => fetch(`${jaeger.url}/api/traces/${id}`).then((response) => response.ok)),
      );
      return found.every(Boolean);
    });
    // A few more scrapes so every rate() panel has at least two points.
    await sleep(6_000);
  });

  after(async () => {
    await Promise.all([prometheus?.stop(), jaeger?.stop(), target?.close()]);
  });

  it('judges the SLOs, lists the alerts and the slowest traces, and opens offline without errors', async () => {
    const { path, bytes, data } = await writeReport({
      window: { fromMs: fromMs - 2_000, toMs: Date.now() },
      prometheusUrl: prometheus.url,
      jaegerUrl: jaeger.url,
      jaegerUiUrl: 'http://127.0.0.1:16686',
      out: join(outDir, 'full.html'),
    });
    assert.deepEqual(
      data.absent.map((entry) => entry.section),
      ['client'],
      JSON.stringify(data.absent),
    );
    // 2 of every 50 requests fail: 4% bad, far beyond a 0.1% budget; the other services had no traffic.
    const verdicts = new Map(data.slo?.verdicts.map((verdict) => [verdict.id, verdict]));
    assert.equal(verdicts.get('order-flow-availability')?.status, 'fail');
    assert.ok(Math.abs((verdicts.get('order-flow-availability')?.errorRatio ?? 0) - 0.04) < 0.01);
    assert.equal(verdicts.get('user-service-availability')?.status, 'no-traffic');
    assert.ok(data.alerts?.some((alert) => alert.alertname === 'MeshStackAvailabilityBudgetBurn'));
    for (const alert of data.alerts ?? []) assert.equal(alert.runbookUrl, runbookUrl(alert.alertname));
    assert.deepEqual(new Set(data.slowestTraces?.map((trace) => trace.traceId)), new Set(TRACE_IDS));
    assert.equal(data.slowestTraces?.[0]?.traceId, TRACE_IDS[0], 'longest first');
    assert.deepEqual(new Set(data.exemplarTraces?.map((exemplar) => exemplar.traceId)), new Set(TRACE_IDS));
    assert.ok(data.exemplarTraces?.every((exemplar) => (exemplar.trace?.spanCount ?? 0) === 5));
    const panels = data.dashboards.flatMap((dashboard) =>
      dashboard.instances.flatMap((instance) => instance.rows.flatMap((row) => row.panels)),
    );
    assert.ok(
      panels.some((panel) => panel.status === 'data' && panel.heatmap !== undefined),
      'a heatmap with data',
    );
    assert.ok(panels.filter((panel) => panel.mesh !== undefined).every((panel) => panel.status === 'no-mesh-data'));
    assert.ok(bytes < 5 * 1024 * 1024);

    const inspection = await assertOpensCleanly(path);
    assert.ok(inspection.charts.length >= 5, `${inspection.charts.length} charts`);
    assert.ok(TRACE_IDS.every((id) => inspection.traceIds.includes(id)));
    assert.ok(inspection.alertNames.includes('MeshStackAvailabilityBudgetBurn'));
    const html = readFileSync(path, 'utf8');
    assert.match(html, /no mesh data/);
    assert.match(html, /href="http:\/\/127\.0\.0\.1:16686\/trace\/4bf92f3577b34da6a3ce929d0e0e4736"/);
  });

  it('agrees with Prometheus and Jaeger read directly (the live suite’s check)', async () => {
    const { problems, data } = await checkReportAgainstLiveStack({
      window: { fromMs: fromMs - 2_000, toMs: Date.now() },
      prometheusUrl: prometheus.url,
      jaegerUrl: jaeger.url,
      out: join(outDir, 'live-check.html'),
    });
    assert.deepEqual(problems, []);
    assert.ok((data.slowestTraces?.length ?? 0) > 0);
  });

  it('falls back to the SLI expression and names the missing recording rule when Prometheus has no rules', async () => {
    const bare = await startPrometheus({ targets: { 'order-service': target.hostPort }, rules: false });
    try {
      const client = prometheusClient(bare.url);
      await until(
        'two scrapes',
        async () => (await client.query('http_server_request_duration_seconds_count', Date.now() / 1000)).length > 0,
      );
      await sleep(3_000);
      const { data, path } = await writeReport({
        window: { fromMs: Date.now() - 10_000, toMs: Date.now() },
        prometheusUrl: bare.url,
        jaegerUrl: jaeger.url,
        out: join(outDir, 'no-rules.html'),
      });
      const verdictsMissing = data.absent.filter((entry) => entry.section === 'verdicts').map((entry) => entry.message);
      assert.ok(
        verdictsMissing.some((message) => message.includes(SLI_RECORD)),
        verdictsMissing.join('\n'),
      );
      assert.equal(data.slo?.verdicts.find((verdict) => verdict.id === 'order-flow-availability')?.status, 'fail');
      assert.match(readFileSync(path, 'utf8'), new RegExp(SLI_RECORD.replace(/[:]/g, ':')));
      await assertOpensCleanly(path);
    } finally {
      await bare.stop();
    }
  });
});

describe('a report from bad input', { timeout: 180_000 }, () => {
  it('names unreachable backends, still writes the file and opens cleanly', async () => {
    const [prometheusPort, jaegerPort] = await Promise.all([freePort(), freePort()]);
    const { data, path } = await writeReport({
      window: { fromMs: Date.now() - 60_000, toMs: Date.now() },
      prometheusUrl: `http://127.0.0.1:${prometheusPort}`,
      jaegerUrl: `http://127.0.0.1:${jaegerPort}`,
      out: join(outDir, 'unreachable.html'),
    });
    const sections = new Set(data.absent.map((entry) => entry.section));
    assert.deepEqual(sections, new Set(['client', 'verdicts', 'dashboards', 'alerts', 'traces']));
    assert.ok(
      data.absent.some((entry) =>
        entry.message.includes(`Prometheus at http://127.0.0.1:${prometheusPort}: unreachable`),
      ),
    );
    assert.ok(
      data.absent.some((entry) => entry.message.includes(`Jaeger at http://127.0.0.1:${jaegerPort}: unreachable`)),
    );
    const html = readFileSync(path, 'utf8');
    assert.match(html, new RegExp(`Prometheus at http://127\\.0\\.0\\.1:${prometheusPort}: unreachable`));
    await assertOpensCleanly(path);
  });

  it('says a window of an empty TSDB had no traffic, judges nothing and draws no empty charts', async () => {
    const empty = await startPrometheus();
    try {
      const { data, path } = await writeReport({
        window: { fromMs: Date.now() - 5 * 60_000, toMs: Date.now() },
        prometheusUrl: empty.url,
        jaegerUrl: `http://127.0.0.1:${await freePort()}`,
        out: join(outDir, 'empty.html'),
      });
      assert.ok(
        data.notes.some((note) => note.includes('recorded no HTTP requests')),
        data.notes.join('\n'),
      );
      assert.ok(data.slo?.verdicts.every((verdict) => verdict.status === 'no-traffic'));
      assert.deepEqual(data.alerts, []);
      const inspection = await assertOpensCleanly(path);
      // Prometheus's own metrics (the pipeline dashboard) may chart; nothing of the services' may.
      assert.ok(inspection.charts.every((chart) => (chart.points ?? 0) > 0));
    } finally {
      await empty.stop();
    }
  });

  it('says a window in the future has nothing yet, without asking the backends', async () => {
    const { data, path } = await writeReport({
      window: { fromMs: Date.now() + 3_600_000, toMs: Date.now() + 7_200_000 },
      prometheusUrl: 'http://127.0.0.1:9',
      jaegerUrl: 'http://127.0.0.1:9',
      out: join(outDir, 'future.html'),
    });
    assert.ok(
      data.absent.filter((entry) => entry.section !== 'client').every((entry) => entry.message.includes('future')),
    );
    await assertOpensCleanly(path);
  });

  it('the CLI refuses an empty window with exit 2, and exits 1 with the file written when backends are down', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, 'report', 'src', 'cli.ts'), ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
    const empty = await run(['--from', '2026-01-01T00:10:00Z', '--to', '2026-01-01T00:00:00Z']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /the window is empty/);
    const port = await freePort();
    const out = join(outDir, 'cli.html');
    const down = await run([
      '--last',
      '5m',
      '--prometheus-url',
      `http://127.0.0.1:${port}`,
      '--jaeger-url',
      `http://127.0.0.1:${port}`,
      '--out',
      out,
    ]);
    assert.equal(down.code, 1, down.stderr);
    assert.match(down.stderr, new RegExp(`Prometheus at http://127\\.0\\.0\\.1:${port}: unreachable`));
    assert.match(down.stdout, /cli\.html/);
    assert.ok(readFileSync(out, 'utf8').startsWith('<!doctype html>'));

    // A driver summary alone gives the window (its run) and the client view.
    const summaryPath = join(outDir, 'run.json');
    const latency = { count: 1, p50: 5, p90: 6, p99: 7, max: 8, mean: 5 };
    const step = {
      requests: 1,
      failed: 0,
      statuses: { '201': 1 },
      errors: {},
      latencyMs: latency,
      serviceTimeMs: latency,
    };
    writeFileSync(
      summaryPath,
      JSON.stringify({
        runId: 'cli-run',
        startedAt: new Date(Date.now() - 120_000).toISOString(),
        targetRatePerSecond: 1,
        targetDurationSeconds: 60,
        elapsedSeconds: 60,
        aborted: false,
        iterations: { scheduled: 1, completed: 1, failed: 0, dropped: 0, interrupted: 0, late: 0 },
        throughput: { iterationsPerSecond: 1, requestsPerSecond: 3 },
        iterationLatencyMs: latency,
        steps: { create_user: step, create_order: step, read_order: step },
        errorsByStatus: {},
        errorRate: 0,
      }),
    );
    const withSummary = join(outDir, 'cli-summary.html');
    const fromSummary = await run([
      '--summary',
      summaryPath,
      '--prometheus-url',
      `http://127.0.0.1:${port}`,
      '--jaeger-url',
      `http://127.0.0.1:${port}`,
      '--out',
      withSummary,
    ]);
    assert.equal(fromSummary.code, 1, fromSummary.stderr);
    assert.doesNotMatch(fromSummary.stderr, /missing \(client\)/);
    assert.match(readFileSync(withSummary, 'utf8'), /Client view \(load driver\)[\s\S]*run cli-run/);
  });
});

describe('npm run load -- --report', { timeout: 180_000 }, () => {
  it('writes the run’s report with the driver’s own results at the end of the run', async () => {
    const api = await startInMemoryApi();
    const prometheus = await startPrometheus();
    try {
      const out = join(outDir, 'load.html');
      const child = spawn(
        process.execPath,
        [
          join(REPO_ROOT, 'loadtest', 'driver', 'cli.ts'),
          ...['--rate', '10', '--duration', '2s', '--think-time-scale', '0'],
          ...['--user-service-url', api.url, '--order-service-url', api.url],
          ...['--report', '--report-wait', '0', '--report-out', out],
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, PROMETHEUS_URL: prometheus.url, JAEGER_URL: `http://127.0.0.1:${await freePort()}` },
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdout.resume();
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      assert.equal(code, 0, stderr);
      assert.match(stderr, new RegExp(`\\[load\\] report: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(stderr, /missing \(traces\): .*Jaeger at http:\/\/127\.0\.0\.1:\d+: unreachable/);
      const html = readFileSync(out, 'utf8');
      assert.match(html, /Client view \(load driver\)/);
      for (const step of ['create_user', 'create_order', 'read_order'])
        assert.match(html, new RegExp(`<th scope="row">${step}</th><td>20</td>`));
      await assertOpensCleanly(out);
    } finally {
      await Promise.all([prometheus.stop(), api.close()]);
    }
  });
});
