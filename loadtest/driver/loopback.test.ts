import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertLoopback, isLoopbackUrl } from './loopback.ts';

describe('loopback guard', () => {
  it('accepts only loopback targets', () => {
    for (const url of [
      'http://127.0.0.1:8081',
      'http://127.9.8.7/',
      'http://localhost:8082',
      'http://[::1]:8081',
      'http://[::ffff:127.0.0.1]:1',
    ]) {
      assert.equal(isLoopbackUrl(url), true, url);
    }
    for (const url of [
      'http://10.0.0.1:8081',
      'http://192.168.1.2',
      'http://example.com',
      'http://[::2]:80',
      'http://128.0.0.1',
      'not a url',
    ]) {
      assert.equal(isLoopbackUrl(url), false, url);
    }
  });

  it('throws for remote targets unless explicitly allowed', () => {
    assert.throws(() => assertLoopback(['http://127.0.0.1:1', 'http://203.0.113.5:80'], false), /203\.0\.113\.5/);
    assert.doesNotThrow(() => assertLoopback(['http://203.0.113.5:80'], true));
  });
});
