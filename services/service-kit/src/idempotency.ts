/**
 * @module `Idempotency-Key` handling shared by the services: the header's schema, the replay marker, and the
 * request fingerprint that tells a true repeat from a reuse of the key with another body.
 */
import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set to `true` on a response that replays the first result for a key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** docs/api.md: 1–255 printable ASCII characters. */
export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x20-\x7e]{1,255}$/, 'must be 1–255 printable ASCII characters')
  .openapi({ description: 'Makes the request safe to repeat: a repeat returns the first result.' });

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
