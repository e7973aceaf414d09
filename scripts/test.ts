/**
 * @module `npm test`: installs what is missing (the setup script is idempotent and quick when nothing is), then runs
 * every `*.test.ts` in one Node test-runner process tree so CI reads a single summary.
 *
 * Usage: `npm test` for everything; `npm test -- services/order-service` to run only files under a path.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { REPO_ROOT } from './lib/tools.ts';

const TEST_ROOTS = ['services', 'observability', 'loadtest', 'k8s', 'scripts', 'bench', 'test'];

const run = (args: readonly string[]): number => {
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  return result.status ?? 1;
};

const setupStatus = run(['scripts/setup.ts']);
if (setupStatus !== 0) {
  console.error('[test] setup failed: the tools the tests need are not installed (see the output above)');
  process.exit(setupStatus);
}

const filters = process.argv.slice(2);
const files = TEST_ROOTS.flatMap((root) => globSync(`${root}/**/*.test.ts`, { cwd: REPO_ROOT }))
  .filter((file) => !file.includes('node_modules'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.startsWith(filter)))
  .sort();

if (files.length === 0) {
  console.error(`[test] no test files match ${filters.join(' ')}`);
  process.exit(1);
}

// Test files use ephemeral ports, so two run side by side; the live-stack suite serialises itself.
const concurrency = Math.max(2, availableParallelism());
process.exit(run(['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files]));
