/** @module What a benchmark variant is: something that starts its server processes and says what to load. */
import type { LoadTarget } from './load.ts';
import type { JsonChild } from './processes.ts';

export interface StartedVariant {
  readonly target: LoadTarget;
  readonly stop: () => Promise<void>;
  /** CPU seconds (user + system) each of the variant's server processes has used so far, by process name. */
  readonly cpuSeconds: () => Readonly<Record<string, number>>;
  /** The server processes' ids by the same names, e.g. to find their CPU profiles. */
  readonly pids: Readonly<Record<string, number | undefined>>;
  /** The server processes by the same names, each with its probe (event-loop delay, memory). */
  readonly processes: Readonly<Record<string, JsonChild>>;
  /** Milliseconds from spawning each process to its being ready to serve. */
  readonly startupMs: Readonly<Record<string, number>>;
}

export interface Variant {
  readonly name: string;
  /** What the variant runs, for the report (e.g. "parent-based, 10% at the entry"). */
  readonly description: string;
  start(): Promise<StartedVariant>;
}
