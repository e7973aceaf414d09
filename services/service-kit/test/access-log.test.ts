/**
 * The access log: one line per request with the normalised method, the route template and the status; probes and
 * scrapes at debug (they come every few seconds from machines), client requests at info, 5xx at error; never the raw
 * path or method token a client sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEALTH_PATHS, METRICS_PATH } from '@mesh-stack/stack';
import { pino } from 'pino';
import { createServiceApp } from '../src/service-app.ts';

interface Line {
  level: number;
  msg: string;
  method?: string;
  route?: string;
  status?: number;
}

const LEVEL = { debug: 20, info: 30, error: 50 } as const;

const appWithLog = () => {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  const app = createServiceApp({ logger });
  app.get(HEALTH_PATHS.live, (c) => c.json({ status: 'ok' }));
  app.get(METRICS_PATH, (c) => c.text('# EOF\n'));
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  const requests = () => lines.filter((line) => line.msg === 'request');
  return { app, requests, lines };
};

describe('access log', () => {
  it('logs probes and scrapes at debug, client requests at info, 5xx at error', async () => {
    const { app, requests } = appWithLog();
    await app.request(HEALTH_PATHS.live);
    await app.request(METRICS_PATH);
    await app.request('/users/0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11');
    await app.request('/boom');
    assert.deepEqual(
      requests().map((line) => [line.route, line.level]),
      [
        [HEALTH_PATHS.live, LEVEL.debug],
        [METRICS_PATH, LEVEL.debug],
        ['/users/:id', LEVEL.info],
        ['/boom', LEVEL.error],
      ],
    );
  });

  it('records the route template and a known method, never the raw path or method token', async () => {
    const { app, requests, lines } = appWithLog();
    await app.request('/users/ada@example.org');
    await app.request('/ada@example.org/anything');
    await app.request('/users/1', { method: 'PROPFIND' });
    assert.deepEqual(
      requests().map((line) => [line.method, line.route, line.status]),
      [
        ['GET', '/users/:id', 200],
        ['GET', '_unmatched', 404],
        ['_OTHER', '_unmatched', 405],
      ],
    );
    assert.doesNotMatch(JSON.stringify(lines), /ada@example\.org|PROPFIND/);
  });
});
