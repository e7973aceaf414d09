/**
 * @module Records the fixtures of the unit tests (`report/fixtures/*.json`) from real backends: Prometheus and
 * Jaeger started by ./backends.ts, fed by the scrape target and OTLP traces there. Run it by hand after changing
 * what the report queries: `node report/test/capture.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXEMPLAR_QUERY } from '../src/traces/slowest.ts';
import { SLI_RECORD } from '../src/verdicts/slo.ts';
import { type FakeSpan, sendTrace, startJaeger, startMetricsTarget, startPrometheus } from './backends.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export const TRACE_IDS = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'] as const;

/** order-service POST /orders calling user-service and payment-service; `slowMs` extra in payment-service. */
export const orderTrace = (startMs: number, slowMs: number, status = 201): FakeSpan[] => [
  {
    spanId: 'a000000000000001',
    service: 'order-service',
    name: 'POST /orders',
    startMs,
    durationMs: 40 + slowMs,
    kind: 2,
    status,
  },
  {
    spanId: 'a000000000000002',
    parentSpanId: 'a000000000000001',
    service: 'order-service',
    name: 'GET',
    startMs: startMs + 2,
    durationMs: 10,
    kind: 3,
    status: 200,
  },
  {
    spanId: 'a000000000000003',
    parentSpanId: 'a000000000000002',
    service: 'user-service',
    name: 'GET /users/:id',
    startMs: startMs + 3,
    durationMs: 8,
    kind: 2,
    status: 200,
  },
  {
    spanId: 'a000000000000004',
    parentSpanId: 'a000000000000001',
    service: 'order-service',
    name: 'POST',
    startMs: startMs + 14,
    durationMs: 20 + slowMs,
    kind: 3,
    status,
  },
  {
    spanId: 'a000000000000005',
    parentSpanId: 'a000000000000004',
    service: 'payment-service',
    name: 'POST /payments',
    startMs: startMs + 15,
    durationMs: 18 + slowMs,
    kind: 2,
    status,
  },
];

if (import.meta.main) {
  const target = await startMetricsTarget(TRACE_IDS);
  const prometheus = await startPrometheus({ targets: { 'order-service': target.hostPort } });
  const jaeger = await startJaeger();
  try {
    const start = Date.now();
    await sendTrace(jaeger.otlpHttpUrl, TRACE_IDS[0], orderTrace(start, 700, 503));
    await sendTrace(jaeger.otlpHttpUrl, TRACE_IDS[1], orderTrace(start + 50, 300));
    await sleep(20_000);
    const end = Date.now();
    const s = Math.floor(start / 1000);
    const e = Math.floor(end / 1000);
    const get = async (url: string) => (await fetch(url)).json();
    const q = (path: string, params: Record<string, string>) =>
      get(`${prometheus.url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const fixtures: Record<string, unknown> = {
      'prometheus-query-range-request-rate.json': await q('query_range', {
        query: 'sum by (http_request_method, http_route) (rate(http_server_request_duration_seconds_count[4s]))',
        start: String(s),
        end: String(e),
        step: '1',
      }),
      'prometheus-query-range-buckets.json': await q('query_range', {
        query: 'sum by (le) (rate(http_server_request_duration_seconds_bucket[4s]))',
        start: String(s),
        end: String(e),
        step: '1',
      }),
      'prometheus-sli-mean.json': await q('query', {
        query: `avg_over_time(${SLI_RECORD}[${e - s}s])`,
        time: String(e),
      }),
      'prometheus-alerts-present.json': await q('query', {
        query: `max_over_time(ALERTS[${e - s}s])`,
        time: String(e),
      }),
      'prometheus-alerts-range.json': await q('query_range', {
        query: 'ALERTS',
        start: String(s),
        end: String(e),
        step: '1',
      }),
      'prometheus-exemplars.json': await q('query_exemplars', {
        query: EXEMPLAR_QUERY,
        start: String(s),
        end: String(e),
      }),
      'prometheus-rules.json': await q('rules', {}),
      'jaeger-traces.json': await get(
        `${jaeger.url}/api/traces?${new URLSearchParams({ service: 'order-service', start: String(start * 1000 - 1e6), end: String(end * 1000), limit: '20' })}`,
      ),
    };
    mkdirSync(FIXTURES, { recursive: true });
    for (const [name, body] of Object.entries(fixtures)) {
      writeFileSync(join(FIXTURES, name), `${JSON.stringify(body, null, 1)}\n`);
      console.log(`[capture] ${name}`);
    }
  } finally {
    await Promise.all([prometheus.stop(), jaeger.stop(), target.close()]);
  }
}
