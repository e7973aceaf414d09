/** @module What a benchmark variant is: something that starts its server processes and says what to load. */
import type { LoadTarget } from './load.ts';

export interface StartedVariant {
  readonly target: LoadTarget;
  readonly stop: () => Promise<void>;
  /** CPU seconds (user + system) each of the variant's server processes has used so far, by process name. */
  readonly cpuSeconds: () => Readonly<Record<string, number>>;
  /** The server processes' ids by the same names, e.g. to find their CPU profiles. */
  readonly pids: Readonly<Record<string, number | undefined>>;
}

export interface Variant {
  readonly name: string;
  start(): Promise<StartedVariant>;
}
