/**
 * @module RFC 9457 problem details (`application/problem+json`): the one error format of every endpoint.
 * Handlers throw {@link ProblemError}; the app's error handler renders it.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://mesh-stack.dev/problems/';

/** Every kind of problem the stack answers with: its `type` slug, status and title (a title never varies). */
export const PROBLEM = {
  validationFailed: { slug: 'validation-failed', status: 400, title: 'The request is not valid.' },
  malformedJson: { slug: 'malformed-json', status: 400, title: 'The request body is not valid JSON.' },
  badRequest: { slug: 'bad-request', status: 400, title: 'The request cannot be processed.' },
  unauthorized: { slug: 'unauthorized', status: 401, title: 'The credentials are missing or wrong.' },
  notFound: { slug: 'not-found', status: 404, title: 'The resource does not exist.' },
  methodNotAllowed: { slug: 'method-not-allowed', status: 405, title: 'The method is not allowed on this resource.' },
  emailTaken: { slug: 'email-taken', status: 409, title: 'A user with this email already exists.' },
  idempotencyInProgress: {
    slug: 'idempotency-key-in-progress',
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed.',
  },
  payloadTooLarge: { slug: 'payload-too-large', status: 413, title: 'The request body is too large.' },
  unsupportedMediaType: {
    slug: 'unsupported-media-type',
    status: 415,
    title: 'The request body must be application/json.',
  },
  unsupportedContentEncoding: {
    slug: 'unsupported-content-encoding',
    status: 415,
    title: 'The Content-Encoding of the request body is not supported.',
  },
  idempotencyKeyReused: {
    slug: 'idempotency-key-reused',
    status: 422,
    title: 'This Idempotency-Key was already used with a different request.',
  },
  unknownUser: { slug: 'unknown-user', status: 422, title: 'The user does not exist.' },
  ruleViolated: {
    slug: 'rule-violated',
    status: 422,
    title: 'The request matches the schema but breaks a rule of the service.',
  },
  internal: { slug: 'internal-error', status: 500, title: 'An unexpected error occurred.' },
  dependencyUnavailable: {
    slug: 'dependency-unavailable',
    status: 503,
    title: 'A service this request depends on is unavailable.',
  },
  paymentOutcomeUnknown: {
    slug: 'payment-outcome-unknown',
    status: 503,
    title: 'The payment outcome is not known yet.',
  },
  faultInjected: { slug: 'fault-injected', status: 503, title: 'A fault was injected on purpose.' },
} as const satisfies Record<string, ProblemKind>;

export interface ProblemKind {
  readonly slug: string;
  readonly status: ContentfulStatusCode;
  readonly title: string;
}

export interface FieldError {
  /** Dotted path into the request, e.g. `items.0.quantity`; `""` for the body itself. */
  readonly path: string;
  readonly message: string;
}

export interface ProblemOptions {
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
  /** Extension members, e.g. `{ orderId }` on a payment-outcome-unknown problem. */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** Response headers, e.g. `Retry-After` or `Allow`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Marks a zod refinement as a rule the OpenAPI schema cannot express: breaking only such rules is a 422, not a 400. */
export const SEMANTIC_RULE_PARAM = 'semanticRule';
/**
 * @example
 * z.object({ ... }).refine(withinLimit, { path: ['items'], message: 'the total is too large', ...SEMANTIC_RULE })
 */
export const SEMANTIC_RULE = { params: { [SEMANTIC_RULE_PARAM]: true } } as const;

/** A problem to answer with. Throw it from a handler; the app's error handler renders it. */
export class ProblemError extends Error {
  readonly kind: ProblemKind;
  readonly options: ProblemOptions;
  constructor(kind: ProblemKind, options: ProblemOptions = {}) {
    super(options.detail ?? kind.title);
    this.name = 'ProblemError';
    this.kind = kind;
    this.options = options;
  }
}

/** Renders a problem as `application/problem+json`. `instance` is the request path. */
export const problemResponse = (c: Context, kind: ProblemKind, options: ProblemOptions = {}): Response => {
  const body = {
    type: `${PROBLEM_TYPE_BASE}${kind.slug}`,
    title: kind.title,
    status: kind.status,
    ...(options.detail === undefined ? {} : { detail: options.detail }),
    instance: c.req.path,
    ...(options.errors === undefined ? {} : { errors: options.errors }),
    ...options.extensions,
  };
  return new Response(JSON.stringify(body), {
    status: kind.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...options.headers },
  });
};

/** Converts zod issues into the `errors` member, keeping messages short and free of the submitted values. */
export const fieldErrors = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): FieldError[] =>
  issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.'),
    message: issue.message,
  }));

/** The problem document, for OpenAPI. */
export const ProblemSchema = z
  .object({
    type: z.url(),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    instance: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

/** OpenAPI response entry for a problem status. */
export const problemContent = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});
