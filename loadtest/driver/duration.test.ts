import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationSeconds } from './duration.ts';

describe('parseDurationSeconds', () => {
  it('reads plain seconds and k6-style durations', () => {
    const cases: [string, number][] = [
      ['90', 90],
      ['2.5', 2.5],
      ['30s', 30],
      ['2m', 120],
      ['1m30s', 90],
      ['1h2m3s', 3723],
      ['500ms', 0.5],
      ['1s500ms', 1.5],
    ];
    for (const [text, seconds] of cases) assert.equal(parseDurationSeconds(text), seconds, text);
  });

  it('refuses anything else', () => {
    for (const text of ['', '2 minutes', '1d', '-5s', 's', '5m junk', '1.s', 'Infinity']) {
      assert.equal(parseDurationSeconds(text), undefined, text);
    }
  });
});
