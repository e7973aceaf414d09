/**
 * @module Open-model load for one request type: request i is due at `start + i / rate`, whatever the server does,
 * and its latency runs from that **intended** time to the end of its response, so a stalled server or a late
 * timer shows in the numbers instead of being left out (coordinated omission). Latencies go into an HdrHistogram
 * (hdr-histogram-js, as the project's load driver in loadtest/driver and wrk2 use).
 *
 * Why not autocannon's rate mode (`overallRate`): it paces per connection and measures from when a request was
 * actually sent, so arrivals bunch and the wait before sending is missing (BENCHMARKS.md, "The p99").
 * Why not the load driver itself: it runs the three-step user journey; the bench compares one request type
 * (the light route, or `POST /orders`) with its closed-model run.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { build, type Histogram } from 'hdr-histogram-js';
import type { LoadTarget } from './load.ts';

export interface OpenLoadResult {
  /** Requests answered 2xx per second of schedule. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly failures: number;
  /** Requests that could not even start on time (all sockets busy): they waited, and that wait is in the latency. */
  readonly queuedAtStart: number;
}

const newHistogram = (): Histogram =>
  build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    autoResize: true,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

/** Latency of the request, from when it was due to when its response ended, or undefined when it failed. */
const send = (target: LoadTarget, url: URL, agent: Agent, dueMs: number): Promise<number | undefined> =>
  new Promise((resolve) => {
    const req = request(
      url,
      { method: target.method ?? 'GET', agent, headers: target.headers, timeout: 30_000 },
      (response) => {
        response.resume();
        response.once('end', () => {
          const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
          resolve(ok ? performance.now() - dueMs : undefined);
        });
        response.once('error', () => resolve(undefined));
      },
    );
    req.once('error', () => resolve(undefined));
    req.once('timeout', () => req.destroy());
    req.end(target.body);
  });

/**
 * Sends `ratePerSecond` requests per second for `durationSeconds` over at most `connections` kept-alive sockets
 * (more requests due than sockets wait in the agent's queue, their latency still counted from when they were due).
 */
export const openLoad = async (
  target: LoadTarget,
  ratePerSecond: number,
  connections: number,
  durationSeconds: number,
): Promise<OpenLoadResult> => {
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const histogram = newHistogram();
  const total = Math.max(1, Math.round(ratePerSecond * durationSeconds));
  const intervalMs = 1000 / ratePerSecond;
  let failures = 0;
  let inFlight = 0;
  let queuedAtStart = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let index = 0; index < total; index++) {
    const dueMs = start + index * intervalMs;
    const wait = dueMs - performance.now();
    // Sleep only when the next request is at least a millisecond away; otherwise send everything already due.
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight >= connections) queuedAtStart++;
    inFlight++;
    pending.push(
      send(target, url, agent, dueMs).then((latencyMs) => {
        inFlight--;
        if (latencyMs === undefined) failures++;
        else histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  const millis = (micros: number) => micros / 1000;
  return {
    throughput: histogram.totalCount / durationSeconds,
    p50Ms: millis(histogram.getValueAtPercentile(50)),
    p99Ms: millis(histogram.getValueAtPercentile(99)),
    p999Ms: millis(histogram.getValueAtPercentile(99.9)),
    maxMs: millis(histogram.maxValue),
    failures,
    queuedAtStart,
  };
};
