/** @module Durations as k6 users type them (`90s`, `2m`, `1m30s`, `500ms`), or plain seconds (`90`). */

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const PLAIN_SECONDS = /^\d+(\.\d+)?$/;
const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/** Seconds in `text`, or undefined when it is neither plain seconds nor a k6-style duration. */
export const parseDurationSeconds = (text: string): number | undefined => {
  if (PLAIN_SECONDS.test(text)) return Number(text);
  if (!DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    seconds += Number(amount) * (UNIT_SECONDS[unit ?? ''] ?? Number.NaN);
  }
  return seconds;
};
