/** @module Request and response schemas of user-service: they validate requests and generate the OpenAPI document. */

import { z } from '@hono/zod-openapi';
import { pageQueryShape, pageSchema } from '@mesh-stack/service-kit';

// Control characters and unpaired surrogates have no place in a name and break logs and terminals downstream.
const CONTROL_CHARACTERS = /\p{Cc}/u;

export const CreateUserBody = z
  .strictObject({
    email: z.email().max(254).openapi({ example: 'ada@example.com' }),
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((name) => !CONTROL_CHARACTERS.test(name), 'must not contain control characters')
      .refine((name) => name.isWellFormed(), 'must be well-formed Unicode')
      .openapi({ example: 'Ada Lovelace' }),
  })
  .openapi('CreateUser');
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const User = z
  .object({
    id: z.uuid(),
    email: z.email(),
    name: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi('User');
export type User = z.infer<typeof User>;

export const UserPage = pageSchema(User).openapi('UserPage');

export const ListUsersQuery = z.strictObject(pageQueryShape);

export const UserIdParams = z.object({
  id: z
    .string()
    .openapi({ param: { name: 'id', in: 'path' }, format: 'uuid', example: '0190f5c8-7a3e-7cc1-8f4e-2b9d6c1a0e11' }),
});
