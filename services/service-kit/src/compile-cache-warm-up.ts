/**
 * @module Fills Node's compile cache for a service at image build time: starts `node src/main.ts` from the current
 * directory (a throw-away SQLite database, the image's ports), waits for `/health/ready`, stops it with SIGTERM and
 * fails unless it exits cleanly. Node writes the cache (`NODE_COMPILE_CACHE`) at that exit.
 *
 * Why: with every `.ts` file's stripped source in the cache, a container never loads Node's type stripper (a
 * WebAssembly build of SWC): about 17 MB less resident per process, and a faster start (docs/scaling.md, "Memory").
 * The cache directory is per Node version and user id, so this must run as the user the container runs as.
 * A file missing from the cache is only slower and larger, never wrong: Node strips it as without a cache.
 *
 * Usage (Dockerfile, as `USER node`, with `NODE_COMPILE_CACHE` set): `node ../service-kit/src/compile-cache-warm-up.ts`
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_TIMEOUT_MS = 60_000;
const POLL_MS = 100;

const fail = (message: string): never => {
  process.stderr.write(`compile-cache warm-up: ${message}\n`);
  process.exit(1);
};

if (!process.env.NODE_COMPILE_CACHE) fail('NODE_COMPILE_CACHE is not set: nothing would be kept');
const adminPort = process.env.ADMIN_PORT ?? fail('ADMIN_PORT is not set');
const dataDir = mkdtempSync(join(tmpdir(), 'compile-cache-warm-up-'));
const service = spawn(process.execPath, ['src/main.ts'], {
  env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));

const ready = async (): Promise<boolean> => {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && service.exitCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${adminPort}/health/ready`);
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(POLL_MS);
  }
  return false;
};

const wasReady = await ready();
service.kill('SIGTERM');
const code = await exited;
rmSync(dataDir, { recursive: true, force: true });
if (!wasReady) fail(`the service was not ready within ${READY_TIMEOUT_MS} ms`);
if (code !== 0) fail(`the service exited with ${code} after SIGTERM`);
process.stdout.write(`compile-cache warm-up: cache written to ${process.env.NODE_COMPILE_CACHE}\n`);
