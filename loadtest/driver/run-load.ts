/**
 * @module The project's open-model load driver. Iterations of the shared scenario start on a fixed schedule
 * (iteration i is due at `start + i / rate`), whatever the server does: a slow server gets more concurrent
 * iterations, not fewer arrivals. Latency is measured from the **intended** start (of the iteration for its first
 * request, of each later step after its think time), so when the driver falls behind — a full concurrency cap, a
 * blocked event loop, a late timer — the wait is in the numbers instead of silently left out (coordinated
 * omission; wrk2 and k6's arrival-rate executors do the same).
 *
 * Concurrency is bounded: at most `maxConcurrency` iterations run; a due iteration waits in a bounded backlog
 * (its latency still counts from when it was due), and when the backlog is full it is dropped and counted, like
 * k6's `dropped_iterations`.
 *
 * Written here rather than wrapping autocannon: autocannon's `-R` spreads a rate over connections but drives
 * single requests, not a three-step user journey with data carried between steps.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { newIteration, runChecks, SCENARIO_STEPS, STEP, thinkTimeSeconds } from '../scenario.ts';
import { type BaseUrls, sendStep } from './http.ts';
import { assertLoopback } from './loopback.ts';
import { Recorder } from './recorder.ts';
import type { LatencySummary, LoadSummary } from './summary.ts';

/** Upper bounds a caller cannot exceed: load here is bounded in rate, time and concurrency. */
export const LOAD_LIMITS = {
  maxRatePerSecond: 2000,
  maxDurationSeconds: 3600,
  maxConcurrency: 4096,
} as const;

export interface LoadOptions {
  readonly userServiceUrl: string;
  readonly orderServiceUrl: string;
  /** Iterations started per second (each is three requests). */
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  /** Iterations in flight at once (default 64). */
  readonly maxConcurrency?: number;
  /** Due iterations allowed to wait for a free slot (default: `maxConcurrency`); beyond it they are dropped. */
  readonly maxBacklog?: number;
  /** Multiplies the scenario's think time; 0 sends the steps back to back (default 1). */
  readonly thinkTimeScale?: number;
  /** Bound on one request, body included (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** After the schedule ends, how long running iterations may finish before they are interrupted (default 30 s). */
  readonly gracefulStopMs?: number;
  /** An iteration that starts more than this after it was due counts as late (default 10 ms). */
  readonly lateThresholdMs?: number;
  /** Aborting ends the run early: no new iterations, running ones are interrupted, the summary is still returned. */
  readonly signal?: AbortSignal;
  /** Called every `progressIntervalMs` (default 5 s) while the run lasts. */
  readonly onProgress?: (progress: LoadProgress) => void;
  readonly progressIntervalMs?: number;
  /** Makes generated emails unique across runs (default: random). */
  readonly runId?: string;
  /** Source of randomness for generated data and think time (default `Math.random`). */
  readonly random?: () => number;
  /** Allows targets other than loopback. Never set this for a machine you do not own. */
  readonly allowRemote?: boolean;
}

export interface LoadProgress {
  readonly elapsedSeconds: number;
  readonly targetDurationSeconds: number;
  readonly scheduled: number;
  readonly completed: number;
  readonly failed: number;
  readonly dropped: number;
  readonly late: number;
  readonly inFlight: number;
  readonly backlog: number;
  readonly requests: number;
  readonly failedRequests: number;
  /** Completed iterations per second since the previous progress report. */
  readonly recentIterationsPerSecond: number;
  readonly createOrderLatencyMs: LatencySummary;
}

const positive = (name: string, value: number, max: number): number => {
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new RangeError(`${name} must be a number in (0, ${max}], got ${value}`);
  }
  return value;
};

const nonNegative = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  return value;
};

interface DueIteration {
  readonly index: number;
  /** `performance.now()` time the iteration was due. */
  readonly intendedStart: number;
}

type IterationOutcome = 'completed' | 'failed' | 'interrupted';

export const runLoad = async (options: LoadOptions): Promise<LoadSummary> => {
  const rate = positive('ratePerSecond', options.ratePerSecond, LOAD_LIMITS.maxRatePerSecond);
  const durationSeconds = positive('durationSeconds', options.durationSeconds, LOAD_LIMITS.maxDurationSeconds);
  const maxConcurrency = Math.floor(
    positive('maxConcurrency', options.maxConcurrency ?? 64, LOAD_LIMITS.maxConcurrency),
  );
  const maxBacklog = Math.floor(nonNegative('maxBacklog', options.maxBacklog ?? maxConcurrency));
  const thinkTimeScale = nonNegative('thinkTimeScale', options.thinkTimeScale ?? 1);
  const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 10_000, 600_000);
  const gracefulStopMs = nonNegative('gracefulStopMs', options.gracefulStopMs ?? 30_000);
  const lateThresholdMs = nonNegative('lateThresholdMs', options.lateThresholdMs ?? 10);
  const progressIntervalMs = positive('progressIntervalMs', options.progressIntervalMs ?? 5_000, 3_600_000);
  const baseUrls: BaseUrls = { 'user-service': options.userServiceUrl, 'order-service': options.orderServiceUrl };
  for (const url of Object.values(baseUrls)) new URL(url); // throws a TypeError on a malformed URL
  assertLoopback(Object.values(baseUrls), options.allowRemote ?? false);

  const runId = options.runId ?? randomUUID().slice(0, 8);
  const random = options.random ?? Math.random;
  const recorder = new Recorder();
  const totalIterations = Math.max(1, Math.floor(rate * durationSeconds));
  const intervalMs = 1000 / rate;

  // Aborted by the caller's signal or when the graceful-stop window runs out; interrupts sleeps and requests.
  const stop = new AbortController();
  const onCallerAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  const counts = { scheduled: 0, completed: 0, failed: 0, dropped: 0, interrupted: 0, late: 0 };
  const backlog: DueIteration[] = [];
  let inFlight = 0;
  let settle: (() => void) | undefined;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let schedulingDone = false;
  const checkSettled = (): void => {
    if (schedulingDone && inFlight === 0 && backlog.length === 0) settle?.();
  };

  const runIteration = async ({ index, intendedStart }: DueIteration): Promise<IterationOutcome> => {
    const state = newIteration(runId, index, random);
    let stepIntendedStart = intendedStart;
    for (const [stepIndex, step] of SCENARIO_STEPS.entries()) {
      if (stepIndex > 0) {
        // A later step is due when the previous one ended plus the think time (with no think time: at once).
        const thinkMs = thinkTimeSeconds(random, stepIndex, thinkTimeScale) * 1000;
        stepIntendedStart = performance.now() + thinkMs;
        if (thinkMs > 0) {
          try {
            await delay(thinkMs, undefined, { signal: stop.signal });
          } catch {
            return 'interrupted';
          }
        }
      }
      const request = step.request(state);
      const sentAt = performance.now();
      const result = await sendStep(baseUrls, request, stop.signal, requestTimeoutMs);
      const endedAt = performance.now();
      if (result.kind === 'aborted') return 'interrupted';
      const timing = { step: step.name, latencyMs: endedAt - stepIntendedStart, serviceTimeMs: endedAt - sentAt };
      if (result.kind !== 'response') {
        recorder.recordRequest({ ...timing, status: undefined, failure: result.kind });
        return 'failed';
      }
      const { response } = result;
      const outcomes = runChecks(step, response, state);
      const statusPassed = outcomes[0]?.passed ?? true; // each step's first check is its status check
      const failure = outcomes.every((outcome) => outcome.passed)
        ? undefined
        : statusPassed
          ? 'check_failed'
          : String(response.status);
      recorder.recordRequest({ ...timing, status: response.status, failure });
      if (failure !== undefined) return 'failed';
      step.capture?.(response, state);
    }
    recorder.recordIteration(performance.now() - intendedStart);
    return 'completed';
  };

  // A throw inside an iteration is a bug in the scenario or the driver, not a server error: it ends the run and
  // runLoad rejects with it, instead of being counted away.
  let driverError: { readonly error: unknown } | undefined;
  const start = (due: DueIteration): void => {
    inFlight += 1;
    if (performance.now() - due.intendedStart > lateThresholdMs) counts.late += 1;
    void runIteration(due)
      .catch((error: unknown): IterationOutcome => {
        driverError ??= { error };
        stop.abort();
        return 'interrupted';
      })
      .then((outcome) => {
        counts[outcome] += 1;
        inFlight -= 1;
        const next = backlog.shift();
        if (next !== undefined && !stop.signal.aborted) start(next);
        checkSettled();
      });
  };

  const dispatch = (due: DueIteration): void => {
    counts.scheduled += 1;
    if (inFlight < maxConcurrency) start(due);
    else if (backlog.length < maxBacklog) backlog.push(due);
    else counts.dropped += 1;
  };

  const startedAt = new Date();
  const t0 = performance.now();
  let nextIndex = 0;
  let scheduleTimer: NodeJS.Timeout | undefined;
  let gracefulTimer: NodeJS.Timeout | undefined;

  const finishScheduling = (): void => {
    if (schedulingDone) return;
    schedulingDone = true;
    if (scheduleTimer !== undefined) clearTimeout(scheduleTimer);
    // Iterations still waiting for a slot when the run is cut short were never sent.
    const abandon = (): void => {
      counts.interrupted += backlog.length;
      backlog.length = 0;
      checkSettled();
    };
    if (stop.signal.aborted) abandon();
    else {
      stop.signal.addEventListener('abort', abandon, { once: true });
      gracefulTimer = setTimeout(() => stop.abort(), gracefulStopMs);
    }
    checkSettled();
  };
  stop.signal.addEventListener('abort', finishScheduling, { once: true });

  // Starts every iteration that is due (several at once when the timer fired late), then sleeps until the next.
  const tick = (): void => {
    if (schedulingDone) return;
    const now = performance.now();
    while (nextIndex < totalIterations && t0 + nextIndex * intervalMs <= now) {
      dispatch({ index: nextIndex, intendedStart: t0 + nextIndex * intervalMs });
      nextIndex += 1;
    }
    if (nextIndex >= totalIterations) finishScheduling();
    else scheduleTimer = setTimeout(tick, Math.max(0, t0 + nextIndex * intervalMs - performance.now()));
  };

  let lastProgress = { at: t0, completed: 0 };
  const progressTimer = setInterval(() => {
    const now = performance.now();
    const seconds = (now - lastProgress.at) / 1000;
    options.onProgress?.({
      elapsedSeconds: (now - t0) / 1000,
      targetDurationSeconds: durationSeconds,
      ...counts,
      inFlight,
      backlog: backlog.length,
      requests: recorder.requests,
      failedRequests: recorder.failedRequests,
      recentIterationsPerSecond: seconds > 0 ? (counts.completed - lastProgress.completed) / seconds : 0,
      createOrderLatencyMs: recorder.stepLatency(STEP.createOrder),
    });
    lastProgress = { at: now, completed: counts.completed };
  }, progressIntervalMs);

  if (stop.signal.aborted) finishScheduling();
  else tick();
  await settled;
  const elapsedSeconds = (performance.now() - t0) / 1000;
  clearInterval(progressTimer);
  if (gracefulTimer !== undefined) clearTimeout(gracefulTimer);
  options.signal?.removeEventListener('abort', onCallerAbort);
  if (driverError !== undefined) throw driverError.error;

  const requests = recorder.requests;
  const failedRequests = recorder.failedRequests;
  return {
    runId,
    startedAt: startedAt.toISOString(),
    targetRatePerSecond: rate,
    targetDurationSeconds: durationSeconds,
    elapsedSeconds,
    aborted: options.signal?.aborted ?? false,
    iterations: { ...counts },
    throughput: {
      iterationsPerSecond: elapsedSeconds > 0 ? counts.completed / elapsedSeconds : 0,
      requestsPerSecond: elapsedSeconds > 0 ? requests / elapsedSeconds : 0,
    },
    iterationLatencyMs: recorder.iterationLatency(),
    steps: recorder.steps(),
    errorsByStatus: recorder.errorsByStatus(),
    errorRate: requests > 0 ? failedRequests / requests : 0,
  };
};
