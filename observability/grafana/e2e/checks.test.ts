/**
 * @module The pure parts of the Grafana suite: what counts as an empty panel, and which browser it drives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROMIUM_PATH_ENV, chromiumExecutable, emptyValueIn } from './checks.ts';

describe('empty panel text', () => {
  it('catches "No data" and NaN whatever the panel type renders them as', () => {
    assert.equal(emptyValueIn('Error budget left\nNo data'), 'No data');
    assert.equal(emptyValueIn('Error ratio\norder-service NaN NaN NaN'), 'NaN');
    assert.equal(emptyValueIn('Service targets up\n1\n1\n1'), undefined);
    assert.equal(emptyValueIn('Request rate\nNano service 3 req/s'), undefined);
  });
});

describe('the browser', () => {
  const only = (existing: readonly string[]) => (path: string) => existing.includes(path);

  it('is CHROMIUM_PATH when set, and refuses one that does not exist', () => {
    assert.equal(
      chromiumExecutable({ [CHROMIUM_PATH_ENV]: '/opt/c' }, ['/usr/bin/chromium'], only(['/opt/c'])),
      '/opt/c',
    );
    assert.throws(() => chromiumExecutable({ [CHROMIUM_PATH_ENV]: '/nope' }, [], only([])), /does not exist/);
  });

  it("is the first system Chromium found, else Playwright's own (undefined)", () => {
    const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
    assert.equal(chromiumExecutable({}, candidates, only(['/usr/bin/chromium-browser'])), '/usr/bin/chromium-browser');
    assert.equal(chromiumExecutable({}, candidates, only([])), undefined);
  });
});
