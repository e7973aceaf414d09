/**
 * @module The inhibition rules of the generated alertmanager.yml, checked on a real Alertmanager (Debian's, on a
 * free loopback port): alerts are posted to its API and the test reads back which ones it suppresses and by
 * what. `amtool config routes test` cannot check inhibition, so this is the only proof they do what they say.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEBIAN_TOOLS } from '@mesh-stack/tools';
import { freePort } from '../../../scripts/lib/stack/port-check.ts';
import { ALERTMANAGER_CONFIG_PATH } from './render.ts';
import { OUTAGE_ALERT } from './rules/outage.ts';
import { RECONCILIATION_ALERT } from './rules/reconciliation.ts';
import { SLO_ALERT } from './rules/slo.ts';
import { SYMPTOM_ALERT } from './rules/symptoms.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
type Labels = Record<string, string>;

interface ApiAlert {
  readonly labels: Labels;
  readonly status: { readonly state: string; readonly inhibitedBy: readonly string[] };
}

describe('Alertmanager inhibition (real Alertmanager)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-inhibition-'));
  let alertmanager: ChildProcess | undefined;
  let baseUrl = '';
  let output = '';

  before(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    alertmanager = spawn(
      DEBIAN_TOOLS.alertmanager,
      [
        `--config.file=${join(REPO_ROOT, ALERTMANAGER_CONFIG_PATH)}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    alertmanager.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    alertmanager.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${baseUrl}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline || alertmanager.exitCode !== null)
        assert.fail(`Alertmanager did not start:\n${output}`);
      await sleep(200);
    }
  });

  after(async () => {
    if (alertmanager && alertmanager.exitCode === null) {
      const closed = once(alertmanager, 'close');
      alertmanager.kill('SIGTERM');
      await closed;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (alerts: readonly Labels[]): Promise<void> => {
    const response = await fetch(`${baseUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, annotations: {} }))),
    });
    assert.equal(response.status, 200, await response.text());
  };

  /** The alerts Alertmanager holds matching `labels`, polled until there are `count` of them. */
  const alertsMatching = async (labels: Labels, count: number): Promise<ApiAlert[]> => {
    const filter = Object.entries(labels).map(([name, value]) => `filter=${encodeURIComponent(`${name}="${value}"`)}`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await fetch(`${baseUrl}/api/v2/alerts?${filter.join('&')}`);
      const alerts = (await response.json()) as ApiAlert[];
      if (alerts.length >= count || Date.now() > deadline) return alerts;
      await sleep(200);
    }
  };
  const stateOnce = async (labels: Labels): Promise<string> => {
    const [alert] = await alertsMatching(labels, 1);
    assert.ok(alert, `Alertmanager holds no alert ${JSON.stringify(labels)}`);
    return alert.status.inhibitedBy.length > 0 ? 'inhibited' : alert.status.state;
  };
  /**
   * The alert's state once Alertmanager has settled: polled until it is `expected` or 45 s have passed (longer
   * than the routes' 30 s group_wait, after which Alertmanager has evaluated inhibition whatever its version).
   */
  const stateOf = async (labels: Labels, expected: string): Promise<string> => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const state = await stateOnce(labels);
      if (state === expected || Date.now() > deadline) return state;
      await sleep(500);
    }
  };

  it('a service down silences its own consequences, not another service’s', async () => {
    const where = { namespace: 'mesh-stack', cluster: 'test-inhibition' };
    await post([
      { alertname: OUTAGE_ALERT.serviceDown, severity: 'critical', job: 'payment-service', ...where },
      { alertname: OUTAGE_ALERT.sliMissing, severity: 'critical', job: 'payment-service', ...where },
      { alertname: SYMPTOM_ALERT.targetDown, severity: 'warning', job: 'payment-service', ...where },
      { alertname: OUTAGE_ALERT.sliMissing, severity: 'critical', job: 'user-service', ...where },
      {
        alertname: SLO_ALERT.availability,
        severity: 'critical',
        job: 'order-service',
        slo: 'order-flow-availability',
        ...where,
      },
    ]);
    await alertsMatching({ cluster: where.cluster }, 5);
    const state = (alertname: string, job: string, expected: string) =>
      stateOf({ alertname, job, cluster: where.cluster }, expected);
    assert.equal(await state(OUTAGE_ALERT.serviceDown, 'payment-service', 'active'), 'active');
    assert.equal(await state(OUTAGE_ALERT.sliMissing, 'payment-service', 'inhibited'), 'inhibited');
    assert.equal(await state(SYMPTOM_ALERT.targetDown, 'payment-service', 'inhibited'), 'inhibited');
    assert.equal(await state(OUTAGE_ALERT.sliMissing, 'user-service', 'active'), 'active');
    // The callers' users do see the outage: their SLO page stays.
    assert.equal(await state(SLO_ALERT.availability, 'order-service', 'active'), 'active');
  });

  it('payment-service down silences stuck pending orders in the same namespace only', async () => {
    const cluster = 'test-reconciliation';
    await post([
      { alertname: OUTAGE_ALERT.serviceDown, severity: 'critical', job: 'payment-service', namespace: 'a', cluster },
      {
        alertname: RECONCILIATION_ALERT.ordersStuckPending,
        severity: 'critical',
        job: 'order-service',
        namespace: 'a',
        cluster,
      },
      {
        alertname: RECONCILIATION_ALERT.ordersStuckPending,
        severity: 'critical',
        job: 'order-service',
        namespace: 'b',
        cluster,
      },
    ]);
    await alertsMatching({ cluster }, 3);
    const stuck = (namespace: string, expected: string) =>
      stateOf({ alertname: RECONCILIATION_ALERT.ordersStuckPending, namespace, cluster }, expected);
    assert.equal(await stuck('a', 'inhibited'), 'inhibited');
    assert.equal(await stuck('b', 'active'), 'active');
  });

  it('a page silences the ticket of the same SLO, not of another', async () => {
    const cluster = 'test-burn';
    const burn = (severity: string, slo: string) => ({
      alertname: SLO_ALERT.availability,
      severity,
      job: 'order-service',
      slo,
      cluster,
    });
    await post([
      burn('critical', 'order-flow-availability'),
      burn('warning', 'order-flow-availability'),
      burn('warning', 'order-service-availability'),
    ]);
    await alertsMatching({ cluster }, 3);
    assert.equal(
      await stateOf({ cluster, slo: 'order-flow-availability', severity: 'warning' }, 'inhibited'),
      'inhibited',
    );
    assert.equal(
      await stateOf({ cluster, slo: 'order-service-availability', severity: 'warning' }, 'active'),
      'active',
    );
    assert.equal(await stateOf({ cluster, slo: 'order-flow-availability', severity: 'critical' }, 'active'), 'active');
  });
});
