import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { seriesOf } from '../../../../test/support/exposition.ts';
import { businessTelemetry } from './business.ts';
import { ATTR, LABEL_VALUE, METRIC, SPAN_EVENT } from './contract.ts';
import { createServiceMetrics } from './metrics.ts';
import { startTelemetry } from './sdk.ts';

describe('businessTelemetry', () => {
  const metrics = createServiceMetrics({ serviceVersion: '2.0.0', defaultMetrics: false });
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({ serviceName: 'shop', serviceVersion: '2.0.0', metrics, exporter, env: {} });
  const business = businessTelemetry({ metrics });
  after(() => telemetry.shutdown());

  it('counts orders and payments by outcome and folds unknown currencies into _OTHER', async () => {
    business.orderPlaced('paid', { amountMinor: 2598, currency: 'EUR' });
    business.orderPlaced('paid', { amountMinor: 100, currency: 'XXX' });
    business.orderPlaced('payment_failed');
    business.paymentProcessed('declined');
    const text = await metrics.registry.metrics();
    assert.match(text, /^app_orders_total\{outcome="paid"\} 2$/m);
    assert.match(text, /^app_orders_total\{outcome="payment_failed"\} 1$/m);
    assert.match(text, /^app_payments_total\{outcome="declined"\} 1$/m);
    const currencies = seriesOf(text, `${METRIC.orderValue.name}_count`);
    assert.deepEqual(currencies, [
      `${METRIC.orderValue.name}_count{currency="EUR"}`,
      `${METRIC.orderValue.name}_count{currency="${LABEL_VALUE.other}"}`,
    ]);
    assert.match(text, /^app_build_info\{version="2.0.0"\} 1$/m);
  });

  it('publishes fault settings as a gauge per fault', async () => {
    business.faultSettings({ error_rate: 0.25, added_latency_seconds: 1.5, decline_rate: 0 });
    const text = await metrics.registry.metrics();
    assert.match(text, /^app_fault_injection_setting\{fault="error_rate"\} 0.25$/m);
    assert.match(text, /^app_fault_injection_setting\{fault="added_latency_seconds"\} 1.5$/m);
  });

  it('adds business steps and attributes to the active span', async () => {
    const span = trace.getTracer('test').startSpan('POST /orders');
    context.with(trace.setSpan(context.active(), span), () => {
      business.step(SPAN_EVENT.orderStored, { [ATTR.orderId]: 'o-1' });
      business.annotate({ [ATTR.orderStatus]: 'paid' });
    });
    span.end();
    await telemetry.forceFlush();
    const [finished] = exporter.getFinishedSpans();
    assert.equal(finished?.events[0]?.name, SPAN_EVENT.orderStored);
    assert.equal(finished?.events[0]?.attributes?.[ATTR.orderId], 'o-1');
    assert.equal(finished?.attributes[ATTR.orderStatus], 'paid');
  });
});
