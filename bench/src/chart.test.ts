import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderChart } from './chart.ts';
import {
  type BenchResults,
  emptyRounds,
  median,
  pairedRatio,
  queueingLatencyRatio,
  type SuiteResults,
  suiteTable,
  summarizeSuite,
} from './results.ts';

const variant = (name: string, throughput: number[], cpu: number[], p99: number[], eld: number[], rss: number[]) => ({
  ...emptyRounds(name, `${name} <described> & measured`),
  throughput,
  cpuMicrosPerRequest: cpu,
  p99Ms: p99,
  eventLoopDelayP99Ms: eld,
  rssIdleMiB: { server: rss.map((value) => value - 20) },
  rssLoadMiB: { server: rss },
});

const suite: SuiteResults = {
  title: 'light route',
  baseline: 'bare',
  openRate: 5000,
  variants: [
    variant('bare', [10_000, 12_000, 11_000], [30, 28, 29], [4, 5, 6], [11, 12, 13], [80, 82, 81]),
    variant('sampled', [6_000, 5_000, 5_500], [60, 58, 59], [9, 10, 11], [20, 21, 22], [120, 118, 119]),
    variant('huge-p99', [9_000, 9_000, 9_000], [31, 31, 31], [400, 400, 400], [11, 12, 13], [90, 90, 90]),
  ],
};
const results: BenchResults = {
  startedAt: '2026-12-02T00:00:00.000Z',
  machine: { node: 'v24', cpus: 2, cpuModel: 'test', loadAverageAtStart: [0.5, 0.4, 0.3], pinned: true },
  settings: {
    rounds: 3,
    closedSeconds: 8,
    openSeconds: 8,
    connections: 50,
    openLoadFraction: 0.5,
    soakSeconds: 0,
    serverNodeArgs: [],
  },
  suites: [suite],
};

describe('bench results', () => {
  it('reads medians of rounds and ratios to the baseline', () => {
    const [bare, sampled] = summarizeSuite(suite);
    assert.ok(bare && sampled);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.ok(Number.isNaN(median([])));
    assert.equal(bare.ratios.throughput, 1);
    assert.equal(sampled.ratios.throughput, median([6_000, 5_000, 5_500]) / median([10_000, 12_000, 11_000]));
    assert.equal(sampled.ratios.cpuPerRequest, median([60, 58, 59]) / median([30, 28, 29]));
    assert.equal(sampled.ratios.dedicatedCoreThroughput, 1 / sampled.ratios.cpuPerRequest);
    assert.equal(sampled.ratios.p99, median([9, 10, 11]) / median([4, 5, 6]));
    assert.equal(sampled.ratios.eventLoopDelayP99, median([20, 21, 22]) / median([11, 12, 13]));
    assert.equal(sampled.ratios.rssLoad, median([120, 118, 119]) / median([80, 82, 81]));
    assert.equal(sampled.rssIdleMiB, median([100, 98, 99]));
  });

  it('says how much longer the tail would be from the extra CPU alone (M/M/1 at the open rate)', () => {
    // 100 orders/s: 4 ms of CPU each keeps the core 40% busy (latency 4 / 0.6 ms), 5 ms keeps it 50% busy (5 / 0.5).
    assert.equal(queueingLatencyRatio(100, 4_000, 5_000), 5 / 0.5 / (4 / 0.6));
    assert.equal(queueingLatencyRatio(100, 4_000, 4_000), 1);
    assert.ok(queueingLatencyRatio(100, 4_000, 3_000) < 1);
    assert.equal(queueingLatencyRatio(100, 4_000, 10_000), Number.POSITIVE_INFINITY);
    const [, sampled] = summarizeSuite(suite);
    // 5,000 requests/s: 29 µs keeps the core 14.5% busy, 59 µs 29.5%.
    assert.ok(Math.abs((sampled?.ratios.p99FromCpu ?? 0) - 59 / 0.705 / (29 / 0.855)) < 1e-9);
  });

  it('pairs each round of a variant with the same round of the baseline', () => {
    // A round where the whole machine was slow (round 2) moves both; pairing keeps the ratio, medians of each do not.
    assert.deepEqual(pairedRatio([100, 200, 110], [125, 250, 110]), { median: 0.8, min: 0.8, max: 1 });
    assert.equal(median([100, 200, 110]) / median([125, 250, 110]), 110 / 125);
    assert.equal(pairedRatio([100, 200], [125]), undefined);
    assert.equal(pairedRatio([], []), undefined);
    const [bare, sampled] = summarizeSuite(suite);
    assert.equal(bare?.ratios.dedicatedCoreThroughputByRound, undefined);
    assert.deepEqual(sampled?.ratios.dedicatedCoreThroughputByRound, {
      median: 29 / 59,
      min: Math.min(30 / 60, 28 / 58, 29 / 59),
      max: Math.max(30 / 60, 28 / 58, 29 / 59),
    });
  });

  it('prints one table row per variant', () => {
    const rows = suiteTable(suite).slice(2);
    assert.deepEqual(
      rows.map((row) => row.split('|')[1]?.trim()),
      suite.variants.map((v) => v.name),
    );
  });
});

describe('renderChart', () => {
  const svg = renderChart(results);

  it('is one SVG document with a bar per variant and measure against the baseline', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.equal(svg.match(/<svg\b/g)?.length, 1);
    // The baseline is the 1x line, not a group of its own: 2 variants × 5 measures.
    const bars = [...svg.matchAll(/<rect [^>]*><title>([^<]*)<\/title><\/rect>/g)].map((match) => match[1]);
    assert.equal(bars.length, 2 * 5);
    const sampled = summarizeSuite(suite).find((v) => v.name === 'sampled');
    assert.ok(bars.includes(`sampled: throughput (higher is better): ${sampled?.ratios.throughput.toFixed(2)}x`));
  });

  it('escapes text and keeps bars past the axis inside the plot, with their value written out', () => {
    assert.ok(svg.includes('&lt;described&gt; &amp; measured'));
    assert.ok(!svg.includes('<described>'));
    const huge = summarizeSuite(suite).find((v) => v.name === 'huge-p99');
    assert.ok(svg.includes(`>${huge?.ratios.p99.toFixed(2)}x</text>`));
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)?.[1]);
    for (const match of svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g))
      assert.ok(Number(match[1]) + Number(match[2]) <= width, match[0]);
  });
});

describe('the committed chart', () => {
  it('is what renderChart makes of the committed results (re-render: npm run bench -- --chart-from=…)', () => {
    const dir = join(import.meta.dirname, '..', 'results');
    const committed = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as BenchResults;
    assert.equal(readFileSync(join(dir, 'telemetry-tax.svg'), 'utf8'), renderChart(committed));
  });
});
