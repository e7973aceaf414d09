/** @module One progress line for humans watching a run (the CLI prints it to stderr every few seconds). */
import type { LoadProgress } from './run-load.ts';

export const formatProgress = (progress: LoadProgress): string =>
  [
    `[load] ${progress.elapsedSeconds.toFixed(0)}s/${progress.targetDurationSeconds}s`,
    `${progress.recentIterationsPerSecond.toFixed(1)} it/s`,
    `scheduled ${progress.scheduled}`,
    `done ${progress.completed}`,
    `failed ${progress.failed}`,
    `dropped ${progress.dropped}`,
    `late ${progress.late}`,
    `in flight ${progress.inFlight}`,
    `backlog ${progress.backlog}`,
    `errors ${progress.failedRequests}/${progress.requests}`,
    `create_order p99 ${progress.createOrderLatencyMs.p99.toFixed(1)} ms`,
  ].join('  ');
