/** user-service as a real process on SQLite and PostgreSQL: sign-up, case-insensitive duplicates, pages, OpenAPI. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, DATABASE_BACKENDS, type TestDatabase } from '../../../test/support/databases.ts';
import { requestJson, uniqueEmail } from '../../../test/support/http.ts';
import { mainPath, type ServiceProcess, startService } from '../../../test/support/services.ts';

interface User {
  id: string;
  email: string;
  name: string;
}

for (const backend of DATABASE_BACKENDS) {
  describe(`users (${backend})`, () => {
    let database: TestDatabase;
    let service: ServiceProcess;

    const signUp = (email: string, name = 'Ada Lovelace') =>
      requestJson<User & { type?: string }>(`${service.url}/users`, { method: 'POST', body: { email, name } });

    before(async () => {
      database = await createTestDatabase(backend, 'user-service');
      service = await startService('user-service', { env: database.env });
    });
    after(async () => {
      await service?.stop();
      await database?.drop();
    });

    it('creates a user and reads it back', async () => {
      const email = uniqueEmail('ada');
      const created = await signUp(email, 'Ada Lovelace 🧮');
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get('location'), `/users/${created.body.id}`);
      const read = await requestJson<User>(`${service.url}/users/${created.body.id}`);
      assert.deepEqual(read.body, created.body);
      assert.equal(read.body.name, 'Ada Lovelace 🧮');
    });

    it('answers 409 for an email that is taken, ignoring case', async () => {
      const email = uniqueEmail('grace');
      assert.equal((await signUp(email)).status, 201);
      const duplicate = await signUp(email.toUpperCase());
      assert.equal(duplicate.status, 409);
      assert.equal(duplicate.body.type, 'https://mesh-stack.dev/problems/email-taken');
    });

    it('lets exactly one of many concurrent sign-ups with one email win', async () => {
      const email = uniqueEmail('race');
      const responses = await Promise.all(Array.from({ length: 8 }, () => signUp(email)));
      const statuses = responses.map((response) => response.status).sort();
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    });

    it('pages through users newest first with an opaque cursor', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 3; index++) {
        ids.push((await signUp(uniqueEmail('page'))).body.id);
      }
      const first = await requestJson<{ items: User[]; nextCursor: string }>(`${service.url}/users?limit=2`);
      assert.deepEqual(
        first.body.items.map((user) => user.id),
        [ids[2], ids[1]],
      );
      const second = await requestJson<{ items: User[] }>(
        `${service.url}/users?limit=1&cursor=${first.body.nextCursor}`,
      );
      assert.deepEqual(
        second.body.items.map((user) => user.id),
        [ids[0]],
      );
    });

    it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
      const document = await requestJson<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
        `${service.url}/openapi.json`,
      );
      assert.equal(document.body.openapi, '3.1.0');
      assert.deepEqual(Object.keys(document.body.paths).sort(), ['/users', '/users/{id}']);
      assert.ok(document.body.paths['/users']?.post);
    });
  });
}

describe('user-service configuration', () => {
  it('refuses invalid configuration with one message naming each bad variable, exit code 1 and no stack', async () => {
    const child = spawn(process.execPath, [mainPath('user-service')], {
      env: { PATH: process.env.PATH, PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://secret@db/x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // 'close' (not 'exit') guarantees stderr has been read to the end.
    const [code] = await once(child, 'close');
    assert.equal(code, 1);
    assert.match(stderr, /invalid configuration/);
    for (const variable of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) {
      assert.match(stderr, new RegExp(`^  - ${variable}: `, 'm'));
    }
    assert.doesNotMatch(stderr, /secret/, 'values are never echoed');
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });
});
