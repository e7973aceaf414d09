/**
 * @module The responses in flight on an HTTP server, and its drain: once draining, no connection takes a new
 * request, and the server closes as soon as the requests it already accepted are answered.
 *
 * Node's `server.close()` only stops accepting connections: a kept-alive connection goes on taking requests until
 * it idles. So while draining, every response that has not started yet is sent with `Connection: close` (Node then
 * closes the socket right after it), a response whose head was already sent closes its connection as soon as it
 * ends, and idle connections are closed at once. A client whose request was accepted gets its whole answer, never a
 * reset; `close()` resolves when the last accepted request is answered, not on a polling interval.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface TrackedServer {
  /** The response currently being written on a connection, if any. */
  responseOn(socket: Duplex): ServerResponse | undefined;
  /** Requests accepted and not answered yet. */
  inFlight(): number;
  /** Starts the drain (once) and resolves when every connection is closed. */
  drain(): Promise<void>;
}

/** Must be called before the server receives its first request: the listener runs before the app's. */
export const trackConnections = (server: Server): TrackedServer => {
  const responses = new Map<Duplex, ServerResponse>();
  let draining: Promise<void> | undefined;

  // Runs after Node has fully detached the socket from the response, so an idle connection counts as idle.
  const closeIdleSoon = () => setImmediate(() => server.closeIdleConnections());

  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    responses.set(socket, response);
    // A request already on the wire when the drain began (pipelined, or raced with it) is still answered, last.
    if (draining) response.shouldKeepAlive = false;
    response.once('close', () => {
      if (responses.get(socket) === response) responses.delete(socket);
      if (draining) closeIdleSoon();
    });
  });

  const drain = (): Promise<void> => {
    draining ??= new Promise<void>((resolve) => {
      for (const response of responses.values()) {
        // Not started yet: its head will say `Connection: close` and Node closes the socket after it.
        // Already started: closed as an idle connection when it ends (the 'close' listener above).
        if (!response.headersSent) response.shouldKeepAlive = false;
      }
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    return draining;
  };

  return {
    responseOn: (socket) => responses.get(socket),
    inFlight: () => responses.size,
    drain,
  };
};
