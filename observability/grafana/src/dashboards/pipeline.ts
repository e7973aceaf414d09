/**
 * @module Is the telemetry itself healthy? Span export from the services' SDKs, the collector's receivers,
 * exporters and queues, span metrics, and Prometheus's own scrapes and rule evaluations.
 */
import {
  ALERTMANAGER_METRIC,
  ALERTS_LABEL,
  aggregateBy,
  COLLECTOR_LABEL,
  COLLECTOR_METRIC,
  eq,
  ne,
  oneOf,
  orZeroPerGroup,
  PROMETHEUS_LABEL,
  PROMETHEUS_METRIC,
  rate,
  re,
  SPANMETRICS_LABEL,
  SPANMETRICS_METRIC,
  sel,
  sumBy,
  TARGET_LABEL,
} from '@mesh-stack/observability/promql';
import { META_THRESHOLD } from '@mesh-stack/observability/rules';
import { SCRAPE_JOB } from '@mesh-stack/observability/scrape';
import { LABEL, METRIC } from '@mesh-stack/service-kit/contract';
import { SERVICE_NAMES } from '@mesh-stack/stack';
import { type DashboardSpec, lowerIsBetter } from '../lib/spec.ts';

/** Alertmanager's label naming the failing integration (webhook, pagerduty, slack…). */
const ALERTMANAGER_INTEGRATION = 'integration';

const byJob = [TARGET_LABEL.job];
const jobLegend = `{{${TARGET_LABEL.job}}}`;
const services = re(TARGET_LABEL.job, oneOf(SERVICE_NAMES));
const collector = eq(TARGET_LABEL.job, SCRAPE_JOB.collector);
const byExporter = [COLLECTOR_LABEL.exporter];
const exporterLegend = `{{${COLLECTOR_LABEL.exporter}}}`;
const failed = ne(LABEL.errorType, '');
/** `failures or healthy * 0`: 0 instead of no data while a failure counter has never been incremented. */
const orZero = (failures: string, healthy: string): string => `${failures} or ${healthy} * 0`;

export const pipelineDashboard: DashboardSpec = {
  uid: 'mesh-stack-telemetry-pipeline',
  title: 'Mesh stack / Telemetry pipeline',
  description:
    'Health of the telemetry itself: span export from the services, the OpenTelemetry Collector, span metrics and Prometheus scrapes.',
  tags: ['telemetry'],
  variables: [],
  rows: [
    {
      title: 'Span export from the services (OpenTelemetry SDK)',
      panels: [
        {
          kind: 'timeseries',
          title: 'Spans processed',
          description: "Spans ended per second that reached each service's batch span processor.",
          unit: 'ops',
          queries: [{ expr: sumBy(byJob, rate(sel(METRIC.spansProcessed.name, services))), legend: jobLegend }],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Spans dropped or failed to export',
          description:
            'Spans lost per second in each service: dropped on a full batch queue, or in an export the collector did not accept. 0 while none are lost.',
          unit: 'ops',
          queries: [
            {
              expr: orZeroPerGroup(
                sumBy([...byJob, LABEL.errorType], rate(sel(METRIC.spansProcessed.name, services, failed))),
                sumBy(byJob, rate(sel(METRIC.spansProcessed.name, services))),
                byJob,
              ),
              legend: `dropped ${jobLegend} {{${LABEL.errorType}}}`,
            },
            {
              expr: orZeroPerGroup(
                sumBy([...byJob, LABEL.errorType], rate(sel(METRIC.spansExported.name, services, failed))),
                sumBy(byJob, rate(sel(METRIC.spansExported.name, services))),
                byJob,
              ),
              legend: `export failed ${jobLegend} {{${LABEL.errorType}}}`,
            },
          ],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Batch queue size',
          description:
            "Spans waiting in each service's batch span processor queue; a queue stuck near its limit drops spans.",
          unit: 'short',
          queries: [
            { expr: `max by (${TARGET_LABEL.job}) (${sel(METRIC.spanQueueSize.name, services)})`, legend: jobLegend },
          ],
          width: 8,
        },
      ],
    },
    {
      title: 'OpenTelemetry Collector',
      panels: [
        {
          kind: 'timeseries',
          title: 'Spans accepted and refused by receivers',
          description:
            "Spans per second the collector's receivers accepted or refused (refused: memory_limiter back-pressure).",
          unit: 'ops',
          queries: [
            {
              expr: sumBy(
                [COLLECTOR_LABEL.receiver],
                rate(sel(COLLECTOR_METRIC.receiverAcceptedSpans.name, collector)),
              ),
              legend: `accepted {{${COLLECTOR_LABEL.receiver}}}`,
            },
            {
              expr: orZero(
                sumBy([COLLECTOR_LABEL.receiver], rate(sel(COLLECTOR_METRIC.receiverRefusedSpans.name, collector))),
                sumBy([COLLECTOR_LABEL.receiver], rate(sel(COLLECTOR_METRIC.receiverAcceptedSpans.name, collector))),
              ),
              legend: `refused {{${COLLECTOR_LABEL.receiver}}}`,
            },
          ],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Spans sent and dropped by exporters',
          description:
            'Spans per second each exporter delivered, failed to deliver after retries, or could not enqueue (queue full).',
          unit: 'ops',
          queries: [
            {
              expr: sumBy(byExporter, rate(sel(COLLECTOR_METRIC.exporterSentSpans.name, collector))),
              legend: `sent ${exporterLegend}`,
            },
            {
              expr: orZero(
                sumBy(byExporter, rate(sel(COLLECTOR_METRIC.exporterSendFailedSpans.name, collector))),
                sumBy(byExporter, rate(sel(COLLECTOR_METRIC.exporterSentSpans.name, collector))),
              ),
              legend: `send failed ${exporterLegend}`,
            },
            {
              expr: orZero(
                sumBy(byExporter, rate(sel(COLLECTOR_METRIC.exporterEnqueueFailedSpans.name, collector))),
                sumBy(byExporter, rate(sel(COLLECTOR_METRIC.exporterSentSpans.name, collector))),
              ),
              legend: `enqueue failed ${exporterLegend}`,
            },
          ],
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Exporter queue fill',
          description: `Share of each exporter's sending queue in use (size / capacity). Past ${META_THRESHOLD.collectorQueueRatio * 100}% MeshStackCollectorQueueFilling fires; at 100% the collector drops spans.`,
          unit: 'percentunit',
          queries: [
            {
              expr: `${aggregateBy('max', byExporter, sel(COLLECTOR_METRIC.exporterQueueSize.name, collector))} / ${aggregateBy('min', byExporter, sel(COLLECTOR_METRIC.exporterQueueCapacity.name, collector))}`,
              legend: exporterLegend,
            },
          ],
          width: 8,
          min: 0,
          max: 1,
          thresholds: lowerIsBetter(META_THRESHOLD.collectorQueueRatio / 2, META_THRESHOLD.collectorQueueRatio),
        },
        {
          kind: 'timeseries',
          title: 'Span metrics by service',
          description:
            "Calls per second derived from spans by the collector's spanmetrics connector, by service: proof that traces flow through the pipeline.",
          unit: 'ops',
          queries: [
            {
              expr: sumBy(
                [SPANMETRICS_LABEL.serviceName],
                rate(sel(SPANMETRICS_METRIC.calls.name, eq(TARGET_LABEL.job, SCRAPE_JOB.collectorSpanMetrics))),
              ),
              legend: `{{${SPANMETRICS_LABEL.serviceName}}}`,
            },
          ],
          width: 24,
        },
      ],
    },
    {
      title: 'Prometheus',
      panels: [
        {
          kind: 'timeseries',
          title: 'Targets up',
          description: 'Scrape targets answering per job (1 per healthy target).',
          unit: 'short',
          queries: [
            { expr: sumBy(byJob, sel(PROMETHEUS_METRIC.up.name, re(TARGET_LABEL.job, '.+'))), legend: jobLegend },
          ],
          width: 6,
        },
        {
          kind: 'timeseries',
          title: 'Scrape duration',
          description: 'Slowest scrape per job; near the scrape timeout means the target is overloaded or too large.',
          unit: 's',
          queries: [
            {
              expr: `max by (${TARGET_LABEL.job}) (${sel(PROMETHEUS_METRIC.scrapeDuration.name, re(TARGET_LABEL.job, '.+'))})`,
              legend: jobLegend,
            },
          ],
          width: 6,
        },
        {
          kind: 'timeseries',
          title: 'Samples per scrape',
          description: 'Samples each job exposes per scrape: a jump means new series (watch label cardinality).',
          unit: 'short',
          queries: [
            {
              expr: sumBy(byJob, sel(PROMETHEUS_METRIC.scrapeSamples.name, re(TARGET_LABEL.job, '.+'))),
              legend: jobLegend,
            },
          ],
          width: 6,
        },
        {
          kind: 'timeseries',
          title: 'Rule evaluation failures',
          description:
            'Failed rule evaluations per second per rule group; any value above 0 means a recording or alert rule is broken.',
          unit: 'ops',
          queries: [
            {
              expr: sumBy(
                [PROMETHEUS_LABEL.ruleGroup],
                rate(sel(PROMETHEUS_METRIC.ruleEvaluationFailures.name, eq(TARGET_LABEL.job, SCRAPE_JOB.prometheus))),
              ),
              legend: `{{${PROMETHEUS_LABEL.ruleGroup}}}`,
            },
          ],
          width: 6,
        },
      ],
    },
    {
      title: 'Alerting pipeline',
      panels: [
        {
          kind: 'timeseries',
          title: 'Alert notifications dropped or failed',
          description:
            'Notifications Prometheus dropped instead of sending to Alertmanager, and notifications Alertmanager failed to deliver, per integration, per second. Above 0, alerts reach nobody (MeshStackAlertsDropped, MeshStackNotificationsFailing).',
          unit: 'ops',
          queries: [
            {
              expr: sumBy(
                [TARGET_LABEL.instance],
                rate(sel(PROMETHEUS_METRIC.notificationsDropped.name, eq(TARGET_LABEL.job, SCRAPE_JOB.prometheus))),
              ),
              legend: `dropped by Prometheus {{${TARGET_LABEL.instance}}}`,
            },
            {
              expr: sumBy(
                [ALERTMANAGER_INTEGRATION],
                rate(sel(ALERTMANAGER_METRIC.notificationsFailed.name, eq(TARGET_LABEL.job, SCRAPE_JOB.alertmanager))),
              ),
              legend: `failed by Alertmanager {{${ALERTMANAGER_INTEGRATION}}}`,
            },
          ],
          width: 12,
          min: 0,
        },
        {
          kind: 'timeseries',
          title: 'Alerts firing by severity',
          description:
            'Alerts firing now, by severity. The Watchdog is the one info alert and always fires: no info series means the rules are not being evaluated.',
          unit: 'short',
          queries: [
            {
              expr: `count by (${ALERTS_LABEL.severity}) (${sel(PROMETHEUS_METRIC.alerts.name, eq(ALERTS_LABEL.alertstate, 'firing'))})`,
              legend: `{{${ALERTS_LABEL.severity}}}`,
            },
          ],
          width: 12,
          min: 0,
        },
      ],
    },
  ],
};
