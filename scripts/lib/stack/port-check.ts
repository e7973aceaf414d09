/**
 * @module Port checks: fail fast, naming the port and its owner, when a port the stack needs is already taken; find
 * a free one for processes that cannot listen on port 0 themselves.
 */
import { createServer } from 'node:net';

export const isPortFree = (port: number, host = '127.0.0.1'): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });

/**
 * A loopback port the OS considers free right now, for a child process that takes its port as configuration (the
 * caller starts it at once; another process could take the port in between, which loopback tests accept).
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned')),
      );
    });
  });

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
