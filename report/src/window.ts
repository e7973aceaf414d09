/**
 * @module The report's time window from `--from`/`--to` (ISO 8601 or epoch seconds/milliseconds) or `--last 10m`,
 * and the problems with it that still leave a report to write (a window reaching into the future is cut at now).
 */
import { parsePrometheusDuration } from './sources/prometheus.ts';

export interface TimeWindow {
  /** Milliseconds since the epoch. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface WindowFlags {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly last?: string | undefined;
}

export type WindowResult =
  | { readonly ok: true; readonly window: TimeWindow; readonly notes: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** Epoch seconds (10 digits or fewer, decimals allowed), epoch milliseconds, or an ISO 8601 date-time. */
export const parseInstant = (text: string): number | undefined => {
  if (/^\d+(\.\d+)?$/.test(text)) {
    const value = Number(text);
    return value >= 1e11 ? value : value * 1000;
  }
  // Date.parse accepts many formats; only ISO 8601 is promised, so insist on its shape.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const value = Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
};

const iso = (ms: number): string => new Date(ms).toISOString();

export const resolveWindow = (flags: WindowFlags, nowMs: number): WindowResult => {
  if (flags.last !== undefined && (flags.from !== undefined || flags.to !== undefined)) {
    return { ok: false, error: 'give either --last or --from/--to, not both' };
  }
  let fromMs: number;
  let toMs: number;
  if (flags.last !== undefined) {
    const seconds = parsePrometheusDuration(flags.last);
    if (seconds === undefined || seconds <= 0) {
      return { ok: false, error: `--last must be a duration such as 10m or 1h30m, got "${flags.last}"` };
    }
    toMs = nowMs;
    fromMs = nowMs - seconds * 1000;
  } else {
    if (flags.from === undefined) return { ok: false, error: 'give the window: --last 10m, or --from (and --to)' };
    const from = parseInstant(flags.from);
    if (from === undefined) return { ok: false, error: `--from is not an ISO 8601 time or epoch: "${flags.from}"` };
    const to = flags.to === undefined ? nowMs : parseInstant(flags.to);
    if (to === undefined) return { ok: false, error: `--to is not an ISO 8601 time or epoch: "${flags.to}"` };
    fromMs = from;
    toMs = to;
  }
  if (toMs <= fromMs)
    return { ok: false, error: `the window is empty: --to (${iso(toMs)}) is not after --from (${iso(fromMs)})` };
  const notes: string[] = [];
  if (fromMs >= nowMs) {
    // Nothing can have been recorded yet; the report still says so rather than failing silently.
    notes.push(
      `the window ${iso(fromMs)} – ${iso(toMs)} is entirely in the future: nothing has been recorded for it yet`,
    );
    return { ok: true, window: { fromMs, toMs }, notes };
  }
  if (toMs > nowMs) {
    notes.push(`the window ended in the future (${iso(toMs)}): cut at the time the report was built (${iso(nowMs)})`);
    toMs = nowMs;
  }
  return { ok: true, window: { fromMs, toMs }, notes };
};

export const windowSeconds = (window: TimeWindow): number => (window.toMs - window.fromMs) / 1000;

export const isFuture = (window: TimeWindow, nowMs: number): boolean => window.fromMs >= nowMs;
