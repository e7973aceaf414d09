/** The one classification of an attempt's end (read by the retry loop and the client span), and its headers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import {
  type AbortCause,
  type AttemptOutcome,
  classifyError,
  classifyResponse,
  NO_EFFECT_HEADER,
  outgoingHeaders,
  parseRetryAfterMs,
} from '../src/outgoing-attempt.ts';
import { extractInbound } from '../src/telemetry/propagation.ts';

type Expected = Pick<AttemptOutcome, 'errorType' | 'retryReason' | 'mayHaveReachedCallee'>;

const fetchFailed = (code: string) =>
  new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });

describe('classifyResponse', () => {
  const table: [number, Expected][] = [
    [200, { errorType: undefined, retryReason: undefined, mayHaveReachedCallee: true }],
    [201, { errorType: undefined, retryReason: undefined, mayHaveReachedCallee: true }],
    [404, { errorType: '404', retryReason: undefined, mayHaveReachedCallee: true }],
    [409, { errorType: '409', retryReason: undefined, mayHaveReachedCallee: true }],
    [422, { errorType: '422', retryReason: undefined, mayHaveReachedCallee: true }],
    [429, { errorType: '429', retryReason: '429', mayHaveReachedCallee: true }],
    [500, { errorType: '500', retryReason: undefined, mayHaveReachedCallee: true }],
    [502, { errorType: '502', retryReason: '502', mayHaveReachedCallee: true }],
    [503, { errorType: '503', retryReason: '503', mayHaveReachedCallee: true }],
    [504, { errorType: '504', retryReason: '504', mayHaveReachedCallee: true }],
  ];
  for (const [status, expected] of table) {
    it(`${status}`, () => {
      const { errorType, retryReason, mayHaveReachedCallee, status: seen } = classifyResponse(status, new Headers());
      assert.deepEqual({ errorType, retryReason, mayHaveReachedCallee }, expected);
      assert.equal(seen, status);
    });
  }

  it('takes a callee at its word when an error answer says it had no effect (No-Effect: true)', () => {
    const noEffect = new Headers({ [NO_EFFECT_HEADER]: 'true' });
    assert.equal(classifyResponse(503, noEffect).mayHaveReachedCallee, false);
    assert.equal(classifyResponse(503, noEffect).retryReason, '503');
    assert.equal(classifyResponse(400, noEffect).mayHaveReachedCallee, false);
    // A success did something whatever it says; any other value is not the promise.
    assert.equal(classifyResponse(201, noEffect).mayHaveReachedCallee, true);
    assert.equal(classifyResponse(503, new Headers({ [NO_EFFECT_HEADER]: 'maybe' })).mayHaveReachedCallee, true);
  });

  it('reads Retry-After only where a retry may follow', () => {
    assert.equal(classifyResponse(503, new Headers({ 'retry-after': '2' })).retryAfterMs, 2000);
    assert.equal(classifyResponse(409, new Headers({ 'retry-after': '2' })).retryAfterMs, undefined);
    assert.equal(parseRetryAfterMs('Wed, 02 Dec 2026 10:00:05 GMT', Date.parse('Wed, 02 Dec 2026 10:00:00 GMT')), 5000);
    assert.equal(parseRetryAfterMs('soon'), undefined);
  });
});

describe('classifyError', () => {
  const table: [string, unknown, AbortCause, Expected][] = [
    [
      'refused',
      fetchFailed('ECONNREFUSED'),
      undefined,
      { errorType: 'ECONNREFUSED', retryReason: 'network_error', mayHaveReachedCallee: false },
    ],
    [
      'unresolvable',
      fetchFailed('ENOTFOUND'),
      undefined,
      { errorType: 'ENOTFOUND', retryReason: 'network_error', mayHaveReachedCallee: false },
    ],
    [
      'connect timeout',
      fetchFailed('UND_ERR_CONNECT_TIMEOUT'),
      undefined,
      { errorType: 'UND_ERR_CONNECT_TIMEOUT', retryReason: 'network_error', mayHaveReachedCallee: false },
    ],
    [
      'reset',
      fetchFailed('ECONNRESET'),
      undefined,
      { errorType: 'ECONNRESET', retryReason: 'network_error', mayHaveReachedCallee: true },
    ],
    [
      'every address refused',
      new TypeError('fetch failed', {
        cause: Object.assign(new AggregateError([]), { errors: [{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }] }),
      }),
      undefined,
      { errorType: 'ECONNREFUSED', retryReason: 'network_error', mayHaveReachedCallee: false },
    ],
    [
      'no code',
      new TypeError('fetch failed'),
      undefined,
      { errorType: 'TypeError', retryReason: 'network_error', mayHaveReachedCallee: true },
    ],
    [
      'attempt timeout',
      new DOMException('timed out', 'TimeoutError'),
      'attempt_timeout',
      { errorType: 'timeout', retryReason: 'timeout', mayHaveReachedCallee: true },
    ],
    [
      'deadline',
      new DOMException('aborted', 'AbortError'),
      'deadline_exceeded',
      { errorType: 'deadline_exceeded', retryReason: undefined, mayHaveReachedCallee: true },
    ],
    [
      'caller gone',
      new DOMException('aborted', 'AbortError'),
      'canceled',
      { errorType: 'canceled', retryReason: undefined, mayHaveReachedCallee: true },
    ],
  ];
  for (const [name, error, cause, expected] of table) {
    it(name, () => {
      const outcome = classifyError(error, cause);
      const { errorType, retryReason, mayHaveReachedCallee } = outcome;
      assert.deepEqual({ errorType, retryReason, mayHaveReachedCallee }, expected);
      assert.equal(outcome.status, undefined);
      assert.equal(outcome.error, error);
    });
  }
});

describe('outgoingHeaders', () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const spanId = 'b7ad6b7169203331';
  const inbound = extractInbound(new Headers({ 'x-request-id': 'req-7', baggage: 'tenant=acme' }), {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: (carrier) => [...carrier.keys()],
  });
  const context = trace.setSpanContext(inbound, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false });

  it('writes each header once: W3C and B3 for the span, baggage, request id, body type, key and deadline', () => {
    const headers = outgoingHeaders({
      propagation: context,
      hasJsonBody: true,
      idempotencyKey: 'order-1',
      remainingMs: 1234.2,
    });
    assert.deepEqual(Object.fromEntries(headers), {
      accept: 'application/json',
      baggage: 'tenant=acme',
      'content-type': 'application/json',
      'grpc-timeout': '1235m',
      'idempotency-key': 'order-1',
      traceparent: `00-${traceId}-${spanId}-01`,
      'x-b3-sampled': '1',
      'x-b3-spanid': spanId,
      'x-b3-traceid': traceId,
      'x-request-id': 'req-7',
    });
  });

  it('sends no deadline without one, and nothing of a context that has nothing', () => {
    const headers = outgoingHeaders({
      propagation: ROOT_CONTEXT,
      hasJsonBody: false,
      idempotencyKey: undefined,
      remainingMs: Number.POSITIVE_INFINITY,
    });
    assert.deepEqual(Object.fromEntries(headers), { accept: 'application/json' });
    assert.equal(propagation.getBaggage(ROOT_CONTEXT), undefined);
  });
});
