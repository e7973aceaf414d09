/**
 * order-service is the public entry point: `baggage` a client sends is dropped before order-service calls
 * user-service, unless allow-listed. In process: the app with its real user-service client, pointed at an HTTP
 * server in this process that records what it receives. The control (the kit's 'propagate' policy, what internal
 * services use) shows the same request does carry the baggage through, so the test can fail.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createServiceClient } from '@mesh-stack/service-kit';
import type { BaggagePolicy } from '@mesh-stack/service-kit/telemetry';
import { createApp, PUBLIC_BAGGAGE_POLICY } from '../src/app.ts';
import { createUserDirectory } from '../src/dependencies.ts';
import { FakePaymentGateway, openTestDatabase, silentLogger, type TestDatabase } from './support.ts';

const USER_ID = '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11';

describe('baggage at the public entry point', () => {
  const received: IncomingHttpHeaders[] = [];
  // user-service as far as this test needs it: every user exists.
  const userService = createServer((request, response) => {
    received.push(request.headers);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: USER_ID }));
  });
  let database: TestDatabase;
  let userServiceUrl: string;

  before(async () => {
    userService.listen(0, '127.0.0.1');
    await once(userService, 'listening');
    userServiceUrl = `http://127.0.0.1:${(userService.address() as AddressInfo).port}`;
    database = await openTestDatabase();
  });
  after(async () => {
    userService.close();
    await database.close();
  });
  beforeEach(() => {
    received.length = 0;
  });

  const placeOrderWithBaggage = async (baggage: BaggagePolicy | undefined, key: string) => {
    const client = createServiceClient({
      peerService: 'user-service',
      baseUrl: userServiceUrl,
      budget: { attemptTimeoutMs: 2000, retries: 0 },
    });
    const app = createApp({
      store: database.store,
      users: createUserDirectory(client),
      payments: new FakePaymentGateway(),
      logger: silentLogger,
      resolvedWithinSeconds: 15,
      ...(baggage === undefined ? {} : { baggage }),
    });
    const response = await app.request('/orders', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': key,
        baggage: 'user.email=ada%40example.org,tenant=internal-admin',
      },
      body: JSON.stringify({
        userId: USER_ID,
        currency: 'EUR',
        items: [{ sku: 'BOOK-42', quantity: 1, unitAmountMinor: 100 }],
      }),
    });
    assert.equal(response.status, 201, await response.text());
    assert.equal(received.length, 1, 'order-service asked user-service once');
    return received[0]?.baggage;
  };

  it("drops every entry from outside by default (the app's public policy)", async () => {
    assert.deepEqual([...(PUBLIC_BAGGAGE_POLICY === 'propagate' ? [] : PUBLIC_BAGGAGE_POLICY.allow)], []);
    assert.equal(await placeOrderWithBaggage(undefined, 'baggage-default'), undefined);
  });

  it('keeps only allow-listed keys', async () => {
    assert.equal(await placeOrderWithBaggage({ allow: new Set(['tenant']) }, 'baggage-allow'), 'tenant=internal-admin');
  });

  it('control: with the internal services’ policy the same baggage does travel on', async () => {
    const forwarded = await placeOrderWithBaggage('propagate', 'baggage-propagate');
    assert.match(String(forwarded), /user\.email=ada%40example\.org/);
  });
});
