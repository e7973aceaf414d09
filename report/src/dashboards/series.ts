/**
 * @module Prometheus range results → chart data aligned on one time grid: legend names as Grafana renders them,
 * non-finite values as gaps, heatmap buckets de-cumulated, and the legend calculations the dashboards show
 * (mean, max, last not null).
 */
import type { Labels, RangeSeries } from '../sources/prometheus.ts';

/** The query grid: `start + k × step` up to `end`, in unix seconds, as Prometheus evaluates a range query. */
export interface TimeGrid {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

export interface ChartSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
}

export interface SeriesStats {
  readonly name: string;
  readonly mean: number | null;
  readonly max: number | null;
  readonly last: number | null;
}

export const gridTimes = (grid: TimeGrid): number[] => {
  const times: number[] = [];
  for (let t = grid.start; t <= grid.end + 1e-9; t += grid.step) times.push(Math.round(t * 1000) / 1000);
  return times;
};

const formatLabels = (metric: Labels): string => {
  const { __name__: name, ...labels } = metric;
  const inner = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ');
  return inner === '' ? (name ?? 'value') : `${name ?? ''}{${inner}}`;
};

/** Grafana's legend: `{{label}}` replaced by the series' label value; empty or `__auto` shows the labels. */
export const legendName = (legendFormat: string, metric: Labels): string => {
  if (legendFormat === '' || legendFormat === '__auto') return formatLabels(metric);
  return legendFormat.replace(
    /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g,
    (_match, label: string) => metric[label] ?? '',
  );
};

const sampleValue = (text: string): number | null => {
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
};

/** Places each sample on the grid (Prometheus returns exactly grid times; rounding absorbs float noise). */
export const alignSeries = (series: RangeSeries, grid: TimeGrid, times: readonly number[]): (number | null)[] => {
  const values = new Array<number | null>(times.length).fill(null);
  for (const [time, text] of series.values) {
    const index = Math.round((time - grid.start) / grid.step);
    if (index >= 0 && index < values.length) values[index] = sampleValue(text);
  }
  return values;
};

export const statsOf = (series: ChartSeries): SeriesStats => {
  const present = series.values.filter((value): value is number => value !== null);
  const last = [...series.values].reverse().find((value) => value !== null) ?? null;
  return {
    name: series.name,
    mean: present.length === 0 ? null : present.reduce((sum, value) => sum + value, 0) / present.length,
    max: present.length === 0 ? null : Math.max(...present),
    last,
  };
};

const leOf = (metric: Labels): number => {
  const le = metric.le ?? '';
  return le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
};

export interface HeatmapData {
  /** Upper bounds, as the `le` label reads. */
  readonly buckets: readonly string[];
  /** `counts[bucket][time]`: rate in that bucket only (cumulative buckets subtracted). */
  readonly counts: readonly (readonly (number | null)[])[];
}

/**
 * Grafana's `format: heatmap` for cumulative `le` buckets: sorted by bound, each bucket minus the one below it.
 * Series of several `le` sets (several targets) are summed per bound first.
 */
export const heatmapOf = (series: readonly RangeSeries[], grid: TimeGrid, times: readonly number[]): HeatmapData => {
  const byBound = new Map<number, { label: string; values: (number | null)[] }>();
  for (const item of series) {
    const bound = leOf(item.metric);
    if (Number.isNaN(bound)) continue;
    const aligned = alignSeries(item, grid, times);
    const entry = byBound.get(bound);
    if (entry === undefined) byBound.set(bound, { label: item.metric.le ?? '', values: aligned });
    else entry.values = entry.values.map((value, index) => (value ?? 0) + (aligned[index] ?? 0));
  }
  const sorted = [...byBound.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
  const counts = sorted.map((entry, bucket) =>
    entry.values.map((value, index) => {
      if (value === null) return null;
      const below = bucket === 0 ? 0 : (sorted[bucket - 1]?.values[index] ?? 0);
      return Math.max(0, value - (below ?? 0));
    }),
  );
  return { buckets: sorted.map((entry) => entry.label), counts };
};
