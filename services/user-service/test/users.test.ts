/**
 * user-service in process: `app.request()` against `createApp` with a real SQLite database. Sign-up and the
 * case-insensitive uniqueness of emails, reads, pages, every problem type it answers, and the strict-input rules
 * (names, emails, query integers, cursors, bodies).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createLogger, encodeCursor, openDatabase, type ServiceDatabase } from '@mesh-stack/service-kit';
import { createApp } from '../src/app.ts';
import { migrations } from '../src/migrations.ts';
import { createUserRepository, type UserTables } from '../src/repository.ts';
import type { User } from '../src/schemas.ts';

const PROBLEM_BASE = 'https://mesh-stack.dev/problems/';
const UNKNOWN_ID = '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11';

interface Problem {
  type: string;
  title: string;
  status: number;
  instance: string;
  errors?: { path: string; message: string }[];
}

describe('user-service', () => {
  let dataDir: string;
  let database: ServiceDatabase<UserTables>;
  let app: ReturnType<typeof createApp>;
  let clock: number;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'user-service-unit-'));
    database = await openDatabase<UserTables>({ name: 'user-service', dataDir, migrations });
    clock = Date.parse('2026-12-02T08:00:00.000Z');
    app = createApp({
      users: createUserRepository(database.db),
      logger: createLogger({ service: 'user-service', level: 'silent' }),
      now: () => new Date(clock++),
    });
  });
  afterEach(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.request('/users', { method: 'POST', headers, body });
  const signUp = (fields: Record<string, unknown>) =>
    post(JSON.stringify({ email: 'ada@example.com', name: 'Ada Lovelace', ...fields }));

  /** Asserts a problem+json answer of `slug` with `status`, and returns it. */
  const expectProblem = async (response: Response, status: number, slug: string): Promise<Problem> => {
    const text = await response.text();
    assert.equal(response.status, status, text);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    const problem = JSON.parse(text) as Problem;
    assert.equal(problem.type, `${PROBLEM_BASE}${slug}`);
    assert.equal(problem.status, status);
    assert.equal(typeof problem.title, 'string');
    return problem;
  };

  describe('sign-up and reads', () => {
    it('creates a user, with Location, and reads it back', async () => {
      const created = await signUp({ name: '  Ada Lovelace 🧮  ' });
      assert.equal(created.status, 201);
      const user = (await created.json()) as User;
      assert.equal(created.headers.get('location'), `/users/${user.id}`);
      assert.equal(user.name, 'Ada Lovelace 🧮', 'surrounding spaces are removed');
      assert.equal(user.createdAt, '2026-12-02T08:00:00.000Z');
      const read = await app.request(`/users/${user.id.toUpperCase()}`);
      assert.equal(read.status, 200);
      assert.deepEqual(await read.json(), user);
    });

    it('keeps names that need joiners and astral characters: Persian ZWNJ, emoji sequences', async () => {
      for (const [index, name] of ['می‌خواهم', '👩‍👩‍👧', 'Zoë 𝒜da'].entries()) {
        const response = await signUp({ email: `joiner${index}@example.com`, name });
        assert.equal(response.status, 201, await response.clone().text());
        assert.equal(((await response.json()) as User).name, name);
      }
    });

    it('counts a name in characters, not UTF-16 units: 200 emoji fit, 201 do not', async () => {
      assert.equal((await signUp({ email: 'e200@example.com', name: '🧮'.repeat(200) })).status, 201);
      const problem = await expectProblem(
        await signUp({ email: 'e201@example.com', name: '🧮'.repeat(201) }),
        400,
        'validation-failed',
      );
      assert.deepEqual(
        problem.errors?.map((error) => error.path),
        ['name'],
      );
    });

    it('answers 409 email-taken for an email that differs only in case, and keeps the first user', async () => {
      assert.equal((await signUp({ email: 'grace@example.com' })).status, 201);
      await expectProblem(await signUp({ email: 'GRACE@Example.COM', name: 'Other' }), 409, 'email-taken');
      const page = (await (await app.request('/users')).json()) as { items: User[] };
      assert.deepEqual(
        page.items.map((user) => user.email),
        ['grace@example.com'],
      );
    });

    it('lets exactly one of many concurrent sign-ups with one email win', async () => {
      const responses = await Promise.all(Array.from({ length: 6 }, () => signUp({ email: 'race@example.com' })));
      assert.deepEqual(responses.map((response) => response.status).sort(), [201, 409, 409, 409, 409, 409]);
    });

    it('answers 404 not-found for an unknown id and for anything that is not a UUID', async () => {
      await expectProblem(await app.request(`/users/${UNKNOWN_ID}`), 404, 'not-found');
      await expectProblem(await app.request('/users/ada@example.com'), 404, 'not-found');
      await expectProblem(await app.request('/users/..%2F..%2Fetc%2Fpasswd'), 404, 'not-found');
      await expectProblem(await app.request('/no-such-route'), 404, 'not-found');
    });

    it('answers 405 with Allow for a known path and another method', async () => {
      const response = await app.request(`/users/${UNKNOWN_ID}`, { method: 'DELETE' });
      await expectProblem(response, 405, 'method-not-allowed');
      assert.equal(response.headers.get('allow'), 'GET, HEAD');
    });
  });

  describe('pages', () => {
    it('pages newest first with a 22-character cursor, and an unknown cursor position is just an empty page', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 3; index++) {
        ids.push(((await (await signUp({ email: `page${index}@example.com` })).json()) as User).id);
      }
      const first = (await (await app.request('/users?limit=2')).json()) as { items: User[]; nextCursor: string };
      assert.deepEqual(
        first.items.map((user) => user.id),
        [ids[2], ids[1]],
      );
      assert.match(first.nextCursor, /^[A-Za-z0-9_-]{21}[AQgw]$/);
      const second = (await (await app.request(`/users?limit=2&cursor=${first.nextCursor}`)).json()) as {
        items: User[];
        nextCursor: string | null;
      };
      assert.deepEqual(
        second.items.map((user) => user.id),
        [ids[0]],
      );
      assert.equal(second.nextCursor, null);
      // Any string of the documented shape names a position: before every id, the page is empty, not an error.
      const oldest = (await (
        await app.request(`/users?cursor=${encodeCursor('00000000-0000-0000-0000-000000000000')}`)
      ).json()) as {
        items: User[];
      };
      assert.deepEqual(oldest.items, []);
    });

    it('refuses limits that are not plain decimal digits in 1–100, and cursors of another shape', async () => {
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=0x10',
        'limit=%2010%20',
        'limit=1e2',
        'limit=%2B5',
        'limit=010',
        'limit=10.0',
        'limit=',
        'limit=99999999999999999999',
        'cursor=not-a-cursor',
        'cursor=AAAAAAAAAAAAAAAAAAAAAB',
        `cursor=${Buffer.from('../../etc/passwd/../shadow').toString('base64url')}`,
        'sort=email',
      ]) {
        const problem = await expectProblem(await app.request(`/users?${query}`), 400, 'validation-failed');
        assert.ok(problem.errors && problem.errors.length > 0, query);
      }
    });
  });

  describe('strict input', () => {
    const invalidNames: readonly [string, string][] = [
      ['empty', ''],
      ['spaces only', '   '],
      ['zero-width spaces only (U+200B)', '\u200b\u200b'],
      ['joiners only (U+200C U+200D)', '\u200c\u200d'],
      ['a zero-width space inside (U+200B)', 'Ada\u200bLovelace'],
      ['right-to-left override (U+202E)', 'Ada \u202egnp.exe'],
      ['left-to-right embedding (U+202A)', '\u202aAda'],
      ['isolates (U+2066 U+2069)', '\u2066Ada\u2069'],
      ['right-to-left mark (U+200F)', 'Ada\u200f'],
      ['Arabic letter mark (U+061C)', 'Ada\u061c'],
      ['word joiner (U+2060)', 'Ada\u2060'],
      ['BOM (U+FEFF)', '\ufeffAda'],
      ['soft hyphen (U+00AD)', 'Ada\u00adLovelace'],
      ['line separator (U+2028)', 'Ada\u2028Lovelace'],
      ['NUL', 'Ada\u0000'],
      ['BEL', 'Ada\u0007'],
      ['a trailing newline', 'Ada\n'],
      ['C1 control NEL (U+0085)', 'Ada\u0085'],
      ['DEL', 'Ada\u007f'],
    ];
    for (const [label, name] of invalidNames) {
      it(`refuses a name with ${label}`, async () => {
        const problem = await expectProblem(await signUp({ name }), 400, 'validation-failed');
        assert.deepEqual(
          problem.errors?.map((error) => error.path),
          ['name'],
        );
      });
    }

    it('refuses an unpaired surrogate in a name', async () => {
      await expectProblem(await post('{"email":"s@example.com","name":"Ada \\ud800"}'), 400, 'validation-failed');
    });

    for (const email of [
      'not-an-email',
      '.ada@example.com',
      'ada.@example.com',
      'a..b@example.com',
      'ada@localhost',
      'ada@-example.com',
      'ada@example-.com',
      '"ada lovelace"@example.com',
      'ada@[127.0.0.1]',
      'ädä@example.com',
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(250)}.com`,
    ]) {
      it(`refuses the email ${email.slice(0, 40)}`, async () => {
        await expectProblem(await signUp({ email }), 400, 'validation-failed');
      });
    }

    it("accepts every character of RFC 5321's dot-atom in the local part", async () => {
      const response = await signUp({ email: "a.b!#$%&'*+/=?^_`{|}~-9@mail.example.org" });
      assert.equal(response.status, 201, await response.clone().text());
    });

    it('answers malformed-json for bytes that are not UTF-8, never storing U+FFFD', async () => {
      const encoder = new TextEncoder();
      for (const bad of [[0x80], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff]]) {
        const body = new Uint8Array([
          ...encoder.encode('{"email":"utf8@example.com","name":"Ada'),
          ...bad,
          ...encoder.encode('"}'),
        ]);
        await expectProblem(await post(body), 400, 'malformed-json');
      }
      const page = (await (await app.request('/users')).json()) as { items: User[] };
      assert.deepEqual(page.items, []);
    });

    it('answers malformed-json for broken JSON and validation-failed for the wrong shape', async () => {
      await expectProblem(await post('{"email":'), 400, 'malformed-json');
      await expectProblem(await post('[]'), 400, 'validation-failed');
      await expectProblem(await signUp({ admin: true }), 400, 'validation-failed');
    });

    it('answers 415 for other media types, charsets and any Content-Encoding', async () => {
      const body = JSON.stringify({ email: 'media@example.com', name: 'Ada' });
      const unsupported = await post(body, { 'content-type': 'text/plain' });
      await expectProblem(unsupported, 415, 'unsupported-media-type');
      assert.equal(unsupported.headers.get('accept-post'), 'application/json');
      await expectProblem(await post(body, {}), 415, 'unsupported-media-type');
      for (const charset of ['utf-16', '"iso-8859-1"', 'latin1']) {
        await expectProblem(
          await post(body, { 'content-type': `application/json; charset=${charset}` }),
          415,
          'unsupported-media-type',
        );
      }
      for (const encoding of ['gzip', 'br', 'deflate', 'identity, gzip']) {
        const response = await post(body, { 'content-type': 'application/json', 'content-encoding': encoding });
        await expectProblem(response, 415, 'unsupported-content-encoding');
        assert.equal(response.headers.get('accept-encoding'), 'identity');
      }
      // What JSON allows is still accepted: charset=UTF-8 in any case, and the identity coding.
      const utf8 = await post(body, {
        'content-type': 'application/json; charset=UTF-8',
        'content-encoding': 'identity',
      });
      assert.equal(utf8.status, 201, await utf8.text());
    });

    it('answers 413 for a body over 64 KiB', async () => {
      const body = JSON.stringify({ email: 'big@example.com', name: 'x'.repeat(70 * 1024) });
      await expectProblem(await post(body), 413, 'payload-too-large');
    });
  });
});
