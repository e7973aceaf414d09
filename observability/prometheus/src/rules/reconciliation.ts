/**
 * @module Order reconciliation (docs/consistency.md): order-service resolves every order left `pending` (payment
 * outcome unknown) within seconds, by asking payment-service. MeshStackOrdersStuckPending fires when that
 * convergence has stopped: the oldest pending order is far older than the reconciler ever lets one get.
 *
 * Critical, because an order stuck pending may already be charged: the customer paid and is told nothing, every
 * new order can join it, and the mechanism meant to fix it without a human has stopped. It is inhibited while
 * payment-service is down (MeshStackServiceDown already pages for that cause, and the reconciler defers on it).
 */
import { aggregateBy, eq, SERVICE_IDENTITY, sel, TARGET_LABEL } from '@mesh-stack/observability/promql';
import { METRIC } from '@mesh-stack/service-kit/contract';
import { LOCAL_PORTS } from '@mesh-stack/stack';
import { ALERT_PREFIX, type AlertRule, type AlertTestCase, type InputSeries, type RuleGroup } from './model.ts';
import { humanizeDuration } from './traffic.ts';

export const RECONCILIATION_ALERT = { ordersStuckPending: `${ALERT_PREFIX}OrdersStuckPending` } as const;

/**
 * The reconciler picks an order up once it is 10 s old and passes every 5 s (order-service's RECONCILE_AFTER_MS and
 * RECONCILE_INTERVAL_MS defaults), so a healthy stack never has an order much older than 15 s. 15 minutes leaves
 * room for a payment-service restart or a slow pass without paging, and is still minutes, not hours, of limbo.
 */
export const STUCK_PENDING_AGE_SECONDS = 15 * 60;

export const RECONCILIATION_ALERTS: readonly AlertRule[] = [
  {
    alert: RECONCILIATION_ALERT.ordersStuckPending,
    // Every replica reads the same database: the worst reading is the truth, one alert per order-service.
    expr: `${aggregateBy('max', SERVICE_IDENTITY, METRIC.ordersPendingOldestAge.name)} > ${STUCK_PENDING_AGE_SECONDS}`,
    for: '5m',
    severity: 'critical',
    summary: 'Orders have been pending far longer than reconciliation allows.',
    meaning:
      'Automatic reconciliation has stopped converging: customers may have been charged for orders that still say pending, and new ones can join them.',
    description:
      'The oldest pending order of {{ $labels.job }} is {{ $value | humanizeDuration }} old; reconciliation resolves orders within seconds.',
  },
];

export const RECONCILIATION_GROUPS: readonly RuleGroup[] = [
  { name: 'reconciliation.rules', rules: RECONCILIATION_ALERTS },
];

/* ---------- promtool cases ---------- */

const orderService = {
  [TARGET_LABEL.job]: 'order-service',
  [TARGET_LABEL.instance]: `127.0.0.1:${LOCAL_PORTS['order-service'].adminPort}`,
};
const oldestAge = (values: string): InputSeries => ({
  series: sel(
    METRIC.ordersPendingOldestAge.name,
    ...Object.entries(orderService).map(([name, value]) => eq(name, value)),
  ),
  values,
});

/** The gauge as a minute-by-minute sequence: an order that is never resolved ages 60 s a minute. */
const neverResolved = (minutes: number) => `0+60x${minutes}`;
/** Orders resolved 10–15 s after they are placed: the age stays within one pass. */
const healthy = (minutes: number) => `12 3 15 0 9 12x${minutes - 5}`;

const evalMinute = 25;
export const RECONCILIATION_TESTS: readonly AlertTestCase[] = [
  {
    name: 'an order left pending for 25 minutes fires OrdersStuckPending',
    interval: '1m',
    inputSeries: [oldestAge(neverResolved(30))],
    evalTime: `${evalMinute}m`,
    expectations: [
      {
        alert: RECONCILIATION_ALERT.ordersStuckPending,
        firing: [
          {
            severity: 'critical',
            labels: { [TARGET_LABEL.job]: 'order-service' },
            valueText: humanizeDuration(evalMinute * 60),
          },
        ],
      },
    ],
  },
  {
    name: 'orders resolved within seconds keep OrdersStuckPending silent',
    interval: '1m',
    inputSeries: [oldestAge(healthy(30))],
    evalTime: `${evalMinute}m`,
    expectations: [{ alert: RECONCILIATION_ALERT.ordersStuckPending, firing: [] }],
  },
  {
    name: 'an order resolved after 18 minutes, before the 5 minutes of `for`, keeps OrdersStuckPending silent',
    interval: '1m',
    inputSeries: [oldestAge(`${neverResolved(18)} 0x11`)],
    evalTime: `${evalMinute}m`,
    expectations: [{ alert: RECONCILIATION_ALERT.ordersStuckPending, firing: [] }],
  },
];
