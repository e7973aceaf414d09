/** Which problem answers each parser error, and the raw response it becomes (the server side is tested for real in
 * `server-limits.integration.test.ts`). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyParserError, type ParserError, parserProblemResponse } from '../src/parser-errors.ts';

const parserError = (code: string, rawPacket?: string): ParserError =>
  Object.assign(new Error('parse error'), {
    code,
    ...(rawPacket === undefined ? {} : { rawPacket: Buffer.from(rawPacket) }),
  });

describe('parser errors', () => {
  const cases: readonly [string, ParserError, number | undefined, string | undefined][] = [
    ['a bad method', parserError('HPE_INVALID_METHOD'), 400, 'HPE_INVALID_METHOD'],
    ['an unknown code', parserError('HPE_SOMETHING_NEW'), 400, 'HPE_SOMETHING_NEW'],
    ['a code that is not the parser’s', parserError('weird code with spaces'), 400, 'HPE_OTHER'],
    ['a request timeout', parserError('ERR_HTTP_REQUEST_TIMEOUT'), 408, 'ERR_HTTP_REQUEST_TIMEOUT'],
    [
      'an overflow in the request line',
      parserError('HPE_HEADER_OVERFLOW', `GET /${'a'.repeat(20_000)}`),
      414,
      'HPE_HEADER_OVERFLOW',
    ],
    [
      'an overflow in a header',
      parserError('HPE_HEADER_OVERFLOW', `GET / HTTP/1.1\r\nX: ${'a'.repeat(20_000)}`),
      431,
      'HPE_HEADER_OVERFLOW',
    ],
    ['an overflow without a packet', parserError('HPE_HEADER_OVERFLOW'), 431, 'HPE_HEADER_OVERFLOW'],
    ['a reset', parserError('ECONNRESET'), undefined, undefined],
  ];
  for (const [name, error, status, reason] of cases) {
    it(`classifies ${name}`, () => {
      const verdict = classifyParserError(error);
      assert.equal(verdict?.kind.status, status);
      assert.equal(verdict?.reason, reason);
    });
  }

  it('renders a complete problem+json response that closes the connection', () => {
    const raw = parserProblemResponse({ slug: 'uri-too-long', status: 414, title: 'The request target is too long.' });
    const [head = '', body = ''] = raw.toString('latin1').split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 414 URI Too Long\r\n/);
    assert.match(head, /\r\nContent-Type: application\/problem\+json\r\n/);
    assert.match(head, /\r\nConnection: close$/);
    assert.match(head, new RegExp(`\\r\\nContent-Length: ${Buffer.byteLength(body)}\\r\\n`));
    assert.deepEqual(JSON.parse(body), {
      type: 'https://mesh-stack.dev/problems/uri-too-long',
      title: 'The request target is too long.',
      status: 414,
    });
  });
});
