/**
 * @module The model the SLO cases compute their expectations with: it must agree with Prometheus on the shapes the
 * cases use (promtool then runs the cases against both real versions, in rules.integration.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  agreed,
  counterSamples,
  counterValues,
  formatG4,
  humanize,
  humanizeDuration,
  humanizePercentage,
  modelFiring,
  modelIncrease,
  promRound,
  ratioOf,
  steady,
  totalOf,
  windowCounts,
} from './traffic.ts';

describe('synthetic traffic', () => {
  it('writes one sample a minute in promtool notation, starting from 0', () => {
    const traffic = [steady(3, 10, 1), steady(2, 0)];
    assert.equal(counterValues(traffic, totalOf), '0 10+10x2 30+0x1');
    assert.deepEqual(counterSamples(traffic, totalOf), [0, 10, 20, 30, 30, 30]);
  });
});

describe('increase as Prometheus computes it', () => {
  const linear = counterSamples([steady(60, 10)], totalOf);

  it('is exact over a window that holds the counter from its zero, under both range semantics', () => {
    assert.equal(modelIncrease(linear, 30, 24 * 60, 'closed'), 300);
    assert.equal(modelIncrease(linear, 30, 24 * 60, 'left-open'), 300);
  });

  it('extrapolates a window that misses its first sample (3.x) to the same slope', () => {
    assert.equal(modelIncrease(linear, 30, 5, 'closed'), 50);
    assert.equal(modelIncrease(linear, 30, 5, 'left-open'), 50);
  });

  it('returns no sample for fewer than two points, and counts through a counter reset', () => {
    assert.equal(modelIncrease([0, 5], 1, 0.5, 'closed'), undefined);
    assert.equal(modelIncrease([0, 10, 20, 5, 15], 4, 10, 'closed'), 35);
  });

  it('differs between 2.x and 3.x across a change of rate, which agreed() refuses', () => {
    const busyThenQuiet = [steady(10, 1000), steady(10, 1, 1)];
    assert.throws(
      () => agreed('5m ratio', (semantics) => ratioOf(windowCounts(busyThenQuiet, 14, 5, semantics))),
      /2\.x would give .* and 3\.x/,
    );
    assert.equal(
      agreed('1h ratio', (semantics) => ratioOf(windowCounts(busyThenQuiet, 20, 60, semantics))),
      10 / 10_010,
    );
  });
});

describe('alert state', () => {
  const holds = (minutes: readonly number[]) => (minute: number) => minutes.includes(minute);

  it('fires once the condition has held for `for`, not before', () => {
    assert.equal(modelFiring(holds([3, 4, 5]), 5, 2), true);
    assert.equal(modelFiring(holds([4, 5]), 5, 2), false);
  });

  it('keeps firing through a dip shorter than keep_firing_for, and resolves after it', () => {
    const flapping = holds([0, 1, 2, 3, 6]);
    assert.equal(modelFiring(flapping, 5, 2, 5), true);
    assert.equal(modelFiring(flapping, 5, 2, 0), false);
    assert.equal(modelFiring(holds([0, 1, 2, 3]), 10, 2, 5), false);
  });
});

describe("Prometheus's template functions", () => {
  it('format like Go', () => {
    assert.equal(humanizePercentage(150_000 / 650_000), '23.08%');
    assert.equal(humanizePercentage(0.5), '50%');
    assert.equal(humanizePercentage(0.004), '0.4%');
    assert.equal(humanize(2), '2');
    assert.equal(humanize(0.1), '100m');
    assert.equal(humanize(12_346), '12.35k');
    assert.equal(formatG4(0.000012341), '1.234e-05');
    assert.equal(humanizeDuration(1500), '25m 0s');
    assert.equal(humanizeDuration(90_061), '1d 1h 1m 1s');
  });

  it('round like PromQL round()', () => {
    assert.equal(promRound(0.123456789123, 1e-9), Math.floor(0.123456789123 * (1 / 1e-9) + 0.5) / (1 / 1e-9));
    assert.equal(promRound(2.5, 1), 3);
  });
});
