// The report page's only script: draws every chart of the embedded data with uPlot (inlined before this script,
// with `formatValue` from render/units.ts). Plain JavaScript: it runs as is in the browser, nothing bundles it.
// Each chart element gets `data-points` (points drawn) so a test can tell a drawn chart from an empty frame.
/* global uPlot, formatValue */

(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  // Okabe–Ito: distinguishable with the common colour-vision deficiencies.
  const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
  const colour = (index) => PALETTE[index % PALETTE.length];
  const charts = [];

  const thresholdLines = (chart) => (u) => {
    // As in Grafana: graphs draw thresholds only when the panel asks (thresholdsStyle), as dashed or solid lines.
    const thresholds = chart.thresholds;
    const shown = thresholds && thresholds.mode === 'absolute' && thresholds.style !== 'off';
    const steps = shown ? thresholds.steps : [];
    const { ctx } = u;
    for (const step of steps) {
      if (step.value === null) continue;
      const y = u.valToPos(step.value, 'y', true);
      if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
      ctx.save();
      ctx.strokeStyle = step.css;
      ctx.setLineDash(thresholds.style.startsWith('dashed') ? [6, 4] : []);
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(u.bbox.left, y);
      ctx.lineTo(u.bbox.left + u.bbox.width, y);
      ctx.stroke();
      ctx.restore();
    }
  };

  const heatmapCells = (chart) => (u) => {
    const { ctx } = u;
    const counts = chart.heatmap.counts;
    let peak = 0;
    for (const row of counts) for (const value of row) if (value !== null && value > peak) peak = value;
    if (peak === 0) return;
    const half = chart.step / 2;
    ctx.save();
    counts.forEach((row, bucket) => {
      const top = u.valToPos(bucket + 1, 'y', true);
      const bottom = u.valToPos(bucket, 'y', true);
      row.forEach((value, index) => {
        if (value === null || value === 0) return;
        const left = u.valToPos(chart.times[index] - half, 'x', true);
        const right = u.valToPos(chart.times[index] + half, 'x', true);
        const intensity = Math.sqrt(value / peak);
        ctx.fillStyle = `rgba(213, 94, 0, ${0.1 + 0.9 * intensity})`;
        ctx.fillRect(left, top, right - left, bottom - top);
      });
    });
    ctx.restore();
  };

  const draw = (element) => {
    const chart = data.charts[element.dataset.chart];
    if (!chart) return;
    const width = Math.max(280, element.clientWidth || 600);
    const height = Number(element.dataset.height || 220);
    const isHeatmap = chart.kind === 'heatmap';
    const series = isHeatmap
      ? [{}, { label: 'buckets', show: false }]
      : [
          {},
          ...chart.series.map((item, index) => ({
            label: item.name,
            stroke: colour(index),
            width: 1.5,
            fill: chart.stacked ? `${colour(index)}33` : undefined,
            spanGaps: false,
            points: { show: item.values.filter((value) => value !== null).length < 3 },
          })),
        ];
    const values = isHeatmap
      ? [chart.times, chart.times.map(() => null)]
      : [chart.times, ...chart.series.map((item) => item.values)];
    const yRange = isHeatmap
      ? [0, chart.heatmap.buckets.length]
      : (_u, min, max) => [
          chart.min !== null && chart.min !== undefined ? chart.min : Math.min(0, min),
          chart.max !== null && chart.max !== undefined ? chart.max : max > 0 ? max * 1.1 : 1,
        ];
    const yValues = isHeatmap
      ? (_u, splits) => splits.map((split) => chart.heatmap.buckets[Math.round(split) - 1] || '')
      : (_u, splits) => splits.map((split) => formatValue(split, chart.unit, undefined));
    const options = {
      width,
      height,
      legend: { show: false },
      // UTC, like every time printed in the report, whatever the reader's time zone.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: yRange } },
      axes: [
        { stroke: '#333', grid: { stroke: '#e5e5e5' } },
        {
          stroke: '#333',
          grid: { stroke: '#e5e5e5' },
          size: 80,
          values: yValues,
          splits: isHeatmap ? () => chart.heatmap.buckets.map((_, index) => index + 1) : undefined,
        },
      ],
      series,
      hooks: { draw: [isHeatmap ? heatmapCells(chart) : thresholdLines(chart)] },
    };
    element.textContent = '';
    const plot = new uPlot(options, values, element);
    const points = isHeatmap
      ? chart.heatmap.counts.reduce((sum, row) => sum + row.filter((value) => value !== null).length, 0)
      : chart.series.reduce((sum, item) => sum + item.values.filter((value) => value !== null).length, 0);
    element.dataset.points = String(points);
    const canvas = element.querySelector('canvas');
    if (canvas) {
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', element.dataset.label || 'chart');
    }
    charts.push({ plot, element });
  };

  for (const element of document.querySelectorAll('[data-chart]')) draw(element);

  const fit = (width) => {
    for (const { plot, element } of charts) {
      plot.setSize({ width: width || Math.max(280, element.clientWidth), height: plot.height });
    }
  };
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => fit(undefined), 150);
  });
  // Printed pages are narrower than most screens: redraw to fit, and open every span list.
  window.addEventListener('beforeprint', () => {
    for (const details of document.querySelectorAll('details')) details.open = true;
    fit(640);
  });
  window.addEventListener('afterprint', () => fit(undefined));
  document.documentElement.dataset.chartsDrawn = String(charts.length);
})();
