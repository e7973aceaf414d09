/**
 * @module The Node load driver's public API (`@mesh-stack/loadtest/driver`): run the shared scenario against the
 * stack at a constant arrival rate and get a {@link LoadSummary} back.
 *
 * @example
 * const summary = await runLoad({ userServiceUrl, orderServiceUrl, ratePerSecond: 10, durationSeconds: 60, signal });
 * console.log(formatSummary(summary));
 */
export { isLoopbackUrl } from './loopback.ts';
export { formatProgress } from './progress.ts';
export { LOAD_LIMITS, type LoadOptions, type LoadProgress, runLoad } from './run-load.ts';
export {
  formatSummary,
  type IterationCounts,
  type LatencySummary,
  type LoadSummary,
  type StepSummary,
} from './summary.ts';
