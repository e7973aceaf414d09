/** @module user-service's HTTP app, built from its dependencies; no I/O happens here until a request arrives. */

import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  createServiceApp,
  decodeCursor,
  idFromPath,
  type Logger,
  NO_TELEMETRY,
  newId,
  PROBLEM,
  ProblemError,
  type ServiceTelemetry,
  serveOpenApiDocument,
  toPage,
} from '@mesh-stack/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import type { UserRepository } from './repository.ts';
import { createUserRoute, getUserRoute, listUsersRoute } from './routes.ts';
import type { User } from './schemas.ts';

export interface UserAppDependencies {
  users: UserRepository;
  logger: Logger;
  /** @default the system clock */
  now?: () => Date;
  /** What `setupTelemetry()` returned. @default NO_TELEMETRY */
  telemetry?: ServiceTelemetry;
}

export const createApp = ({
  users,
  logger,
  now = () => new Date(),
  telemetry = NO_TELEMETRY,
}: UserAppDependencies): OpenAPIHono => {
  const app = createServiceApp({ logger, telemetry });

  app.openapi(createUserRoute, async (c) => {
    const { email, name } = c.req.valid('json');
    const user: User = { id: newId(), email, name, createdAt: now().toISOString() };
    if ((await users.create(user)) === 'email_taken') {
      throw new ProblemError(PROBLEM.emailTaken);
    }
    logger.info({ userId: user.id }, 'user created');
    return c.json(user, 201, { location: `/users/${user.id}` });
  });

  app.openapi(getUserRoute, async (c) => {
    const user = await users.findById(idFromPath(c.req.valid('param').id));
    if (!user) {
      throw new ProblemError(PROBLEM.notFound, { detail: 'No user has this id.' });
    }
    return c.json(user, 200);
  });

  app.openapi(listUsersRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await users.list({
      limit: limit + 1,
      afterId: cursor === undefined ? undefined : decodeCursor(cursor),
    });
    return c.json(toPage(rows, limit), 200);
  });

  serveOpenApiDocument(app, {
    title: 'user-service',
    version: packageJson.version,
    description: 'Users of the mesh-stack shop. Emails and names are PII: never in logs, spans or metrics.',
  });
  return app;
};
