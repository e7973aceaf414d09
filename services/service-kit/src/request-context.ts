/**
 * @module Per-request context carried across `await`s: the inbound headers that outgoing calls must forward
 * (`x-request-id` and B3, so Istio/Envoy join their spans to ours). W3C `traceparent` is not copied here: the
 * telemetry's propagator injects it from the active span, per attempt.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import { FORWARDED_TRACE_HEADERS } from './telemetry/contract.ts';

interface RequestContext {
  readonly forwardedHeaders: ReadonlyMap<string, string>;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Captures the headers to forward for the rest of the request. */
export const forwardedHeadersContext = (): MiddlewareHandler =>
  async function forwardedHeadersContext(c, next) {
    const forwardedHeaders = new Map<string, string>();
    for (const name of FORWARDED_TRACE_HEADERS) {
      const value = c.req.header(name);
      if (value !== undefined) {
        forwardedHeaders.set(name, value);
      }
    }
    await storage.run({ forwardedHeaders }, next);
  };

/** Inbound headers to copy onto an outgoing call made while handling the current request (empty outside one). */
export const headersToForward = (): ReadonlyMap<string, string> => storage.getStore()?.forwardedHeaders ?? new Map();
