import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { pino } from 'pino';
import { LOG_FIELD } from './contract.ts';
import { traceLogFields } from './logging.ts';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ mixin: traceLogFields }, stream) };
};

describe('traceLogFields (pino mixin)', () => {
  it('adds trace_id and span_id inside a span and nothing outside one', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager());
    const { lines, logger } = capture();
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    logger.info({ port: 1 }, 'outside');
    logger.info({ other: 2 }, 'outside again');
    await context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), async () => {
      await Promise.resolve();
      logger.info('inside');
    });
    assert.equal(lines[0]?.[LOG_FIELD.traceId], undefined);
    // pino merges each line's fields into the mixin's object: nothing may carry over to the next line.
    assert.equal(lines[1]?.port, undefined);
    assert.equal(lines[2]?.[LOG_FIELD.traceId], spanContext.traceId);
    assert.equal(lines[2]?.[LOG_FIELD.spanId], spanContext.spanId);
    assert.equal(lines[2]?.[LOG_FIELD.traceFlags], '01');
    context.disable();
  });
});
