/** @module The routes of user-service: method, path, schemas and answers. Handlers are in `app.ts`. */

import { createRoute } from '@hono/zod-openapi';
import { jsonBody, problemContent } from '@mesh-stack/service-kit';
import { CreateUserBody, ListUsersQuery, User, UserIdParams, UserPage } from './schemas.ts';

export const createUserRoute = createRoute({
  method: 'post',
  path: '/users',
  summary: 'Create a user',
  middleware: jsonBody(),
  request: { body: { required: true, content: { 'application/json': { schema: CreateUserBody } } } },
  responses: {
    201: {
      description: 'The user was created.',
      headers: { Location: { description: 'The user, `/users/{id}`.', schema: { type: 'string' } } },
      content: { 'application/json': { schema: User } },
    },
    400: problemContent('The body is not valid JSON in UTF-8, or does not match the schema.'),
    409: problemContent('The email is taken (case-insensitive).'),
    413: problemContent('The body is larger than 64 KiB.'),
    415: problemContent('The body is not `application/json` in UTF-8, or has a `Content-Encoding`.'),
  },
});

export const getUserRoute = createRoute({
  method: 'get',
  path: '/users/{id}',
  summary: 'Get a user',
  request: { params: UserIdParams },
  responses: {
    200: { description: 'The user.', content: { 'application/json': { schema: User } } },
    404: problemContent('No user has this id.'),
  },
});

export const listUsersRoute = createRoute({
  method: 'get',
  path: '/users',
  summary: 'List users, newest first',
  request: { query: ListUsersQuery },
  responses: {
    200: { description: 'A page of users.', content: { 'application/json': { schema: UserPage } } },
    400: problemContent('The query is not valid.'),
  },
});
