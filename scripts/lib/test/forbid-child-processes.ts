/**
 * @module Preloaded into the unit tier (`node --import`): starting a child process throws, so a test that needs real
 * processes cannot hide in the tier that promises to need nothing but `npm ci`. Such a test belongs in an
 * `*.integration.test.ts` file.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const forbidden =
  (name: string) =>
  (..._args: unknown[]): never => {
    throw new Error(
      `child_process.${name}() in a unit test: unit tests run in-process only; move this test to a *.integration.test.ts file`,
    );
  };

// The runner itself starts one process per test file: only those (marked NODE_TEST_CONTEXT) are guarded.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  const mutable = childProcess as unknown as Record<string, unknown>;
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
    mutable[name] = forbidden(name);
  }
  syncBuiltinESMExports();
}
