/**
 * @module Telemetry of order reconciliation (docs/consistency.md): the pending-order gauges, resolutions by outcome,
 * and the spans of a pass. Built from the service's metrics registry, like the business telemetry; the no-op
 * {@link NO_RECONCILIATION_TELEMETRY} records nothing (unit tests that do not look at telemetry).
 */
import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { ATTR, LABEL, RECONCILE_OUTCOMES, type ReconcileOutcome, type SPANS } from './contract.ts';
import type { ServiceMetrics } from './metrics.ts';
import { kitTracer } from './scope.ts';

type ReconciliationSpanName = (typeof SPANS)['reconcilePass' | 'reconcileOrder']['name'];

export interface ReconciliationTelemetry {
  /** Counts a pending order the reconciler handled, by outcome. */
  orderReconciled(outcome: ReconcileOutcome): void;
  /** Publishes the pending orders right now: how many, and the age of the oldest (0 when none). */
  pendingOrders(count: number, oldestAgeSeconds: number): void;
  /**
   * Runs `work` in a new INTERNAL span, active for everything `work` does (its client and database spans become
   * children); `root` starts a new trace, for work no request caused. A rejection marks the span as an error.
   */
  inSpan<T>(
    name: ReconciliationSpanName,
    attributes: Attributes,
    work: () => Promise<T>,
    options?: { readonly root?: boolean },
  ): Promise<T>;
  /** Sets attributes on the active span (ids and outcomes only, never PII). */
  annotate(attributes: Attributes): void;
  /** Runs `work` without creating spans, its database queries included: polling that found nothing to do. */
  untraced<T>(work: () => Promise<T>): Promise<T>;
}

const spans = (tracer: () => Tracer): Pick<ReconciliationTelemetry, 'inSpan' | 'annotate' | 'untraced'> => ({
  inSpan(name, attributes, work, options = {}) {
    const parent = options.root ? ROOT_CONTEXT : context.active();
    return tracer().startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent, async (span) => {
      try {
        return await work();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : 'unknown');
        throw error;
      } finally {
        span.end();
      }
    });
  },
  annotate(attributes) {
    trace.getActiveSpan()?.setAttributes(attributes);
  },
  untraced(work) {
    return context.with(suppressTracing(context.active()), work);
  },
});

/**
 * @example
 * const telemetry = setupTelemetry({ serviceName, serviceVersion });
 * const reconciliation = reconciliationTelemetry({ metrics: telemetry.metrics });
 */
export const reconciliationTelemetry = ({
  metrics,
  tracer = kitTracer,
}: {
  readonly metrics: Pick<ServiceMetrics, 'ordersPending' | 'ordersPendingOldestAge' | 'orderReconciliations'>;
  /** @default the kit's tracer */
  readonly tracer?: () => Tracer;
}): ReconciliationTelemetry => {
  // Every outcome starts at 0, so `increase()` sees the first resolution instead of a new series.
  for (const outcome of RECONCILE_OUTCOMES) metrics.orderReconciliations.inc({ [LABEL.outcome]: outcome }, 0);
  metrics.ordersPending.set(0);
  metrics.ordersPendingOldestAge.set(0);
  return {
    ...spans(tracer),
    orderReconciled(outcome) {
      metrics.orderReconciliations.inc({ [LABEL.outcome]: outcome });
    },
    pendingOrders(count, oldestAgeSeconds) {
      metrics.ordersPending.set(count);
      metrics.ordersPendingOldestAge.set(oldestAgeSeconds);
    },
  };
};

export const NO_RECONCILIATION_TELEMETRY: ReconciliationTelemetry = {
  ...spans(kitTracer),
  orderReconciled: () => {},
  pendingOrders: () => {},
};
