/** The server limits in the shared configuration: documented defaults, overrides, and refusals that name the variable. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { baseConfigShape, ConfigError, DEFAULT_SERVER_LIMITS, parseConfig, serverLimits } from '../src/config.ts';

const schema = z.object(baseConfigShape('user-service'));

describe('server limits configuration', () => {
  it('defaults to the documented limits', () => {
    assert.deepEqual(serverLimits(parseConfig('user-service', schema, {})), DEFAULT_SERVER_LIMITS);
  });

  it('reads every limit from its variable', () => {
    const config = parseConfig('user-service', schema, {
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '3500',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1500',
      HTTP_MAX_HEADERS_COUNT: '50',
      HTTP_MAX_HEADER_SIZE_BYTES: '8192',
      HTTP_MAX_CONNECTIONS: '3',
    });
    assert.deepEqual(serverLimits(config), {
      headersTimeoutMs: 2000,
      requestTimeoutMs: 3500,
      keepAliveTimeoutMs: 1500,
      maxHeadersCount: 50,
      maxHeaderSizeBytes: 8192,
      maxConnections: 3,
    });
  });

  const refused: readonly [string, string][] = [
    ['HTTP_HEADERS_TIMEOUT_MS', '0'],
    ['HTTP_REQUEST_TIMEOUT_MS', '-1'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', 'ten seconds'],
    ['HTTP_REQUEST_TIMEOUT_MS', '9999999'],
    ['HTTP_MAX_HEADERS_COUNT', '5'],
    ['HTTP_MAX_HEADER_SIZE_BYTES', '100'],
    ['HTTP_MAX_CONNECTIONS', '0'],
  ];
  for (const [name, value] of refused) {
    it(`refuses ${name}=${value}, naming the variable and not the value`, () => {
      assert.throws(
        () => parseConfig('user-service', schema, { [name]: value }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.length > 0 &&
          error.problems.every((problem) => problem.startsWith(`${name}:`) && !problem.includes(value)),
      );
    });
  }
});
