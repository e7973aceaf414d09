/**
 * @module Stack overview: the golden signals of every service, the order flow's business outcomes and how
 * much error budget each SLO has left. The first dashboard to open.
 */
import {
  count,
  oneOf,
  PROMETHEUS_METRIC,
  quantile,
  rate,
  re,
  sel,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { ALERT_LABEL, SLO_RECORD, STUCK_PENDING_AGE_SECONDS, THRESHOLD } from '@mesh-stack/observability/rules';
import { LABEL, METRIC, RUNTIME_METRIC } from '@mesh-stack/service-kit/contract';
import { SERVICE_NAMES } from '@mesh-stack/stack';
import { environmentVariables, errorRatio, JOB_MATCHER, latency, requestRate } from '../lib/queries.ts';
import { type DashboardSpec, higherIsBetter, lowerIsBetter, queryVariable } from '../lib/spec.ts';
import { BUDGET_LEFT_THRESHOLDS } from './slo.ts';

const byJob = [TARGET_LABEL.job];
const jobLegend = `{{${TARGET_LABEL.job}}}`;

export const overviewDashboard: DashboardSpec = {
  uid: 'mesh-stack-overview',
  title: 'Mesh stack / Overview',
  description: 'Golden signals of every service, order and payment outcomes, and the error budget left per SLO.',
  tags: ['overview'],
  variables: [
    ...environmentVariables(),
    queryVariable('job', {
      label: 'Service',
      query: `label_values(${count(METRIC.httpServerRequestDuration.name)}, ${TARGET_LABEL.job})`,
      multi: true,
      // "All" means the stack's services, not every scrape job (collector, Prometheus, …).
      allValue: oneOf(SERVICE_NAMES),
    }),
  ],
  rows: [
    {
      title: 'Golden signals per service',
      panels: [
        {
          kind: 'timeseries',
          title: 'Request rate',
          description: 'Requests per second served by each service (all routes, all status codes).',
          unit: 'reqps',
          queries: [{ expr: requestRate([JOB_MATCHER], byJob), legend: jobLegend }],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Error ratio (5xx)',
          description: 'Share of requests answered with a 5xx. 4xx are client errors and do not count.',
          unit: 'percentunit',
          queries: [{ expr: errorRatio([JOB_MATCHER], byJob), legend: jobLegend }],
          width: 8,
          min: 0,
        },
        {
          kind: 'timeseries',
          title: 'Latency p95',
          description: '95th percentile of request duration per service, from the server histogram.',
          unit: 's',
          queries: [{ expr: latency(0.95, [JOB_MATCHER], byJob), legend: jobLegend, exemplar: true }],
          width: 8,
        },
      ],
    },
    {
      title: 'Orders and payments',
      panels: [
        {
          kind: 'timeseries',
          title: 'Orders by outcome',
          description:
            'Orders placed per second by outcome: paid, payment_failed (declined), payment_unavailable (dependency down), rejected (invalid).',
          unit: 'ops',
          queries: [
            {
              expr: sumBy([LABEL.outcome], rate(sel(METRIC.ordersTotal.name, JOB_MATCHER))),
              legend: `{{${LABEL.outcome}}}`,
            },
          ],
          width: 8,
          stacked: true,
        },
        {
          kind: 'timeseries',
          title: 'Payments by outcome',
          description: 'Payments processed per second by outcome (idempotent replays excluded).',
          unit: 'ops',
          queries: [
            {
              expr: sumBy([LABEL.outcome], rate(sel(METRIC.paymentsTotal.name, JOB_MATCHER))),
              legend: `{{${LABEL.outcome}}}`,
            },
          ],
          width: 8,
          stacked: true,
        },
        {
          kind: 'timeseries',
          title: 'Paid order value (median and p95)',
          description: 'Value of paid orders in minor currency units (cents), per currency.',
          unit: 'short',
          queries: [
            {
              expr: quantile(0.5, METRIC.orderValue.name, [JOB_MATCHER], [LABEL.currency]),
              legend: `p50 {{${LABEL.currency}}}`,
            },
            {
              expr: quantile(0.95, METRIC.orderValue.name, [JOB_MATCHER], [LABEL.currency]),
              legend: `p95 {{${LABEL.currency}}}`,
            },
          ],
          width: 8,
        },
      ],
    },
    {
      title: 'Order reconciliation',
      panels: [
        {
          kind: 'timeseries',
          title: 'Pending orders and the oldest one',
          description: `Orders whose payment outcome is not recorded yet, and the age of the oldest (read from the orders database by each order-service replica). The reconciler resolves them within seconds; the dashed line at ${STUCK_PENDING_AGE_SECONDS / 60} minutes is where MeshStackOrdersStuckPending pages.`,
          unit: 's',
          queries: [
            {
              expr: `max(${sel(METRIC.ordersPendingOldestAge.name, JOB_MATCHER)})`,
              legend: 'oldest pending age',
            },
          ],
          width: 8,
          min: 0,
          thresholds: lowerIsBetter(STUCK_PENDING_AGE_SECONDS / 3, STUCK_PENDING_AGE_SECONDS),
        },
        {
          kind: 'stat',
          title: 'Orders pending now',
          description:
            'Orders pending right now (every replica reads the same database, so the highest reading is the count). A few during a payment-service outage; growing without one means reconciliation is stuck.',
          unit: 'short',
          queries: [{ expr: `max(${sel(METRIC.ordersPending.name, JOB_MATCHER)})`, legend: 'pending' }],
          width: 4,
          thresholds: lowerIsBetter(10, 100),
        },
        {
          kind: 'timeseries',
          title: 'Reconciliations by outcome',
          description:
            'Pending orders the reconciler handled per second: completed as paid or payment_failed from the payment it found, recharged with the same key, or deferred because payment-service could not answer.',
          unit: 'ops',
          queries: [
            {
              expr: sumBy([LABEL.outcome], rate(sel(METRIC.orderReconciliations.name, JOB_MATCHER))),
              legend: `{{${LABEL.outcome}}}`,
            },
          ],
          width: 12,
          stacked: true,
        },
      ],
    },
    {
      title: 'Error budget and health',
      panels: [
        {
          kind: 'stat',
          title: 'Error budget left (30 days)',
          description:
            "Share of each SLO's 30-day error budget not yet spent (1 = untouched, below 0 = objective missed). Details on the SLO dashboard.",
          unit: 'percentunit',
          queries: [
            {
              expr: sel(SLO_RECORD.errorBudgetRemaining, JOB_MATCHER),
              legend: `{{${ALERT_LABEL.slo}}}`,
            },
          ],
          width: 16,
          thresholds: BUDGET_LEFT_THRESHOLDS,
        },
        {
          kind: 'stat',
          title: 'Service targets up',
          description:
            'Scrape targets answering per service (Prometheus `up`). A missing or 0 value means a service is down.',
          unit: 'short',
          queries: [{ expr: sumBy(byJob, sel(PROMETHEUS_METRIC.up.name, JOB_MATCHER)), legend: jobLegend }],
          width: 4,
          thresholds: higherIsBetter(1, 1),
        },
        {
          kind: 'stat',
          title: 'Event-loop lag p99 (worst)',
          description:
            'The highest p99 event-loop lag across the selected services: every request waits at least this long.',
          unit: 's',
          queries: [
            {
              expr: `max(${sel(RUNTIME_METRIC.eventLoopLagP99, JOB_MATCHER, re(TARGET_LABEL.instance, '.+'))})`,
              legend: 'lag',
            },
          ],
          width: 4,
          thresholds: lowerIsBetter(THRESHOLD.eventLoopLagSeconds / 2, THRESHOLD.eventLoopLagSeconds),
        },
      ],
    },
  ],
};
