// @module Installs the npm dependencies when they are missing or stale, before `npm start` and `npm test`.
// Runs on whatever Node npm runs on (the machine's may be older than 24), so it is plain ESM JavaScript.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockfile = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.installed-lock-sha256');

const lockHash = createHash('sha256').update(readFileSync(lockfile)).digest('hex');
const installedHash = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
// `npm install <pkg>` rewrites the lockfile and npm's own record of the installed tree together: the tree is current.
const hiddenLockfile = join(root, 'node_modules', '.package-lock.json');
const installedByNpmSinceLockChange =
  existsSync(hiddenLockfile) && statSync(hiddenLockfile).mtimeMs >= statSync(lockfile).mtimeMs;

if (installedHash === lockHash) {
  process.exit(0);
}
if (installedByNpmSinceLockChange) {
  writeFileSync(stamp, `${lockHash}\n`);
  process.exit(0);
}
console.log('[setup] npm dependencies are missing or out of date: running `npm ci` (once per lockfile change)');
execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
writeFileSync(stamp, `${lockHash}\n`);
console.log('[setup] npm dependencies installed');
