/**
 * @module Route middleware for endpoints that take a JSON body: `application/json` only (415 otherwise) and at most
 * 64 KiB (413, checked from `Content-Length` and again while streaming, so a lying header does not help).
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PROBLEM, problemResponse } from '../problem.ts';

/** docs/api.md: JSON bodies are at most 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

// `application/json` and structured-syntax `+json` types, parameters (charset) ignored: the same test Hono's
// validator applies, so a body this middleware lets through is one the validator parses.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export interface JsonBodyOptions {
  /** @default MAX_BODY_BYTES */
  maxBytes?: number;
}

export const requireJsonContentType = (): MiddlewareHandler =>
  async function requireJsonContentType(c, next) {
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim() ?? '';
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      return problemResponse(c, PROBLEM.unsupportedMediaType, {
        detail: mediaType ? `Content-Type ${mediaType.slice(0, 100)} is not supported.` : 'Content-Type is missing.',
        headers: { 'accept-post': 'application/json' },
      });
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
];
