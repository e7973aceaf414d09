/**
 * @module The report as one self-contained HTML file: styles, uPlot (JS and CSS, read from node_modules at build
 * time), the drawing script and the data inlined; no request leaves the page. Tables carry every number the charts
 * show, so the file reads without scripts, on paper and with a screen reader.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { AlertRow } from '../alerts/alerts.ts';
import type { Absence, ReportData, SectionName } from '../build.ts';
import type { PanelData } from '../dashboards/panels.ts';
import type { ChartSeries } from '../dashboards/series.ts';
import type { TraceSummary } from '../traces/shape.ts';
import type { ExemplarTrace } from '../traces/slowest.ts';
import type { ClientSection } from '../verdicts/client.ts';
import type { SloVerdict } from '../verdicts/slo.ts';
import { formatValue } from './units.ts';

const require = createRequire(import.meta.url);
const UPLOT_DIR = join(require.resolve('uplot'), '..');

/** Where runbook links point: a base URL (a published docs site) or a path from the report file to the repo root. */
export interface RenderOptions {
  readonly runbookBase: string;
}

/** What the page draws, by chart key. */
interface ChartSpec {
  readonly kind: 'series' | 'heatmap';
  readonly unit: string;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly stacked: boolean;
  readonly thresholds: PanelData['thresholds'];
  readonly step: number;
  readonly times: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly heatmap: PanelData['heatmap'];
}

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
const esc = escapeHtml;

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const time = (ms: number): string => `<time datetime="${iso(ms)}">${iso(ms).replace('T', ' ')}</time>`;
const pct = (ratio: number | undefined, digits = 3): string =>
  ratio === undefined ? '–' : `${Number((ratio * 100).toPrecision(digits))}%`;
const msText = (value: number | undefined): string => (value === undefined ? '–' : formatValue(value / 1000, 's'));

const badge = (ok: boolean | undefined, text?: string): string =>
  ok === undefined
    ? `<span class="badge unknown">${esc(text ?? 'not judged')}</span>`
    : `<span class="badge ${ok ? 'pass' : 'fail'}">${esc(text ?? (ok ? 'pass' : 'fail'))}</span>`;

const absentList = (absent: readonly Absence[], section: SectionName): string => {
  const items = absent.filter((entry) => entry.section === section);
  return items.length === 0
    ? ''
    : `<div class="absent" role="note"><strong>Missing here:</strong><ul>${items.map((entry) => `<li>${esc(entry.message)}</li>`).join('')}</ul></div>`;
};

/* ---------- verdicts ---------- */

const verdictRow = (verdict: SloVerdict): string => {
  const ok = verdict.status === 'pass' ? true : verdict.status === 'fail' ? false : undefined;
  const label = verdict.status === 'no-traffic' ? 'no traffic' : verdict.status === 'unknown' ? 'unknown' : undefined;
  const goal =
    verdict.kind === 'latency' && verdict.thresholdSeconds !== undefined
      ? `${pct(verdict.objective, 4)} within ${formatValue(verdict.thresholdSeconds, 's')}`
      : `${pct(verdict.objective, 4)} without 5xx`;
  return `<tr><th scope="row">${esc(verdict.id)}<div class="sub">${esc(verdict.description)}</div></th><td>${esc(goal)}</td><td>${verdict.requests === undefined ? '–' : Math.round(verdict.requests)}</td><td>${pct(verdict.errorRatio)}</td><td>${pct(verdict.errorBudget)}</td><td>${verdict.burnRate === undefined ? '–' : verdict.burnRate.toFixed(2)}</td><td>${verdict.peakBurnRate === undefined ? '–' : verdict.peakBurnRate.toFixed(2)}</td><td>${badge(ok, label)}${verdict.message ? `<div class="sub">${esc(verdict.message)}</div>` : ''}</td></tr>`;
};

const verdictSection = (data: ReportData): string => {
  const slo = data.slo;
  const sloTable =
    slo === undefined
      ? '<p>SLO verdicts could not be computed (see above).</p>'
      : `<table class="verdicts"><caption>SLOs over the window: pass when the bad-event ratio stays within the error budget (burn rate ≤ 1). Source: ${esc(slo.verdicts[0]?.source ?? '')}.</caption><thead><tr><th scope="col">SLO</th><th scope="col">Objective</th><th scope="col">Requests</th><th scope="col">Bad ratio</th><th scope="col">Budget</th><th scope="col">Burn rate</th><th scope="col">Peak 5 m burn</th><th scope="col">Verdict</th></tr></thead><tbody>${slo.verdicts.map(verdictRow).join('')}</tbody></table>`;
  const client = data.client;
  const clientTable =
    client === undefined
      ? ''
      : `<table class="thresholds"><caption>${esc(client.tool)} thresholds</caption><thead><tr><th scope="col">Metric</th><th scope="col">Limit</th><th scope="col">Observed</th><th scope="col">Result</th></tr></thead><tbody>${client.thresholds
          .map(
            (threshold) =>
              `<tr><th scope="row">${esc(threshold.metric)}</th><td>${esc(threshold.limit)}</td><td>${esc(threshold.observed || '–')}</td><td>${badge(threshold.ok)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const failed = (slo?.verdicts ?? []).filter((verdict) => verdict.status === 'fail').length;
  const thresholdsFailed = (client?.thresholds ?? []).filter((threshold) => !threshold.ok).length;
  const headline =
    slo === undefined && client === undefined
      ? badge(undefined, 'no verdict: no data')
      : badge(
          failed === 0 && thresholdsFailed === 0,
          failed === 0 && thresholdsFailed === 0
            ? 'every SLO and threshold held'
            : `${failed} SLO${failed === 1 ? '' : 's'} and ${thresholdsFailed} threshold${thresholdsFailed === 1 ? '' : 's'} failed`,
        );
  return `<section id="verdicts" class="verdict-box" aria-labelledby="verdicts-title"><h2 id="verdicts-title">Verdict</h2><p class="headline">${headline}${client === undefined ? '' : ` · dropped iterations: <strong>${client.dropped}</strong>`}</p>${absentList(data.absent, 'verdicts')}${sloTable}${clientTable}</section>`;
};

/* ---------- client view ---------- */

const counts = (record: Readonly<Record<string, number>>): string =>
  Object.entries(record)
    .sort(([, a], [, b]) => b - a)
    .map(([key, count]) => `${esc(key)}×${count}`)
    .join(' ') || '–';

const clientSection = (
  client: ClientSection | undefined,
  absent: readonly Absence[],
  charts: Map<string, ChartSpec>,
): string => {
  if (client === undefined) {
    return `<section id="client" aria-labelledby="client-title"><h2 id="client-title">Client view</h2>${absentList(absent, 'client')}</section>`;
  }
  const percentiles = [...new Set(client.steps.flatMap((step) => Object.keys(step.latencyMs)))];
  const steps = `<table><caption>Per step. ${esc(client.latencyNote)}</caption><thead><tr><th scope="col">Step</th><th scope="col">Requests</th><th scope="col">Failed</th>${percentiles.map((p) => `<th scope="col">${esc(p)}</th>`).join('')}<th scope="col">Service time p99</th><th scope="col">Statuses</th><th scope="col">Errors</th></tr></thead><tbody>${client.steps
    .map(
      (step) =>
        `<tr><th scope="row">${esc(step.step)}</th><td>${step.requests ?? '–'}</td><td>${step.failed ?? '–'}</td>${percentiles.map((p) => `<td>${msText(step.latencyMs[p])}</td>`).join('')}<td>${msText(step.serviceTimeP99Ms)}</td><td>${counts(step.statuses)}</td><td>${counts(step.errors)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  let timeline = '';
  if (client.timeline !== undefined) {
    const t = client.timeline;
    const common = { min: 0, max: undefined, stacked: false, thresholds: undefined, step: 5, heatmap: undefined };
    charts.set('client-throughput', {
      ...common,
      kind: 'series',
      unit: 'short',
      times: t.times,
      series: [
        { name: 'iterations/s', values: t.iterationsPerSecond },
        { name: 'failed iterations (total)', values: t.failedIterations },
        { name: 'dropped iterations (total)', values: t.droppedIterations },
      ],
    });
    charts.set('client-latency', {
      ...common,
      kind: 'series',
      unit: 'ms',
      times: t.times,
      series: [
        { name: 'create_order p50 (since start)', values: t.createOrderP50Ms },
        { name: 'create_order p99 (since start)', values: t.createOrderP99Ms },
      ],
    });
    timeline = `<div class="panels">${figure(
      'client-throughput',
      'Throughput over the run',
      'Iterations completed per second between progress reports, with failed and dropped iterations so far.',
      [{ name: 'iterations/s', values: t.iterationsPerSecond }],
      'short',
    )}${figure(
      'client-latency',
      'create_order latency over the run',
      'Percentiles from the intended start, cumulative since the run began, as the driver reported them.',
      [
        { name: 'p50', values: t.createOrderP50Ms },
        { name: 'p99', values: t.createOrderP99Ms },
      ],
      'ms',
    )}</div>`;
  }
  return `<section id="client" aria-labelledby="client-title"><h2 id="client-title">Client view (${esc(client.tool)})</h2><p>${esc(client.summary)}</p>${steps}<p>Failed requests by cause: ${counts(client.errorsByCause)}</p>${timeline}</section>`;
};

/* ---------- panels ---------- */

const statsTable = (
  series: readonly { name: string; mean: number | null; max: number | null; last: number | null }[],
  unit: string,
  decimals?: number,
): string =>
  series.length === 0
    ? ''
    : `<table class="legend"><thead><tr><th scope="col">Series</th><th scope="col">Mean</th><th scope="col">Max</th><th scope="col">Last</th></tr></thead><tbody>${series
        .map(
          (item, index) =>
            `<tr><th scope="row"><span class="swatch s${index % 8}" aria-hidden="true"></span>${esc(item.name)}</th><td>${formatValue(item.mean, unit, decimals)}</td><td>${formatValue(item.max, unit, decimals)}</td><td>${formatValue(item.last, unit, decimals)}</td></tr>`,
        )
        .join('')}</tbody></table>`;

const statsOfSeries = (series: readonly ChartSeries[]) =>
  series.map((item) => {
    const present = item.values.filter((value): value is number => value !== null);
    return {
      name: item.name,
      mean: present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length,
      max: present.length === 0 ? null : Math.max(...present),
      last: present.at(-1) ?? null,
    };
  });

const figure = (
  key: string,
  title: string,
  description: string,
  series: readonly ChartSeries[],
  unit: string,
): string =>
  `<figure class="panel"><figcaption><h3 class="panel-title">${esc(title)}</h3><p class="sub">${esc(description)}</p></figcaption><div class="chart" data-chart="${esc(key)}" data-label="${esc(title)}"></div>${statsTable(statsOfSeries(series), unit)}</figure>`;

const thresholdText = (panel: PanelData): string => {
  const steps = panel.thresholds?.steps.filter((step) => step.value !== null) ?? [];
  if (steps.length === 0) return '';
  const suffix = panel.thresholds?.mode === 'percentage' ? '% of range' : '';
  return `<p class="sub">Thresholds: ${steps
    .map(
      (step) =>
        `<span class="threshold" style="border-color:${esc(step.css)}">${esc(step.color)} from ${suffix ? `${step.value}${suffix}` : esc(formatValue(step.value, panel.unit, panel.decimals))}</span>`,
    )
    .join(' ')}</p>`;
};

/** Colour of the threshold step a value falls in (Grafana: the highest step at or below the value). */
export const thresholdColour = (panel: Pick<PanelData, 'thresholds'>, value: number | null): string | undefined => {
  if (value === null || panel.thresholds === undefined || panel.thresholds.mode !== 'absolute') return undefined;
  let colour: string | undefined;
  for (const step of panel.thresholds.steps) if (step.value === null || value >= step.value) colour = step.css;
  return colour;
};

const panelHtml = (panel: PanelData, charts: Map<string, ChartSpec>): string => {
  const queries = `<details class="queries"><summary>PromQL</summary>${panel.queries.map((query) => `<pre><code>${esc(query)}</code></pre>`).join('')}</details>`;
  const header = `<figcaption><h4 class="panel-title">${esc(panel.title)}</h4><p class="sub">${esc(panel.description)}</p>${thresholdText(panel)}</figcaption>`;
  if (panel.status !== 'data') {
    const cls = panel.status === 'error' ? 'error' : 'nodata';
    return `<figure class="panel ${cls}" data-status="${panel.status}">${header}<p class="nodata-text">${esc(panel.message ?? 'no data')}</p>${queries}</figure>`;
  }
  charts.set(panel.key, {
    kind: panel.heatmap === undefined ? 'series' : 'heatmap',
    unit: panel.unit,
    min: panel.min,
    max: panel.max,
    stacked: panel.stacked,
    thresholds: panel.thresholds,
    step: panel.times.length > 1 ? (panel.times[1] ?? 0) - (panel.times[0] ?? 0) : 15,
    times: panel.times,
    series: panel.series,
    heatmap: panel.heatmap,
  });
  const stat =
    panel.type === 'stat' || panel.type === 'gauge' || panel.type === 'bargauge'
      ? `<ul class="stat">${panel.stats
          .map((item) => {
            const colour = thresholdColour(panel, item.last);
            return `<li><span class="stat-value"${colour ? ` style="border-color:${esc(colour)}"` : ''}>${esc(formatValue(item.last, panel.unit, panel.decimals))}</span> <span class="sub">${esc(item.name)}</span></li>`;
          })
          .join('')}</ul>`
      : '';
  const heatmapNote =
    panel.heatmap === undefined
      ? ''
      : `<p class="sub">Buckets (upper bound, ${esc(panel.unit)}): ${panel.heatmap.buckets.map(esc).join(', ')}. Darker cells: more requests.</p>`;
  const note = panel.message ? `<p class="sub">${esc(panel.message)}</p>` : '';
  return `<figure class="panel" data-status="data">${header}${stat}<div class="chart" data-chart="${esc(panel.key)}" data-label="${esc(panel.title)}" data-height="${panel.type === 'stat' ? 120 : 220}"></div>${heatmapNote}${statsTable(panel.stats, panel.unit, panel.decimals)}${note}${queries}</figure>`;
};

const dashboardsSection = (data: ReportData, charts: Map<string, ChartSpec>): string => {
  const body = data.dashboards
    .map((dashboard) => {
      const id = `dashboard-${dashboard.file}`;
      const instances = dashboard.instances
        .map(
          (instance) =>
            `${instance.label ? `<h3 class="instance">${esc(instance.label)}</h3>` : ''}${instance.rows
              .map(
                (row) =>
                  `<div class="row">${row.title ? `<h3 class="row-title">${esc(row.title)}</h3>` : ''}<div class="panels">${row.panels.map((panel) => panelHtml(panel, charts)).join('')}</div></div>`,
              )
              .join('')}`,
        )
        .join('');
      const notes = dashboard.notes.map((note) => `<li>${esc(note)}</li>`).join('');
      return `<section class="dashboard" id="${esc(id)}" aria-labelledby="${esc(id)}-title"><h2 id="${esc(id)}-title">${esc(dashboard.title)}</h2><p class="sub">${esc(dashboard.description)}</p>${notes ? `<ul class="notes">${notes}</ul>` : ''}${instances}</section>`;
    })
    .join('');
  return `<div id="dashboards">${data.absent.some((entry) => entry.section === 'dashboards') ? `<section aria-labelledby="dashboards-missing"><h2 id="dashboards-missing">Dashboards</h2>${absentList(data.absent, 'dashboards')}</section>` : ''}${body}</div>`;
};

/* ---------- alerts ---------- */

const runbookHref = (url: string, options: RenderOptions): string =>
  /^[a-z]+:\/\//i.test(url) ? url : `${options.runbookBase.replace(/\/?$/, '/')}${url}`;

const alertRow = (alert: AlertRow, options: RenderOptions): string => {
  const labels = Object.entries(alert.labels)
    .map(([name, value]) => `${esc(name)}=${esc(value)}`)
    .join(', ');
  const span = (range: { from: number; to: number } | undefined): string =>
    range === undefined ? '–' : `${time(range.from * 1000)} – ${time(range.to * 1000)}`;
  return `<tr data-alert="${esc(alert.alertname)}"><th scope="row">${esc(alert.alertname)}${alert.alwaysFiring ? '<div class="sub">always fires: proves the alerting path works</div>' : ''}</th><td>${esc(alert.severity)}</td><td>${labels || '–'}</td><td>${badge(alert.state !== 'firing', alert.state)}</td><td>${span(alert.pending)}</td><td>${span(alert.firing)}</td><td>${esc(alert.summary)}</td><td><a href="${esc(runbookHref(alert.runbookUrl, options))}">${esc(alert.runbookUrl)}</a></td></tr>`;
};

const alertsSection = (data: ReportData, options: RenderOptions): string => {
  const alerts = data.alerts;
  const table =
    alerts === undefined
      ? ''
      : alerts.length === 0
        ? '<p>No alert was pending or firing during the window.</p>'
        : `<table class="alerts"><caption>Alerts pending or firing during the window (Prometheus ALERTS series)</caption><thead><tr><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">Labels</th><th scope="col">State reached</th><th scope="col">Pending</th><th scope="col">Firing</th><th scope="col">Summary</th><th scope="col">Runbook</th></tr></thead><tbody>${alerts.map((alert) => alertRow(alert, options)).join('')}</tbody></table>`;
  return `<section id="alerts" aria-labelledby="alerts-title"><h2 id="alerts-title">Alerts</h2>${absentList(data.absent, 'alerts')}${table}</section>`;
};

/* ---------- traces ---------- */

const traceDetails = (trace: TraceSummary, data: ReportData, extra: string): string => {
  const link =
    data.sources.jaegerUi === undefined
      ? ''
      : ` · <a href="${esc(`${data.sources.jaegerUi}/trace/${trace.traceId}`)}">open in Jaeger</a>`;
  const services = trace.services
    .map(
      (service) =>
        `<tr><th scope="row">${esc(service.service)}</th><td>${service.spans}</td><td>${msText(service.selfMs)}</td><td>${pct(service.share, 3)}</td></tr>`,
    )
    .join('');
  const spans = trace.spans
    .map(
      (span) =>
        `<tr${span.error ? ' class="err"' : ''}><td><span class="indent" style="padding-left:${Math.min(span.depth, 12)}em">${esc(span.operation)}</span></td><td>${esc(span.service)}</td><td>${esc(span.kind)}</td><td>${msText(span.startOffsetMs)}</td><td>${msText(span.durationMs)}</td><td>${msText(span.selfMs)}</td><td>${esc(span.httpStatus ?? '')}${span.error ? ' error' : ''}</td></tr>`,
    )
    .join('');
  return `<article class="trace" id="trace-${esc(trace.traceId)}" data-trace-id="${esc(trace.traceId)}"><h4><code>${esc(trace.traceId)}</code> · ${msText(trace.durationMs)} · ${esc(trace.rootService)} ${esc(trace.rootOperation)}${trace.error ? ' · <span class="badge fail">error</span>' : ''}</h4><p class="sub">started ${time(trace.startMs)}, ${trace.spanCount} spans${extra}${link}</p><table class="breakdown"><caption>Time per service (self time: span time not covered by child spans)</caption><thead><tr><th scope="col">Service</th><th scope="col">Spans</th><th scope="col">Self time</th><th scope="col">Share</th></tr></thead><tbody>${services}</tbody></table><details><summary>Span list (${trace.spans.length}${trace.spansCut > 0 ? ` of ${trace.spans.length + trace.spansCut}` : ''})</summary><table class="spans"><thead><tr><th scope="col">Operation</th><th scope="col">Service</th><th scope="col">Kind</th><th scope="col">Start</th><th scope="col">Duration</th><th scope="col">Self</th><th scope="col">Status</th></tr></thead><tbody>${spans}</tbody></table></details></article>`;
};

const exemplarHtml = (exemplar: ExemplarTrace, data: ReportData, listed: ReadonlySet<string>): string => {
  const series = Object.entries(exemplar.seriesLabels)
    .filter(([name]) => name !== '__name__')
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  const extra = `; exemplar of ${formatValue(exemplar.valueSeconds, 's')} on ${esc(series)}`;
  if (listed.has(exemplar.traceId)) {
    return `<p class="trace-ref">${formatValue(exemplar.valueSeconds, 's')} on ${esc(series)}: trace <a href="#trace-${esc(exemplar.traceId)}"><code>${esc(exemplar.traceId)}</code></a>, listed above.</p>`;
  }
  if (exemplar.trace !== undefined) return traceDetails(exemplar.trace, data, extra);
  return `<article class="trace" data-trace-id="${esc(exemplar.traceId)}"><h4><code>${esc(exemplar.traceId)}</code> · ${formatValue(exemplar.valueSeconds, 's')}</h4><p class="sub">observed ${time(exemplar.atMs)} on ${esc(series)}; Jaeger did not return this trace, so its spans are missing.</p></article>`;
};

const tracesSection = (data: ReportData): string => {
  const jaeger =
    data.slowestTraces === undefined
      ? ''
      : data.slowestTraces.length === 0
        ? '<p>Jaeger has no trace in the window.</p>'
        : data.slowestTraces.map((trace) => traceDetails(trace, data, '')).join('');
  const exemplars =
    data.exemplarTraces === undefined
      ? ''
      : data.exemplarTraces.length === 0
        ? '<p>Prometheus kept no exemplar on the latency histogram in the window.</p>'
        : data.exemplarTraces
            .map((exemplar) =>
              exemplarHtml(exemplar, data, new Set((data.slowestTraces ?? []).map((trace) => trace.traceId))),
            )
            .join('');
  return `<section id="traces" aria-labelledby="traces-title"><h2 id="traces-title">Slowest traces</h2>${absentList(data.absent, 'traces')}<h3>From Jaeger (longest traces that started in the window)</h3>${jaeger}<h3>From exemplars on the latency histogram</h3>${exemplars}</section>`;
};

/* ---------- page ---------- */

const STYLE = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;line-height:1.4}
body{margin:0 auto;max-width:1400px;padding:1rem 1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.3rem;border-bottom:2px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.1rem;margin:1rem 0 .4rem}h4{font-size:1rem;margin:.2rem 0}.panel-title{margin:0;font-size:1rem}
.sub{color:#444;font-size:.85rem;margin:.15rem 0}
nav ul{display:flex;flex-wrap:wrap;gap:.3rem 1rem;padding:0;list-style:none}
a{color:#0b5cad}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.85rem;width:100%}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}
td{font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:.7rem;font-weight:700;border:2px solid}
.badge.pass{color:#0a5c2b;border-color:#0a5c2b;background:#e6f4ea}
.badge.fail{color:#8a1010;border-color:#8a1010;background:#fde8e8}
.badge.unknown{color:#555;border-color:#777;background:#f3f3f3}
.verdict-box{border:3px solid #1a1a1a;padding:.2rem 1rem 1rem;border-radius:.4rem}
.verdict-box h2{border:0;margin-top:.5rem}.headline{font-size:1.1rem}
.absent,.notes-box{border-left:5px solid #b35900;background:#fff4e5;padding:.4rem .8rem;margin:.5rem 0}
.absent ul,.notes-box ul{margin:.2rem 0}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1rem}
.panel{margin:0;border:1px solid #ccc;border-radius:.3rem;padding:.5rem;min-width:0;background:#fff}
.panel.nodata .nodata-text{color:#555;font-style:italic}.panel.error .nodata-text{color:#8a1010}
.chart{min-height:120px}
.stat{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem 1rem;margin:.3rem 0}
.stat-value{font-size:1.4rem;font-weight:700;border-bottom:4px solid #888}
.threshold{border-left:6px solid;padding-left:.3rem;margin-right:.5rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.35rem;vertical-align:middle;border-radius:2px}
.s0{background:#0072B2}.s1{background:#D55E00}.s2{background:#009E73}.s3{background:#CC79A7}.s4{background:#E69F00}.s5{background:#56B4E9}.s6{background:#000}.s7{background:#F0E442}
.row-title{color:#333;border-bottom:1px dashed #bbb}
.instance{background:#eef3f8;padding:.3rem .5rem}
pre{white-space:pre-wrap;word-break:break-all;font-size:.75rem;background:#f6f6f6;padding:.3rem;margin:.2rem 0}
.trace{border:1px solid #ccc;border-radius:.3rem;padding:.5rem;margin:.6rem 0}
.spans tr.err td{background:#fde8e8}
.legend{font-size:.8rem}
.uplot{font-family:inherit}
@media print{
  body{max-width:none;padding:0;font-size:10pt}
  nav,.queries{display:none}
  .panels{display:block}
  .panel,.trace,table,.verdict-box{break-inside:avoid}
  h2{break-after:avoid}
  a[href^="http"]::after{content:" (" attr(href) ")";font-size:.75em}
  details>summary{list-style:none}
  .uplot,.uplot .u-wrap{width:auto!important;height:auto!important}
  .uplot canvas{max-width:100%!important;height:auto!important}
  .uplot .u-over,.uplot .u-under{display:none}
}
`;

const navigation = (data: ReportData): string =>
  `<nav aria-label="Sections"><ul><li><a href="#verdicts">Verdict</a></li><li><a href="#client">Client view</a></li>${data.dashboards
    .map((dashboard) => `<li><a href="#dashboard-${esc(dashboard.file)}">${esc(dashboard.title)}</a></li>`)
    .join('')}<li><a href="#alerts">Alerts</a></li><li><a href="#traces">Slowest traces</a></li></ul></nav>`;

/** Six significant digits are more than a chart can show and halve the embedded data. */
const compact = (values: readonly (number | null)[]): (number | null)[] =>
  values.map((value) => (value === null ? null : Number(value.toPrecision(6))));

const compactChart = (chart: ChartSpec): ChartSpec => ({
  ...chart,
  series: chart.series.map((series) => ({ name: series.name, values: compact(series.values) })),
  heatmap:
    chart.heatmap === undefined
      ? undefined
      : { buckets: chart.heatmap.buckets, counts: chart.heatmap.counts.map(compact) },
});

/** The embedded JSON must not close its script element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');
const scriptText = (code: string): string => code.replace(/<\/script/gi, '<\\/script');

export const renderHtml = (data: ReportData, options: RenderOptions): string => {
  const charts = new Map<string, ChartSpec>();
  const body = [
    verdictSection(data),
    clientSection(data.client, data.absent, charts),
    dashboardsSection(data, charts),
    alertsSection(data, options),
    tracesSection(data),
  ].join('');
  const notes = [...data.notes, ...data.absent.map((entry) => entry.message)];
  const header = `<header><h1>${esc(data.title)}</h1><p>Window ${time(data.window.fromMs)} – ${time(data.window.toMs)} (${formatValue((data.window.toMs - data.window.fromMs) / 1000, 's')})${data.grid ? `, one point every ${data.grid.step} s` : ''}. Built ${time(Date.parse(data.generatedAt))} from Prometheus ${esc(data.sources.prometheus)} and Jaeger ${esc(data.sources.jaeger)}.</p>${notes.length === 0 ? '' : `<div class="notes-box" role="note"><strong>About this report:</strong><ul>${notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul></div>`}${navigation(data)}</header>`;
  const uplotJs = readFileSync(join(UPLOT_DIR, 'uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(join(UPLOT_DIR, 'uPlot.min.css'), 'utf8');
  const drawJs = readFileSync(join(import.meta.dirname, '..', 'browser', 'draw.js'), 'utf8');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(data.title)} · ${esc(iso(data.window.fromMs))}</title>
<style>${uplotCss}</style><style>${STYLE}</style></head>
<body>${header}<main>${body}</main>
<script type="application/json" id="report-data">${scriptJson({ charts: Object.fromEntries([...charts].map(([key, chart]) => [key, compactChart(chart)])) })}</script>
<script>${scriptText(uplotJs)}</script>
<script>const formatValue = ${scriptText(formatValue.toString())};</script>
<script>${scriptText(drawJs)}</script>
</body></html>
`;
};
