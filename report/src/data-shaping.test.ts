/**
 * @module Data shaping against responses recorded from a real Prometheus and Jaeger (report/fixtures, captured by
 * report/test/capture.ts): series alignment and legends, heatmap de-cumulation, alerts with runbooks, trace
 * breakdowns and exemplars.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertKey, annotationsByAlert, shapeAlerts } from './alerts/alerts.ts';
import { panelData } from './dashboards/panels.ts';
import { alignSeries, gridTimes, heatmapOf, legendName, statsOf, type TimeGrid } from './dashboards/series.ts';
import { fixture, prometheusData } from './fixtures.ts';
import type { JaegerTrace } from './sources/jaeger.ts';
import type { ExemplarSeries, InstantSample, RangeSeries, RuleGroupInfo } from './sources/prometheus.ts';
import { coveredLength, normalizeTraceId, summarizeTrace } from './traces/shape.ts';
import { slowestExemplars, slowestOf } from './traces/slowest.ts';

const matrix = (name: string) => prometheusData<{ result: RangeSeries[] }>(name).result;
const gridOf = (series: readonly RangeSeries[]): TimeGrid => {
  const times = series.flatMap((item) => item.values.map(([time]) => time));
  return { start: Math.min(...times), end: Math.max(...times), step: 1 };
};

describe('range series', () => {
  const rate = matrix('prometheus-query-range-request-rate.json');
  const grid = gridOf(rate);
  const times = gridTimes(grid);

  it('puts every sample on its grid slot and leaves the rest as gaps', () => {
    const [series] = rate;
    assert.ok(series);
    const aligned = alignSeries(series, grid, times);
    assert.equal(aligned.length, times.length);
    assert.equal(aligned.filter((value) => value !== null).length, series.values.length);
    for (const [time, text] of series.values) assert.equal(aligned[times.indexOf(time)], Number(text));
  });

  it('renders legends as Grafana does', () => {
    const metric = rate[0]?.metric ?? {};
    assert.equal(legendName('{{http_request_method}} {{http_route}}', metric), 'POST /orders');
    assert.equal(legendName('', { __name__: 'up', job: 'x' }), 'up{job="x"}');
    assert.equal(legendName('{{missing}}!', metric), '!');
  });

  it('computes mean, max and last not null', () => {
    assert.deepEqual(statsOf({ name: 'a', values: [1, null, 3, null] }), { name: 'a', mean: 2, max: 3, last: 3 });
    assert.deepEqual(statsOf({ name: 'a', values: [null] }), { name: 'a', mean: null, max: null, last: null });
  });

  it('de-cumulates histogram buckets in bound order (le "1.0" after "0.75", +Inf last)', () => {
    const buckets = matrix('prometheus-query-range-buckets.json');
    const bucketGrid = gridOf(buckets);
    const heatmap = heatmapOf(buckets, bucketGrid, gridTimes(bucketGrid));
    assert.deepEqual(heatmap.buckets.slice(-3), ['7.5', '10.0', '+Inf']);
    assert.equal(heatmap.buckets[9], '1.0');
    const inf = buckets.find((series) => series.metric.le === '+Inf');
    assert.ok(inf);
    const infAligned = alignSeries(inf, bucketGrid, gridTimes(bucketGrid));
    for (const [index, total] of infAligned.entries()) {
      if (total === null) continue;
      const sum = heatmap.counts.reduce((acc, row) => acc + (row[index] ?? 0), 0);
      assert.ok(Math.abs(sum - total) < 1e-9, `slot ${index}: buckets add up to ${sum}, +Inf is ${total}`);
      assert.ok(heatmap.counts.every((row) => (row[index] ?? 0) >= 0));
    }
  });
});

describe('panels', () => {
  const rate = matrix('prometheus-query-range-request-rate.json');
  const grid = gridOf(rate);
  const panel = {
    id: 7,
    title: 'Request rate',
    description: '',
    type: 'timeseries',
    unit: 'reqps',
    min: undefined,
    max: undefined,
    decimals: undefined,
    stacked: false,
    thresholds: undefined,
    mesh: undefined,
    targets: [{ refId: 'A', expr: 'x', legendFormat: '{{http_route}}', heatmap: false, exemplar: false }],
  };

  it('a panel with data has one series per result and its stats', () => {
    const data = panelData(panel, 'k', ['x'], [rate], grid);
    assert.equal(data.status, 'data');
    assert.deepEqual(
      data.series.map((series) => series.name),
      ['/orders'],
    );
    assert.equal(data.stats.length, 1);
  });

  it('a mesh panel without results says there is no mesh data; an error is shown as such', () => {
    const mesh = panelData({ ...panel, mesh: 'istio' }, 'k', ['x'], [[]], grid);
    assert.equal(mesh.status, 'no-mesh-data');
    assert.match(mesh.message ?? '', /no mesh data.*Istio/);
    const failed = panelData(panel, 'k', ['x'], [new Error('Prometheus at u: bad_data')], grid);
    assert.equal(failed.status, 'error');
    assert.match(failed.message ?? '', /bad_data/);
    assert.equal(panelData(panel, 'k', ['x'], [[]], grid).status, 'empty');
  });
});

describe('alerts', () => {
  const present = prometheusData<{ result: InstantSample[] }>('prometheus-alerts-present.json').result;
  const timeline = matrix('prometheus-alerts-range.json');
  const rules = prometheusData<{ groups: RuleGroupInfo[] }>('prometheus-rules.json').groups;
  const alerts = shapeAlerts(present, timeline, annotationsByAlert(rules));

  it('lists each alert once per label set, with its runbook and summary from the loaded rules', () => {
    assert.equal(
      new Set(
        alerts.map((alert) => alertKey({ alertname: alert.alertname, severity: alert.severity, ...alert.labels })),
      ).size,
      alerts.length,
    );
    const burn = alerts.find(
      (alert) =>
        alert.alertname === 'MeshStackAvailabilityBudgetBurn' && alert.labels.slo === 'order-flow-availability',
    );
    assert.ok(burn);
    assert.equal(burn.state, 'pending');
    assert.ok(burn.pending !== undefined && burn.pending.from <= burn.pending.to);
    assert.equal(burn.firing, undefined);
    const rule = rules.flatMap((group) => group.rules).find((item) => item.name === burn.alertname);
    assert.equal(burn.runbookUrl, rule?.annotations?.runbook_url);
    assert.equal(burn.summary, rule?.annotations?.summary);
  });

  it('puts real alerts first and the always-firing watchdog last', () => {
    const watchdog = alerts.findIndex((alert) => alert.alwaysFiring);
    assert.ok(watchdog >= 0);
    assert.equal(alerts[watchdog]?.state, 'firing');
    assert.ok(alerts.slice(watchdog).every((alert) => alert.alwaysFiring));
  });
});

describe('traces', () => {
  const traces = fixture<{ data: JaegerTrace[] }>('jaeger-traces.json').data;

  it('breaks a trace down by service self time and lists its spans as a tree', () => {
    const slow = traces.map(summarizeTrace).find((trace) => trace.error);
    assert.ok(slow);
    assert.equal(slow.rootService, 'order-service');
    assert.equal(slow.rootOperation, 'POST /orders');
    assert.equal(slow.spanCount, 5);
    assert.deepEqual(
      slow.spans.map((span) => [span.depth, span.service]),
      [
        [0, 'order-service'],
        [1, 'order-service'],
        [2, 'user-service'],
        [1, 'order-service'],
        [2, 'payment-service'],
      ],
    );
    // Self times add up to the root's duration when children nest inside their parents.
    const totalSelf = slow.services.reduce((sum, service) => sum + service.selfMs, 0);
    assert.ok(Math.abs(totalSelf - slow.durationMs) < 1e-6);
    assert.equal(slow.services[0]?.service, 'payment-service');
  });

  it('orders the slowest first and drops duplicates', () => {
    const slowest = slowestOf([...traces, ...traces], 10);
    assert.equal(slowest.length, traces.length);
    assert.ok(
      slowest.every((trace, index) => index === 0 || (slowest[index - 1]?.durationMs ?? 0) >= trace.durationMs),
    );
  });

  it('merges overlapping child intervals', () => {
    assert.equal(
      coveredLength(
        [
          [0, 5],
          [3, 8],
          [10, 20],
        ],
        0,
        15,
      ),
      13,
    );
    assert.equal(normalizeTraceId('ABC'), `${'0'.repeat(29)}abc`);
  });

  it('picks the slowest exemplar per trace id', () => {
    const series = prometheusData<ExemplarSeries[]>('prometheus-exemplars.json');
    const picked = slowestExemplars(series, 10);
    const all = series.flatMap((item) => item.exemplars);
    assert.equal(picked.length, new Set(all.map((exemplar) => exemplar.labels.trace_id)).size);
    for (const candidate of picked) {
      const best = Math.max(...all.filter((e) => e.labels.trace_id === candidate.traceId).map((e) => Number(e.value)));
      assert.equal(candidate.valueSeconds, best);
    }
  });
});
