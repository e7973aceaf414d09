/**
 * @module Issue 11's "done when": stopping one service entirely makes a critical alert reach Alertmanager's page
 * receiver. A small real stack of its own (Prometheus, Alertmanager and the three services; no collector or Jaeger,
 * which this path does not use) with the project's very rules and routes, Prometheus scraping every second and
 * Alertmanager posting to a webhook this test serves. payment-service is stopped; MeshStackServiceDown must arrive
 * at the `page` receiver, labelled with the service and `severity="critical"`, within the rule's own `for:` plus
 * Alertmanager's `group_wait` (both read from the generated files) and a bounded pipeline lag.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RECEIVER } from '@mesh-stack/observability/alertmanager';
import { TARGET_LABEL } from '@mesh-stack/observability/promql';
import { OUTAGE_ALERT } from '@mesh-stack/observability/rules';
import type { ServiceName } from '@mesh-stack/stack';
import { type AlertNotification, type AlertSink, startAlertSink } from '../../scripts/lib/stack/alert-sink.ts';
import { TEST_PORT_OFFSETS } from '../../scripts/lib/stack/ports.ts';
import { DEFAULT_CONFIGS, type StackHandle, startStack } from '../../scripts/lib/stack.ts';
import { eventually, prometheusApi } from '../support/e2e-apis.ts';
import {
  alertTiming,
  loadRuleGroups,
  longestGroupWaitSeconds,
  writeAlertmanagerConfig,
  writeFastPrometheusConfig,
} from '../support/e2e-config.ts';

const INTERVAL_SECONDS = 1;
const STOPPED: ServiceName = 'payment-service';
/**
 * Scrape, evaluation and Alertmanager's dispatch on a busy 2-core machine: generous next to the 1 s intervals,
 * small next to the rule's 2 minutes of `for:`.
 */
const PIPELINE_LAG_MS = 60_000;

describe('a service stopped entirely', { timeout: 15 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'outage-alert-'));
  const notifications: AlertNotification[] = [];
  let webhook: AlertSink | undefined;
  let stack: StackHandle | undefined;
  const prometheusConfig = writeFastPrometheusConfig(DEFAULT_CONFIGS.prometheus, dir, INTERVAL_SECONDS);

  before(
    async () => {
      webhook = await startAlertSink('http://127.0.0.1:0/alerts', (notification) => notifications.push(notification));
      stack = await startStack({
        portOffset: TEST_PORT_OFFSETS.outageAlert,
        dataDir: join(dir, 'data'),
        logDir: join(dir, 'logs'),
        prometheusConfig,
        alertmanagerConfig: writeAlertmanagerConfig(DEFAULT_CONFIGS.alertmanager, dir, webhook.url),
        components: ['prometheus', 'alertmanager', 'user-service', 'payment-service', 'order-service'],
      });
    },
    { timeout: 5 * 60_000 },
  );

  after(async () => {
    await stack?.stop();
    await webhook?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages: MeshStackServiceDown reaches the page receiver, critical, for that service', async () => {
    const running = stack ?? assert.fail('the stack did not start');
    const prometheus = prometheusApi(running.urls.prometheus);
    const upQuery = `up{${TARGET_LABEL.job}="${STOPPED}"}`;
    await eventually(
      `Prometheus to scrape ${STOPPED}`,
      async () => ((await prometheus.query(upQuery)).some((sample) => sample.value[1] === '1') ? true : undefined),
      { timeoutMs: 60_000 },
    );
    // Nothing pages while everything is up.
    assert.deepEqual(
      notifications.filter((notification) => notification.receiver === RECEIVER.page),
      [],
    );

    const timing = alertTiming(loadRuleGroups(running.prometheusConfig), OUTAGE_ALERT.serviceDown);
    const groupWaitSeconds = longestGroupWaitSeconds(DEFAULT_CONFIGS.alertmanager);
    const stoppedAt = Date.now();
    await running.stopComponent(STOPPED);

    const isPage = (notification: AlertNotification) =>
      notification.receiver === RECEIVER.page &&
      notification.status === 'firing' &&
      notification.alerts.some(
        (alert) =>
          alert.status === 'firing' &&
          alert.labels.alertname === OUTAGE_ALERT.serviceDown &&
          alert.labels[TARGET_LABEL.job] === STOPPED,
      );
    const page = await eventually(
      `${OUTAGE_ALERT.serviceDown} for ${STOPPED} at the ${RECEIVER.page} receiver`,
      async () => notifications.find(isPage),
      {
        timeoutMs: (timing.forSeconds + groupWaitSeconds) * 1000 + PIPELINE_LAG_MS,
        describe: () => JSON.stringify(notifications.map((n) => [n.receiver, n.status, n.alerts.map((a) => a.labels)])),
      },
    );
    const alert = page.alerts.find((candidate) => candidate.labels.alertname === OUTAGE_ALERT.serviceDown);
    assert.equal(alert?.labels.severity, 'critical');
    // It cannot arrive before the rule's `for:` has elapsed: the page is the rule firing, not a stale notification.
    assert.ok(Date.now() - stoppedAt >= timing.forSeconds * 1000, 'paged before the rule could fire');
  });
});
