/**
 * @module Cursor pagination: newest first by UUIDv7 id, `limit` 1–100 (default 20), and an opaque base64url cursor
 * naming the last item of the previous page.
 */
import { z } from '@hono/zod-openapi';
import { isUuid } from './ids.ts';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

export const encodeCursor = (lastId: string): string => Buffer.from(lastId, 'utf8').toString('base64url');

/** The id inside a cursor, or undefined when the text is not a cursor this API issued. */
export const decodeCursor = (cursor: string): string | undefined => {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isUuid(id) ? id.toLowerCase() : undefined;
};

/** Query-string members every list endpoint takes. */
export const pageQueryShape = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(DEFAULT_PAGE_LIMIT)
    .openapi({ description: `Page size, 1–${MAX_PAGE_LIMIT}.`, example: DEFAULT_PAGE_LIMIT }),
  cursor: z
    .string()
    .refine((value) => decodeCursor(value) !== undefined, 'is not a cursor returned by this API')
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page.' }),
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
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
