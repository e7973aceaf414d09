/**
 * @module The responses in flight on an HTTP server, and its drain: once draining, the server stops listening, every
 * connection takes at most one more request, and the drain ends as soon as the requests it accepted are answered.
 *
 * Node's `server.close()` only stops listening (and closes the connections idle at that instant): a kept-alive
 * connection goes on taking requests until it idles. So while draining:
 * - every response that has not started is sent with `Connection: close`, and Node closes the socket right after
 *   it: a client whose request was accepted gets its whole answer, then a clean close, never a reset;
 * - a request that arrives on an idle kept-alive connection is still answered, with `Connection: close`. An HTTP/1.1
 *   server cannot know that a request is on its way: closing an idle connection while its client writes to it
 *   resets that client (closing with unread data sends a TCP RST). So idle connections are closed only once nothing
 *   is in flight and the drain is at least `idleLingerMs` old, long enough for a request already on the wire (or
 *   sent before the load balancer saw readiness turn false) to arrive and be answered;
 * - the drain ends when the last connection closes: as long as the longest request, or the short linger.
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

/** How long idle kept-alive connections stay open after the drain began, to answer a request already on its way. */
export const DEFAULT_IDLE_LINGER_MS = 500;

/** Must be called before the server receives its first request: the listener runs before the app's. */
export const trackConnections = (
  server: Server,
  { idleLingerMs = DEFAULT_IDLE_LINGER_MS }: { idleLingerMs?: number } = {},
): TrackedServer => {
  const inFlight = new Set<ServerResponse>();
  /** The latest response per connection (a pipelined request's response waits behind the one before it). */
  const latestOn = new Map<Duplex, ServerResponse>();
  let draining: Promise<void> | undefined;
  let lingerOver = false;

  // setImmediate: runs once Node has detached the finished response from its socket, so the socket counts as idle.
  const closeIdleWhenNothingInFlight = () =>
    setImmediate(() => {
      if (lingerOver && inFlight.size === 0) server.closeIdleConnections();
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
      const linger = setTimeout(() => {
        lingerOver = true;
        closeIdleWhenNothingInFlight();
      }, idleLingerMs);
      // net.Server's close, not http.Server's: the latter also closes the connections idle right now, and resets a
      // client whose request on one of them is already on the wire. Calls back once every connection is closed.
      NetServer.prototype.close.call(server, () => {
        clearTimeout(linger);
        resolve();
      });
    });
    return draining;
  };

  return {
    responseOn: (socket) => latestOn.get(socket),
    inFlight: () => inFlight.size,
    drain,
  };
};
