/**
 * @module `Idempotency-Key` handling shared by the services: the header's schema, the replay marker, and the
 * request fingerprint that tells a true repeat from a reuse of the key with another body.
 */
import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set to `true` on a response that replays the first result for a key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/**
 * docs/api.md: 1–255 printable ASCII characters, no comma, no space at either end. HTTP strips the spaces around a
 * header value, and joins repeated headers with `, `: without those two rules `" k"` would silently become `"k"`, and
 * two `Idempotency-Key` headers would become one key `"a, b"`. A repeated header is refused instead (400).
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x2b\x2d-\x7e](?:[\x20-\x2b\x2d-\x7e]{0,253}[\x21-\x2b\x2d-\x7e])?$/;

export const IdempotencyKeySchema = z
  .string()
  .regex(
    IDEMPOTENCY_KEY_PATTERN,
    'must be 1–255 printable ASCII characters without commas or surrounding spaces, and sent once',
  )
  .openapi({
    description:
      'Makes the request safe to repeat: a repeat returns the first result. 1–255 printable ASCII characters, no ' +
      'comma, no space at either end; the header must be sent once (repeated headers are joined with a comma, ' +
      'so they are refused).',
    pattern: IDEMPOTENCY_KEY_PATTERN.source,
  });

const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

/** SHA-256 of the request's validated body in canonical JSON: key order and whitespace do not matter. */
export const requestFingerprint = (body: unknown): string =>
  createHash('sha256').update(canonicalJson(body)).digest('hex');
