/**
 * @module The one place where a service's HTTP pipeline is composed: instrumentation first, then request context,
 * access log, and the error, not-found and method-not-allowed handlers that turn every failure into problem+json.
 * Services add their routes to the app this returns; nothing else installs global middleware.
 */
import { type Hook, OpenAPIHono } from '@hono/zod-openapi';
import type { Env, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type Instrumentation, instrumentation } from './instrumentation.ts';
import type { Logger } from './logger.ts';
import { accessLog } from './middleware/access-log.ts';
import { fieldErrors, PROBLEM, ProblemError, type ProblemKind, problemResponse } from './problem.ts';
import { forwardedHeadersContext } from './request-context.ts';
import { OPENAPI_PATH } from './stack.ts';

export interface ServiceAppOptions {
  logger: Logger;
  /** @default the registered instrumentation */
  hooks?: Instrumentation;
}

const TARGET_NAMES: Readonly<Record<string, string>> = {
  json: 'body',
  query: 'query string',
  param: 'path',
  header: 'headers',
};

/** zod-openapi's validation hook: every schema violation becomes a 400 validation-failed problem. */
const validationProblem: Hook<unknown, Env, string, Response | undefined> = (result, c) => {
  if (!result.success) {
    return problemResponse(c, PROBLEM.validationFailed, {
      detail: `The request ${TARGET_NAMES[result.target] ?? result.target} does not match the schema.`,
      errors: fieldErrors(result.error.issues),
    });
  }
  return undefined;
};

/**
 * Builds an app with the shared pipeline. The same function builds the admin app, so health and metrics answer
 * the same way on both ports.
 *
 * @example
 * const app = createServiceApp({ logger });
 * app.openapi(createUserRoute, handler);
 * serveOpenApiDocument(app, { title: 'user-service', version: '0.1.0' });
 */
export const createServiceApp = ({ logger, hooks = instrumentation() }: ServiceAppOptions): OpenAPIHono => {
  const app = new OpenAPIHono({ defaultHook: validationProblem, strict: true });
  for (const middleware of hooks.serverMiddleware) {
    app.use(middleware);
  }
  app.use(forwardedHeadersContext());
  app.use(accessLog({ logger }));
  app.onError(problemErrorHandler(logger));
  app.notFound(notFoundOrMethodNotAllowed(app));
  return app;
};

export type OpenApiInfo = {
  title: string;
  version: string;
  description?: string;
};

/** Serves the OpenAPI 3.1 document generated from the routes' zod schemas at `/openapi.json`. */
export const serveOpenApiDocument = (app: OpenAPIHono, info: OpenApiInfo): void => {
  app.doc31(OPENAPI_PATH, { openapi: '3.1.0', info });
};

/** Problems are rendered; Hono's HTTP exceptions keep their status; anything else is a 500 without internals. */
export const problemErrorHandler =
  (logger: Logger): ErrorHandler =>
  (error, c) => {
    if (error instanceof ProblemError) {
      return problemResponse(c, error.kind, error.options);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(c, problemForHttpException(error));
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error');
    return problemResponse(c, PROBLEM.internal);
  };

const problemForHttpException = (error: HTTPException): ProblemKind => {
  switch (error.status) {
    case 400:
      return error.message.startsWith('Malformed JSON') ? PROBLEM.malformedJson : PROBLEM.badRequest;
    case 413:
      return PROBLEM.payloadTooLarge;
    case 415:
      return PROBLEM.unsupportedMediaType;
    default:
      return { ...PROBLEM.badRequest, status: error.status };
  }
};

interface CompiledRoute {
  readonly pattern: RegExp;
  readonly method: string;
}

/** The part of a Hono app the 405 check reads. */
interface RouteTable {
  readonly routes: readonly { readonly method: string; readonly path: string }[];
}

const compileRoutes = (app: RouteTable): CompiledRoute[] =>
  app.routes
    .filter((route) => route.method !== 'ALL')
    .map((route) => ({
      method: route.method,
      pattern: new RegExp(
        `^${route.path
          .split('/')
          .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/')}$`,
      ),
    }));

/**
 * A path that some route serves with another method is a 405 with `Allow`; anything else a 404. Hono has no 405 of
 * its own, so the registered routes are compiled once (again only if routes were added since).
 */
export const notFoundOrMethodNotAllowed = (app: RouteTable): NotFoundHandler => {
  let compiled: CompiledRoute[] = [];
  let compiledRouteCount = -1;
  return (c) => {
    if (compiledRouteCount !== app.routes.length) {
      compiled = compileRoutes(app);
      compiledRouteCount = app.routes.length;
    }
    const allowed = new Set(compiled.filter((route) => route.pattern.test(c.req.path)).map((route) => route.method));
    if (allowed.size === 0) {
      return problemResponse(c, PROBLEM.notFound, { detail: 'No resource matches this path.' });
    }
    if (allowed.has('GET')) {
      allowed.add('HEAD');
    }
    const allow = [...allowed].sort().join(', ');
    return problemResponse(c, PROBLEM.methodNotAllowed, {
      detail: `Allowed methods: ${allow}.`,
      headers: { allow },
    });
  };
};

/** The admin app (health, metrics, fault injection): the same pipeline, no OpenAPI document. */
export const createAdminApp = (options: ServiceAppOptions): OpenAPIHono => createServiceApp(options);
