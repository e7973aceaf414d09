/**
 * @module The README's curl walk-through as a runnable script: the first `sh` block under "Walk through an order",
 * with the default local ports moved to those of the stack under test, and bash's strict mode on so any failing step
 * fails the run. The README stays the single source: the test runs exactly the commands a reader copies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@mesh-stack/tools';

const SECTION_HEADING = '## Walk through an order';

/** The walk-through's shell commands, exactly as the README shows them. */
export const readmeWalkthrough = (readmePath = join(REPO_ROOT, 'README.md')): string => {
  const readme = readFileSync(readmePath, 'utf8');
  const section = readme.split(SECTION_HEADING)[1];
  if (section === undefined) throw new Error(`README.md has no "${SECTION_HEADING}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error(`README.md's "${SECTION_HEADING}" section has no sh block`);
  return block;
};

/** Rewrites every `127.0.0.1:<default port>` to the port the stack under test uses. */
export const movePorts = (script: string, portMapping: ReadonlyMap<number, number>): string =>
  script.replace(/127\.0\.0\.1:(\d+)/g, (whole, port: string) => {
    const moved = portMapping.get(Number(port));
    if (moved === undefined) throw new Error(`the walk-through uses ${whole}, which is no port of the stack`);
    return `127.0.0.1:${moved}`;
  });

export const strictBash = (script: string): string => `set -euo pipefail\n${script}`;
