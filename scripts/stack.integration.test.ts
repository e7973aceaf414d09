/**
 * `npm start`'s library brings the whole stack up healthy and takes it down cleanly, on this file's reserved port
 * offset (so it runs beside a developer's `npm start` and the other test stacks), and fails loudly and early.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HEALTH_PATHS, SERVICE_NAMES } from '@mesh-stack/stack';
import { eventually } from '../test/support/eventually.ts';
import { isPortFree } from './lib/stack/port-check.ts';
import { stackPorts, TEST_PORT_OFFSETS } from './lib/stack/ports.ts';
import { COMPONENT_NAMES, ComponentFailure, type StackHandle, startStack } from './lib/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'stack-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const json = async <T>(url: string): Promise<T> =>
  (await fetch(url, { signal: AbortSignal.timeout(5_000) })).json() as Promise<T>;

const status = async (url: string): Promise<number> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  await response.body?.cancel();
  return response.status;
};

describe('the full local stack', () => {
  let stack: StackHandle;
  const ready: string[] = [];

  before(async () => {
    stack = await startStack({
      portOffset: TEST_PORT_OFFSETS.stackTest,
      dataDir: join(dir, 'data'),
      logDir: join(dir, 'logs'),
      onReady: (component) => ready.push(component),
    });
  });

  after(async () => {
    await stack?.stop();
  });

  it('starts every component, in dependency order', () => {
    assert.deepEqual([...ready].sort(), [...COMPONENT_NAMES].sort());
    assert.ok(ready.indexOf('order-service') > ready.indexOf('user-service'));
    assert.ok(ready.indexOf('otel-collector') > ready.indexOf('jaeger'));
  });

  it('has every service ready on its offset ports', async () => {
    for (const name of SERVICE_NAMES) {
      assert.equal(await status(`${stack.urls.services[name].admin}${HEALTH_PATHS.ready}`), 200, name);
      assert.equal(await status(`${stack.urls.services[name].api}${HEALTH_PATHS.live}`), 200, name);
      assert.equal(await status(stack.urls.services[name].metrics), 200, name);
    }
  });

  it('has the backends answering', async () => {
    assert.equal(await status(`${stack.urls.prometheus}/-/ready`), 200);
    assert.equal(await status(`${stack.urls.alertmanager}/-/ready`), 200);
    assert.equal(await status(stack.urls.collectorHealth), 200);
    assert.equal(await status(`${stack.urls.jaegerApi}/api/services`), 200);
  });

  it("points Prometheus's scrape targets, rules and Alertmanager at this stack", async () => {
    const offset = TEST_PORT_OFFSETS.stackTest;
    // Prometheus discovers static targets and Alertmanagers asynchronously, a few seconds after it is ready.
    const scraped = await eventually(
      'Prometheus targets',
      async () => {
        const targets = await json<{ data: { activeTargets: { scrapeUrl: string }[] } }>(
          `${stack.urls.prometheus}/api/v1/targets`,
        );
        const ports = targets.data.activeTargets.map((target) => Number(new URL(target.scrapeUrl).port));
        return ports.length > 0 ? ports : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const ours = new Set(
      Object.values(stackPorts(offset).services)
        .map((ports) => ports.adminPort)
        .concat(Object.values(stackPorts(offset).backends)),
    );
    for (const port of scraped) assert.ok(ours.has(port), `Prometheus scrapes port ${port}, outside this stack`);

    const rules = await json<{ data: { groups: unknown[] } }>(`${stack.urls.prometheus}/api/v1/rules`);
    assert.ok(rules.data.groups.length > 0, 'the project rules are loaded');
    const alertmanagers = await eventually(
      'the Alertmanager in Prometheus',
      async () => {
        const found = await json<{ data: { activeAlertmanagers: { url: string }[] } }>(
          `${stack.urls.prometheus}/api/v1/alertmanagers`,
        );
        const urls = found.data.activeAlertmanagers.map((am) => new URL(am.url).port);
        return urls.length > 0 ? urls : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    assert.deepEqual(alertmanagers, [String(stackPorts(offset).backends.alertmanager)]);
  });

  it('stays within its memory budget of 1.5 GiB when idle', () => {
    const usage = stack.residentBytes();
    assert.deepEqual(Object.keys(usage).sort(), [...COMPONENT_NAMES].sort());
    const total = Object.values(usage).reduce((sum, bytes) => sum + bytes, 0);
    assert.ok(total < 1.5 * 2 ** 30, `resident memory ${JSON.stringify(usage)}`);
  });

  it('restarts a single component (the collector) in place', async () => {
    await stack.stopComponent('otel-collector');
    assert.ok(await isPortFree(stack.ports.backends.collectorHealthCheck));
    await stack.startComponent('otel-collector');
    assert.equal(await status(stack.urls.collectorHealth), 200);
  });

  it('stops everything and frees every port', async () => {
    await stack.stop();
    const ports = [
      ...Object.values(stack.ports.services).flatMap((p) => [p.publicPort, p.adminPort]),
      ...Object.values(stack.ports.backends),
    ];
    for (const port of ports) assert.ok(await isPortFree(port), `port ${port} still taken after stop()`);
  });
});

describe('failures', () => {
  const offset = TEST_PORT_OFFSETS.spare;

  it('names the component whose port is taken, before starting anything', async () => {
    const port = stackPorts(offset).backends.alertmanager;
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await assert.rejects(
        startStack({
          components: ['alertmanager'],
          portOffset: offset,
          dataDir: join(dir, 'busy'),
          logDir: join(dir, 'busy'),
        }),
        new RegExp(`${port} \\(alertmanager\\)`),
      );
    } finally {
      blocker.close();
    }
  });

  it('reports a component that dies after start-up, and only that once', async () => {
    const failures: ComponentFailure[] = [];
    const stack = await startStack({
      components: ['alertmanager'],
      portOffset: offset,
      dataDir: join(dir, 'dies'),
      logDir: join(dir, 'dies'),
      onUnexpectedExit: (failure) => failures.push(failure),
    });
    try {
      const pid = stack.pid('alertmanager');
      assert.ok(pid);
      process.kill(pid, 'SIGKILL');
      await eventually('the unexpected exit', async () => (failures.length > 0 ? failures : undefined), {
        timeoutMs: 20_000,
        intervalMs: 250,
      });
      assert.equal(failures[0]?.component, 'alertmanager');
      assert.match(failures[0]?.message ?? '', /exited unexpectedly \(SIGKILL\)/);
      assert.equal(stack.pid('alertmanager'), undefined);
    } finally {
      await stack.stop();
    }
    assert.equal(failures.length, 1);
  });

  it("fails with the component's last log lines when it dies at start-up", async () => {
    const badConfig = join(dir, 'bad-alertmanager.yml');
    writeFileSync(badConfig, 'route:\n  receiver: nowhere\n');
    const failure = await startStack({
      components: ['alertmanager'],
      portOffset: offset,
      dataDir: join(dir, 'bad'),
      logDir: join(dir, 'bad'),
      alertmanagerConfig: badConfig,
    }).then(
      () => assert.fail('the stack started with an invalid Alertmanager config'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ComponentFailure);
    assert.equal(failure.component, 'alertmanager');
    assert.match(failure.message, /exited/);
    assert.ok(
      failure.lastLines.some((line) => line.includes('nowhere')),
      failure.message,
    );
    assert.ok(await isPortFree(stackPorts(offset).backends.alertmanager));
  });
});
