/** @module Fails fast, naming the port and its owner, when a port the stack needs is already taken. */
import { createServer } from 'node:net';

export const isPortFree = (port: number, host = '127.0.0.1'): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
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
