/**
 * @module {@link eventually}, the one bounded wait every test uses: poll for exactly what is asserted, bounded by
 * time (not by attempts), and fail with what was last seen.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class TimeoutError extends Error {}

/**
 * Polls `probe` until it returns a value other than `undefined`, or fails after `timeoutMs` with `what` and the last
 * state `describe` reports (or the last error the probe threw), so a failure says what was seen, not just "timeout".
 */
export const eventually = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs, intervalMs = 1_000, describe }: { timeoutMs: number; intervalMs?: number; describe?: () => string },
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const last = describe?.() ?? (lastError instanceof Error ? lastError.message : String(lastError ?? 'nothing'));
  throw new TimeoutError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; last seen: ${last}`);
};
