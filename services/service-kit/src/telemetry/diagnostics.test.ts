/**
 * The SDK's own diagnostics: one JSON line each, first line only (no stack), each distinct message at most once per
 * interval with a count of what was suppressed; and a failing collector (the test's OTLP receiver answering 503)
 * costs one warning line, not a stack trace per batch. Also the span limits: a long attribute value is cut.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { type OtlpReceiver, startOtlpReceiver } from '../../../../test/support/otlp-receiver.ts';
import { structuredDiagLogger, summarize } from './diagnostics.ts';
import { createServiceMetrics } from './metrics.ts';
import { startTelemetry, type Telemetry } from './sdk.ts';
import { DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT, resolveSpanLimits } from './span-limits.ts';

const waitUntil = async (condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(20);
  }
};

interface Line {
  level: string;
  time: string;
  service: string;
  component: string;
  msg: string;
  detail?: string;
  suppressed?: number;
}

describe('structuredDiagLogger', () => {
  const setup = () => {
    const lines: Line[] = [];
    let nowMs = 1_000_000;
    const logger = structuredDiagLogger({
      service: 'order-service',
      write: (line) => {
        assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line');
        lines.push(JSON.parse(line) as Line);
      },
      now: () => nowMs,
      intervalMs: 60_000,
    });
    const advance = (ms: number): void => {
      nowMs += ms;
    };
    return { lines, logger, advance };
  };

  it('writes one JSON line in the services’ log shape, without the stack', () => {
    const { lines, logger } = setup();
    const error = new Error('connect ECONNREFUSED 127.0.0.1:4318');
    logger.warn('span export failed', error);
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0], {
      level: 'warn',
      time: new Date(1_000_000).toISOString(),
      service: 'order-service',
      component: 'opentelemetry-sdk',
      detail: 'Error: connect ECONNREFUSED 127.0.0.1:4318',
      msg: 'span export failed',
    });
  });

  it('writes a repeated message once per interval, then says how many it suppressed', () => {
    const { lines, logger, advance } = setup();
    for (let index = 0; index < 5; index++) {
      logger.warn('span export failed', new Error(`attempt ${index}`));
      advance(1_000);
    }
    logger.error('something else');
    assert.deepEqual(
      lines.map((line) => [line.msg, line.suppressed]),
      [
        ['span export failed', undefined],
        ['something else', undefined],
      ],
    );
    advance(60_000);
    logger.warn('span export failed', new Error('again'));
    assert.deepEqual(lines.at(-1)?.suppressed, 4);
  });

  it('summarizes anything to its first line, bounded', () => {
    assert.equal(summarize(new TypeError('bad\n    at x (y.js:1:1)')), 'TypeError: bad');
    assert.equal(summarize({ code: 14 }), '{"code":14}');
    assert.equal(summarize('x'.repeat(1000)).length, 301);
  });
});

describe('resolveSpanLimits', () => {
  it('uses the span variable, then the general one, then the default; a bad value never lifts a limit', () => {
    assert.equal(resolveSpanLimits({}).limits.attributeValueLengthLimit, DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT);
    assert.equal(resolveSpanLimits({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '200' }).limits.attributeValueLengthLimit, 200);
    assert.equal(
      resolveSpanLimits({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '200', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '50' })
        .limits.attributeValueLengthLimit,
      50,
    );
    const bad = resolveSpanLimits({ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: 'unlimited', OTEL_ATTRIBUTE_COUNT_LIMIT: '-1' });
    assert.equal(bad.limits.attributeCountLimit, 64);
    assert.deepEqual(
      bad.warnings.map((warning) => warning.variable),
      ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
    );
  });
});

describe('startTelemetry against a collector that fails', () => {
  let receiver: OtlpReceiver;
  let sdk: Telemetry;
  const lines: Line[] = [];
  const metrics = createServiceMetrics({ serviceVersion: '1.0.0' });

  before(async () => {
    receiver = await startOtlpReceiver();
    sdk = startTelemetry({
      serviceName: 'diagnostics-test',
      serviceVersion: '1.0.0',
      metrics,
      tracesEndpoint: receiver.tracesUrl,
      batch: { scheduledDelayMillis: 50, exportTimeoutMillis: 500 },
      writeDiagnostic: (line) => {
        lines.push(JSON.parse(line) as Line);
      },
      env: { OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100' },
    });
  });
  after(async () => {
    await sdk.shutdown();
    await receiver.close();
  });

  it('cuts attribute values to the configured length', async () => {
    const span = trace.getTracer('test').startSpan('long');
    span.setAttribute('app.long', 'y'.repeat(10_000));
    span.end();
    await sdk.forceFlush();
    const [received] = await receiver.waitFor((spans) => spans.some((s) => s.name === 'long'));
    assert.equal(String(received?.attributes['app.long']).length, 100);
  });

  it('reports failed exports as single warning lines, once per minute whatever the number of batches', async () => {
    receiver.setUnavailable(true);
    const exportFailures = () => lines.filter((line) => line.msg === 'span export failed');
    // The batch processor's own timer exports (as in production), every 50 ms here; each batch fails after its
    // 500 ms export timeout, so two seconds of spans are several failed batches.
    for (let index = 0; index < 20; index++) {
      trace.getTracer('test').startSpan(`lost ${index}`).end();
      await sleep(100);
    }
    const failedSpans = async () =>
      (await metrics.spansExported.get()).values
        .filter((value) => value.labels.error_type === 'export_failed')
        .reduce((sum, value) => sum + value.value, 0);
    await waitUntil(async () => (await failedSpans()) >= 3, 15_000);
    await waitUntil(() => exportFailures().length > 0, 10_000);
    const exportLines = exportFailures();
    assert.equal(exportLines.length, 1, JSON.stringify(lines));
    assert.equal(exportLines[0]?.level, 'warn');
    assert.equal(exportLines[0]?.service, 'diagnostics-test');
    for (const line of lines) assert.doesNotMatch(JSON.stringify(line), /\\n\s+at /, 'no stack traces');
    receiver.setUnavailable(false);
  });
});
