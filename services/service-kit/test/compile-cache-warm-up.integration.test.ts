/**
 * @module The images' compile-cache warm-up against a real service (user-service on SQLite): it exits 0 once the
 * service was ready and stopped cleanly, and the cache it leaves holds every TypeScript file that service loads,
 * so a container started with it never loads Node's type stripper (docs/scaling.md, "Memory").
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const KIT_SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const WARM_UP = join(KIT_SRC, 'compile-cache-warm-up.ts');
const USER_SERVICE = join(KIT_SRC, '..', '..', 'user-service');

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });

const warmUp = async (env: Record<string, string>): Promise<{ code: number | null; stderr: string }> => {
  const child = spawn(process.execPath, [WARM_UP], {
    cwd: USER_SERVICE,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      ADMIN_PORT: String(await freePort()),
      // Nothing listens there: the SDK is loaded (and cached) as in production, its exports fail quietly.
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
};

describe('compile-cache warm-up', () => {
  const cache = mkdtempSync(join(tmpdir(), 'compile-cache-test-'));
  after(() => rmSync(cache, { recursive: true, force: true }));

  it('fails without NODE_COMPILE_CACHE, as it would keep nothing', async () => {
    const { code, stderr } = await warmUp({ NODE_COMPILE_CACHE: '' });
    assert.equal(code, 1);
    assert.match(stderr, /NODE_COMPILE_CACHE is not set/);
  });

  it('leaves a cache from which a second start strips no TypeScript file', async () => {
    const first = await warmUp({ NODE_COMPILE_CACHE: cache });
    assert.equal(first.code, 0, first.stderr);
    const [versionDir] = readdirSync(cache);
    assert.ok(versionDir, 'a cache folder for this Node version and user');
    assert.ok(readdirSync(join(cache, versionDir)).length > 100, 'entries for the service and its packages');

    const second = await warmUp({ NODE_COMPILE_CACHE: cache, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    assert.equal(second.code, 0, second.stderr);
    const hits = second.stderr.match(/retrieving transpile cache for StrippedTypeScript .*success/g) ?? [];
    const misses = second.stderr.match(/no transpile cache for StrippedTypeScript .*/g) ?? [];
    assert.deepEqual(misses, []);
    assert.ok(
      hits.some((line) => line.includes('user-service/src/main.ts')),
      'main.ts came from the cache',
    );
  });
});
