/**
 * @module Requests that Node's HTTP parser refuses before any app sees them (a bad method token, a CR inside a
 * header, both `Content-Length` and `Transfer-Encoding`, a 100 KB URL, 20 KB of headers, a request that arrives too
 * slowly) still get an RFC 9457 problem+json answer with the right 4xx, `Connection: close`, and one warning log
 * line with a bounded reason (the parser's error code, never request content). Node's default answer is a bare
 * status line.
 *
 * No metric: these requests never reach the app, so the server metrics (recorded by the telemetry's server
 * middleware) do not see them, and `ServiceTelemetry` offers no counter for them (one would need a hook there and a
 * metric in the telemetry contract). The log line carries `reason` and `status` for a log-based count.
 *
 * The same goes for requests the parser takes but that name no URL the adapter can build (an HTTP/1.1 request
 * without `Host`, a host that is not one, a backslash in the path): Node's own `Host` check answers with a bare
 * status line, so the server turns it off and {@link requestErrorHandler} answers instead.
 */
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { RequestError } from '@hono/node-server';
import type { Logger } from './logger.ts';
import { PROBLEM, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, type ProblemKind } from './problem.ts';

export const PARSER_PROBLEM = {
  malformedRequest: { slug: 'malformed-request', status: 400, title: 'The request is not valid HTTP/1.1.' },
  requestTimeout: { slug: 'request-timeout', status: 408, title: 'The request did not arrive in time.' },
  uriTooLong: { slug: 'uri-too-long', status: 414, title: 'The request target is too long.' },
  headersTooLarge: {
    slug: 'request-header-fields-too-large',
    status: 431,
    title: 'The request header fields are too large.',
  },
} as const satisfies Record<string, ProblemKind>;

/** What Node passes to `clientError`: llhttp's `HPE_*` codes, or Node's own for timeouts. */
export interface ParserError extends Error {
  readonly code?: string;
  /** The chunk being parsed when the error occurred. */
  readonly rawPacket?: Buffer;
}

export interface ParserErrorVerdict {
  readonly kind: ProblemKind;
  /** The error code, from a fixed vocabulary: safe to log and bounded. */
  readonly reason: string;
}

const HALF_OPEN_LIMIT_MS = 1000;
const PARSER_CODE = /^HPE_[A-Z_]{1,40}$/;
/** A request line whose target has not ended yet: `METHOD /…` with no space or line break after the target. */
const UNFINISHED_REQUEST_LINE = /^[A-Z]{1,20} [^\s]*$/;

/**
 * Which problem answers a parser error, or `undefined` when nobody is left to answer (the client reset the
 * connection). A header overflow inside an unfinished request line is a 414; any other overflow a 431.
 */
export const classifyParserError = (error: ParserError): ParserErrorVerdict | undefined => {
  const code = error.code ?? '';
  if (code === 'ECONNRESET' || code === 'EPIPE') return undefined;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { kind: PARSER_PROBLEM.requestTimeout, reason: code };
  if (code === 'HPE_HEADER_OVERFLOW') {
    // Only the chunk being parsed is known; its start is enough: the request line is the first thing on the wire.
    const head = error.rawPacket?.subarray(0, 64 * 1024).toString('latin1') ?? '';
    return UNFINISHED_REQUEST_LINE.test(head)
      ? { kind: PARSER_PROBLEM.uriTooLong, reason: code }
      : { kind: PARSER_PROBLEM.headersTooLarge, reason: code };
  }
  return { kind: PARSER_PROBLEM.malformedRequest, reason: PARSER_CODE.test(code) ? code : 'HPE_OTHER' };
};

/** The whole HTTP/1.1 response, status line to body: the parser's state is unknown, so the connection closes. */
export const parserProblemResponse = (kind: ProblemKind): Buffer => {
  const body = JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${kind.slug}`, title: kind.title, status: kind.status });
  return Buffer.from(
    `HTTP/1.1 ${kind.status} ${STATUS_CODES[kind.status] ?? ''}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n' +
      '\r\n' +
      body,
  );
};

/** Logs at most `maxLines` lines per `windowMs`; the first line of the next window says how many were left out. */
const throttledWarn = (logger: Logger, windowMs: number, maxLines: number) => {
  let windowStart = Number.NEGATIVE_INFINITY;
  let logged = 0;
  let suppressed = 0;
  return (fields: Record<string, unknown>, message: string): void => {
    const now = performance.now();
    if (now - windowStart >= windowMs) {
      windowStart = now;
      logged = 0;
    }
    if (logged >= maxLines) {
      suppressed++;
      return;
    }
    logged++;
    logger.warn({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
    suppressed = 0;
  };
};

export interface ParserErrorHandlerOptions {
  readonly logger: Logger;
  /** The response being written on this connection, if any: once its head is sent, no other answer can follow. */
  readonly responseOn: (socket: Duplex) => ServerResponse | undefined;
  /** At most this many log lines a second, so a flood of bad requests cannot flood the logs. @default 20 */
  readonly maxLogLinesPerSecond?: number;
}

/**
 * The server's `clientError` listener. Never throws: a parser error must not crash the process.
 *
 * @example
 * server.on('clientError', parserErrorHandler({ logger, responseOn }));
 */
export const parserErrorHandler = ({ logger, responseOn, maxLogLinesPerSecond = 20 }: ParserErrorHandlerOptions) => {
  const warn = throttledWarn(logger, 1000, maxLogLinesPerSecond);
  return (error: ParserError, socket: Duplex): void => {
    const verdict = classifyParserError(error);
    if (verdict === undefined || !socket.writable || responseOn(socket)?.headersSent) {
      socket.destroy();
      return;
    }
    warn({ reason: verdict.reason, status: verdict.kind.status }, 'request refused by the HTTP parser');
    socket.end(parserProblemResponse(verdict.kind));
    // The server allows half-open connections: a client that never closes its side must not hold this one.
    setTimeout(() => socket.destroy(), HALF_OPEN_LIMIT_MS).unref();
  };
};

/** The adapter's reasons for refusing to build a request, as bounded log reasons (never the request's content). */
const REQUEST_ERROR_REASON: Readonly<Record<string, string>> = {
  'Missing host header': 'MISSING_HOST',
  'Invalid host header': 'INVALID_HOST',
  'Backslash in request path': 'BACKSLASH_IN_PATH',
};

export interface RequestErrorHandlerOptions {
  readonly logger: Logger;
  /** @default 20 */
  readonly maxLogLinesPerSecond?: number;
}

/**
 * The adapter's `errorHandler` (`@hono/node-server`): a request it cannot turn into a `Request` gets a 400 problem;
 * anything else thrown outside the app (the app's own errors are its `onError`'s) a 500 problem. The parser took
 * the whole request, but a client that sends such requests gets its connection closed, as for parser errors.
 *
 * @example
 * createAdaptorServer({ fetch: app.fetch, errorHandler: requestErrorHandler({ logger }) });
 */
export const requestErrorHandler = ({ logger, maxLogLinesPerSecond = 20 }: RequestErrorHandlerOptions) => {
  const warn = throttledWarn(logger, 1000, maxLogLinesPerSecond);
  const answer = (kind: ProblemKind): Response =>
    new Response(JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${kind.slug}`, title: kind.title, status: kind.status }), {
      status: kind.status,
      // As for the parser's refusals: a client that sends such requests is not one to keep a connection for.
      headers: { 'content-type': PROBLEM_CONTENT_TYPE, connection: 'close' },
    });
  return (error: unknown): Response => {
    if (error instanceof RequestError) {
      const reason = REQUEST_ERROR_REASON[error.message] ?? 'INVALID_URL';
      warn({ reason, status: PARSER_PROBLEM.malformedRequest.status }, 'request refused: no URL to build');
      return answer(PARSER_PROBLEM.malformedRequest);
    }
    logger.error({ err: error }, 'request failed outside the app');
    return answer(PROBLEM.internal);
  };
};
