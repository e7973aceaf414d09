/**
 * @module The bad-input table: hostile and broken requests against every endpoint of the three services, each with
 * the 4xx it must get. Run in process against `createApp` (bad-input.test.ts) and against the real processes on
 * SQLite and PostgreSQL (bad-input.integration.test.ts).
 */
import assert from 'node:assert/strict';
import { FAULT_INJECTION_HEADERS } from '../../../test/support/services.ts';

export type Target = 'user' | 'order' | 'payment' | 'paymentAdmin';

export interface BadInput {
  readonly name: string;
  readonly target: Target;
  readonly method: string;
  /** `{userId}` is replaced by an existing user's id, so only the broken part can be the reason for the answer. */
  readonly path: string;
  /** A string is sent as it is (already JSON or not JSON at all); bytes too, without a content type. */
  readonly body?: string | Uint8Array;
  readonly headers?: Record<string, string>;
  readonly status: number;
}

const JSON_TYPE: Record<string, string> = { 'content-type': 'application/json' };
export const UUID = '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11';
const ONE_MEGABYTE = `{"padding":"${'x'.repeat(1024 * 1024)}"}`;

const user = (fields: Record<string, unknown>) => JSON.stringify({ email: 'ok@example.com', name: 'Ok', ...fields });
const item = (fields: Record<string, unknown> = {}) => ({
  sku: 'BOOK-42',
  quantity: 1,
  unitAmountMinor: 100,
  ...fields,
});
const order = (fields: Record<string, unknown>) =>
  JSON.stringify({ userId: '{userId}', currency: 'EUR', items: [item()], ...fields });
export const payment = (fields: Record<string, unknown>) =>
  JSON.stringify({ orderId: UUID, amountMinor: 100, currency: 'EUR', ...fields });
const withKey: Record<string, string> = { ...JSON_TYPE, 'idempotency-key': 'bad-input-key' };
/** A valid user body whose name carries `bytes` as they are: not UTF-8 text. */
const utf8With = (bytes: readonly number[]): Uint8Array => {
  const [head = '', tail = ''] = user({ name: 'Ada#' }).split('#');
  const encoder = new TextEncoder();
  return new Uint8Array([...encoder.encode(head), ...bytes, ...encoder.encode(tail)]);
};

const postUser = (
  name: string,
  body: string | Uint8Array,
  status = 400,
  headers: Record<string, string> = JSON_TYPE,
): BadInput => ({
  name: `POST /users: ${name}`,
  target: 'user',
  method: 'POST',
  path: '/users',
  body,
  headers,
  status,
});
const postOrder = (
  name: string,
  body: string | Uint8Array,
  status = 400,
  headers: Record<string, string> = JSON_TYPE,
): BadInput => ({
  name: `POST /orders: ${name}`,
  target: 'order',
  method: 'POST',
  path: '/orders',
  body,
  headers,
  status,
});
const postPayment = (
  name: string,
  body: string | Uint8Array,
  status = 400,
  headers: Record<string, string> = withKey,
): BadInput => ({
  name: `POST /payments: ${name}`,
  target: 'payment',
  method: 'POST',
  path: '/payments',
  body,
  headers,
  status,
});
const get = (target: Target, path: string, status: number, name = path): BadInput => ({
  name: `GET ${name}`,
  target,
  method: 'GET',
  path,
  status,
});

export const BAD_INPUTS: readonly BadInput[] = [
  // Malformed or wrongly shaped JSON
  postUser('truncated JSON', '{"email":'),
  postUser('empty body', ''),
  postUser('JSON array', '[]'),
  postUser('JSON string', '"ada@example.com"'),
  postUser('JSON null', 'null'),
  postUser('trailing garbage', `${user({})}}`),
  postOrder('truncated JSON', '{"userId": "{userId}", "items": ['),
  postPayment('not JSON at all', 'amount=100'),
  // Missing, extra and mistyped fields
  postUser('missing name', JSON.stringify({ email: 'a@example.com' })),
  postUser('missing email', JSON.stringify({ name: 'Ada' })),
  postUser('extra field', user({ admin: true })),
  postUser('__proto__ member', '{"email":"p@example.com","name":"P","__proto__":{"admin":true}}'),
  postUser('email is a number', user({ email: 42 })),
  postUser('name is an object', user({ name: { first: 'Ada' } })),
  postUser('email without @', user({ email: 'not-an-email' })),
  postUser('email of 300 characters', user({ email: `${'a'.repeat(288)}@example.com` })),
  postOrder('missing items', JSON.stringify({ userId: '{userId}', currency: 'EUR' })),
  postOrder('extra field on an item', order({ items: [item({ discount: 100 })] })),
  postOrder('extra top-level field', order({ status: 'paid' })),
  postOrder('userId is not a UUID', order({ userId: 'ada' })),
  postOrder('userId is a number', order({ userId: 12 })),
  postOrder('currency outside the list', order({ currency: 'XYZ' })),
  postOrder('currency in lower case', order({ currency: 'eur' })),
  postPayment('missing Idempotency-Key', payment({}), 400, JSON_TYPE),
  postPayment('Idempotency-Key of 256 characters', payment({}), 400, {
    ...JSON_TYPE,
    'idempotency-key': 'k'.repeat(256),
  }),
  postOrder('Idempotency-Key of 256 characters', order({}), 400, { ...JSON_TYPE, 'idempotency-key': 'k'.repeat(256) }),
  postPayment('orderId is not a UUID', payment({ orderId: 'order-1' })),
  postPayment('currency is a number', payment({ currency: 978 })),
  postPayment('extra field', payment({ status: 'succeeded' })),
  // Numbers out of range
  postOrder('negative quantity', order({ items: [item({ quantity: -1 })] })),
  postOrder('zero quantity', order({ items: [item({ quantity: 0 })] })),
  postOrder('quantity over 1000', order({ items: [item({ quantity: 1001 })] })),
  postOrder('fractional quantity', order({ items: [item({ quantity: 1.5 })] })),
  postOrder('huge quantity', order({ items: [item({ quantity: 1e308 })] })),
  postOrder('quantity beyond double range (Infinity)', order({}).replace('"quantity":1', '"quantity":1e400')),
  postOrder('quantity as a string', order({ items: [item({ quantity: '2' })] })),
  postOrder('negative unit amount', order({ items: [item({ unitAmountMinor: -100 })] })),
  postOrder('unit amount over 10,000,000', order({ items: [item({ unitAmountMinor: 10_000_001 })] })),
  // Schema-valid, but over a limit no JSON Schema can express (a sum): 422 rule-violated, not 400.
  postOrder(
    'total that overflows the 1,000,000,000 limit',
    order({ items: Array.from({ length: 50 }, () => item({ quantity: 1000, unitAmountMinor: 10_000_000 })) }),
    422,
  ),
  postOrder('no items', order({ items: [] })),
  postOrder('51 items', order({ items: Array.from({ length: 51 }, () => item()) })),
  postPayment('zero amount', payment({ amountMinor: 0 })),
  postPayment('amount over 1,000,000,000', payment({ amountMinor: 1_000_000_001 })),
  postPayment(
    'amount beyond MAX_SAFE_INTEGER',
    payment({}).replace('"amountMinor":100', '"amountMinor":9007199254740993'),
  ),
  postPayment('fractional amount', payment({ amountMinor: 10.5 })),
  // Unusual Unicode and SQL-looking strings
  postUser('empty name', user({ name: '' })),
  postUser('whitespace-only name', user({ name: ' \t ' })),
  postUser('name of 201 characters', user({ name: 'n'.repeat(201) })),
  postUser('NUL in the name', user({ name: 'Ada\u0000Lovelace' })),
  postUser('BEL control character in the name', user({ name: 'Ada\u0007' })),
  postUser('unpaired surrogate in the name', '{"email":"s@example.com","name":"Ada \\ud800"}'),
  postUser('name of zero-width spaces only (U+200B)', user({ name: '\u200b\u200b' })),
  postUser('name of joiners only (U+200C, U+200D)', user({ name: '\u200c\u200d' })),
  postUser('right-to-left override in the name (U+202E)', user({ name: 'Ada \u202egnp.exe' })),
  postUser('bidi isolate in the name (U+2066)', user({ name: 'Ada \u2066Lovelace\u2069' })),
  postUser('left-to-right mark in the name (U+200E)', user({ name: '\u200eAda' })),
  postUser('BOM in the name (U+FEFF)', user({ name: 'Ada\ufeff' })),
  postUser('line separator in the name (U+2028)', user({ name: 'Ada\u2028Lovelace' })),
  postUser('newline at the end of the name', user({ name: 'Ada\n' })),
  postUser('email with a leading dot', user({ email: '.ada@example.com' })),
  postUser('email without a dot in the host', user({ email: 'ada@localhost' })),
  postUser('email with a 65-character local part', user({ email: `${'a'.repeat(65)}@example.com` })),
  // Invalid UTF-8: a lone continuation byte and a truncated sequence, never read as U+FFFD.
  postUser('invalid UTF-8 in the body (lone 0x80)', utf8With([0x80]), 400, JSON_TYPE),
  postUser('invalid UTF-8 in the body (truncated 0xE2 0x82)', utf8With([0xe2, 0x82]), 400, JSON_TYPE),
  postUser('overlong UTF-8 encoding of "/" (0xC0 0xAF)', utf8With([0xc0, 0xaf]), 400, JSON_TYPE),
  postUser('SQL in the email', user({ email: "'; DROP TABLE users; --" })),
  postOrder('SQL in the sku', order({ items: [item({ sku: "BOOK'; DROP TABLE orders;--" })] })),
  postOrder('non-ASCII sku', order({ items: [item({ sku: 'BØØK' })] })),
  postOrder('zero-width space in the sku', order({ items: [item({ sku: 'BOOK\u200b42' })] })),
  postOrder('SQL in userId', order({ userId: "1' OR '1'='1" })),
  // Path traversal and junk ids
  get('user', '/users/..%2F..%2Fetc%2Fpasswd', 404),
  get('user', `/users/1'%20OR%20'1'%3D'1`, 404),
  get('user', '/users/%00', 404),
  get('order', '/orders/..%2Fusers', 404),
  get('order', '/orders/not-a-uuid', 404),
  get('payment', '/payments/..%2F..%2Fadmin%2Ffaults', 404),
  get('payment', `/payments/${UUID}x`, 404),
  get('order', '/no-such-route', 404),
  get('user', '/users/', 404, '/users/ (trailing slash)'),
  // Bad query strings
  get('user', '/users?limit=0', 400),
  get('user', '/users?limit=101', 400),
  get('user', '/users?limit=ten', 400),
  get('user', '/users?cursor=not-a-cursor', 400),
  get('user', '/users?sort=email', 400),
  get('order', '/orders?userId=ada', 400),
  get('order', '/orders', 400, "/orders without userId (never every user's orders)"),
  get('user', '/users?limit=0x10', 400),
  get('user', '/users?limit=%2010%20', 400, '/users?limit=" 10 " (padded)'),
  get('user', '/users?limit=1e2', 400),
  get('user', '/users?limit=%2B5', 400, '/users?limit=+5'),
  get('user', '/users?limit=010', 400),
  get('user', '/users?limit=10.0', 400),
  get('user', '/users?limit=', 400, '/users?limit= (empty)'),
  get('user', '/users?cursor=AAAAAAAAAAAAAAAAAAAAAB', 400, '/users?cursor= with padding bits set'),
  get('order', `/orders?cursor=${Buffer.from('../../etc/passwd/../shadow').toString('base64url')}`, 400),
  // Unsupported methods
  {
    name: 'PUT /users',
    target: 'user',
    method: 'PUT',
    path: '/users',
    body: user({}),
    headers: JSON_TYPE,
    status: 405,
  },
  { name: 'DELETE /users/:id', target: 'user', method: 'DELETE', path: `/users/${UUID}`, status: 405 },
  {
    name: 'PATCH /orders/:id',
    target: 'order',
    method: 'PATCH',
    path: `/orders/${UUID}`,
    body: '{}',
    headers: JSON_TYPE,
    status: 405,
  },
  { name: 'DELETE /payments', target: 'payment', method: 'DELETE', path: '/payments', status: 405 },
  get('payment', '/payments', 400, '/payments without orderId (no listing of every payment)'),
  {
    name: 'POST /admin/faults',
    target: 'paymentAdmin',
    method: 'POST',
    path: '/admin/faults',
    body: '{}',
    headers: JSON_TYPE,
    status: 405,
  },
  // Unsupported content types and sizes
  postUser('text/plain', user({}), 415, { 'content-type': 'text/plain' }),
  postUser('no Content-Type', new TextEncoder().encode(user({})), 415, {}),
  postOrder('application/xml', '<order/>', 415, { 'content-type': 'application/xml' }),
  postOrder('form encoded', 'userId=1', 415, { 'content-type': 'application/x-www-form-urlencoded' }),
  postPayment('multipart', payment({}), 415, {
    'content-type': 'multipart/form-data; boundary=x',
    'idempotency-key': 'k',
  }),
  postUser('Content-Encoding: gzip (never decompressed, never read as JSON)', user({}), 415, {
    ...JSON_TYPE,
    'content-encoding': 'gzip',
  }),
  postOrder('Content-Encoding: br', order({}), 415, { ...JSON_TYPE, 'content-encoding': 'br' }),
  postUser('charset=utf-16', user({}), 415, { 'content-type': 'application/json; charset=utf-16' }),
  postPayment('charset=iso-8859-1', payment({}), 415, {
    'content-type': 'application/json; charset="iso-8859-1"',
    'idempotency-key': 'k',
  }),
  postPayment('Idempotency-Key joined from two headers ("a, b")', payment({}), 400, {
    ...JSON_TYPE,
    'idempotency-key': 'key-a, key-b',
  }),
  postOrder('Idempotency-Key with a comma', order({}), 400, { ...JSON_TYPE, 'idempotency-key': 'a,b' }),
  postUser('1 MB body', ONE_MEGABYTE, 413),
  postOrder('1 MB body', ONE_MEGABYTE, 413),
  postPayment('1 MB body', ONE_MEGABYTE, 413),
  // Admin port
  {
    name: 'PUT /admin/faults: rate as a string',
    target: 'paymentAdmin',
    method: 'PUT',
    path: '/admin/faults',
    body: '{"errorRate":"high"}',
    headers: { ...JSON_TYPE, ...FAULT_INJECTION_HEADERS },
    status: 400,
  },
  {
    name: 'PUT /admin/faults: latency of a billion ms',
    target: 'paymentAdmin',
    method: 'PUT',
    path: '/admin/faults',
    body: '{"addedLatencyMs":1000000000}',
    headers: { ...JSON_TYPE, ...FAULT_INJECTION_HEADERS },
    status: 400,
  },
  {
    name: 'PUT /admin/faults: text/plain',
    target: 'paymentAdmin',
    method: 'PUT',
    path: '/admin/faults',
    body: '{}',
    headers: { 'content-type': 'text/plain', ...FAULT_INJECTION_HEADERS },
    status: 415,
  },
  {
    name: 'PUT /admin/faults: no bearer token',
    target: 'paymentAdmin',
    method: 'PUT',
    path: '/admin/faults',
    body: '{"errorRate":1}',
    headers: JSON_TYPE,
    status: 401,
  },
  {
    name: 'PUT /admin/faults: wrong bearer token',
    target: 'paymentAdmin',
    method: 'PUT',
    path: '/admin/faults',
    body: '{"errorRate":1}',
    headers: { ...JSON_TYPE, authorization: 'Bearer not-the-token-at-all' },
    status: 401,
  },
];

/** The answer every row must get: its status, as problem+json of the stack's own problem types (405 with `Allow`). */
export const assertProblemAnswer = async (response: Response, input: BadInput): Promise<void> => {
  const text = await response.text();
  assert.equal(response.status, input.status, text);
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  const problem = JSON.parse(text) as { type: string; title: string; status: number };
  assert.match(problem.type, /^https:\/\/mesh-stack\.dev\/problems\/[a-z-]+$/);
  assert.equal(problem.status, response.status);
  assert.equal(typeof problem.title, 'string');
  if (response.status === 405) {
    assert.ok(response.headers.get('allow'), 'a 405 names the allowed methods');
  }
};
