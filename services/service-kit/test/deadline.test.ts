/** Deadlines: the `grpc-timeout` grammar, the monotonic clock, and tightening on the way down. */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { createDeadline, formatTimeoutHeader, parseTimeoutHeader, tightenDeadline } from '../src/deadline.ts';

describe('grpc-timeout', () => {
  it('parses every unit of the grammar, in milliseconds', () => {
    const table: [string, number][] = [
      ['1H', 3_600_000],
      ['2M', 120_000],
      ['3S', 3000],
      ['250m', 250],
      ['1500u', 1.5],
      ['2000000n', 2],
      ['99999999m', 99_999_999],
      [' 5S ', 5000],
    ];
    for (const [value, ms] of table) assert.equal(parseTimeoutHeader(value), ms, value);
  });

  it('ignores what is not in the grammar', () => {
    for (const value of ['', '5', 's', '5s', '5 S', '-5S', '1.5S', '123456789m', '5SS', undefined, null]) {
      assert.equal(parseTimeoutHeader(value), undefined, String(value));
    }
  });

  it('formats whole milliseconds rounded up, never 0, in seconds beyond 8 digits', () => {
    assert.equal(formatTimeoutHeader(1234.2), '1235m');
    assert.equal(formatTimeoutHeader(0), '1m');
    assert.equal(formatTimeoutHeader(100_000_000), '100000S');
    assert.equal(parseTimeoutHeader(formatTimeoutHeader(8000)), 8000);
  });
});

describe('deadlines', () => {
  it('count down on the given clock and expire', () => {
    let now = 1000;
    const deadline = createDeadline({ timeoutMs: 500, now: () => now });
    assert.equal(deadline.remainingMs(), 500);
    now = 1400;
    assert.equal(deadline.remainingMs(), 100);
    assert.equal(deadline.expired(), false);
    now = 1500;
    assert.equal(deadline.expired(), true);
    assert.equal(deadline.remainingMs(), 0);
  });

  it('are infinite without a timeout, but expire when the caller goes away', () => {
    const caller = new AbortController();
    const deadline = createDeadline({ cancelled: () => caller.signal });
    assert.equal(deadline.remainingMs(), Number.POSITIVE_INFINITY);
    assert.equal(deadline.expired(), false);
    const { signal } = deadline;
    caller.abort();
    assert.equal(deadline.expired(), true);
    assert.equal(signal.aborted, true);
  });

  it('can be shortened on the way down, never extended', () => {
    const now = () => 0;
    const outer = createDeadline({ timeoutMs: 2000, now });
    assert.equal(tightenDeadline(outer, { timeoutMs: 5000, now }).remainingMs(), 2000);
    assert.equal(tightenDeadline(outer, { timeoutMs: 500, now }).remainingMs(), 500);
    assert.equal(tightenDeadline(undefined, { timeoutMs: 500, now }).remainingMs(), 500);
    assert.equal(tightenDeadline(createDeadline({ now }), { timeoutMs: 700, now }).remainingMs(), 700);
  });

  it('abort their signal when the time is up', async () => {
    const deadline = createDeadline({ timeoutMs: 1 });
    const { signal } = deadline;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    assert.equal(deadline.expired(), true);
  });

  it('abort their signal with a TimeoutError, and then let go of the caller', async () => {
    const caller = new AbortController();
    const deadline = createDeadline({ timeoutMs: 1, cancelled: () => caller.signal });
    const { signal } = deadline;
    assert.equal(getEventListeners(caller.signal, 'abort').length, 1);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    assert.equal((signal.reason as DOMException).name, 'TimeoutError');
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
  });

  it('let go of the caller’s signal once disposed, and never abort after it', async () => {
    // A signal that outlives its request (held by the caller's signal, or a composite of it) is the leak of
    // docs/scaling.md "Memory": one per order, for ever.
    const caller = new AbortController();
    const deadline = tightenDeadline(createDeadline({ cancelled: () => caller.signal }), {
      timeoutMs: 5,
      cancelled: () => caller.signal,
    });
    const { signal } = deadline;
    deadline.dispose();
    deadline.dispose();
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    caller.abort();
    assert.equal(signal.aborted, false);
  });

  it('abort at once when the caller has already gone', () => {
    const caller = new AbortController();
    caller.abort(new Error('gone'));
    const { signal } = createDeadline({ timeoutMs: 1000, cancelled: () => caller.signal });
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).message, 'gone');
  });
});
