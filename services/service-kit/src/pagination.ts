/**
 * @module Cursor pagination: newest first by UUIDv7 id, `limit` 1–100 (default 20), and an opaque base64url cursor
 * naming the last item of the previous page.
 *
 * The cursor is the 16 bytes of that id in base64url without padding: exactly 22 characters, the last one of `A`,
 * `Q`, `g` or `w` (its low 4 bits are padding). Every string of that shape decodes to some id, so the documented
 * pattern is the whole rule: a client (or a contract test) that follows the pattern is never refused.
 */
import { z } from '@hono/zod-openapi';
import { isUuid } from './ids.ts';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** docs/api.md: the shape of every cursor this API issues. */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/**
 * Query-string integers are plain decimal digits: no sign, spaces, leading zeros, exponent or hex, so `0x10`,
 * `" 10 "` and `1e2` are refused instead of being read as 16, 10 and 100 by `Number()`.
 */
export const DECIMAL_INTEGER_PATTERN = /^(?:0|[1-9][0-9]{0,15})$/;

export const encodeCursor = (lastId: string): string =>
  Buffer.from(lastId.replaceAll('-', ''), 'hex').toString('base64url');

/** The id inside a cursor (lower-case UUID text), or undefined when the text does not have a cursor's shape. */
export const decodeCursor = (cursor: string): string | undefined => {
  if (!CURSOR_PATTERN.test(cursor)) return undefined;
  const hex = Buffer.from(cursor, 'base64url').toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return isUuid(id) ? id : undefined;
};

export interface QueryIntegerOptions {
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly description: string;
}

/**
 * An integer query parameter: validated as decimal text, then as a number in range. The document shows it as an
 * integer (what it means), the pattern rule is in its description.
 */
export const queryInteger = ({ min, max, default: fallback, description }: QueryIntegerOptions) =>
  z
    .string()
    .regex(DECIMAL_INTEGER_PATTERN, 'must be a decimal integer (digits only, no sign, spaces or leading zeros)')
    .transform(Number)
    .pipe(z.int().min(min).max(max))
    .default(fallback)
    .openapi({
      type: 'integer',
      minimum: min,
      maximum: max,
      default: fallback,
      example: fallback,
      description: `${description} Decimal digits only: no sign, spaces, leading zeros, exponent or hex.`,
    });

/** Query-string members every list endpoint takes. */
export const pageQueryShape = {
  limit: queryInteger({
    min: 1,
    max: MAX_PAGE_LIMIT,
    default: DEFAULT_PAGE_LIMIT,
    description: `Page size, 1–${MAX_PAGE_LIMIT}.`,
  }),
  cursor: z
    .string()
    .regex(CURSOR_PATTERN, 'is not a cursor returned by this API')
    .optional()
    .openapi({
      description:
        "The `nextCursor` of the previous page: 22 base64url characters (the last item's id). Omit it for the " +
        'first page.',
      pattern: CURSOR_PATTERN.source,
      example: 'AZD1yHo-fMGPTiudbBoOEQ',
    }),
};

export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/** Builds a page from up to `limit + 1` rows fetched newest first (the extra row only says another page exists). */
export const toPage = <Item extends { id: string }>(rows: readonly Item[], limit: number): Page<Item> => {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
};

/** OpenAPI/zod schema of a page of `item`. */
export const pageSchema = <Item extends z.ZodType>(item: Item) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .regex(CURSOR_PATTERN)
      .nullable()
      .openapi({ description: 'Pass it as `cursor` for the next page; null on the last page.' }),
  });
