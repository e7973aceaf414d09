/**
 * @module Database telemetry from Kysely's `log` hook: a CLIENT span per query, parented on the active span and
 * back-dated by the measured duration, and `db_client_operation_duration_seconds`.
 *
 * Kysely calls the hook after each query with its compiled form and duration, in the caller's async context, so
 * no driver patching is needed. Operation and table come from the query's operation tree, not from parsing SQL;
 * raw SQL falls back to its first keyword. Only the parameterised SQL text is recorded: bound values (emails,
 * names) never reach a span, and error messages (which can quote values) are not recorded either.
 */
import { type Attributes, context, SpanKind, SpanStatusCode, TraceFlags, type Tracer } from '@opentelemetry/api';
import type { LogEvent, Logger } from 'kysely';
import { ATTR, EXEMPLAR_TRACE_ID_LABEL, LABEL, spanName } from './contract.ts';
import type { ServiceMetrics } from './metrics.ts';
import { kitTracer } from './scope.ts';

/** `db.system.name` values of the databases the stack supports (semantic conventions). */
export type DbSystemName = 'sqlite' | 'postgresql';

export interface DatabaseTelemetryOptions {
  readonly system: DbSystemName;
  readonly metrics: Pick<ServiceMetrics, 'dbClientOperationDuration'>;
  /** Another Kysely logger to call after recording (e.g. the service's query log). */
  readonly next?: Logger;
  /** [default=the kit's tracer] */
  readonly tracer?: Tracer;
}

export interface QuerySummary {
  /** `SELECT`, `INSERT`, ... or `OTHER`. */
  readonly operation: string;
  /** The first table the query reads or writes, when it has one. */
  readonly collection: string | undefined;
}

const NODE_OPERATIONS: Readonly<Record<string, string>> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
  MergeQueryNode: 'MERGE',
  CreateTableNode: 'CREATE TABLE',
  CreateIndexNode: 'CREATE INDEX',
  DropTableNode: 'DROP TABLE',
  AlterTableNode: 'ALTER TABLE',
};
const RAW_KEYWORDS: ReadonlySet<string> = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'WITH',
  'CREATE',
  'ALTER',
  'DROP',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'PRAGMA',
]);
const OTHER_OPERATION = 'OTHER';
/** Table names become label values: only plain identifiers of PostgreSQL's maximum length pass. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

interface TreeNode {
  readonly kind: string;
  readonly [key: string]: unknown;
}
const isNode = (value: unknown): value is TreeNode =>
  typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';

/** The table name of a TableNode, possibly under an AliasNode. */
const tableName = (node: unknown): string | undefined => {
  if (!isNode(node)) return undefined;
  if (node.kind === 'AliasNode') return tableName(node.node);
  if (node.kind !== 'TableNode') return undefined;
  const identifier = (node.table as { identifier?: { name?: unknown } } | undefined)?.identifier?.name;
  return typeof identifier === 'string' && IDENTIFIER.test(identifier) ? identifier : undefined;
};

/** Operation and table of a compiled Kysely query, bounded to known keywords and plain identifiers. */
export const summarizeQuery = (query: { readonly query: unknown; readonly sql: string }): QuerySummary => {
  const node = query.query;
  if (isNode(node) && node.kind in NODE_OPERATIONS) {
    const operation = NODE_OPERATIONS[node.kind] ?? OTHER_OPERATION;
    let collection: string | undefined;
    if (node.kind === 'SelectQueryNode' || node.kind === 'DeleteQueryNode') {
      const froms = (node.from as { froms?: readonly unknown[] } | undefined)?.froms;
      collection = tableName(froms?.[0]);
    } else if (node.kind === 'InsertQueryNode') collection = tableName(node.into);
    else if (node.kind === 'UpdateQueryNode') collection = tableName(node.table);
    else collection = tableName(node.table);
    return { operation, collection };
  }
  const keyword = /^\s*([A-Za-z]+)/.exec(query.sql)?.[1]?.toUpperCase();
  return { operation: keyword && RAW_KEYWORDS.has(keyword) ? keyword : OTHER_OPERATION, collection: undefined };
};

const errorTypeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.length <= 40) return code;
  return error instanceof Error ? error.name : '_OTHER';
};

/**
 * A Kysely `log` function that records every query.
 * @example
 * const db = new Kysely<Database>({ dialect, log: databaseTelemetry({ system: 'postgresql', metrics }) })
 */
export const databaseTelemetry = ({
  system,
  metrics,
  next,
  tracer = kitTracer(),
}: DatabaseTelemetryOptions): Logger => {
  const duration = metrics.dbClientOperationDuration;
  return function databaseTelemetry(event: LogEvent) {
    try {
      const { operation, collection } = summarizeQuery(event.query);
      const endMs = performance.timeOrigin + performance.now();
      const attributes: Attributes = {
        [ATTR.dbSystemName]: system,
        [ATTR.dbOperationName]: operation,
        [ATTR.dbQueryText]: event.query.sql,
      };
      if (collection !== undefined) attributes[ATTR.dbCollectionName] = collection;
      const labels: Record<string, string> = {
        [LABEL.dbSystemName]: system,
        [LABEL.dbOperationName]: operation,
      };
      if (collection !== undefined) labels[LABEL.dbCollectionName] = collection;
      const span = tracer.startSpan(
        spanName.db(operation, collection),
        { kind: SpanKind.CLIENT, attributes, startTime: endMs - event.queryDurationMillis },
        context.active(),
      );
      if (event.level === 'error') {
        const errorType = errorTypeOf(event.error);
        span.setAttribute(ATTR.errorType, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
        labels[LABEL.errorType] = errorType;
      }
      span.end(endMs);
      const spanContext = span.spanContext();
      duration.observe({
        labels,
        value: event.queryDurationMillis / 1000,
        exemplarLabels:
          (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED
            ? { [EXEMPLAR_TRACE_ID_LABEL]: spanContext.traceId }
            : {},
      });
    } catch {
      // Telemetry never fails a query.
    }
    return next?.(event);
  };
};
