/**
 * @module Configuration from environment variables: one zod schema per service, validated once at start-up.
 * Other modules receive the typed result and never read `process.env`.
 */
import { z } from 'zod';
import { LOCAL_PORTS, type ServiceName } from './stack.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_DATA_DIR = '.data';
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

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
  /** Interface to bind; all interfaces by default, as containers need. */
  HOST: z.string().min(1).default(DEFAULT_HOST),
  /** PostgreSQL connection string; without it the service uses a SQLite file in `DATA_DIR`. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `pretty` is for humans at a terminal; anything that collects logs wants `json`. */
  LOG_FORMAT: z.enum(LOG_FORMATS).default('json'),
  /** How long in-flight requests may take to finish after SIGTERM before connections are cut. */
  SHUTDOWN_GRACE_MS: durationMsSchema(120_000).default(DEFAULT_SHUTDOWN_GRACE_MS),
});

export type BaseConfig = z.infer<z.ZodObject<ReturnType<typeof baseConfigShape>>>;

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
