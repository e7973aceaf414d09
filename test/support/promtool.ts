/** @module Runs `promtool check metrics` (Debian `prometheus` package, installed by the setup script) on an exposition. */
import { spawnSync } from 'node:child_process';
import { DEBIAN_TOOLS } from '@mesh-stack/tools';

export interface PromtoolResult {
  readonly status: number | null;
  /** promtool prints lint problems on stdout and parse errors on stderr. */
  readonly output: string;
}

/** Lints an exposition (classic text format) the way `curl … | promtool check metrics` would. */
export const promtoolCheckMetrics = (exposition: string): PromtoolResult => {
  const result = spawnSync(DEBIAN_TOOLS.promtool, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};
