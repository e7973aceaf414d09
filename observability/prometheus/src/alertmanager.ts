/**
 * @module Alertmanager routing by severity: `critical` pages, `warning` opens a ticket, `info` goes nowhere,
 * and the Watchdog feeds a heartbeat receiver. Webhooks point at loopback placeholders: replace them with
 * your pager, ticketing and dead-man's-switch integrations.
 */
import { SERVICE_IDENTITY, TARGET_LABEL } from '@mesh-stack/observability/promql';
import type { ServiceName } from '@mesh-stack/stack';
import { META_ALERT } from './rules/meta.ts';
import { ALERT_LABEL, type Severity } from './rules/model.ts';
import { OUTAGE_ALERT } from './rules/outage.ts';
import { RECONCILIATION_ALERT } from './rules/reconciliation.ts';
import { SLO_ALERT } from './rules/slo.ts';
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
const oneOfMatcher = (label: string, values: readonly string[]): string =>
  `${label}=~${JSON.stringify(values.join('|'))}`;

/** The service order reconciliation asks: while it is down, pending orders cannot be resolved. */
const RECONCILIATION_DEPENDENCY: ServiceName = 'payment-service';

/** One notification per alert per service per environment (and per SLO): never merge two clusters' pages. */
export const GROUP_BY = [ALERTNAME, ...SERVICE_IDENTITY, ALERT_LABEL.slo] as const;

/**
 * While a whole service is down, the alerts that are only consequences of it on the same service say nothing new:
 * its SLI is missing, its targets are down, its spans stopped. Its callers' SLO alerts still fire: their users do
 * see the outage.
 */
export const SERVICE_DOWN_INHIBITS = [
  OUTAGE_ALERT.sliMissing,
  SYMPTOM_ALERT.targetDown,
  META_ALERT.spansStopped,
  SYMPTOM_ALERT.spansDropped,
  ...Object.values(SLO_ALERT),
] as const;

export const alertmanagerConfig = () => ({
  route: {
    receiver: RECEIVER.ticket,
    group_by: [...GROUP_BY],
    group_wait: '30s',
    group_interval: '5m',
    repeat_interval: '4h',
    routes: [
      {
        // First, so its `info` severity does not send it to the null receiver.
        matchers: [matcher(ALERTNAME, META_ALERT.watchdog)],
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
  inhibit_rules: [
    // A page already covers the same alert on the same service (and SLO): do not also open a ticket for it.
    {
      source_matchers: [matcher(ALERT_LABEL.severity, 'critical')],
      target_matchers: [matcher(ALERT_LABEL.severity, 'warning')],
      equal: [...GROUP_BY],
    },
    {
      source_matchers: [matcher(ALERTNAME, OUTAGE_ALERT.serviceDown)],
      target_matchers: [oneOfMatcher(ALERTNAME, SERVICE_DOWN_INHIBITS)],
      equal: [...SERVICE_IDENTITY],
    },
    // The reconciler defers while payment-service is down, so pending orders age: the ServiceDown page says why.
    {
      source_matchers: [
        matcher(ALERTNAME, OUTAGE_ALERT.serviceDown),
        matcher(TARGET_LABEL.job, RECONCILIATION_DEPENDENCY),
      ],
      target_matchers: [matcher(ALERTNAME, RECONCILIATION_ALERT.ordersStuckPending)],
      equal: [TARGET_LABEL.cluster, TARGET_LABEL.namespace],
    },
  ],
  receivers: [webhook(RECEIVER.page), webhook(RECEIVER.ticket), webhook(RECEIVER.heartbeat), { name: RECEIVER.none }],
});
