/**
 * @module What the kit keeps per inbound request, across `await`s: the caller's propagation context (trace parent,
 * baggage, `x-request-id`, read once here through the stack's propagator) and the request's deadline (from the
 * caller's `grpc-timeout`, tightened by {@link requestDeadlineMiddleware}, cancelled when the caller disconnects).
 * The client reads both for every outgoing call made while the request is served.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import { type Context as PropagationContext, ROOT_CONTEXT, type TextMapGetter } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { createDeadline, DEADLINE_HEADER, type Deadline, parseTimeoutHeader, tightenDeadline } from './deadline.ts';
import { type BaggagePolicy, extractInbound } from './telemetry/propagation.ts';

interface RequestScope {
  /** The caller's trace context, baggage and request id: the parent of our server span, forwarded when we call on. */
  readonly inbound: PropagationContext;
  readonly deadline: Deadline | undefined;
}

const storage = new AsyncLocalStorage<RequestScope>();

const nodeHeadersGetter: TextMapGetter<IncomingHttpHeaders> = {
  get: (carrier, key) => carrier[key],
  keys: (carrier) => Object.keys(carrier),
};
const fetchHeadersGetter: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

/** The headers Node already parsed when served by @hono/node-server; `app.request()` in tests has only fetch headers. */
const nodeHeaders = (c: Context): IncomingHttpHeaders | undefined =>
  (c.env as { incoming?: { headers?: IncomingHttpHeaders } } | undefined)?.incoming?.headers;

export interface RequestContextOptions {
  /** Which inbound baggage entries to keep. [default='propagate': every caller is one of our services] */
  readonly baggage?: BaggagePolicy;
}

/**
 * Opens the request's scope; installed first by `createServiceApp`, so the server telemetry and every handler run
 * inside it.
 */
export const requestContext = ({ baggage = 'propagate' }: RequestContextOptions = {}): MiddlewareHandler =>
  async function requestContext(c, next) {
    const incoming = nodeHeaders(c);
    const inbound = incoming
      ? extractInbound(incoming, nodeHeadersGetter, baggage)
      : extractInbound(c.req.raw.headers, fetchHeadersGetter, baggage);
    const timeoutMs = parseTimeoutHeader(
      incoming ? headerValue(incoming[DEADLINE_HEADER]) : c.req.header(DEADLINE_HEADER),
    );
    // Without a `grpc-timeout` the deadline is infinite, but still ends when the caller disconnects.
    const deadline = createDeadline({ timeoutMs, cancelled: () => c.req.raw.signal });
    try {
      await storage.run({ inbound, deadline }, next);
    } finally {
      deadline.dispose();
    }
  };

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * Starts (or tightens) the deadline of the requests it serves: the whole request, downstream calls included, must
 * be done within `timeoutMs`. Install it on the routes of a public entry point (order-service's `POST /orders`); a
 * deadline a caller sent in `grpc-timeout` can only be shortened by it.
 * @example
 * app.use('/orders', requestDeadlineMiddleware({ timeoutMs: config.REQUEST_DEADLINE_MS }));
 */
export const requestDeadlineMiddleware = ({ timeoutMs }: { readonly timeoutMs: number }): MiddlewareHandler =>
  async function requestDeadline(c, next) {
    const scope = storage.getStore() ?? { inbound: ROOT_CONTEXT, deadline: undefined };
    const deadline = tightenDeadline(scope.deadline, { timeoutMs, cancelled: () => c.req.raw.signal });
    try {
      await storage.run({ ...scope, deadline }, next);
    } finally {
      deadline.dispose();
    }
  };

/** The caller's propagation context of the request being served (the root context outside a request). */
export const inboundContext = (): PropagationContext => storage.getStore()?.inbound ?? ROOT_CONTEXT;

/**
 * The deadline of the request being served: the caller's (`grpc-timeout`) or the one {@link requestDeadlineMiddleware}
 * set (infinite when neither did, but cancelled when the caller disconnects); undefined outside a request.
 */
export const requestDeadline = (): Deadline | undefined => storage.getStore()?.deadline;

/**
 * True when the deadline of the request being served has passed or its caller disconnected: nobody waits for the
 * answer any more, so work with effects (a charge) must not start. Check it right before such work.
 */
export const deadlineExpired = (): boolean => requestDeadline()?.expired() ?? false;
