/**
 * @module `npm test` and its tiers. A test file's name says its tier:
 * - `*.test.ts`: **unit**, in-process only (no child processes, no PostgreSQL, no Go tools, no root). Needs nothing but
 *   `npm ci`; a guard preloaded into the run makes any child process an error.
 * - `*.integration.test.ts`: **integration**, real processes, PostgreSQL, promtool, amtool, kubeconform, the collector.
 * - `*.e2e.test.ts`: **e2e**, the live stack under load.
 *
 * Usage: `npm test` runs every tier in that order (stopping at the first that fails); `npm run test:unit`,
 * `test:integration`, `test:e2e` run one. Paths after `--` keep only the files under them:
 * `npm test -- services/order-service`. Only the tiers that have files to run install their tools (the setup script).
 */
import { spawnSync } from 'node:child_process';
import { globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@mesh-stack/tools';

const TEST_ROOTS = ['stack', 'services', 'observability', 'loadtest', 'k8s', 'scripts', 'bench', 'test', 'report'];

export const TIERS = ['unit', 'integration', 'e2e'] as const;
export type Tier = (typeof TIERS)[number];

/** The tier a test file belongs to, from its name. */
export const tierOf = (file: string): Tier => {
  if (file.endsWith('.e2e.test.ts')) return 'e2e';
  if (file.endsWith('.integration.test.ts')) return 'integration';
  return 'unit';
};

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  todo: number;
}

const run = (args: readonly string[]): number => {
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  return result.status ?? 1;
};

const testFiles = (filters: readonly string[]): string[] =>
  TEST_ROOTS.flatMap((root) => globSync(`${root}/**/*.test.ts`, { cwd: REPO_ROOT }))
    .filter((file) => !file.includes('node_modules'))
    .filter((file) => filters.length === 0 || filters.some((filter) => file.startsWith(filter)))
    .sort();

const runTier = (tier: Tier, files: readonly string[]): Counts => {
  const countsDir = mkdtempSync(join(tmpdir(), `mesh-stack-${tier}-`));
  const countsFile = join(countsDir, 'counts.json');
  try {
    const guard = tier === 'unit' ? ['--import', './scripts/lib/test/forbid-child-processes.ts'] : [];
    // Test files use ephemeral ports, so two run side by side; each e2e file runs a whole stack under load, so those run
    // one at a time (two stacks on two cores would measure the machine, not the stack).
    const concurrency = tier === 'e2e' ? 1 : Math.max(2, availableParallelism());
    const status = run([
      ...guard,
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/lib/test/count-reporter.ts',
      `--test-reporter-destination=${countsFile}`,
      ...files,
    ]);
    const counts = JSON.parse(readFileSync(countsFile, 'utf8')) as Counts;
    // A run that failed outside any test (a file that does not load, a crash) still fails its tier.
    if (status !== 0 && counts.failed === 0) counts.failed = 1;
    return counts;
  } finally {
    rmSync(countsDir, { recursive: true, force: true });
  }
};

const main = (): number => {
  const args = process.argv.slice(2);
  const tierArg = args.find((arg) => arg.startsWith('--tier='))?.slice('--tier='.length);
  const filters = args.filter((arg) => !arg.startsWith('--tier='));
  if (tierArg !== undefined && !(TIERS as readonly string[]).includes(tierArg)) {
    console.error(`[test] unknown tier ${tierArg}: use one of ${TIERS.join(', ')}`);
    return 2;
  }
  const tiers = tierArg === undefined ? TIERS : [tierArg as Tier];
  const files = testFiles(filters);
  const plan = tiers
    .map((tier) => ({ tier, files: files.filter((file) => tierOf(file) === tier) }))
    .filter(({ files }) => files.length > 0);
  if (plan.length === 0) {
    console.error(`[test] no ${tiers.join('/')} test files match ${filters.join(' ') || '(all)'}`);
    return 1;
  }

  const total: Counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  const lines: string[] = [];
  let setupDone = false;
  for (const { tier, files: tierFiles } of plan) {
    if (tier !== 'unit' && !setupDone) {
      // Integration and e2e need the real components; the setup script installs what is missing (idempotent).
      const setupStatus = run(['scripts/setup.ts']);
      if (setupStatus !== 0) {
        console.error('[test] setup failed: the tools the tests need are not installed (see the output above)');
        return setupStatus;
      }
      setupDone = true;
    }
    console.log(`[test] ${tier}: ${tierFiles.length} files`);
    const started = performance.now();
    const counts = runTier(tier, tierFiles);
    const seconds = Math.round((performance.now() - started) / 1000);
    lines.push(
      `[test] ${tier}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${seconds} s`,
    );
    for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += counts[key];
    if (counts.failed > 0) break;
  }
  for (const line of lines) console.log(line);
  // The one closing line CI reads, for every tier that ran.
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed > 0 ? 1 : 0;
};

process.exitCode = main();
