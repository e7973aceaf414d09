/**
 * @module The one place where a service's HTTP pipeline is composed: request context first (the caller's trace
 * context, baggage and deadline), then telemetry, access log, and the error, not-found and method-not-allowed
 * handlers that turn every failure into problem+json.
 * Services add their routes to the app this returns; nothing else installs global middleware.
 */
import { type Hook, OpenAPIHono } from '@hono/zod-openapi';
import { OPENAPI_PATH } from '@mesh-stack/stack';
import type { Env, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { NO_TELEMETRY, type ServiceTelemetry } from './instrumentation.ts';
import type { Logger } from './logger.ts';
import { accessLog } from './middleware/access-log.ts';
import { MAX_BODY_BYTES } from './middleware/json-body.ts';
import {
  fieldErrors,
  PROBLEM,
  PROBLEM_CONTENT_TYPE,
  ProblemError,
  type ProblemKind,
  ProblemSchema,
  problemResponse,
  SEMANTIC_RULE_PARAM,
} from './problem.ts';
import { type RequestContextOptions, requestContext } from './request-context.ts';
import { matchedRouteTemplate, normalizeMethod } from './telemetry/http-server.ts';

export interface ServiceAppOptions {
  logger: Logger;
  /** What `setupTelemetry()` returned. @default {@link NO_TELEMETRY} */
  telemetry?: ServiceTelemetry;
  /** Which inbound baggage entries to keep (public entry points: an allow-list). @default 'propagate' */
  baggage?: RequestContextOptions['baggage'];
}

const TARGET_NAMES: Readonly<Record<string, string>> = {
  json: 'body',
  query: 'query string',
  param: 'path',
  header: 'headers',
};

/**
 * zod-openapi's validation hook: a schema violation is a 400 validation-failed problem. A request that matches the
 * document's schema but breaks only rules the schema cannot express (marked with {@link SEMANTIC_RULE}, e.g. a sum
 * over several fields) is a 422 rule-violated problem: 400 always means "not what the document describes".
 */
const validationProblem: Hook<unknown, Env, string, Response | undefined> = (result, c) => {
  if (!result.success) {
    const issues = result.error.issues;
    const semanticOnly = issues.every(
      (issue) => issue.code === 'custom' && issue.params?.[SEMANTIC_RULE_PARAM] === true,
    );
    if (semanticOnly) {
      return problemResponse(c, PROBLEM.ruleViolated, { errors: fieldErrors(issues) });
    }
    return problemResponse(c, PROBLEM.validationFailed, {
      detail: `The request ${TARGET_NAMES[result.target] ?? result.target} does not match the schema.`,
      errors: fieldErrors(issues),
    });
  }
  return undefined;
};

/**
 * Builds an app with the shared pipeline. The same function builds the admin app, so health and metrics answer
 * the same way on both ports.
 *
 * @example
 * const app = createServiceApp({ logger, telemetry });
 * app.openapi(createUserRoute, handler);
 * serveOpenApiDocument(app, { title: 'user-service', version: '0.1.0' });
 */
export const createServiceApp = ({
  logger,
  telemetry = NO_TELEMETRY,
  baggage = 'propagate',
}: ServiceAppOptions): OpenAPIHono => {
  const app = new OpenAPIHono({ defaultHook: validationProblem, strict: true });
  app.use(requestContext({ baggage }));
  for (const middleware of telemetry.serverMiddleware) {
    app.use(middleware);
  }
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

type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/** The answers the shared pipeline itself can give, whatever the route: each operation documents them. */
const PIPELINE_PROBLEMS = {
  validation: { status: '400', description: 'The request does not match the schema (`errors` names each field).' },
  tooLarge: { status: '413', description: `The body is larger than ${MAX_BODY_BYTES} bytes.` },
  unsupported: {
    status: '415',
    description:
      'The body is not `application/json` in UTF-8, or it has a `Content-Encoding` (bodies are never compressed).',
  },
  internal: { status: '500', description: 'An unexpected error; the details are in the service log, not here.' },
} as const;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Adds the pipeline's answers to every operation that does not describe them itself: 400 wherever a parameter or
 * body is validated, 413 and 415 wherever a JSON body is read, and 500 everywhere. Routes keep their own wording.
 */
export const withPipelineProblems = (document: OpenApiDocument): OpenApiDocument => {
  const problem = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } };
  const add = (
    responses: Record<string, unknown>,
    { status, description }: { status: string; description: string },
  ) => {
    responses[status] ??= { description, content: problem };
  };
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation === undefined) continue;
      const responses = operation.responses as Record<string, unknown>;
      if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined) {
        add(responses, PIPELINE_PROBLEMS.validation);
      }
      if (operation.requestBody !== undefined) {
        add(responses, PIPELINE_PROBLEMS.tooLarge);
        add(responses, PIPELINE_PROBLEMS.unsupported);
      }
      add(responses, PIPELINE_PROBLEMS.internal);
    }
  }
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.Problem ??= problemJsonSchema();
  return document;
};

/** The Problem schema as the generator renders it, for documents where no route referenced it yet. */
const problemJsonSchema = () => {
  const registry = new OpenAPIHono();
  registry.openAPIRegistry.register('Problem', ProblemSchema);
  return registry.getOpenAPI31Document({ openapi: '3.1.0', info: { title: '', version: '' } }).components?.schemas
    ?.Problem as NonNullable<NonNullable<OpenApiDocument['components']>['schemas']>[string];
};

/**
 * Serves the OpenAPI 3.1 document generated from the routes' zod schemas at `/openapi.json`, completed with the
 * pipeline's problems. It is generated on the first request and kept: the routes do not change after start-up. A
 * generation error reaches the app's error handler, so it is logged and answered as a problem+json 500, never as the
 * generator's raw error.
 */
export const serveOpenApiDocument = (app: OpenAPIHono, info: OpenApiInfo): void => {
  let cached: string | undefined;
  app.get(OPENAPI_PATH, (c) => {
    if (cached === undefined) {
      try {
        cached = JSON.stringify(withPipelineProblems(app.getOpenAPI31Document({ openapi: '3.1.0', info })));
      } catch (error) {
        throw new Error('the OpenAPI document could not be generated', { cause: error });
      }
    }
    return c.body(cached, 200, { 'content-type': 'application/json' });
  });
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
    // The route template, never the raw path: a path is client input (an email in `/users/ada@example.org`).
    logger.error(
      { err: error, method: normalizeMethod(c.req.method), route: matchedRouteTemplate(c) },
      'unhandled error',
    );
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
