/**
 * @module Business telemetry for the order and payment flows: outcome counters, the order value histogram, the
 * fault-injection settings gauge, and span events marking business steps on the active span.
 */
import { type Attributes, TraceFlags, trace } from '@opentelemetry/api';
import {
  EXEMPLAR_TRACE_ID_LABEL,
  type FaultKind,
  KNOWN_CURRENCIES,
  LABEL,
  LABEL_VALUE,
  type OrderOutcome,
  type PaymentOutcome,
  type SPAN_EVENT,
} from './contract.ts';
import type { ServiceMetrics } from './metrics.ts';

type SpanEventName = (typeof SPAN_EVENT)[keyof typeof SPAN_EVENT];

const CURRENCY_SET: ReadonlySet<string> = new Set(KNOWN_CURRENCIES);

/** The active trace id when sampled, as exemplar labels. */
const exemplar = (): Record<string, string> => {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED
    ? { [EXEMPLAR_TRACE_ID_LABEL]: spanContext.traceId }
    : {};
};

export interface BusinessTelemetry {
  /** Counts an order by outcome; paid orders also record their value. */
  orderPlaced(outcome: OrderOutcome, value?: { readonly amountMinor: number; readonly currency: string }): void;
  /** Counts a processed payment by outcome (idempotent replays are not counted). */
  paymentProcessed(outcome: PaymentOutcome): void;
  /** Publishes the current fault-injection settings (rates 0..1, latency in seconds). */
  faultSettings(settings: Readonly<Record<FaultKind, number>>): void;
  /** Adds a business-step event to the active span. Attribute values must never be PII. */
  step(event: SpanEventName, attributes?: Attributes): void;
  /** Sets attributes (ids, totals, outcomes: never PII) on the active span, the request's server span. */
  annotate(attributes: Attributes): void;
}

/**
 * @example
 * const business = businessTelemetry({ metrics })
 * business.step(SPAN_EVENT.orderStored, { [ATTR.orderId]: order.id })
 * business.orderPlaced('paid', { amountMinor: order.totalAmountMinor, currency: order.currency })
 */
export const businessTelemetry = ({
  metrics,
}: {
  readonly metrics: Pick<ServiceMetrics, 'ordersTotal' | 'orderValue' | 'paymentsTotal' | 'faultInjection'>;
}): BusinessTelemetry => ({
  orderPlaced(outcome, value) {
    try {
      metrics.ordersTotal.inc({ [LABEL.outcome]: outcome });
      if (value === undefined) return;
      const currency = CURRENCY_SET.has(value.currency) ? value.currency : LABEL_VALUE.other;
      metrics.orderValue.observe({
        labels: { [LABEL.currency]: currency },
        value: value.amountMinor,
        exemplarLabels: exemplar(),
      });
    } catch {
      // Telemetry never fails a request.
    }
  },
  paymentProcessed(outcome) {
    metrics.paymentsTotal.inc({ [LABEL.outcome]: outcome });
  },
  faultSettings(settings) {
    for (const [fault, value] of Object.entries(settings)) metrics.faultInjection.set({ [LABEL.fault]: fault }, value);
  },
  step(event, attributes) {
    trace.getActiveSpan()?.addEvent(event, attributes);
  },
  annotate(attributes) {
    trace.getActiveSpan()?.setAttributes(attributes);
  },
});
