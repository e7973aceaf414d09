/**
 * @module The telemetry tax as a chart: an SVG built as a plain string from the bench's JSON results (no charting
 * dependency). One panel per suite, one group of bars per variant: its ratios to the suite's baseline, with the
 * line at 1x (= the baseline) drawn through every group.
 */
import { type BenchResults, summarizeSuite, type VariantSummary } from './results.ts';

interface Measure {
  readonly label: string;
  readonly color: string;
  readonly value: (variant: VariantSummary) => number;
}

/** Throughput-like ratios: higher is better. Latency and memory: lower is better. The legend says which. */
const MEASURES: readonly Measure[] = [
  { label: 'throughput (higher is better)', color: '#2f6db5', value: (v) => v.ratios.throughput },
  {
    label: 'throughput on a dedicated core = baseline CPU / CPU (higher is better)',
    color: '#7fa9d9',
    value: (v) => v.ratios.dedicatedCoreThroughput,
  },
  { label: 'p99 latency, open model (lower is better)', color: '#c8553d', value: (v) => v.ratios.p99 },
  { label: 'event-loop delay p99 (lower is better)', color: '#e39b5b', value: (v) => v.ratios.eventLoopDelayP99 },
  { label: 'RSS at saturation (lower is better)', color: '#6a9a58', value: (v) => v.ratios.rssLoad },
];

const WIDTH = 960;
const LABEL_WIDTH = 300;
const PLOT_WIDTH = 560;
const BAR_HEIGHT = 12;
const BAR_GAP = 3;
const GROUP_GAP = 16;
const MAX_RATIO = 3;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

const escapeXml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Renders the chart; ratios past {@link MAX_RATIO} are drawn to the edge with their value written out. */
export const renderChart = (results: BenchResults): string => {
  const x = (ratio: number) => LABEL_WIDTH + (Math.min(ratio, MAX_RATIO) / MAX_RATIO) * PLOT_WIDTH;
  const parts: string[] = [];
  let y = 28;
  parts.push(
    `<text x="16" y="${y}" font-size="18" font-weight="600" ${FONT}>Telemetry tax: each variant against its baseline (1x)</text>`,
  );
  y += 20;
  parts.push(
    `<text x="16" y="${y}" font-size="12" fill="#555" ${FONT}>${escapeXml(
      `npm run bench, ${results.startedAt}: Node ${results.machine.node}, ${results.machine.cpus} CPUs, load average ${results.machine.loadAverageAtStart
        .map((load) => load.toFixed(1))
        .join(' ')} at start; medians of ${results.settings.rounds} rounds${
        (results.settings.serverNodeArgs ?? []).length > 0
          ? `; servers run with ${results.settings.serverNodeArgs.join(' ')}`
          : ''
      }`,
    )}</text>`,
  );
  y += 18;
  for (const [index, measure] of MEASURES.entries()) {
    const column = index % 2;
    const legendX = 16 + column * 470;
    if (column === 0 && index > 0) y += 16;
    parts.push(
      `<rect x="${legendX}" y="${y - 10}" width="12" height="12" fill="${measure.color}"/>`,
      `<text x="${legendX + 18}" y="${y}" font-size="12" ${FONT}>${escapeXml(measure.label)}</text>`,
    );
  }
  y += 24;
  for (const suite of results.suites) {
    const variants = summarizeSuite(suite).filter((variant) => variant.name !== suite.baseline);
    parts.push(
      `<text x="16" y="${y + 14}" font-size="15" font-weight="600" ${FONT}>${escapeXml(
        `${suite.title} (baseline: ${suite.baseline}; p99 at ${suite.openRate}/s)`,
      )}</text>`,
    );
    y += 26;
    const top = y;
    for (const variant of variants) {
      parts.push(
        `<text x="16" y="${y + 11}" font-size="12" font-weight="600" ${FONT}>${escapeXml(variant.name)}</text>`,
        `<text x="16" y="${y + 26}" font-size="11" fill="#555" ${FONT}>${escapeXml(variant.description.slice(0, 48))}</text>`,
      );
      for (const measure of MEASURES) {
        const ratio = measure.value(variant);
        const finite = Number.isFinite(ratio);
        const end = finite ? x(ratio) : LABEL_WIDTH;
        parts.push(
          `<rect x="${LABEL_WIDTH}" y="${y}" width="${(end - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${measure.color}"><title>${escapeXml(
            `${variant.name}: ${measure.label}: ${finite ? `${ratio.toFixed(2)}x` : 'not measured'}`,
          )}</title></rect>`,
          `<text x="${(end + 4).toFixed(1)}" y="${y + BAR_HEIGHT - 2}" font-size="10" ${FONT}>${
            finite ? `${ratio.toFixed(2)}x` : '—'
          }</text>`,
        );
        y += BAR_HEIGHT + BAR_GAP;
      }
      y += GROUP_GAP;
    }
    // Axis: 0, 1x (the baseline, drawn through the panel), 2x, 3x.
    for (let tick = 0; tick <= MAX_RATIO; tick++) {
      const tickX = x(tick).toFixed(1);
      parts.push(
        `<line x1="${tickX}" y1="${top - 4}" x2="${tickX}" y2="${y - GROUP_GAP + 4}" stroke="${tick === 1 ? '#222' : '#ddd'}" stroke-width="${tick === 1 ? 1.5 : 1}"${tick === 1 ? '' : ' stroke-dasharray="3 3"'}/>`,
        `<text x="${tickX}" y="${y}" font-size="10" text-anchor="middle" ${FONT}>${tick}x</text>`,
      );
    }
    y += 24;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" role="img">`,
    '<title>Telemetry tax: ratios of each variant to its baseline</title>',
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
};
