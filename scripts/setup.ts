/**
 * @module `npm run setup` (also run first by `npm test` and `npm start`): installs every external tool the stack
 * needs, idempotently, and takes about a second when everything is already there.
 *
 * 1. Debian packages: prometheus, prometheus-alertmanager, postgresql, chromium (apt-get, upstream releases checked).
 * 2. PostgreSQL: the default cluster running on 127.0.0.1:5432 with role `mesh`/`mesh` (CREATEDB) for the tests.
 * 3. Go tools: every `tools/<name>/go.mod` built with `go install tool` into `.tools/bin` (skipped while its hash stamp
 *    matches), then the collector built by ocb from `observability/otel-collector/builder-config.yaml`.
 * 4. Python tools: Schemathesis, pinned in `tools/schemathesis/requirements.txt`, in the virtual environment
 *    `.tools/venv` (skipped while its hash stamp matches).
 * 5. Hooks: every `tools/<name>/postinstall.ts`, run with Node (see scripts/lib/setup/hooks.ts for the contract).
 *
 * Concurrent runs (two terminals, `npm test` beside `npm start`) serialise on a lock file, so a build never runs twice.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLS_DIR } from '@mesh-stack/tools';
import { log } from './lib/run.ts';
import { ensureCollector } from './lib/setup/collector.ts';
import { debianSummary, ensureDebianPackages } from './lib/setup/debian.ts';
import { ensureGoTools } from './lib/setup/go-tools.ts';
import { runPostinstallHooks } from './lib/setup/hooks.ts';
import { ensurePostgres } from './lib/setup/postgres.ts';
import { ensurePythonTools } from './lib/setup/python.ts';

const LOCK_HELD = 'MESH_STACK_SETUP_LOCKED';

/** Re-runs this script under `flock` (util-linux, always on Debian) unless it already holds the lock. */
const runUnderLock = (): never => {
  mkdirSync(TOOLS_DIR, { recursive: true });
  const lockFile = join(TOOLS_DIR, 'setup.lock');
  const env = { ...process.env, [LOCK_HELD]: '1' };
  const command = [lockFile, process.execPath, import.meta.filename];
  const busy = 75; // flock's exit code when another run holds the lock; this script never exits with it.
  let result = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(busy), ...command], {
    stdio: 'inherit',
    env,
  });
  if (result.status === busy) {
    log('another setup run is in progress: waiting for it to finish');
    result = spawnSync('flock', command, { stdio: 'inherit', env });
  }
  process.exit(result.status ?? 1);
};

const main = (): void => {
  const started = performance.now();
  ensureDebianPackages();
  ensurePostgres();
  const built = ensureGoTools();
  const collectorBuilt = ensureCollector();
  const pythonInstalled = ensurePythonTools();
  runPostinstallHooks();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const what =
    built.length > 0 || collectorBuilt || pythonInstalled
      ? 'installed what was missing'
      : 'everything already installed';
  log(
    `${what} in ${seconds} s (${debianSummary()}; PostgreSQL on 127.0.0.1:5432; Go tools in .tools/bin; Schemathesis in .tools/venv)`,
  );
};

if (process.env[LOCK_HELD] !== '1') {
  runUnderLock();
}
try {
  main();
} catch (error) {
  console.error(`[setup] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
