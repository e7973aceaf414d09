import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { CURRENCIES, STEP, STEP_NAMES } from '../scenario.ts';
import { formatProgress, formatSummary, type LoadProgress, type LoadSummary, runLoad } from './index.ts';
import { type InMemoryApi, startInMemoryApi } from './test/in-memory-api.ts';

const apis: InMemoryApi[] = [];
after(async () => {
  await Promise.all(apis.map((api) => api.close()));
});
const api = async (options?: Parameters<typeof startInMemoryApi>[0]): Promise<InMemoryApi> => {
  const started = await startInMemoryApi(options);
  apis.push(started);
  return started;
};

const accounted = (summary: LoadSummary): number => {
  const { completed, failed, dropped, interrupted } = summary.iterations;
  return completed + failed + dropped + interrupted;
};

const isPost = (path: string) => (request: { method: string; path: string }) =>
  request.method === 'POST' && request.path === path;

describe('runLoad', () => {
  it('runs rate × duration iterations of create user → create order → read order, all accounted for', async () => {
    const server = await api();
    const summary = await runLoad({
      userServiceUrl: server.url,
      orderServiceUrl: server.url,
      ratePerSecond: 40,
      durationSeconds: 1,
      thinkTimeScale: 0,
    });

    assert.equal(summary.iterations.scheduled, 40);
    assert.equal(summary.iterations.completed, 40);
    assert.equal(accounted(summary), 40);
    assert.deepEqual(summary.errorsByStatus, {});
    assert.equal(summary.errorRate, 0);
    assert.equal(summary.aborted, false);
    for (const step of STEP_NAMES) {
      assert.equal(summary.steps[step].requests, 40, step);
      assert.equal(summary.steps[step].failed, 0, step);
      assert.equal(summary.steps[step].latencyMs.count, 40, step);
      assert.ok(summary.steps[step].latencyMs.max >= summary.steps[step].latencyMs.p50, step);
    }
    assert.deepEqual(summary.steps[STEP.createUser].statuses, { 201: 40 });
    assert.deepEqual(summary.steps[STEP.createOrder].statuses, { 201: 40 });
    assert.deepEqual(summary.steps[STEP.readOrder].statuses, { 200: 40 });
    assert.equal(summary.iterationLatencyMs.count, 40);

    // The server saw exactly the scenario: unique users (it answers 409 to a taken email), orders for those users
    // in the API's currencies and bounds, each with an idempotency key, and each created order read back once.
    assert.equal(server.users.size, 40);
    assert.equal(server.orders.size, 40);
    const orderPosts = server.seen.filter(isPost('/orders'));
    for (const { body, headers } of orderPosts) {
      const order = body as { currency: string; items: { quantity: number; unitAmountMinor: number }[] };
      assert.ok((CURRENCIES as readonly string[]).includes(order.currency));
      assert.ok(order.items.length >= 1 && order.items.length <= 50);
      assert.match(String(headers['idempotency-key']), /^load-[\w-]+-\d+$/);
    }
    const reads = server.seen.filter((request) => request.method === 'GET').map((request) => request.path);
    assert.deepEqual(reads.sort(), [...server.orders.keys()].map((id) => `/orders/${id}`).sort());
    assert.equal(new Set(orderPosts.map(({ headers }) => headers['idempotency-key'])).size, 40);
  });

  it('measures latency from the intended start, so a stall shows up in every iteration that had to wait', async () => {
    // The first POST /users is held for 800 ms. With one iteration allowed in flight, iterations due meanwhile
    // (every 25 ms) wait in the backlog: iteration i, due at 25·i ms, cannot start before 800 ms, so its latency
    // is at least 800 − 25·i ms even though the server answers it at once.
    const holdMs = 800;
    const server = await api({
      beforeAnswer: (_request, sequence) => (sequence === 0 ? delay(holdMs) : undefined),
    });
    const summary = await runLoad({
      userServiceUrl: server.url,
      orderServiceUrl: server.url,
      ratePerSecond: 40,
      durationSeconds: 1,
      maxConcurrency: 1,
      maxBacklog: 100,
      thinkTimeScale: 0,
    });

    assert.equal(summary.iterations.completed, 40);
    assert.equal(summary.iterations.dropped, 0);
    // Iterations 1..31 were due before 790 ms and started after 800 ms.
    assert.ok(summary.iterations.late >= 31, `late ${summary.iterations.late}`);
    const createUser = summary.steps[STEP.createUser];
    // At least 21 of the 40 iterations (i ≤ 20) waited 300 ms or more, so the median does (HdrHistogram rounds
    // within 0.1%). A driver timing from the actual send would report a median of a few milliseconds.
    assert.ok(createUser.latencyMs.p50 >= 299, `create_user p50 ${createUser.latencyMs.p50} ms`);
    assert.ok(createUser.latencyMs.max >= holdMs - 1, `create_user max ${createUser.latencyMs.max} ms`);
    assert.ok(createUser.serviceTimeMs.p50 < createUser.latencyMs.p50, JSON.stringify(createUser));
    assert.ok(summary.iterationLatencyMs.p50 >= 299);
    // Later steps are due when the previous step ended: the wait for a slot is counted once, on the first step.
    const createOrder = summary.steps[STEP.createOrder];
    assert.ok(createOrder.latencyMs.p50 < createUser.latencyMs.p50, JSON.stringify(createOrder));
  });

  it('drops iterations that find the concurrency cap and the backlog full, and counts them', async () => {
    // The first iteration holds the only slot for longer than the whole schedule: every later one is dropped.
    const server = await api({
      beforeAnswer: (_request, sequence) => (sequence === 0 ? delay(700) : undefined),
    });
    const summary = await runLoad({
      userServiceUrl: server.url,
      orderServiceUrl: server.url,
      ratePerSecond: 40,
      durationSeconds: 0.5,
      maxConcurrency: 1,
      maxBacklog: 0,
      thinkTimeScale: 0,
    });

    assert.equal(summary.iterations.scheduled, 20);
    assert.equal(summary.iterations.completed, 1);
    assert.equal(summary.iterations.dropped, 19);
    assert.equal(accounted(summary), 20);
    assert.equal(server.seen.filter(isPost('/users')).length, 1);
  });

  it('counts failures by status and stops an iteration at its first failed step', async () => {
    // Every other POST /orders answers 503; a failed order is not read back.
    let orderPosts = 0;
    const server = await api({
      answer: (request) => {
        if (request.method !== 'POST' || request.path !== '/orders') return undefined;
        orderPosts += 1;
        return orderPosts % 2 === 0 ? { status: 503 } : undefined;
      },
    });
    const summary = await runLoad({
      userServiceUrl: server.url,
      orderServiceUrl: server.url,
      ratePerSecond: 20,
      durationSeconds: 1,
      thinkTimeScale: 0,
    });

    assert.equal(summary.iterations.completed, 10);
    assert.equal(summary.iterations.failed, 10);
    assert.deepEqual(summary.errorsByStatus, { 503: 10 });
    assert.deepEqual(summary.steps[STEP.createOrder].statuses, { 201: 10, 503: 10 });
    assert.equal(summary.steps[STEP.readOrder].requests, 10);
    assert.equal(summary.errorRate, 10 / 50);
  });

  it('tells a wrong status from a wrong body (check_failed) and from connection failures', async () => {
    const readsFail = await api({ answer: (request) => (request.method === 'GET' ? { status: 404 } : undefined) });
    const noUserId = await api({
      // 201 but no id: the order cannot be placed, although the status is right.
      answer: (request) => (request.path === '/users' ? { status: 201, body: { email: 'x@example.com' } } : undefined),
    });
    const refused = await startInMemoryApi();
    await refused.close(); // its port now refuses connections
    const run = (userServiceUrl: string, orderServiceUrl: string) =>
      runLoad({ userServiceUrl, orderServiceUrl, ratePerSecond: 10, durationSeconds: 0.5, thinkTimeScale: 0 });

    const wrongStatus = await run(readsFail.url, readsFail.url);
    assert.deepEqual(wrongStatus.errorsByStatus, { 404: 5 });
    assert.deepEqual(wrongStatus.steps[STEP.readOrder].errors, { 404: 5 });
    assert.equal(wrongStatus.iterations.failed, 5);

    const wrongBody = await run(noUserId.url, noUserId.url);
    assert.deepEqual(wrongBody.errorsByStatus, { check_failed: 5 });
    assert.equal(wrongBody.steps[STEP.createOrder].requests, 0);

    const unreachable = await run(readsFail.url, refused.url);
    assert.deepEqual(unreachable.errorsByStatus, { network_error: 5 });
    assert.deepEqual(unreachable.steps[STEP.createOrder].statuses, {});
  });

  it('ends early on abort, interrupting running iterations, and still returns the summary', async () => {
    const server = await api({ beforeAnswer: () => delay(5_000, undefined, { ref: false }) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const summary = await runLoad({
      userServiceUrl: server.url,
      orderServiceUrl: server.url,
      ratePerSecond: 20,
      durationSeconds: 60,
      signal: controller.signal,
    });
    assert.equal(summary.aborted, true);
    assert.ok(summary.elapsedSeconds < 5, `elapsed ${summary.elapsedSeconds}`);
    assert.ok(summary.iterations.interrupted > 0);
    assert.equal(summary.iterations.completed, 0);
    assert.equal(accounted(summary), summary.iterations.scheduled);
  });

  it('rejects when the scenario itself throws, instead of counting a bug as a server error', async () => {
    const server = await api();
    await assert.rejects(
      runLoad({
        userServiceUrl: server.url,
        orderServiceUrl: server.url,
        ratePerSecond: 10,
        durationSeconds: 1,
        random: () => {
          throw new Error('broken random source');
        },
      }),
      /broken random source/,
    );
  });

  it('reports progress while running', async () => {
    const server = await api();
    const progress: LoadProgress[] = [];
    await runLoad({
      userServiceUrl: server.url,
      orderServiceUrl: server.url,
      ratePerSecond: 20,
      durationSeconds: 0.6,
      thinkTimeScale: 0,
      progressIntervalMs: 100,
      onProgress: (entry) => progress.push(entry),
    });
    assert.ok(progress.length >= 1);
    const last = progress.at(-1);
    assert.ok(last !== undefined && last.scheduled > 0 && last.targetDurationSeconds === 0.6);
    assert.match(formatProgress(last), /^\[load\] \d+s\/0\.6s .*create_order p99/);
  });

  it('refuses non-loopback targets and out-of-bounds settings before sending anything', async () => {
    const base = { userServiceUrl: 'http://127.0.0.1:1', orderServiceUrl: 'http://127.0.0.1:1' };
    await assert.rejects(
      runLoad({ ...base, orderServiceUrl: 'http://192.0.2.10:8082', ratePerSecond: 1, durationSeconds: 1 }),
      /refusing to send load to http:\/\/192\.0\.2\.10:8082/,
    );
    await assert.rejects(runLoad({ ...base, ratePerSecond: 0, durationSeconds: 1 }), RangeError);
    await assert.rejects(runLoad({ ...base, ratePerSecond: 1e6, durationSeconds: 1 }), RangeError);
    await assert.rejects(runLoad({ ...base, ratePerSecond: 1, durationSeconds: 1e6 }), RangeError);
    await assert.rejects(runLoad({ ...base, ratePerSecond: 1, durationSeconds: 1, maxConcurrency: -1 }), RangeError);
  });

  it('formats a text summary with one line per step', async () => {
    const server = await api();
    const summary = await runLoad({
      userServiceUrl: server.url,
      orderServiceUrl: server.url,
      ratePerSecond: 10,
      durationSeconds: 0.3,
      thinkTimeScale: 0,
    });
    const text = formatSummary(summary);
    for (const step of STEP_NAMES) assert.match(text, new RegExp(`^${step} +3 +0 `, 'm'));
    assert.match(text, /iterations: 3 scheduled, 3 completed, 0 failed, 0 dropped, 0 interrupted/);
    // The JSON form is plain data.
    assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary);
  });
});
