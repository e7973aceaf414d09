/**
 * @module Outage alerts: the ones that must wake someone when a service is gone, whatever its SLO says. When a
 * service stops answering, its SLI series disappear and the burn-rate alerts, which divide those series, go quiet
 * instead of firing; these two alerts watch the absence itself.
 *
 * - MeshStackServiceDown: no target of the service answers scrapes (all `up == 0`, or no target at all).
 * - MeshStackSLIMissing: the service served requests in the last day but its SLI series are gone (process down,
 *   metrics endpoint broken, or a restart after which nobody reaches it).
 */
import {
  count,
  eq,
  oneOf,
  PROMETHEUS_METRIC,
  rate,
  re,
  SERVICE_IDENTITY,
  sel,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { METRIC } from '@mesh-stack/service-kit/contract';
import { LOCAL_PORTS, SERVICE_NAMES, type ServiceName } from '@mesh-stack/stack';
import {
  ALERT_PREFIX,
  type AlertRule,
  type AlertTestCase,
  type InputSeries,
  type RecordingRule,
  type RuleGroup,
} from './model.ts';

export const OUTAGE_ALERT = {
  serviceDown: `${ALERT_PREFIX}ServiceDown`,
  sliMissing: `${ALERT_PREFIX}SLIMissing`,
} as const;

/** Requests per second each service serves: the SLI's denominator, one series per service. */
export const SERVICE_REQUEST_RATE = 'job:http_server_requests:rate5m';

/** How far back "it served traffic" looks: a service idle for longer than this is not expected to have an SLI. */
export const SLI_EXPECTED_LOOKBACK = '1d';

const services = re(TARGET_LABEL.job, oneOf(SERVICE_NAMES));
const identity = SERVICE_IDENTITY.join(', ');

export const OUTAGE_RECORDING_RULES: readonly RecordingRule[] = [
  {
    record: SERVICE_REQUEST_RATE,
    expr: sumBy(SERVICE_IDENTITY, rate(sel(count(METRIC.httpServerRequestDuration.name), services), '5m')),
    outputLabels: SERVICE_IDENTITY,
  },
];

/** A crash loop brings a target back for seconds at a time: one page for it, not one per restart. */
const KEEP_FIRING_FOR = '10m';

export const OUTAGE_ALERTS: readonly AlertRule[] = [
  {
    alert: OUTAGE_ALERT.serviceDown,
    // `absent` covers the Kubernetes case where the pods are gone and no target is left to report `up == 0`.
    expr: [
      `(max by (${identity}) (${sel(PROMETHEUS_METRIC.up.name, services)}) == 0)`,
      ...SERVICE_NAMES.map((service) => `absent(${sel(PROMETHEUS_METRIC.up.name, eq(TARGET_LABEL.job, service))})`),
    ].join(' or '),
    for: '2m',
    keepFiringFor: KEEP_FIRING_FOR,
    severity: 'critical',
    summary: 'Every target of a service is down.',
    meaning:
      'No instance of the service answers Prometheus, so it serves nobody and its SLO alerts cannot see it: page.',
    description:
      'No target of {{ $labels.job }} has answered a scrape for 2 minutes (all down, or none left to scrape); its SLI has no data.',
  },
  {
    alert: OUTAGE_ALERT.sliMissing,
    expr: `count by (${identity}) (present_over_time(${SERVICE_REQUEST_RATE}[${SLI_EXPECTED_LOOKBACK}])) unless on (${identity}) ${SERVICE_REQUEST_RATE}`,
    for: '5m',
    keepFiringFor: KEEP_FIRING_FOR,
    severity: 'critical',
    summary: 'A service that served requests has no SLI data.',
    meaning:
      'The request series the SLOs divide have vanished for a service that served traffic today, so its burn-rate alerts are blind: page.',
    description: `{{ $labels.job }} served requests in the last ${SLI_EXPECTED_LOOKBACK} but its request series have been missing for 5 minutes: it is down, unreachable or no longer exposes ${METRIC.httpServerRequestDuration.name}.`,
  },
];

export const OUTAGE_GROUPS: readonly RuleGroup[] = [
  { name: 'outage-sli.rules', rules: OUTAGE_RECORDING_RULES },
  { name: 'outage.rules', rules: OUTAGE_ALERTS },
];

/* ---------- promtool cases ---------- */

const target = (service: ServiceName, instance = `127.0.0.1:${LOCAL_PORTS[service].adminPort}`) => ({
  [TARGET_LABEL.job]: service,
  [TARGET_LABEL.instance]: instance,
});
const series = (metric: string, labels: Readonly<Record<string, string>>, values: string): InputSeries => ({
  series: sel(metric, ...Object.entries(labels).map(([name, value]) => eq(name, value))),
  values,
});
const up = (service: ServiceName, values: string, instance?: string) =>
  series(PROMETHEUS_METRIC.up.name, target(service, instance), values);
/** `up` of the services other than `down`, all answering: without them `absent` would fire for them too. */
const othersUp = (down: ServiceName, minutes: number) =>
  SERVICE_NAMES.filter((service) => service !== down).map((service) => up(service, `1x${minutes}`));
const requests = (service: ServiceName, values: string) =>
  series(
    count(METRIC.httpServerRequestDuration.name),
    { ...target(service), http_request_method: 'GET', http_route: '/users/:id', http_response_status_code: '200' },
    values,
  );

const silent = (alert: string) => ({ alert, firing: [] });
const down = (alert: string, service: ServiceName, valueText: string) => ({
  alert,
  firing: [{ severity: 'critical' as const, labels: { [TARGET_LABEL.job]: service }, valueText }],
});

export const OUTAGE_TESTS: readonly AlertTestCase[] = [
  {
    name: 'payment-service with its only target down for 5 minutes pages ServiceDown',
    interval: '1m',
    inputSeries: [up('payment-service', '1x5 0x10'), ...othersUp('payment-service', 15)],
    evalTime: '10m',
    expectations: [down(OUTAGE_ALERT.serviceDown, 'payment-service', '0')],
  },
  {
    name: 'order-service with no target left at all (pods gone) pages ServiceDown',
    interval: '1m',
    inputSeries: [up('order-service', '1x5 _x10'), ...othersUp('order-service', 15)],
    evalTime: '15m',
    expectations: [down(OUTAGE_ALERT.serviceDown, 'order-service', '1')],
  },
  {
    name: 'one of two payment-service targets down keeps ServiceDown silent (TargetDown covers it)',
    interval: '1m',
    inputSeries: [
      up('payment-service', '0x15'),
      up('payment-service', '1x15', '10.0.0.7:9464'),
      ...othersUp('payment-service', 15),
    ],
    evalTime: '10m',
    expectations: [silent(OUTAGE_ALERT.serviceDown)],
  },
  {
    name: 'a down target that answered for 1 minute (crash loop) keeps ServiceDown firing',
    interval: '1m',
    inputSeries: [up('payment-service', '0x5 1 0x5'), ...othersUp('payment-service', 11)],
    evalTime: '6m',
    expectations: [down(OUTAGE_ALERT.serviceDown, 'payment-service', '0')],
  },
  {
    name: 'a target down for 1 minute (a restart) keeps ServiceDown silent',
    interval: '1m',
    inputSeries: [up('payment-service', '1x5 0 1x5'), ...othersUp('payment-service', 11)],
    evalTime: '7m',
    expectations: [silent(OUTAGE_ALERT.serviceDown)],
  },
  {
    name: 'user-service whose request series vanish after 30 minutes of traffic pages SLIMissing',
    interval: '1m',
    inputSeries: [requests('user-service', '0+60x30 _x20')],
    evalTime: '45m',
    expectations: [down(OUTAGE_ALERT.sliMissing, 'user-service', '1')],
  },
  {
    name: 'user-service still exposing its request series while idle keeps SLIMissing silent',
    interval: '1m',
    inputSeries: [requests('user-service', '0+60x30 1800x20')],
    evalTime: '45m',
    expectations: [silent(OUTAGE_ALERT.sliMissing)],
  },
  {
    name: 'a service that never served a request keeps SLIMissing silent',
    interval: '1m',
    inputSeries: [up('user-service', '1x50')],
    evalTime: '45m',
    expectations: [silent(OUTAGE_ALERT.sliMissing)],
  },
];
