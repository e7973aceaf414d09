/**
 * The duration histogram against prom-client's own `Histogram` as the oracle: fed the same observations, both
 * render the same OpenMetrics and classic text and the same JSON; and the exemplar policy on top (a sampled
 * observation refreshes its bucket's exemplar at most once a second, failures always do, unsampled spans never do).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import { Hono } from 'hono';
import { Histogram, type OpenMetricsContentType, Registry } from 'prom-client';
import { DB_DURATION_BUCKETS_SECONDS, EXEMPLAR_TRACE_ID_LABEL, METRIC } from './contract.ts';
import { DurationHistogram, EXEMPLAR_MIN_INTERVAL_MS } from './duration-histogram.ts';
import { createServiceMetrics } from './metrics.ts';
import { metricsHandler } from './metrics-handler.ts';

const LABELS = { db_system_name: 'sqlite', db_operation_name: 'SELECT' };
const FAST = 0.0001;
const SLOW = 5;

const span = (traceId: string, traceFlags = TraceFlags.SAMPLED): SpanContext => ({
  traceId: traceId.repeat(32),
  spanId: 'b'.repeat(16),
  traceFlags,
});

const DEFINITION = METRIC.httpServerRequestDuration;
/** Durations across every bucket, on both sides of each bound, and +Inf. */
const VALUES = [0, 0.0004, 0.005, 0.0051, 0.02, 0.1, 0.25, 0.7, 1, 2.5, 9.99, 10, 11, 120];
const LABEL_SETS = [
  { http_request_method: 'GET', http_route: '/users/:id', http_response_status_code: '200' },
  { http_request_method: 'POST', http_route: '/orders', http_response_status_code: '201' },
  { http_request_method: 'POST', http_route: '/orders', http_response_status_code: '503' },
];

/** prom-client's histogram and ours, each in its own OpenMetrics registry, under the same name. */
const pair = () => {
  const openMetricsRegistry = () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    return registry;
  };
  const oracleRegistry = openMetricsRegistry();
  const ownRegistry = openMetricsRegistry();
  const configuration = {
    name: DEFINITION.name,
    help: DEFINITION.help,
    labelNames: DEFINITION.labels,
    buckets: [...(DEFINITION.buckets ?? [])],
  };
  const oracle = new Histogram<string>({ ...configuration, registers: [oracleRegistry], enableExemplars: true });
  const own = new DurationHistogram({ ...configuration, registers: [ownRegistry] });
  return { oracle, own, oracleRegistry, ownRegistry };
};

/** Exemplar timestamps are wall-clock seconds taken at different instants: compare everything else. */
const withoutTimestamps = (exposition: string) => exposition.replace(/(# \{[^}]*\} \S+) \S+$/gm, '$1 T');

const classicText = async (registry: Registry<OpenMetricsContentType>): Promise<string> => {
  const app = new Hono().get('/metrics', metricsHandler(registry));
  return (await app.request('/metrics')).text();
};

describe('DurationHistogram renders what prom-client would', () => {
  it('through resolved series: OpenMetrics with exemplars, classic text and JSON', async () => {
    const { oracle, own, oracleRegistry, ownRegistry } = pair();
    const series = LABEL_SETS.map((labels) => own.series(labels));
    let nowMs = 0;
    for (const value of VALUES) {
      for (const [index, labels] of LABEL_SETS.entries()) {
        nowMs += EXEMPLAR_MIN_INTERVAL_MS;
        const traceId = `${index}${value}`.replace('.', 'f').padEnd(32, 'a');
        oracle.observe({ labels, value, exemplarLabels: { [EXEMPLAR_TRACE_ID_LABEL]: traceId } });
        series[index]?.observe(value, nowMs, { traceId, spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });
      }
    }
    const expected = await oracleRegistry.metrics();
    assert.match(expected, /# \{trace_id="/, 'the oracle rendered exemplars');
    assert.equal(withoutTimestamps(await ownRegistry.metrics()), withoutTimestamps(expected));
    assert.equal(await classicText(ownRegistry), await classicText(oracleRegistry));
    const json = async (histogram: Histogram<string>) =>
      (await histogram.get()).values.map(({ labels, value, metricName }) => ({ labels, value, metricName }));
    assert.deepEqual(await json(own), await json(oracle));
  });

  it('through the generic API: observe, labels, startTimer, zero, remove, reset', async () => {
    const { oracle, own, oracleRegistry, ownRegistry } = pair();
    const [first = {}, second = {}, third = {}] = LABEL_SETS;
    for (const histogram of [oracle, own]) {
      histogram.observe({ labels: first, value: 0.3 });
      histogram.labels(second).observe(0.02);
      histogram.labels('POST', '/orders', '201').observe(4);
      histogram.zero(third);
    }
    assert.equal(await ownRegistry.metrics(), await oracleRegistry.metrics());
    for (const histogram of [oracle, own]) histogram.remove(second);
    assert.equal(await ownRegistry.metrics(), await oracleRegistry.metrics());
    const stop = own.startTimer(first);
    assert.ok(stop() >= 0);
    assert.match(await ownRegistry.metrics(), /_count\{http_request_method="GET",[^}]*\} 2\n/);
    for (const histogram of [oracle, own]) histogram.reset();
    assert.equal(await ownRegistry.metrics(), await oracleRegistry.metrics());
    assert.doesNotMatch(await ownRegistry.metrics(), /_count/, 'reset empties the histogram');
  });

  it('keeps a resolved series recording after remove() and reset(), as prom-client re-creates the series', async () => {
    const { oracle, own, oracleRegistry, ownRegistry } = pair();
    const [labels = {}] = LABEL_SETS;
    const held = own.series(labels);
    held.observe(0.3);
    oracle.observe({ labels, value: 0.3 });
    for (const histogram of [oracle, own]) histogram.remove(labels);
    held.observe(0.02);
    oracle.observe({ labels, value: 0.02 });
    assert.equal(await ownRegistry.metrics(), await oracleRegistry.metrics());
    for (const histogram of [oracle, own]) histogram.remove(labels);
    for (const histogram of [oracle, own]) histogram.zero(labels);
    assert.equal(await ownRegistry.metrics(), await oracleRegistry.metrics(), 'zero() brings a removed series back');
    for (const histogram of [oracle, own]) histogram.reset();
    held.observe(4);
    oracle.observe({ labels, value: 4 });
    assert.equal(await ownRegistry.metrics(), await oracleRegistry.metrics());
    assert.match(await ownRegistry.metrics(), /_count\{[^}]*\} 1\n/);
  });

  it('refuses a label outside its label names, as prom-client does', () => {
    const { oracle, own } = pair();
    assert.throws(() => oracle.observe({ labels: { tenant: 'a' }, value: 1 }), /tenant/);
    assert.throws(() => own.series({ tenant: 'a' }), /tenant/);
  });
});

describe('the exemplar policy', () => {
  const metrics = createServiceMetrics({ serviceVersion: 'test', defaultMetrics: false });
  const histogram = metrics.dbClientOperationDuration;
  const series = histogram.series(LABELS);
  const observe = (seconds: number, nowMs: number, spanContext: SpanContext | undefined, failed = false) =>
    series.observe(seconds, nowMs, spanContext, failed);

  /** The trace id of the exemplar on the lowest bucket holding `seconds`, from the rendered exposition. */
  const exemplarOf = async (seconds: number): Promise<string | undefined> => {
    const le = DB_DURATION_BUCKETS_SECONDS.find((bound) => seconds <= bound);
    const bucket = `${METRIC.dbClientOperationDuration.name}_bucket{`;
    const line = (await metrics.registry.metrics())
      .split('\n')
      .find((text) => text.startsWith(bucket) && text.includes(`le="${le ?? '+Inf'}"`));
    assert.ok(line, `no bucket le="${le}"`);
    return /# \{trace_id="([0-9a-f]+)"\}/.exec(line)?.[1];
  };

  it('keeps one exemplar per bucket for a second, then takes the next sampled one', async () => {
    observe(FAST, 1_000, span('a'));
    observe(FAST, 1_500, span('c'));
    assert.equal(await exemplarOf(FAST), 'a'.repeat(32), 'refreshed within the second');
    observe(SLOW, 1_500, span('d'));
    assert.equal(await exemplarOf(SLOW), 'd'.repeat(32), 'another bucket has its own clock');
    observe(FAST, 1_000 + EXEMPLAR_MIN_INTERVAL_MS, span('e'));
    assert.equal(await exemplarOf(FAST), 'e'.repeat(32), 'not refreshed after a second');
  });

  it('always gives a failure its exemplar', async () => {
    observe(FAST, 2_100, span('f'), true);
    assert.equal(await exemplarOf(FAST), 'f'.repeat(32));
  });

  it('never takes one from an unsampled or missing span, yet counts the observation', async () => {
    const count = async () => (await histogram.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value;
    const before = await count();
    observe(FAST, 10_000, span('1', TraceFlags.NONE));
    observe(FAST, 20_000, undefined);
    assert.equal(await exemplarOf(FAST), 'f'.repeat(32));
    assert.equal(await count(), (before ?? 0) + 2);
  });
});
