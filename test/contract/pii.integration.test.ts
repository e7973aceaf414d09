/**
 * No client-typed PII or junk reaches telemetry: an email, a name and a 4 KB string sent in every place a client
 * controls (path, query, headers, method, body; accepted and refused requests alike) appear in no exported span and
 * no log line of any service. Each request carries its own trace id, and the test polls the OTLP receiver until the
 * server span of every one of them arrived, so the scan covers those requests' spans and not just whatever came first.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { startStack, type TestStack } from '../support/services.ts';

/** Spans reach the receiver within a few export intervals. */
const EXPORT_INTERVAL_MS = 100;

const marker = randomBytes(6).toString('hex');
const EMAIL = `pii-${marker}@example.org`;
const NAME = `Zebulon Quixote ${marker}`;
/** Long enough that a truncation limit would show, short enough for a request line under the header limits. */
const LONG = `L${marker}${'x'.repeat(4096)}`;
/** What must never be found: the values themselves, and any 64-character piece of the long one. */
const FORBIDDEN = [EMAIL, NAME, marker, LONG.slice(0, 64)];

interface Probe {
  readonly label: string;
  readonly service: 'user' | 'order' | 'payment';
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Node's HTTP parser refuses it before any app code runs: no span, but its logs are scanned all the same. */
  readonly refusedByParser?: true;
}

const json = { 'content-type': 'application/json' };
const PROBES: readonly Probe[] = [
  { label: 'email in a path parameter', service: 'user', method: 'GET', path: `/users/${encodeURIComponent(EMAIL)}` },
  { label: 'name in an unmatched path', service: 'order', method: 'GET', path: `/${encodeURIComponent(NAME)}/x` },
  { label: 'long string in a path', service: 'payment', method: 'GET', path: `/payments/${LONG}` },
  {
    label: 'email, name and long string in the query',
    service: 'order',
    method: 'GET',
    path: `/orders?userId=${encodeURIComponent(EMAIL)}&cursor=${encodeURIComponent(NAME)}&x=${LONG}`,
  },
  { label: 'email in a query of a valid request', service: 'user', method: 'GET', path: `/users?x=${EMAIL}` },
  {
    label: 'PII in every kind of header',
    service: 'user',
    method: 'GET',
    path: '/users?limit=1',
    headers: {
      'user-agent': NAME,
      referer: `https://example.org/?email=${EMAIL}`,
      authorization: `Bearer ${EMAIL}`,
      cookie: `name=${marker}`,
      'x-forwarded-for': EMAIL,
      'x-long': LONG,
      baggage: `user.email=${encodeURIComponent(EMAIL)}`,
    },
  },
  {
    label: 'email as an Idempotency-Key and name in baggage on a real order attempt',
    service: 'order',
    method: 'POST',
    path: '/orders',
    headers: { ...json, 'idempotency-key': EMAIL, baggage: `user.name=${encodeURIComponent(NAME)}` },
    body: JSON.stringify({
      userId: '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11',
      currency: 'EUR',
      items: [{ sku: 'BOOK-42', quantity: 1, unitAmountMinor: 100 }],
    }),
  },
  {
    label: 'a valid sign-up (stored, never traced or logged)',
    service: 'user',
    method: 'POST',
    path: '/users',
    headers: json,
    body: JSON.stringify({ email: EMAIL, name: NAME }),
  },
  {
    label: 'the same sign-up again (409)',
    service: 'user',
    method: 'POST',
    path: '/users',
    headers: json,
    body: JSON.stringify({ email: EMAIL.toUpperCase(), name: NAME }),
  },
  {
    label: 'refused bodies echo nothing',
    service: 'user',
    method: 'POST',
    path: '/users',
    headers: json,
    body: JSON.stringify({ email: `${LONG}@example.org`, name: LONG, [EMAIL]: NAME }),
  },
  {
    label: 'PII in an unknown body field of a payment',
    service: 'payment',
    method: 'POST',
    path: '/payments',
    headers: { ...json, 'idempotency-key': NAME },
    body: JSON.stringify({ orderId: EMAIL, amountMinor: 100, currency: 'EUR', note: NAME }),
  },
  {
    label: 'a name as the method',
    service: 'order',
    method: `ZEBULON${marker.toUpperCase()}`,
    path: '/orders',
    refusedByParser: true,
  },
];

/** Each probe's own trace id (its own random part: the marker itself must appear nowhere). */
const TRACE_PREFIX = randomBytes(8).toString('hex');
const traceIdOf = (index: number): string => `${TRACE_PREFIX}${String(index).padStart(16, '0')}`;

describe('no PII or client junk in spans or logs', () => {
  let receiver: OtlpReceiver;
  let stack: TestStack;

  before(async () => {
    receiver = await startOtlpReceiver();
    const env = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: String(EXPORT_INTERVAL_MS),
      // Every level: a debug line is a log line too.
      LOG_LEVEL: 'debug',
    };
    stack = await startStack({
      backend: 'sqlite',
      env: { 'user-service': env, 'payment-service': env, 'order-service': env },
    });
  });
  after(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('sends every probe and gets an answer without a 5xx', async () => {
    for (const [index, probe] of PROBES.entries()) {
      const response = await fetch(`${stack[probe.service].url}${probe.path}`, {
        method: probe.method,
        headers: { ...probe.headers, traceparent: `00-${traceIdOf(index)}-00f067aa0ba902b7-01` },
        body: probe.body ?? null,
        signal: AbortSignal.timeout(15_000),
      });
      await response.arrayBuffer();
      assert.ok(response.status < 500, `${probe.label}: ${response.status}`);
    }
  });

  it('exported the server span of every probe, and none of the values anywhere in the export', async () => {
    const wanted = new Set(PROBES.flatMap((probe, index) => (probe.refusedByParser ? [] : [traceIdOf(index)])));
    const spans = await receiver
      .waitFor((received) => {
        const seen = new Set(
          received.filter((span) => span.kind === SPAN_KIND.server && wanted.has(span.traceId)).map((s) => s.traceId),
        );
        return seen.size === wanted.size;
      }, 20_000)
      .catch((error: unknown) => {
        const seen = new Set(
          receiver.spans.filter((span) => span.kind === SPAN_KIND.server).map((span) => span.traceId),
        );
        const missing = PROBES.filter((_, index) => wanted.has(traceIdOf(index)) && !seen.has(traceIdOf(index))).map(
          (probe) => probe.label,
        );
        throw new Error(`no server span for: ${missing.join('; ')}`, { cause: error });
      });
    for (const span of spans.filter((candidate) => wanted.has(candidate.traceId))) {
      const text = JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events }, (_, value) =>
        typeof value === 'bigint' ? String(value) : value,
      );
      for (const value of FORBIDDEN) assert.ok(!text.includes(value), `${span.name} carries ${value.slice(0, 40)}`);
    }
    // The raw export requests, every byte of them: resource, scope, links, status messages included.
    const exported = Buffer.concat(receiver.bodies);
    for (const value of FORBIDDEN) {
      assert.equal(exported.indexOf(Buffer.from(value, 'utf8')), -1, `an exported span carries ${value.slice(0, 40)}`);
    }
  });

  it('logged none of the values, at any level, in any service', () => {
    for (const service of [stack.user, stack.order, stack.payment]) {
      const logs = service.logs();
      assert.match(logs, /"msg":"request"/, `${service.name} wrote its access log`);
      for (const value of FORBIDDEN) {
        const line = logs.split('\n').find((candidate) => candidate.includes(value));
        assert.equal(line, undefined, `${service.name} logged ${value.slice(0, 40)}`);
      }
    }
  });
});
