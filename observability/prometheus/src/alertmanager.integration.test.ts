/**
 * @module Alertmanager's configuration: valid for amtool, and every alert the rules can raise is routed by its
 * severity (critical → page, warning → ticket, info → nowhere, Watchdog → heartbeat), checked with
 * `amtool config routes test`, which exits non-zero when the receivers differ.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEBIAN_TOOLS } from '@mesh-stack/tools';
import { parse } from 'yaml';
import { RECEIVER, RECEIVER_BY_SEVERITY } from './alertmanager.ts';
import { ALERTMANAGER_CONFIG_PATH, RULE_FILES } from './render.ts';
import { META_ALERT } from './rules/meta.ts';
import { alertRules } from './rules/model.ts';
import { OUTAGE_ALERT } from './rules/outage.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const CONFIG = join(REPO_ROOT, ALERTMANAGER_CONFIG_PATH);
const run = promisify(execFile);

const routesTo = (receiver: string, labels: Readonly<Record<string, string>>) =>
  run(DEBIAN_TOOLS.amtool, [
    'config',
    'routes',
    'test',
    `--config.file=${CONFIG}`,
    `--verify.receivers=${receiver}`,
    ...Object.entries(labels).map(([name, value]) => `${name}=${value}`),
  ]);

describe('Alertmanager configuration', () => {
  it('passes amtool check-config', async () => {
    const { stdout } = await run(DEBIAN_TOOLS.amtool, ['check-config', CONFIG]);
    assert.match(stdout, /SUCCESS/);
  });

  it('routes every alert rule to the receiver of its severity, and the Watchdog to the heartbeat', async () => {
    for (const rule of alertRules(RULE_FILES)) {
      const receiver = rule.alert === META_ALERT.watchdog ? RECEIVER.heartbeat : RECEIVER_BY_SEVERITY[rule.severity];
      await routesTo(receiver, { alertname: rule.alert, severity: rule.severity, ...rule.labels });
    }
  });

  it('pages on a whole service down, whatever other labels it carries', async () => {
    await routesTo(RECEIVER.page, {
      alertname: OUTAGE_ALERT.serviceDown,
      severity: 'critical',
      job: 'payment-service',
      namespace: 'mesh-stack',
      cluster: 'prod-eu',
    });
  });

  it('sends alerts without a severity to the ticket queue rather than dropping them', async () => {
    await routesTo(RECEIVER.ticket, { alertname: 'SomethingUnlabelled' });
  });

  it('fails a route test that expects the wrong receiver', async () => {
    await assert.rejects(routesTo(RECEIVER.page, { alertname: 'MeshStackRetryStorm', severity: 'warning' }));
  });

  it('posts webhooks to loopback only', () => {
    const config = parse(readFileSync(CONFIG, 'utf8')) as { receivers: { webhook_configs?: { url: string }[] }[] };
    const urls = config.receivers.flatMap((receiver) =>
      (receiver.webhook_configs ?? []).map((webhook) => new URL(webhook.url)),
    );
    assert.ok(urls.length > 0);
    for (const url of urls) assert.equal(url.hostname, '127.0.0.1');
  });
});
