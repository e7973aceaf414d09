/**
 * @module Alertmanager routing by severity: `critical` pages, `warning` opens a ticket, `info` goes nowhere,
 * and the Watchdog feeds a heartbeat receiver. Webhooks point at loopback placeholders: replace them with
 * your pager, ticketing and dead-man's-switch integrations.
 */
import { ALERT_LABEL, type Severity } from './rules/model.ts';
import { SYMPTOM_ALERT } from './rules/symptoms.ts';

export const RECEIVER = {
  page: 'page',
  ticket: 'ticket',
  heartbeat: 'heartbeat',
  /** Receives and drops: `info` alerts are for dashboards, not people. */
  none: 'null',
} as const;

export const RECEIVER_BY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: RECEIVER.page,
  warning: RECEIVER.ticket,
  info: RECEIVER.none,
};

/** Where the placeholder webhooks post, on loopback only. */
export const WEBHOOK_BASE_URL = 'http://127.0.0.1:9097/alerts';

const webhook = (receiver: string) => ({
  name: receiver,
  webhook_configs: [{ url: `${WEBHOOK_BASE_URL}/${receiver}`, send_resolved: receiver !== RECEIVER.heartbeat }],
});

const ALERTNAME = 'alertname';
const matcher = (label: string, value: string): string => `${label}=${JSON.stringify(value)}`;

export const alertmanagerConfig = () => ({
  route: {
    receiver: RECEIVER.ticket,
    group_by: [ALERTNAME, 'job', ALERT_LABEL.slo],
    group_wait: '30s',
    group_interval: '5m',
    repeat_interval: '4h',
    routes: [
      {
        // First, so its `info` severity does not send it to the null receiver.
        matchers: [matcher(ALERTNAME, SYMPTOM_ALERT.watchdog)],
        receiver: RECEIVER.heartbeat,
        group_wait: '0s',
        group_interval: '1m',
        repeat_interval: '1m',
      },
      {
        matchers: [matcher(ALERT_LABEL.severity, 'critical')],
        receiver: RECEIVER_BY_SEVERITY.critical,
        repeat_interval: '1h',
      },
      { matchers: [matcher(ALERT_LABEL.severity, 'warning')], receiver: RECEIVER_BY_SEVERITY.warning },
      { matchers: [matcher(ALERT_LABEL.severity, 'info')], receiver: RECEIVER_BY_SEVERITY.info },
    ],
  },
  // A page already covers the same SLO on the same service: do not also open a ticket for it.
  inhibit_rules: [
    {
      source_matchers: [matcher(ALERT_LABEL.severity, 'critical')],
      target_matchers: [matcher(ALERT_LABEL.severity, 'warning')],
      equal: [ALERTNAME, 'job', ALERT_LABEL.slo],
    },
  ],
  receivers: [webhook(RECEIVER.page), webhook(RECEIVER.ticket), webhook(RECEIVER.heartbeat), { name: RECEIVER.none }],
});
