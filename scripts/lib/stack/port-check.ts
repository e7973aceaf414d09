/**
 * @module Port checks: fail fast, naming the port and its owner, when a port the stack needs is already taken; find
 * a free one for processes that cannot listen on port 0 themselves.
 */
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

export const isPortFree = (port: number, host = '127.0.0.1'): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });

/**
 * Where {@link freePort} looks: above every port a local stack uses (the defaults and the test stacks' offsets,
 * scripts/lib/stack/ports.test.ts checks) and below Linux's ephemeral range (32768–60999). A port from the
 * ephemeral range, which is where `listen(0)` lands, can be taken as the local port of an outgoing connection between
 * the check and the child's own bind: the child then fails with EADDRINUSE, the likely end of a lost bench run.
 */
export const FREE_PORT_RANGE = { lowest: 24_000, highest: 32_767 } as const;

/** Ports this process has handed out, so two callers at once never get the same one. */
const handedOut = new Set<number>();

/**
 * A loopback port that is free right now, for a child process that takes its port as configuration (the caller
 * starts it at once). Chosen at random from {@link FREE_PORT_RANGE}, so parallel test processes rarely try the same
 * one, and checked by listening on it.
 */
export const freePort = async (): Promise<number> => {
  const span = FREE_PORT_RANGE.highest - FREE_PORT_RANGE.lowest + 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FREE_PORT_RANGE.lowest + randomInt(span);
    if (handedOut.has(port) || !(await isPortFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found in ${FREE_PORT_RANGE.lowest}–${FREE_PORT_RANGE.highest} after 100 tries`);
};

export const assertPortsFree = async (ports: ReadonlyMap<number, string>): Promise<void> => {
  const taken: string[] = [];
  for (const [port, owner] of ports) {
    if (!(await isPortFree(port))) taken.push(`${port} (${owner})`);
  }
  if (taken.length > 0) {
    throw new Error(
      `ports already in use on 127.0.0.1: ${taken.join(', ')}. Is another stack running (\`npm start\` in another terminal, or a test)? Stop it first (\`ss -ltnp\` shows the owner).`,
    );
  }
};
