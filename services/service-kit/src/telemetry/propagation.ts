/**
 * @module Context propagation, the only place that reads or writes propagation headers: W3C trace context and
 * baggage (the standard), B3 accepted and re-emitted so Istio/Envoy (Zipkin-style tracing) join the same trace, and
 * `x-request-id` carried from request to outgoing calls. Inbound, {@link extractInbound} runs once per request (the
 * kit's request context); outbound, {@link injectOutgoing} runs once per attempt (the client's header builder). It
 * works without the tracing SDK: with telemetry off, the caller's trace context and request id still pass through.
 */
import {
  type Baggage,
  type Context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';

const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_KEY = createContextKey('mesh-stack x-request-id');
/** Envoy generates UUIDs; anything longer than this is not a request id we forward. */
const MAX_REQUEST_ID_LENGTH = 200;

/**
 * Carries Envoy's `x-request-id` through the context so every outgoing call repeats it: Envoy uses it to join
 * access logs and to make its own trace sampling decision consistent across hops.
 * (No library exists for this one header; the propagator API is the place the SDK expects it.)
 */
export class RequestIdPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const requestId = context.getValue(REQUEST_ID_KEY);
    if (typeof requestId === 'string') setter.set(carrier, REQUEST_ID_HEADER, requestId);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, REQUEST_ID_HEADER);
    const requestId = Array.isArray(raw) ? raw[0] : raw;
    if (!requestId || requestId.length > MAX_REQUEST_ID_LENGTH) return context;
    return context.setValue(REQUEST_ID_KEY, requestId);
  }

  fields(): string[] {
    return [REQUEST_ID_HEADER];
  }
}

/** The request id carried by `context`, if the incoming request had one. */
export const requestIdFrom = (context: Context): string | undefined => {
  const value = context.getValue(REQUEST_ID_KEY);
  return typeof value === 'string' ? value : undefined;
};

/**
 * The stack's propagator. Extraction runs in order and later propagators win, so B3 comes first and W3C
 * `traceparent` takes precedence when a request carries both. Injection writes W3C headers plus B3 multi-header
 * (`x-b3-*`, what Envoy's Zipkin tracer reads) for the current span, and repeats `x-request-id`.
 */
export const createPropagator = (): TextMapPropagator =>
  new CompositePropagator({
    propagators: [
      new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
      new W3CTraceContextPropagator(),
      new W3CBaggagePropagator(),
      new RequestIdPropagator(),
    ],
  });

const stackPropagator = createPropagator();

/**
 * Which inbound baggage entries a service keeps. Inside the mesh callers are our own services; at a public entry
 * point baggage comes from anyone, so only allow-listed keys may pass (issue 10: baggage is forwarded to every hop
 * and can end up in spans and logs).
 */
export type BaggagePolicy = 'propagate' | { readonly allow: ReadonlySet<string> };

/** The baggage entries `policy` keeps; undefined when none is left. */
export const filterBaggage = (baggage: Baggage | undefined, policy: BaggagePolicy): Baggage | undefined => {
  if (baggage === undefined || policy === 'propagate') return baggage;
  const kept = baggage.getAllEntries().filter(([key]) => policy.allow.has(key));
  return kept.length === 0 ? undefined : propagation.createBaggage(Object.fromEntries(kept));
};

/**
 * The caller's propagation context (trace parent, baggage, `x-request-id`) from an inbound request's headers,
 * baggage filtered by `policy`: the hook where inbound baggage is allow-listed.
 */
export const extractInbound = <Carrier>(
  carrier: Carrier,
  getter: TextMapGetter<Carrier>,
  policy: BaggagePolicy = 'propagate',
): Context => {
  const extracted = stackPropagator.extract(ROOT_CONTEXT, carrier, getter);
  if (policy === 'propagate') return extracted;
  const baggage = filterBaggage(propagation.getBaggage(extracted), policy);
  return baggage === undefined ? propagation.deleteBaggage(extracted) : propagation.setBaggage(extracted, baggage);
};

const headersSetter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Writes `context`'s propagation headers (traceparent, tracestate, baggage, B3, x-request-id) onto `headers`. */
export const injectOutgoing = (context: Context, headers: Headers): void => {
  stackPropagator.inject(context, headers, headersSetter);
};
