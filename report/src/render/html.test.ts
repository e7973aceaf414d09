/**
 * @module The rendered file: sections in the order, nothing loaded from elsewhere, text escaped, what is
 * missing said in place, and the caps on series, points and spans keeping a 10-minute run far under 5 MB.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReportData } from '../build.ts';
import { loadDashboards } from '../dashboards/model.ts';
import { MAX_SERIES_PER_PANEL, type PanelData } from '../dashboards/panels.ts';
import { gridTimes } from '../dashboards/series.ts';
import { MAX_SPANS_PER_TRACE, type TraceSummary } from '../traces/shape.ts';
import { renderHtml } from './html.ts';

const FROM = Date.parse('2026-12-02T08:00:00Z');
const TO = FROM + 10 * 60_000;
const GRID = { start: FROM / 1000, end: TO / 1000, step: 15 };

/** Deterministic noise with full float precision, the worst case for the embedded JSON. */
let seed = 1;
const noise = (): number => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

const fullPanels = (instances: number) =>
  loadDashboards().map((dashboard) => ({
    file: dashboard.file,
    uid: dashboard.uid,
    title: dashboard.title,
    description: dashboard.description,
    notes: [],
    instances: Array.from({ length: instances }, (_, instance) => ({
      label: `job: service-${instance}`,
      rows: dashboard.rows.map((row) => ({
        title: row.title,
        panels: row.panels.map((panel): PanelData => {
          const times = gridTimes(GRID);
          const series = Array.from({ length: MAX_SERIES_PER_PANEL }, (_, index) => ({
            name: `series ${index} {route="/orders/:id", method="GET"}`,
            values: times.map(() => noise()),
          }));
          return {
            ...panel,
            key: `${dashboard.file}-${instance}-${panel.id}`,
            queries: panel.targets.map((target) => target.expr),
            times,
            series,
            heatmap: undefined,
            stats: series.map((item) => ({ name: item.name, mean: 0.5, max: 1, last: 0.5 })),
            status: 'data',
            message: undefined,
          };
        }),
      })),
    })),
  }));

const bigTrace = (index: number): TraceSummary => ({
  traceId: index.toString(16).padStart(32, '0'),
  rootService: 'order-service',
  rootOperation: 'POST /orders',
  startMs: FROM + index,
  durationMs: 1234.5678,
  spanCount: 400,
  error: false,
  services: [{ service: 'order-service', spans: 400, selfMs: 1234.5678, share: 1 }],
  spans: Array.from({ length: MAX_SPANS_PER_TRACE }, (_, span) => ({
    spanId: span.toString(16).padStart(16, '0'),
    depth: span % 6,
    service: 'payment-service',
    operation: 'SELECT payments',
    startOffsetMs: span * 1.2345,
    durationMs: 12.345678,
    selfMs: 1.2345678,
    kind: 'client',
    error: false,
    httpStatus: '201',
  })),
  spansCut: 250,
});

const report = (overrides: Partial<ReportData> = {}): ReportData => ({
  title: 'Load test report',
  generatedAt: new Date(TO).toISOString(),
  window: { fromMs: FROM, toMs: TO },
  grid: GRID,
  sources: { prometheus: 'http://127.0.0.1:9090', jaeger: 'http://127.0.0.1:16686', jaegerUi: undefined },
  notes: [],
  absent: [],
  slo: undefined,
  client: undefined,
  dashboards: [],
  alerts: [],
  slowestTraces: [],
  exemplarTraces: [],
  ...overrides,
});

describe('the report file', () => {
  it('keeps a 10-minute run under 5 MB even with every panel at its series cap and three services', () => {
    const html = renderHtml(
      report({
        dashboards: fullPanels(3),
        slowestTraces: Array.from({ length: 10 }, (_, index) => bigTrace(index)),
      }),
      { runbookBase: '..' },
    );
    const bytes = Buffer.byteLength(html);
    assert.ok(bytes < 5 * 1024 * 1024, `${(bytes / 1024 / 1024).toFixed(2)} MB`);
  });

  it('loads nothing from elsewhere and puts the sections in order', () => {
    const html = renderHtml(report({ dashboards: fullPanels(1) }), { runbookBase: '..' });
    assert.doesNotMatch(html, /<(script|img|iframe)[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=/i);
    assert.doesNotMatch(html, /url\(\s*['"]?(https?:)?\/\//i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const order = ['id="verdicts"', 'id="client"', 'id="dashboards"', 'id="alerts"', 'id="traces"'].map((marker) =>
      html.indexOf(marker),
    );
    assert.ok(
      order.every((position, index) => position > (order[index - 1] ?? -1)),
      String(order),
    );
  });

  it('escapes text and keeps embedded data from closing its script element', () => {
    const [dashboard] = fullPanels(1);
    assert.ok(dashboard);
    const hostile = '</script><script>alert(1)</script>';
    const panel = dashboard.instances[0]?.rows[0]?.panels[0];
    assert.ok(panel);
    const html = renderHtml(
      report({
        dashboards: [
          {
            ...dashboard,
            title: hostile,
            instances: [
              { label: '', rows: [{ title: 'row', panels: [{ ...panel, series: [{ name: hostile, values: [1] }] }] }] },
            ],
          },
        ],
      }),
      { runbookBase: '..' },
    );
    assert.equal(html.split('<script>alert(1)').length, 1);
    assert.match(html, /&#60;\/script&#62;/);
  });

  it('says what is missing where it is missing', () => {
    const html = renderHtml(
      report({
        absent: [{ section: 'alerts', message: 'alerts: Prometheus at http://127.0.0.1:1: unreachable' }],
        alerts: undefined,
      }),
      { runbookBase: '..' },
    );
    const alerts = html.slice(html.indexOf('id="alerts"'));
    assert.match(alerts, /Missing here:.*Prometheus at http:\/\/127\.0\.0\.1:1: unreachable/);
  });
});
