/** @module Request and response schemas of user-service: they validate requests and generate the OpenAPI document. */

import { z } from '@hono/zod-openapi';
import { pageQueryShape, pageSchema } from '@mesh-stack/service-kit';

export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 200;

/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
export const MAX_EMAIL_LOCAL_PART_LENGTH = 64;

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/**
 * docs/api.md: an email is an RFC 5321 mailbox in its common form: a dot-atom local part (at most 64 characters), `@`
 * and a host name of at least two labels, at most 254 characters in all. Quoted local parts, address literals and
 * single-label hosts are valid RFC 5321 but not accepted: no mail provider hands them out. Uniqueness ignores case.
 * One source for the validator and the document (an ECMA-262, Python and Rust pattern alike).
 */
export const EMAIL_PATTERN_SOURCE = `^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`;
const EMAIL_PATTERN = new RegExp(EMAIL_PATTERN_SOURCE);

/**
 * Characters a name must not contain: control characters (C0, DEL, C1), the invisible format characters of the
 * BMP (soft hyphen, Arabic/Syriac marks, zero-width space U+200B, the direction marks, embeddings, overrides and
 * isolates U+200E-U+200F, U+202A-U+202E, U+2066-U+2069, word joiners U+2060-U+2064, the BOM U+FEFF, interlinear
 * annotation U+FFF9-U+FFFB), line and paragraph separators; and, checked apart (a pattern cannot name them in every
 * regex dialect), unpaired surrogates. They make a name invisible,
 * reorder the text around it, or break the logs and terminals it reaches. ZWNJ and ZWJ (U+200C, U+200D) stay: Persian
 * names and emoji sequences need them.
 */
const FORBIDDEN =
  '\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e' +
  '\\u200b\\u200e\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb';
/** Blanks that may surround a name but are not a name on their own (with the joiners, which are invisible). */
const BLANK = ' \\u00a0\\u1680\\u2000-\\u200a\\u200c\\u200d\\u202f\\u205f\\u3000';

/**
 * A name: at least one visible character, none of {@link FORBIDDEN}. Written with `\uXXXX` escapes only, so the
 * same source is an ECMA-262 (`u` flag) and a Python pattern: the OpenAPI document carries it as it is enforced.
 */
export const NAME_PATTERN_SOURCE = `^[^${FORBIDDEN}]*[^${FORBIDDEN}${BLANK}][^${FORBIDDEN}]*$`;
const NAME_PATTERN = new RegExp(NAME_PATTERN_SOURCE, 'u');

/** Length as JSON Schema counts it (code points), not UTF-16 units: an emoji is one character. */
const codePointLength = (text: string): number => {
  let length = 0;
  for (const _ of text) length++;
  return length;
};

export const CreateUserBody = z
  .strictObject({
    email: z
      .email({ pattern: EMAIL_PATTERN })
      .max(MAX_EMAIL_LENGTH)
      .refine(
        (email) => email.indexOf('@') <= MAX_EMAIL_LOCAL_PART_LENGTH,
        `the part before @ must be at most ${MAX_EMAIL_LOCAL_PART_LENGTH} characters`,
      )
      .openapi({
        example: 'ada@example.com',
        pattern: EMAIL_PATTERN_SOURCE,
        description:
          `A mailbox \`local@host.domain\`: a dot-atom local part of at most ${MAX_EMAIL_LOCAL_PART_LENGTH} ` +
          `characters and a host name of two labels or more; at most ${MAX_EMAIL_LENGTH} characters. Unique, ignoring case.`,
      }),
    name: z
      .string()
      .regex(NAME_PATTERN, 'must have a visible character and no control, invisible or direction-changing characters')
      .refine((name) => name.isWellFormed(), 'must be well-formed Unicode (no unpaired surrogates)')
      .refine((name) => codePointLength(name) <= MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`)
      .transform((name) => name.trim())
      .openapi({
        example: 'Ada Lovelace',
        type: 'string',
        minLength: 1,
        maxLength: MAX_NAME_LENGTH,
        pattern: NAME_PATTERN_SOURCE,
        description:
          `1–${MAX_NAME_LENGTH} characters (code points) with at least one visible character; no control ` +
          'characters, zero-width spaces, direction marks, overrides or isolates (U+200B, U+200E, U+200F, ' +
          'U+202A–U+202E, U+2066–U+2069), word joiners, BOM or line separators. Surrounding spaces are removed.',
      }),
  })
  .openapi('CreateUser');
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const User = z
  .object({
    id: z.uuid(),
    email: z.email({ pattern: EMAIL_PATTERN }).max(MAX_EMAIL_LENGTH),
    name: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi('User');
export type User = z.infer<typeof User>;

export const UserPage = pageSchema(User).openapi('UserPage');

export const ListUsersQuery = z.strictObject(pageQueryShape);

export const UserIdParams = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    format: 'uuid',
    description: 'A user id. Anything that is not a UUID names no user (404).',
    example: '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11',
  }),
});
