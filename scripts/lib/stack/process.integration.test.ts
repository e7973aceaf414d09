/**
 * A component's log keeps what it prints while shutting down. Node reports a child's exit before its output is
 * necessarily read ("stdio streams might still be open"), and a process the component started can hold the pipes
 * open after it: stop() waits for the output, for a bounded time, and never writes to a closed log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ComponentFailure, ComponentProcess, type ComponentSpec } from './process.ts';

/**
 * Prints `ready`; on SIGTERM leaves a helper behind that prints `late line` after `lateMs` on the same stdout,
 * then exits at once. That is how a component looks whose last output arrives after its exit.
 */
const exitsBeforeItsOutput = (lateMs: number) => `
const { spawn } = require('node:child_process');
setInterval(() => {}, 1000);
process.on('SIGTERM', () => {
  spawn('sh', ['-c', 'sleep ${lateMs / 1000}; echo late line'], { stdio: ['ignore', 'inherit', 'inherit'] });
  process.exit(0);
});
console.log('ready');
`;

describe('a component process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'component-process-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const startChild = async (name: string, lateMs: number) => {
    const logFile = join(dir, `${name}.log`);
    const component = new ComponentProcess(
      {
        name,
        command: process.execPath,
        args: ['-e', exitsBeforeItsOutput(lateMs)],
        cwd: dir,
        env: process.env,
        ready: { line: (line) => line === 'ready' },
        readyTimeoutMs: 5_000,
        stopTimeoutMs: 5_000,
      },
      { logFile },
    );
    await component.waitReady();
    return { component, logFile };
  };

  it('logs what is printed on its pipes after it exited', async () => {
    const { component, logFile } = await startChild('late', 300);
    await component.stop();
    assert.equal(readFileSync(logFile, 'utf8').trimEnd().split('\n').at(-1), 'late line');
  });

  it('stops without waiting for pipes held open for long, and logs nothing after its log is closed', async () => {
    const { component, logFile } = await startChild('later', 3_000);
    await component.stop();
    const loggedLines = () => readFileSync(logFile, 'utf8').split('\n');
    assert.ok(!loggedLines().includes('late line'), 'stop() waited for the late line');
    await sleep(1_500);
    assert.ok(!loggedLines().includes('late line'), 'a line was written after stop()');
  });

  const nodeScript = (script: string, ready: ComponentSpec['ready']): ComponentSpec => ({
    name: 'script',
    command: process.execPath,
    args: ['-e', script],
    cwd: dir,
    env: process.env,
    ready,
    readyTimeoutMs: 5_000,
    stopTimeoutMs: 5_000,
  });

  it('fails readiness as soon as the process dies, with its last lines', async () => {
    const component = new ComponentProcess(
      nodeScript("console.error('cannot bind: EADDRINUSE'); process.exit(3)", { line: (line) => line === 'ready' }),
    );
    const started = Date.now();
    const failure = await component.waitReady().then(
      () => assert.fail('ready without a ready line'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ComponentFailure);
    assert.match(failure.message, /^script exited \(3\) before it was ready/);
    assert.deepEqual(failure.lastLines, ['cannot bind: EADDRINUSE']);
    assert.ok(Date.now() - started < 4_000, 'waited for the timeout instead of the exit');
  });

  it('is stopped with the signal asked for, and keeps its output without a log file', async () => {
    const component = new ComponentProcess(
      nodeScript("process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)", {
        line: (line) => line === 'ready',
      }),
    );
    await component.waitReady();
    assert.equal(component.readyLine, 'ready');
    assert.equal(component.exitStatus, undefined);
    assert.equal(await component.stop('SIGKILL'), 'SIGKILL');
    assert.equal(component.exitStatus, 'SIGKILL');
    assert.equal(component.logs(), 'ready');
  });
});
