/**
 * @module The responses in flight on an HTTP server, and its drain: once draining, the server stops listening, every
 * connection takes at most one more request, and the drain ends as soon as the requests it accepted are answered.
 *
 * Node's `server.close()` only stops listening (and closes the connections idle at that instant): a kept-alive
 * connection goes on taking requests until it idles. So while draining:
 * - every response that has not started is sent with `Connection: close`, and Node closes the socket right after
 *   it: a client whose request was accepted gets its whole answer, then a clean close, never a reset;
 * - a request that arrives on an idle kept-alive connection is still answered, with `Connection: close`: closing
 *   such a connection while a client may be writing to it is what resets clients (an HTTP/1.1 server cannot know
 *   that a request is on its way);
 * - once nothing is in flight, the connections still idle are closed and the drain ends. When a load balancer
 *   stopped sending on readiness, none of them gets another request; the drain is as long as the longest request.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
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
  const inFlight = new Set<ServerResponse>();
  /** The latest response per connection (a pipelined request's response waits behind the one before it). */
  const latestOn = new Map<Duplex, ServerResponse>();
  let draining: Promise<void> | undefined;

  // setImmediate: runs once Node has detached the finished response from its socket, so the socket counts as idle.
  const closeIdleWhenNothingInFlight = () =>
    setImmediate(() => {
      if (inFlight.size === 0) server.closeIdleConnections();
    });

  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    inFlight.add(response);
    latestOn.set(socket, response);
    if (draining) response.shouldKeepAlive = false;
    response.once('close', () => {
      inFlight.delete(response);
      if (latestOn.get(socket) === response) latestOn.delete(socket);
      if (draining) closeIdleWhenNothingInFlight();
    });
  });

  const drain = (): Promise<void> => {
    draining ??= new Promise<void>((resolve) => {
      for (const response of inFlight) {
        // Not started yet: its head will say `Connection: close`. Already started: its connection idles when it ends
        // and is closed with the other idle ones (or answers one more request, with `Connection: close`).
        if (!response.headersSent) response.shouldKeepAlive = false;
      }
      // net.Server's close, not http.Server's: the latter also closes the connections idle right now, and resets a
      // client whose request on one of them is already on the wire. Resolves once every connection is closed.
      NetServer.prototype.close.call(server, () => resolve());
      closeIdleWhenNothingInFlight();
    });
    return draining;
  };

  return {
    responseOn: (socket) => latestOn.get(socket),
    inFlight: () => inFlight.size,
    drain,
  };
};
