import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LoadSummary } from './index.ts';
import { type InMemoryApi, startInMemoryApi } from './test/in-memory-api.ts';

const CLI = join(import.meta.dirname, 'cli.ts');

const runCli = (args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

describe('npm run load (driver CLI)', () => {
  let server: InMemoryApi | undefined;
  after(() => server?.close());

  it('drives the given services and prints the summary as JSON on stdout and as text on stderr', async () => {
    server = await startInMemoryApi();
    const urls = ['--user-service-url', server.url, '--order-service-url', server.url];
    // `1s` as k6 users write it; plain seconds (`1`) parse the same way.
    const result = await runCli(['--rate', '20', '--duration', '1s', '--think-time-scale', '0', '--json', ...urls]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as LoadSummary;
    assert.equal(summary.iterations.completed, 20);
    assert.equal(summary.steps.create_order.requests, 20);
    assert.match(result.stderr, /iterations: 20 scheduled, 20 completed/);
    assert.equal(server.users.size, 20);
  });

  it('refuses non-loopback targets unless --allow-remote is given, before sending anything', async () => {
    const result = await runCli(['--order-service-url', 'http://192.0.2.10:8082', '--duration', '1']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /refusing to send load to http:\/\/192\.0\.2\.10:8082/);
  });

  it('says the stack is not up instead of running a load of connection errors', async () => {
    const closed = await startInMemoryApi();
    await closed.close();
    const result = await runCli(['--user-service-url', closed.url, '--order-service-url', closed.url]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /is not ready: start the stack with `npm start`/);
  });

  it('rejects bad flags with the usage text', async () => {
    const result = await runCli(['--rate', 'fast']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--rate must be a number/);
    assert.match(result.stderr, /Usage: npm run load/);
    const duration = await runCli(['--duration', '2 minutes']);
    assert.equal(duration.code, 2);
    assert.match(duration.stderr, /--duration must be seconds or a duration such as 30s/);
    const unknown = await runCli(['--bogus']);
    assert.equal(unknown.code, 2);
  });
});
