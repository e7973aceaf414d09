/**
 * The exemplar policy on the service's real duration histogram (prom-client, OpenMetrics): a sampled observation
 * refreshes its bucket's exemplar at most once a second, failures always do, and unsampled spans never do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import { DB_DURATION_BUCKETS_SECONDS, METRIC } from './contract.ts';
import { EXEMPLAR_MIN_INTERVAL_MS, exemplarClock, observeDuration } from './exemplar-throttle.ts';
import { createServiceMetrics } from './metrics.ts';

const LABELS = { db_system_name: 'sqlite', db_operation_name: 'SELECT' };
const FAST = 0.0001;
const SLOW = 5;

const span = (traceId: string, traceFlags = TraceFlags.SAMPLED): SpanContext => ({
  traceId: traceId.repeat(32),
  spanId: 'b'.repeat(16),
  traceFlags,
});

describe('observeDuration', () => {
  const metrics = createServiceMetrics({ serviceVersion: 'test', defaultMetrics: false });
  const histogram = metrics.dbClientOperationDuration;
  const clock = exemplarClock(DB_DURATION_BUCKETS_SECONDS);
  const observe = (seconds: number, nowMs: number, spanContext: SpanContext | undefined, failed = false) =>
    observeDuration(histogram, { labels: LABELS, seconds, nowMs, spanContext, clock, failed });

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
