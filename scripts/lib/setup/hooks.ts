/**
 * @module Post-install hooks: after the Go tools are built, setup runs every `tools/<name>/postinstall.ts` with Node,
 * in name order, from the repository root. A tool that needs more than a binary (schemas to fetch through a Go
 * module, a generated index, ...) adds one. Contract for a hook: plain Node 24 TypeScript with no npm imports beyond
 * the root's, idempotent, done in well under a second when there is nothing to do (setup runs it on every `npm test`
 * and `npm start`), prints `[setup] ...` lines for what it does, and exits non-zero with a clear message on failure.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@mesh-stack/tools';
import { runVisible } from '../run.ts';
import { TOOL_MODULES_DIR } from './go-tools.ts';

export const postinstallHooks = (): string[] =>
  existsSync(TOOL_MODULES_DIR)
    ? readdirSync(TOOL_MODULES_DIR, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(TOOL_MODULES_DIR, entry.name, 'postinstall.ts'))
        .filter((hook) => existsSync(hook))
        .sort()
    : [];

export const runPostinstallHooks = (): void => {
  for (const hook of postinstallHooks()) {
    runVisible(process.execPath, [hook], { cwd: REPO_ROOT });
  }
};
