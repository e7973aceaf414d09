/**
 * @module Route middleware for endpoints that take a JSON body: `application/json` in UTF-8 only, not compressed
 * (415 otherwise), at most 64 KiB (413, checked from `Content-Length` and again while streaming, so a lying header
 * does not help), and valid UTF-8 (400: JSON text is UTF-8, RFC 8259 §8.1, and a decoder that silently turns bad
 * bytes into U+FFFD would store text the client never sent).
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PROBLEM, problemResponse } from '../problem.ts';

/** docs/api.md: JSON bodies are at most 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

// `application/json` and structured-syntax `+json` types: the same test Hono's validator applies, so a body this
// middleware lets through is one the validator parses.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
/** The only charset JSON has (RFC 8259 §8.1); a client may still say so. */
const UTF8 = /^utf-?8$/i;
const IDENTITY = 'identity';

export interface JsonBodyOptions {
  /** @default MAX_BODY_BYTES */
  maxBytes?: number;
}

interface MediaType {
  readonly essence: string;
  readonly charset: string | undefined;
}

/** `type/subtype; name=value; name="quoted"` → the type and its `charset` parameter, if any. */
export const parseMediaType = (header: string): MediaType => {
  const [essence = '', ...parameters] = header.split(';');
  let charset: string | undefined;
  for (const parameter of parameters) {
    const separator = parameter.indexOf('=');
    if (separator === -1) continue;
    if (parameter.slice(0, separator).trim().toLowerCase() !== 'charset') continue;
    charset = parameter
      .slice(separator + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { essence: essence.trim(), charset };
};

/** Printable ASCII only and short: the echo of a client's header in a problem's detail must not carry anything. */
const echo = (value: string): string => value.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);

export const requireJsonContentType = (): MiddlewareHandler =>
  async function requireJsonContentType(c, next) {
    const { essence, charset } = parseMediaType(c.req.header('content-type') ?? '');
    if (!JSON_MEDIA_TYPE.test(essence)) {
      return problemResponse(c, PROBLEM.unsupportedMediaType, {
        detail: essence ? `Content-Type ${echo(essence)} is not supported.` : 'Content-Type is missing.',
        headers: { 'accept-post': 'application/json' },
      });
    }
    if (charset !== undefined && !UTF8.test(charset)) {
      return problemResponse(c, PROBLEM.unsupportedMediaType, {
        detail: `The charset ${echo(charset)} is not supported: JSON is UTF-8.`,
        headers: { 'accept-post': 'application/json' },
      });
    }
    const encoding = c.req.header('content-encoding')?.trim().toLowerCase();
    if (encoding && encoding !== IDENTITY) {
      return problemResponse(c, PROBLEM.unsupportedContentEncoding, {
        detail: `Content-Encoding ${echo(encoding)} is not supported: send the body uncompressed.`,
        // RFC 7694 §3: the codings the server accepts in requests.
        headers: { 'accept-encoding': IDENTITY },
      });
    }
    await next();
  };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the (already size-limited) body once and refuses bytes that are not UTF-8; the validator reuses the read. */
export const requireUtf8Body = (): MiddlewareHandler =>
  async function requireUtf8Body(c, next) {
    const bytes = await c.req.arrayBuffer();
    try {
      strictUtf8.decode(bytes);
    } catch {
      return problemResponse(c, PROBLEM.malformedJson, { detail: 'The body is not valid UTF-8.' });
    }
    await next();
  };

/**
 * @example
 * createRoute({ method: 'post', path: '/users', middleware: jsonBody(), request: { body: ... }, ... })
 */
export const jsonBody = ({ maxBytes = MAX_BODY_BYTES }: JsonBodyOptions = {}): MiddlewareHandler[] => [
  requireJsonContentType(),
  bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      problemResponse(c, PROBLEM.payloadTooLarge, {
        detail: `The body must be at most ${maxBytes} bytes.`,
        // The rest of the body is never read, so this connection cannot carry another request: say so, or the
        // client reuses it and its next request fails.
        headers: { connection: 'close' },
      }),
  }),
  requireUtf8Body(),
];
