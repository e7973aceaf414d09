/**
 * @module Grafana unit ids (`s`, `percentunit`, `reqps`, `bytes`, `short`, …) as text, the way the dashboards show
 * values. One self-contained function on purpose: the page script gets its source text (`formatValue.toString()`),
 * so axis labels in the browser and numbers in the tables come from the same code.
 */

/** Formats `value` in the Grafana unit `unit`; `decimals` overrides the automatic precision. */
export function formatValue(value: number | null | undefined, unit: string, decimals?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : '−∞';
  const fixed = (number: number): string => {
    if (decimals !== undefined) return number.toFixed(decimals);
    const magnitude = Math.abs(number);
    if (magnitude === 0) return '0';
    if (magnitude >= 100) return number.toFixed(0);
    if (magnitude >= 10) return number.toFixed(1).replace(/\.0$/, '');
    if (magnitude >= 1) return number.toFixed(2).replace(/\.?0+$/, '');
    return Number(number.toPrecision(3)).toString();
  };
  const scaled = (number: number, steps: readonly (readonly [number, string])[], suffix: string): string => {
    const magnitude = Math.abs(number);
    for (const [factor, prefix] of steps) {
      if (magnitude >= factor) return `${fixed(number / factor)}${prefix}${suffix}`;
    }
    return `${fixed(number)}${suffix}`;
  };
  const SI: readonly (readonly [number, string])[] = [
    [1e12, ' T'],
    [1e9, ' B'],
    [1e6, ' M'],
    [1e3, ' K'],
  ];
  const seconds = (number: number): string => {
    const magnitude = Math.abs(number);
    if (magnitude === 0) return '0 s';
    if (magnitude < 1e-6) return `${fixed(number * 1e9)} ns`;
    if (magnitude < 1e-3) return `${fixed(number * 1e6)} µs`;
    if (magnitude < 1) return `${fixed(number * 1e3)} ms`;
    if (magnitude < 60) return `${fixed(number)} s`;
    if (magnitude < 3600) return `${fixed(number / 60)} min`;
    if (magnitude < 86_400) return `${fixed(number / 3600)} h`;
    return `${fixed(number / 86_400)} day`;
  };
  switch (unit) {
    case 'percentunit':
      return `${fixed(value * 100)}%`;
    case 'percent':
      return `${fixed(value)}%`;
    case 's':
      return seconds(value);
    case 'ms':
      return seconds(value / 1000);
    case 'µs':
      return seconds(value / 1e6);
    case 'bytes':
    case 'decbytes': {
      const base = unit === 'bytes' ? 1024 : 1000;
      const names = unit === 'bytes' ? ['B', 'KiB', 'MiB', 'GiB', 'TiB'] : ['B', 'kB', 'MB', 'GB', 'TB'];
      let index = 0;
      let number = value;
      while (Math.abs(number) >= base && index < names.length - 1) {
        number /= base;
        index += 1;
      }
      return `${fixed(number)} ${names[index]}`;
    }
    case 'reqps':
      return scaled(value, SI, ' req/s');
    case 'ops':
      return scaled(value, SI, ' ops/s');
    case 'rps':
      return scaled(value, SI, ' rd/s');
    case 'wps':
      return scaled(value, SI, ' wr/s');
    case 'none':
    case 'short':
    case '':
      return scaled(value, SI, '');
    default:
      return `${scaled(value, SI, '')} ${unit}`;
  }
}
