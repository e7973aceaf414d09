/** @module Small readers for Prometheus/OpenMetrics expositions in tests: series keys and exemplars. */

/** Every sample line's series (name plus labels), comments and exemplars removed. */
export const seriesOf = (exposition: string, metricPrefix?: string): string[] =>
  exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const withoutExemplar = line.split(' # ')[0] ?? line;
      return withoutExemplar.slice(0, withoutExemplar.lastIndexOf(' '));
    })
    .filter((series) => metricPrefix === undefined || series.startsWith(metricPrefix));

/** Label values of one label across the series. */
export const labelValues = (series: readonly string[], label: string): Set<string> => {
  const pattern = new RegExp(`[{,]${label}="((?:[^"\\\\]|\\\\.)*)"`);
  return new Set(series.map((line) => pattern.exec(line)?.[1]).filter((value): value is string => value !== undefined));
};

/** `trace_id` values of every exemplar in an OpenMetrics exposition for the metric prefix. */
export const exemplarTraceIds = (openMetrics: string, metricPrefix: string): string[] =>
  openMetrics
    .split('\n')
    .filter((line) => line.startsWith(metricPrefix) && line.includes(' # {'))
    .map((line) => /# \{[^}]*trace_id="([0-9a-f]{32})"/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
