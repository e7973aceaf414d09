/**
 * @module Load generation with autocannon (pure JavaScript, so it runs anywhere Node does): a closed-model run for
 * saturation throughput and an open-model run (fixed overall rate, latencies corrected for coordinated omission)
 * for tail latency.
 */
import { createRequire } from 'node:module';

interface AutocannonRequest {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  requests?: AutocannonRequest[];
  headers?: Record<string, string>;
  method?: string;
  body?: string;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
// autocannon ships no types; this is the part of its programmatic API the benchmark uses.
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: AutocannonOptions,
) => Promise<AutocannonResult>;

export interface LoadTarget {
  readonly url: string;
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
}

const run = async (target: LoadTarget, options: Omit<AutocannonOptions, 'url'>): Promise<LoadResult> => {
  const result = await autocannon({
    url: target.url,
    ...(target.method ? { method: target.method } : {}),
    ...(target.body ? { body: target.body } : {}),
    ...(target.headers ? { headers: target.headers } : {}),
    ...options,
  });
  return {
    throughput: result['2xx'] / options.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
};

/** Closed model: `connections` clients each send the next request when the previous one answered. */
export const closedRun = (target: LoadTarget, connections: number, durationSeconds: number): Promise<LoadResult> =>
  run(target, { connections, duration: durationSeconds });

/** Open model: `ratePerSecond` requests per second overall, whatever the latency. */
export const openRun = (
  target: LoadTarget,
  ratePerSecond: number,
  connections: number,
  durationSeconds: number,
): Promise<LoadResult> => run(target, { connections, duration: durationSeconds, overallRate: ratePerSecond });
