/**
 * The production bundles, run as the images run them: each copied out of the repository into a folder with no
 * node_modules anywhere above it (as `COPY --from=build …/dist/ /app/`), then the three started together on SQLite
 * and on PostgreSQL. An order goes through, every service exports its spans and serves its metrics, and SIGTERM
 * drains each to exit 0. What a bundle can get wrong is exactly what this shows: a dependency left unresolved, a
 * CommonJS module that needs `require` or `__dirname`, a JSON import, PostgreSQL's client bundled badly.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { METRIC } from '@mesh-stack/service-kit/contract';
import { SERVICE_NAMES, type ServiceName } from '@mesh-stack/stack';
import { DATABASE_BACKENDS } from '../../../test/support/databases.ts';
import { requestJson, uniqueEmail } from '../../../test/support/http.ts';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { startStack, type TestStack } from '../../../test/support/services.ts';
import { bundleService } from './bundle.ts';

/** True when some folder from `path` up to the root holds a node_modules the bundle could resolve from. */
const nodeModulesAbove = (path: string): boolean => {
  for (let folder = path; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'node_modules'))) return true;
    if (folder === parse(folder).root) return false;
  }
};

describe('the production bundles', () => {
  const outside = mkdtempSync(join(tmpdir(), 'bundles-'));
  const entries: Partial<Record<ServiceName, string>> = {};

  before(async () => {
    assert.ok(!nodeModulesAbove(outside), `${outside} must have no node_modules above it`);
    for (const service of SERVICE_NAMES) {
      const bundle = await bundleService(service);
      const image = join(outside, service);
      cpSync(dirname(bundle), image, { recursive: true });
      entries[service] = join(image, 'main.mjs');
    }
  });
  after(() => rmSync(outside, { recursive: true, force: true }));

  for (const backend of DATABASE_BACKENDS) {
    describe(`on ${backend}`, () => {
      let receiver: OtlpReceiver;
      let stack: TestStack;
      before(async () => {
        receiver = await startOtlpReceiver();
        const otel = {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_BSP_SCHEDULE_DELAY: '100',
          OTEL_TRACES_SAMPLER: 'always_on',
        };
        stack = await startStack({
          backend,
          entries,
          env: { 'user-service': otel, 'payment-service': otel, 'order-service': otel },
        });
      });
      after(async () => {
        await stack?.stop();
        await receiver?.close();
      });

      it('places an order across the three services, traced and measured', async () => {
        const user = await requestJson<{ id: string }>(`${stack.user.url}/users`, {
          method: 'POST',
          body: { email: uniqueEmail('bundle'), name: 'Ada Lovelace' },
        });
        assert.equal(user.status, 201, user.text);
        const order = await requestJson<{ id: string; status: string }>(`${stack.order.url}/orders`, {
          method: 'POST',
          body: {
            userId: user.body.id,
            currency: 'EUR',
            items: [{ sku: 'BUNDLE', quantity: 1, unitAmountMinor: 990 }],
          },
        });
        assert.equal(order.status, 201, order.text);
        assert.equal(order.body.status, 'paid');

        const traceId = (
          await receiver.waitFor((spans) =>
            spans.some((span) => span.serviceName === 'order-service' && span.name === 'POST /orders'),
          )
        ).find((span) => span.serviceName === 'order-service' && span.name === 'POST /orders')?.traceId;
        const servers = await receiver.waitFor(
          (spans) =>
            new Set(spans.filter((s) => s.traceId === traceId && s.kind === SPAN_KIND.server).map((s) => s.serviceName))
              .size === 3,
        );
        assert.deepEqual(
          [
            ...new Set(
              servers.filter((s) => s.traceId === traceId && s.kind === SPAN_KIND.server).map((s) => s.serviceName),
            ),
          ].sort(),
          ['order-service', 'payment-service', 'user-service'],
        );

        for (const service of [stack.user, stack.order, stack.payment]) {
          const metrics = await fetch(`${service.adminUrl}/metrics`);
          assert.equal(metrics.status, 200);
          assert.match(await metrics.text(), new RegExp(`^${METRIC.httpServerRequestDuration.name}_count\\{`, 'm'));
        }
      });

      it('drains and exits 0 on SIGTERM', async () => {
        for (const service of ['order-service', 'payment-service', 'user-service'] as const) {
          assert.equal(await stack.kill(service, 'SIGTERM'), 0, `${service} exit status`);
        }
      });
    });
  }
});
