/**
 * @module The report's reading of its inputs: the window flags, the generated dashboards (same source as the
 * committed JSON) and their variables, units, SLO verdict rules, and the driver's and k6's summaries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadSummary, StepSummary } from '@mesh-stack/loadtest/driver';
import { listDashboardQueries, renderDashboards } from '@mesh-stack/observability/dashboards';
import { errorBudget, SLOS } from '@mesh-stack/observability/rules';
import { cssColour, loadDashboards } from './dashboards/model.ts';
import {
  expandVariables,
  interpolate,
  MAX_INSTANCES,
  parseLabelValuesQuery,
  rateIntervalSeconds,
} from './dashboards/variables.ts';
import { thresholdColour } from './render/html.ts';
import { formatValue } from './render/units.ts';
import { driverSection, k6Section } from './verdicts/client.ts';
import { sloRequestsExpr, verdictOf } from './verdicts/slo.ts';
import { parseInstant, resolveWindow } from './window.ts';

const NOW = Date.parse('2026-12-02T09:00:00Z');

interface JsonPanelLike {
  id?: number;
  type?: string;
  panels?: JsonPanelLike[];
  fieldConfig?: {
    defaults?: {
      unit?: string;
      thresholds?: { steps?: { value?: number | null; color?: string }[] };
      custom?: { thresholdsStyle?: { mode?: string } };
    };
  };
}

describe('the window', () => {
  it('reads ISO 8601 and epoch seconds or milliseconds', () => {
    for (const [text, expected] of [
      ['2026-12-02T08:00:00Z', Date.parse('2026-12-02T08:00:00Z')],
      ['2026-12-02T08:00:00.500+01:00', Date.parse('2026-12-02T07:00:00.500Z')],
      ['1796198400', 1796198400_000],
      ['1796198400123', 1796198400123],
      ['1796198400.5', 1796198400500],
      ['yesterday', undefined],
      ['12/02/2026', undefined],
    ] as const) {
      assert.equal(parseInstant(text), expected, text);
    }
  });

  it('takes --last, cuts a window that ends in the future, and refuses empty or contradictory windows', () => {
    assert.deepEqual(resolveWindow({ last: '10m' }, NOW), {
      ok: true,
      window: { fromMs: NOW - 600_000, toMs: NOW },
      notes: [],
    });
    const cut = resolveWindow({ from: '2026-12-02T08:50:00Z', to: '2026-12-02T09:10:00Z' }, NOW);
    assert.ok(cut.ok && cut.window.toMs === NOW && cut.notes[0]?.includes('cut at'));
    const future = resolveWindow({ from: '2026-12-02T10:00:00Z', to: '2026-12-02T11:00:00Z' }, NOW);
    assert.ok(future.ok && future.notes[0]?.includes('in the future'));
    for (const flags of [
      { from: '2026-12-02T08:10:00Z', to: '2026-12-02T08:00:00Z' },
      { last: '10m', from: '2026-12-02T08:00:00Z' },
      { last: 'ten minutes' },
      {},
      { from: 'nope' },
    ]) {
      const result = resolveWindow(flags, NOW);
      assert.equal(result.ok, false, JSON.stringify(flags));
    }
  });
});

describe('the dashboards, from the same source as the committed JSON', () => {
  const dashboards = loadDashboards();

  it('has every dashboard and every panel with its queries', () => {
    const listed = listDashboardQueries();
    assert.deepEqual(
      dashboards.map((dashboard) => dashboard.uid),
      listed.map((dashboard) => dashboard.uid),
    );
    for (const [index, dashboard] of dashboards.entries()) {
      const panels = dashboard.rows.flatMap((row) => row.panels);
      assert.deepEqual(
        panels.map((panel) => panel.targets.map((target) => target.expr)),
        (listed[index]?.panels ?? []).map((panel) => panel.targets.map((target) => target.expr)),
      );
      assert.ok(panels.every((panel) => panel.unit !== ''));
    }
  });

  it('carries each panel’s unit, thresholds and their graph style over from the JSON', () => {
    for (const [path, json] of renderDashboards()) {
      const model = JSON.parse(json) as { panels: JsonPanelLike[] };
      const raw = model.panels.flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));
      const read = dashboards.flatMap((dashboard) =>
        path.includes(dashboard.file) ? dashboard.rows.flatMap((row) => row.panels) : [],
      );
      for (const panel of raw) {
        const mine = read.find((item) => item.id === panel.id);
        assert.ok(mine, `${path} panel ${panel.id}`);
        const defaults = panel.fieldConfig?.defaults;
        if (panel.type !== 'heatmap') assert.equal(mine.unit, defaults?.unit ?? 'short');
        assert.deepEqual(
          mine.thresholds?.steps.map((step) => [step.value, step.color]),
          defaults?.thresholds?.steps?.map((step) => [step.value ?? null, step.color]),
        );
        if (mine.thresholds) assert.equal(mine.thresholds.style, defaults?.custom?.thresholdsStyle?.mode ?? 'off');
      }
    }
  });

  it('binds time macros as Grafana does and variables by name', () => {
    const timing = { stepSeconds: 15, scrapeIntervalSeconds: 15, rangeSeconds: 600 };
    assert.equal(rateIntervalSeconds(timing), 60);
    assert.equal(rateIntervalSeconds({ ...timing, stepSeconds: 120 }), 135);
    const values = new Map([['job', 'order-service']]);
    assert.equal(
      interpolate(`rate(x{job=~"$job",a="$\{job}",b="[[job]]"}[$__rate_interval]) / $__range_s $other`, values, timing),
      'rate(x{job=~"order-service",a="order-service",b="order-service"}[60s]) / 600 $other',
    );
    assert.deepEqual(parseLabelValuesQuery('label_values(up{job=~"$job"}, instance)'), {
      match: 'up{job=~"$job"}',
      label: 'instance',
    });
    assert.deepEqual(parseLabelValuesQuery('label_values(job)'), { match: undefined, label: 'job' });
  });

  it('repeats a single-value variable per value found, and sends All for multi-value ones', async () => {
    const timing = { stepSeconds: 15, scrapeIntervalSeconds: 15, rangeSeconds: 600 };
    const service = dashboards.find((dashboard) => dashboard.variables.some((v) => v.type === 'query' && !v.multi));
    assert.ok(service, 'a dashboard with a single-value variable');
    const asked: string[] = [];
    const { instances } = await expandVariables(
      service,
      async (label, match) => {
        asked.push(`${label} ${match ?? ''}`);
        return ['a', 'b'];
      },
      timing,
    );
    const single = service.variables.filter((v) => v.type === 'query' && !v.multi && !v.includeAll);
    assert.equal(instances.length, Math.min(MAX_INSTANCES, 2 ** single.length));
    for (const variable of service.variables.filter((v) => v.multi)) {
      assert.ok(instances.every((instance) => instance.values.get(variable.name) === (variable.allValue ?? '.+')));
    }
    assert.ok(asked.length >= 1);
  });
});

describe('units', () => {
  it('formats the Grafana units the dashboards use', () => {
    for (const [value, unit, expected] of [
      [0.0123, 's', '12.3 ms'],
      [0.0000042, 's', '4.2 µs'],
      [2.5, 's', '2.5 s'],
      [0.00123, 'percentunit', '0.123%'],
      [0.5, 'percentunit', '50%'],
      [1536, 'bytes', '1.5 KiB'],
      [42.42, 'reqps', '42.4 req/s'],
      [12_500, 'short', '12.5 K'],
      [3, 'ops', '3 ops/s'],
      [null, 's', '–'],
      [Number.POSITIVE_INFINITY, 's', '+∞'],
      [7, 'widgets', '7 widgets'],
    ] as const) {
      assert.equal(formatValue(value, unit), expected, `${value} ${unit}`);
    }
  });

  it('runs the same in the page: its source text is a self-contained function', () => {
    const again = new Function(`return ${formatValue.toString()}`)() as typeof formatValue;
    assert.equal(again(0.0123, 's'), formatValue(0.0123, 's'));
  });

  it('maps Grafana colour names to CSS', () => {
    assert.equal(cssColour('semi-dark-red'), cssColour('red'));
    assert.match(cssColour('green'), /^#[0-9A-F]{6}$/i);
    assert.equal(cssColour('#123456'), '#123456');
  });

  it('colours a value by the highest threshold step at or below it', () => {
    const panel = {
      thresholds: {
        mode: 'absolute' as const,
        style: 'off',
        steps: [
          { value: null, color: 'green', css: 'green' },
          { value: 0.5, color: 'orange', css: 'orange' },
          { value: 1, color: 'red', css: 'red' },
        ],
      },
    };
    assert.equal(thresholdColour(panel, 0.2), 'green');
    assert.equal(thresholdColour(panel, 0.5), 'orange');
    assert.equal(thresholdColour(panel, 3), 'red');
    assert.equal(thresholdColour(panel, null), undefined);
  });
});

describe('verdicts', () => {
  const availability = SLOS.find((slo) => slo.kind === 'availability');
  assert.ok(availability);

  it('passes within the error budget, fails beyond it, and does not judge a window without traffic', () => {
    const budget = errorBudget(availability);
    assert.equal(verdictOf(availability, budget * 0.5, budget, 100, 'rule').status, 'pass');
    assert.equal(verdictOf(availability, budget, budget, 100, 'rule').status, 'pass');
    const failed = verdictOf(availability, budget * 4, budget * 10, 100, 'rule');
    assert.equal(failed.status, 'fail');
    assert.ok(Math.abs((failed.burnRate ?? 0) - 4) < 1e-9);
    assert.ok(Math.abs((failed.peakBurnRate ?? 0) - 10) < 1e-9);
    assert.equal(verdictOf(availability, undefined, undefined, 0, 'rule').status, 'no-traffic');
    assert.equal(verdictOf(availability, undefined, undefined, 12, 'rule').status, 'unknown');
  });

  it('counts requests with the SLO’s own matchers', () => {
    const expr = sloRequestsExpr(availability, '600s');
    assert.match(expr, new RegExp(`job="${availability.service}"`));
    for (const matcher of availability.matchers) assert.ok(expr.includes(matcher), matcher);
    assert.match(expr, /\[600s\]\)\)$/);
  });
});

describe('client results', () => {
  const latency = (p99: number) => ({ count: 10, p50: 5, p90: 8, p99, max: p99 + 1, mean: 6 });
  const step = (p99: number, failed = 0): StepSummary => ({
    requests: 10,
    failed,
    statuses: failed > 0 ? { '201': 10 - failed, '503': failed } : { '201': 10 },
    errors: failed > 0 ? { '503': failed } : {},
    latencyMs: latency(p99),
    serviceTimeMs: latency(p99 / 2),
  });
  const summary: LoadSummary = {
    runId: 'abc',
    startedAt: '2026-12-02T08:00:00.000Z',
    targetRatePerSecond: 20,
    targetDurationSeconds: 120,
    elapsedSeconds: 121,
    aborted: false,
    iterations: { scheduled: 10, completed: 9, failed: 1, dropped: 2, interrupted: 0, late: 0 },
    throughput: { iterationsPerSecond: 0.1, requestsPerSecond: 0.3 },
    iterationLatencyMs: latency(30),
    steps: { create_user: step(20), create_order: step(900, 1), read_order: step(10) },
    errorsByStatus: { '503': 1 },
    errorRate: 1 / 30,
  };

  it('judges the driver’s run: dropped iterations, error rate, per-step p99 from the intended start', () => {
    const section = driverSection(summary, { maxErrorRate: 0.01 });
    const result = new Map(section.thresholds.map((threshold) => [threshold.metric, threshold.ok]));
    assert.equal(result.get('dropped iterations'), false);
    assert.equal(result.get('failed requests'), false);
    assert.equal(result.get('create_order p99 (from intended start)'), false);
    assert.equal(result.get('create_user p99 (from intended start)'), true);
    assert.equal(section.dropped, 2);
    assert.deepEqual(
      section.steps.map((row) => row.step),
      ['create_user', 'create_order', 'read_order'],
    );
  });

  // Hand-written in the shape k6 documents for handleSummary's `data` (metrics with values and thresholds).
  it('reads k6’s summary: per-step trends, thresholds as k6 judged them, dropped iterations', () => {
    const section = k6Section({
      metrics: {
        http_reqs: { type: 'counter', values: { count: 300, rate: 2.5 } },
        http_req_failed: {
          type: 'rate',
          values: { rate: 0.01, passes: 3, fails: 297 },
          thresholds: { 'rate<0.001': { ok: false } },
        },
        iterations: { type: 'counter', values: { count: 100 } },
        dropped_iterations: { type: 'counter', values: { count: 4 }, thresholds: { 'count==0': { ok: false } } },
        'http_req_duration{step:create_order}': {
          type: 'trend',
          values: { avg: 50, med: 40, 'p(90)': 80, 'p(95)': 90, 'p(99)': 120, max: 300 },
          thresholds: { 'p(95)<300': { ok: true }, 'p(99)<500': { ok: true } },
        },
      },
      state: { testRunDurationMs: 120_000 },
    });
    assert.equal(section.tool, 'k6');
    assert.equal(section.dropped, 4);
    assert.deepEqual(section.steps[0]?.latencyMs, { p50: 40, p90: 80, p95: 90, p99: 120, max: 300, mean: 50 });
    assert.deepEqual(
      section.thresholds.map((threshold) => `${threshold.metric} ${threshold.limit} ${threshold.ok}`),
      [
        'http_req_failed rate<0.001 false',
        'dropped_iterations count==0 false',
        'http_req_duration{step:create_order} p(95)<300 true',
        'http_req_duration{step:create_order} p(99)<500 true',
      ],
    );
  });
});
