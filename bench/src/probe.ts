/**
 * @module Preloaded (`node --import`) into every benchmark server process, the real services included: records
 * event-loop delay (`monitorEventLoopDelay`) and garbage-collection pauses, and answers the bench over the IPC channel with that and the
 * process's memory. The services' own code is untouched, and every variant carries the same probe.
 *
 * Protocol (messages on the IPC channel): the bench sends `{ probe: 'reset' }` at the start of a measured window
 * and `{ probe: 'sample' }` at its end; the process answers each with a {@link ProbeSample}.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface ProbeSample {
  readonly probe: 'sample';
  /** Event-loop delay since the last reset, in milliseconds (timer lateness at a 10 ms resolution). */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Garbage-collection pauses since the last reset: one suspect of a latency tail, next to the loop's delay. */
  readonly gc: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
  /** `process.memoryUsage()` in bytes. */
  readonly memory: NodeJS.MemoryUsage;
}

export type ProbeRequest = { readonly probe: 'reset' } | { readonly probe: 'sample' };

/** Resolution of the delay histogram: fine enough for a p99 of a few ms, cheap enough not to be the load. */
const RESOLUTION_MS = 10;

if (process.send !== undefined && process.channel !== undefined) {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const nanosToMillis = (nanos: number) => (Number.isFinite(nanos) ? nanos / 1e6 : 0);
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc = { count: gc.count + 1, totalMs: gc.totalMs + entry.duration, maxMs: Math.max(gc.maxMs, entry.duration) };
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  process.on('message', (message: ProbeRequest) => {
    if (message?.probe === 'reset') {
      delay.reset();
      gc = { count: 0, totalMs: 0, maxMs: 0 };
      process.send?.({ probe: 'reset' });
    } else if (message?.probe === 'sample') {
      const sample: ProbeSample = {
        probe: 'sample',
        eventLoopDelayMs: {
          p50: nanosToMillis(delay.percentile(50)),
          p99: nanosToMillis(delay.percentile(99)),
          max: nanosToMillis(delay.max),
        },
        gc,
        memory: process.memoryUsage(),
      };
      process.send?.(sample);
    }
  });
  // The channel must not keep a server alive once it has drained and wants to exit.
  process.channel.unref();
}
