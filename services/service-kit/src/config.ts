/**
 * @module Configuration from environment variables: one zod schema per service, validated once at start-up.
 * Other modules receive the typed result and never read `process.env`.
 */

import { LOCAL_PORTS, type ServiceName } from '@mesh-stack/stack';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

/**
 * Loopback: a service started by hand is reachable from this machine only, its admin port (metrics, fault injection)
 * included. Containers set `HOST=0.0.0.0` explicitly (every Dockerfile and compose.yaml).
 */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = '.data';
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/**
 * The HTTP server's limits against slow, idle and greedy clients (see `server.ts`, which enforces them).
 * - `headersTimeoutMs`: the request line and headers must arrive within this (slowloris); answered 408.
 * - `requestTimeoutMs`: the whole request, body included, must arrive within this (slow bodies); answered 408.
 *   Both are enforced within a second of their value: the server checks connections every 250 ms instead of
 *   Node's default 30 s.
 * - `keepAliveTimeoutMs`: an idle kept-alive connection is closed after this. Longer than the 60 s idle timeout of
 *   common proxies and load balancers, so the proxy closes first and never sends onto a socket being closed.
 * - `maxHeadersCount`, `maxHeaderSizeBytes`: more headers are ignored (Envoy's default count, 100); a request line
 *   plus headers larger than the size is answered 431 (414 when the request line alone is too long).
 * - `maxConnections`: connections beyond it are closed on accept, before they cost a request; twice the load
 *   driver's largest concurrency, so only a flood reaches it.
 */
export const DEFAULT_SERVER_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxHeadersCount: 100,
  maxHeaderSizeBytes: 16_384,
  maxConnections: 8192,
} as const;

export type ServerLimits = { readonly [Name in keyof typeof DEFAULT_SERVER_LIMITS]: number };

/** A TCP port; `0` asks the operating system for a free one (tests use it, the bound port is logged). */
export const portSchema = z.coerce.number().int().min(0).max(65_535);

/** A duration in milliseconds, bounded so a typo cannot turn into a day-long timeout. */
export const durationMsSchema = (maxMs: number) => z.coerce.number().int().min(0).max(maxMs);

/** A base URL of a dependency, e.g. `http://127.0.0.1:8081`. */
export const serviceUrlSchema = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ''));

/**
 * The variables every service reads. Extend it with a service's own ones:
 * `z.object({ ...baseConfigShape('order-service'), USER_SERVICE_URL: serviceUrlSchema.default(...) })`.
 */
export const baseConfigShape = (service: ServiceName) => ({
  /** Public API port. */
  PORT: portSchema.default(LOCAL_PORTS[service].publicPort),
  /** Admin port: health, metrics, fault injection. */
  ADMIN_PORT: portSchema.default(LOCAL_PORTS[service].adminPort),
  /** Interface to bind (public and admin port); loopback by default, containers set `0.0.0.0`. */
  HOST: z.string().min(1).default(DEFAULT_HOST),
  /** PostgreSQL connection string; without it the service uses a SQLite file in `DATA_DIR`. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `pretty` is for humans at a terminal; anything that collects logs wants `json`. */
  LOG_FORMAT: z.enum(LOG_FORMATS).default('json'),
  /** How long in-flight requests may take to finish after SIGTERM before connections are cut. */
  SHUTDOWN_GRACE_MS: durationMsSchema(120_000).default(DEFAULT_SHUTDOWN_GRACE_MS),
  /** Request line and headers must arrive within this; at most `HTTP_REQUEST_TIMEOUT_MS`. */
  HTTP_HEADERS_TIMEOUT_MS: durationMsSchema(300_000).min(1).default(DEFAULT_SERVER_LIMITS.headersTimeoutMs),
  /** The whole request, body included, must arrive within this. */
  HTTP_REQUEST_TIMEOUT_MS: durationMsSchema(600_000).min(1).default(DEFAULT_SERVER_LIMITS.requestTimeoutMs),
  /** An idle kept-alive connection is closed after this. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: durationMsSchema(600_000).min(1).default(DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs),
  /** Headers beyond this count are ignored. */
  HTTP_MAX_HEADERS_COUNT: z.coerce.number().int().min(10).max(2000).default(DEFAULT_SERVER_LIMITS.maxHeadersCount),
  /** Request line plus headers larger than this are refused (431, or 414 for the request line). */
  HTTP_MAX_HEADER_SIZE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1_048_576)
    .default(DEFAULT_SERVER_LIMITS.maxHeaderSizeBytes),
  /** Open connections per port beyond which new ones are closed on accept. */
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_SERVER_LIMITS.maxConnections),
});

export type BaseConfig = z.infer<z.ZodObject<ReturnType<typeof baseConfigShape>>>;

/** The server limits of a parsed configuration, for `runService({ limits })`. */
export const serverLimits = (config: BaseConfig): ServerLimits => ({
  headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
  requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  maxHeadersCount: config.HTTP_MAX_HEADERS_COUNT,
  maxHeaderSizeBytes: config.HTTP_MAX_HEADER_SIZE_BYTES,
  maxConnections: config.HTTP_MAX_CONNECTIONS,
});

/** Thrown by {@link parseConfig}; the message lists every bad variable, one per line, and never their values. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(service: string, problems: readonly string[]) {
    super(`${service}: invalid configuration\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Validates `env` against `schema`. Empty variables count as unset, so `PORT=` falls back to the default.
 * Values are never echoed: `DATABASE_URL` carries a password.
 */
export const parseConfig = <Schema extends z.ZodType>(
  service: string,
  schema: Schema,
  env: NodeJS.ProcessEnv,
): z.infer<Schema> => {
  const setVariables = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(setVariables);
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  throw new ConfigError(service, problems);
};

/**
 * {@link parseConfig} for `main.ts`: on invalid configuration prints one clear message to stderr and exits with
 * code 1, without a stack trace.
 */
export const loadConfig = <Schema extends z.ZodType>(
  service: string,
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<Schema> => {
  try {
    return parseConfig(service, schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
};
