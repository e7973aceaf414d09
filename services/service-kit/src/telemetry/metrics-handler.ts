/**
 * @module `GET /metrics` for the admin port: OpenMetrics (with exemplars) when the scraper asks for it, which
 * Prometheus does by default, and the classic text format (0.0.4) otherwise.
 */
import type { Handler } from 'hono';
import { type Metric, type OpenMetricsContentType, Registry } from 'prom-client';

const OPENMETRICS_MEDIA_TYPE = 'application/openmetrics-text';
const COUNTER_SUFFIX = '_total';

/**
 * Renders the OpenMetrics registry in the classic text format. prom-client ties a registry to one format and
 * strips `_total` from counter names while rendering OpenMetrics, so each counter is rendered through a view
 * that carries its full name; the metric objects themselves are shared and never modified.
 */
const renderClassicText = async (registry: Registry<OpenMetricsContentType>): Promise<string> => {
  const classic = new Registry();
  const parts: string[] = [];
  for (const metric of registry.getMetricsAsArray() as unknown as Metric[]) {
    const internal = metric as unknown as { name: string; type: string };
    const view =
      internal.type === 'counter' && !internal.name.endsWith(COUNTER_SUFFIX)
        ? Object.create(metric, { name: { value: `${internal.name}${COUNTER_SUFFIX}` } })
        : metric;
    parts.push(
      await (classic as unknown as { getMetricsAsString(m: Metric): Promise<string> }).getMetricsAsString(view),
    );
  }
  return `${parts.join('\n\n')}\n`;
};

/**
 * @example
 * adminApp.get(METRICS_PATH, metricsHandler(metrics.registry))
 */
export const metricsHandler = (registry: Registry<OpenMetricsContentType>): Handler =>
  async function metricsHandler(c) {
    const wantsOpenMetrics = c.req.header('accept')?.includes(OPENMETRICS_MEDIA_TYPE) ?? false;
    if (wantsOpenMetrics) {
      return c.body(await registry.metrics(), 200, { 'content-type': Registry.OPENMETRICS_CONTENT_TYPE });
    }
    return c.body(await renderClassicText(registry), 200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE });
  };
