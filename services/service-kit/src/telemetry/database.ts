/**
 * @module Database telemetry from Kysely's `log` hook: `db_client_operation_duration_seconds` for every statement,
 * and one CLIENT span per statement run outside a transaction or per transaction (from BEGIN to COMMIT or
 * ROLLBACK, with the statements it ran as attributes), parented on the active span and back-dated by the measured
 * durations. Transaction control gets no span of its own: an order's trace has one database span per repository
 * call instead of one per statement plus BEGIN and COMMIT.
 *
 * Kysely calls the hook after each query with its compiled form and duration, in the caller's async context, so
 * no driver patching is needed. Operation and table come from the query's operation tree, not from parsing SQL;
 * raw SQL falls back to its first keyword. Only the parameterised SQL text is recorded: bound values (emails,
 * names) never reach a span, and error messages (which can quote values) are not recorded either.
 */
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { LogEvent, Logger } from 'kysely';
import { ATTR, LABEL, spanName } from './contract.ts';
import type { DurationSeries } from './duration-histogram.ts';
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
  'START',
  'END',
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

/** What a statement does to the transaction around it. */
type TransactionStep = 'begin' | 'commit' | 'rollback' | 'control' | undefined;

/** `control`: savepoints and `ROLLBACK TO`, which neither open nor close the transaction. */
export const transactionStep = (sql: string): TransactionStep => {
  if (/^\s*(begin|start\s+transaction)\b/i.test(sql)) return 'begin';
  if (/^\s*(commit|end)\b/i.test(sql)) return 'commit';
  if (/^\s*rollback\s+to\b/i.test(sql)) return 'control';
  if (/^\s*rollback\b/i.test(sql)) return 'rollback';
  if (/^\s*(savepoint|release)\b/i.test(sql)) return 'control';
  return undefined;
};

/** What a query's span and observation need, all fixed by its SQL text. */
interface QueryKind {
  readonly spanName: string;
  readonly operation: string;
  readonly collection: string | undefined;
  readonly attributes: Readonly<Attributes>;
  /** The histogram series of its operation and table (resolved once; failures resolve theirs with `error.type`). */
  readonly series: DurationSeries;
  readonly step: TransactionStep;
}

/** A transaction between its BEGIN and its COMMIT or ROLLBACK: one span for all its statements. */
interface OpenTransaction {
  readonly span: Span;
  /** The statements' kinds in order; filled only while the span records. */
  readonly statements: QueryKind[];
  /** Statements run, counted whether or not the span records. */
  count: number;
  errorType: string | undefined;
}

/**
 * Distinct SQL texts remembered. The services' query builders produce a small fixed set; past the bound (raw SQL
 * with inlined values) queries are still recorded, just summarised each time.
 */
const MAX_REMEMBERED_QUERIES = 256;
/** Statements described on one transaction span; a longer transaction is still counted in full. */
const MAX_DESCRIBED_STATEMENTS = 32;

/** Attributes of a transaction span, following the semantic conventions for batch operations. */
const transactionAttributes = (system: DbSystemName, statements: readonly QueryKind[], count: number): Attributes => {
  const described = statements.slice(0, MAX_DESCRIBED_STATEMENTS);
  const operations = new Set(described.map((kind) => kind.operation));
  const collections = new Set(described.map((kind) => kind.collection));
  const [operation] = operations;
  const [collection] = collections;
  const attributes: Attributes = {
    [ATTR.dbSystemName]: system,
    [ATTR.dbOperationName]: operations.size === 1 && operation !== undefined ? `BATCH ${operation}` : 'BATCH',
    [ATTR.dbQuerySummary]: described.map((kind) => kind.spanName).join(' '),
    [ATTR.dbQueryText]: described.map((kind) => kind.attributes[ATTR.dbQueryText]).join('; '),
    [ATTR.dbOperationBatchSize]: count,
  };
  if (collections.size === 1 && collection !== undefined) attributes[ATTR.dbCollectionName] = collection;
  return attributes;
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
  // By span name, which names exactly the operation and table; both are bounded (known keywords, the service's tables).
  const seriesByName = new Map<string, DurationSeries>();
  // By SQL text: the operation tree is walked and the attributes built once per distinct query, not per execution.
  const kinds = new Map<string, QueryKind>();
  const kindOf = (query: LogEvent['query']): QueryKind => {
    const known = kinds.get(query.sql);
    if (known !== undefined) return known;
    const { operation, collection } = summarizeQuery(query);
    const name = spanName.db(operation, collection);
    let series = seriesByName.get(name);
    if (series === undefined) {
      const labels: Record<string, string> = { [LABEL.dbSystemName]: system, [LABEL.dbOperationName]: operation };
      if (collection !== undefined) labels[LABEL.dbCollectionName] = collection;
      series = duration.series(labels);
      seriesByName.set(name, series);
    }
    const attributes: Attributes = {
      [ATTR.dbSystemName]: system,
      [ATTR.dbOperationName]: operation,
      [ATTR.dbQueryText]: query.sql,
    };
    if (collection !== undefined) attributes[ATTR.dbCollectionName] = collection;
    const kind: QueryKind = {
      spanName: name,
      operation,
      collection,
      attributes: Object.freeze(attributes),
      series,
      step: transactionStep(query.sql),
    };
    if (kinds.size < MAX_REMEMBERED_QUERIES) kinds.set(query.sql, kind);
    return kind;
  };

  // Keyed by the span the transaction runs under: Kysely calls the hook in the caller's async context, so every
  // statement of a request's transaction sees the same active span. Work outside any span shares one key. Two
  // transactions at once under one span would share a key too: the services run one at a time per span (the
  // reconciler gives each order its own span), and a second BEGIN closes the first span rather than mixing them.
  const outsideAnySpan = {};
  const transactions = new WeakMap<object, OpenTransaction>();

  const closeTransaction = (open: OpenTransaction, kind: QueryKind, endMs: number, failed: boolean) => {
    const { span } = open;
    if (span.isRecording()) {
      span.setAttributes(transactionAttributes(system, open.statements, open.count));
      if (open.statements.length > 0) span.updateName(open.statements.map((statement) => statement.spanName).join(' '));
      const errorType = open.errorType ?? (failed ? kind.operation : kind.step === 'rollback' ? 'ROLLBACK' : undefined);
      if (errorType !== undefined) {
        span.setAttribute(ATTR.errorType, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end(endMs);
  };

  return function databaseTelemetry(event: LogEvent) {
    try {
      const kind = kindOf(event.query);
      const nowMs = performance.now();
      const endMs = performance.timeOrigin + nowMs;
      const failed = event.level === 'error';
      const errorType = failed ? errorTypeOf(event.error) : undefined;
      const active = context.active();
      const parent = trace.getSpan(active);
      const key = parent ?? outsideAnySpan;
      let span: Span | undefined;

      const open = transactions.get(key);
      if (parent !== undefined && !parent.isRecording()) {
        // An unsampled request (the production profile's nine in ten): its children would not record either, so
        // no span, id or transaction bookkeeping at all; the histogram below still counts the statement.
      } else if (kind.step === 'begin') {
        const started = tracer.startSpan(
          'BATCH',
          { kind: SpanKind.CLIENT, startTime: endMs - event.queryDurationMillis },
          active,
        );
        // A BEGIN that was never closed (its connection died) gives way to the new one.
        if (open !== undefined) open.span.end(endMs);
        transactions.set(key, { span: started, statements: [], count: 0, errorType: undefined });
        span = started;
      } else if (open !== undefined) {
        span = open.span;
        if (kind.step === 'commit' || kind.step === 'rollback') {
          transactions.delete(key);
          closeTransaction(open, kind, endMs, failed);
        } else if (kind.step === undefined) {
          // Counted always (cheap), described only when the span records.
          open.count++;
          if (open.span.isRecording() && open.statements.length < MAX_DESCRIBED_STATEMENTS) open.statements.push(kind);
          if (errorType !== undefined) open.errorType ??= errorType;
        }
      } else if (kind.step === undefined) {
        const single = tracer.startSpan(
          kind.spanName,
          { kind: SpanKind.CLIENT, attributes: kind.attributes, startTime: endMs - event.queryDurationMillis },
          active,
        );
        if (errorType !== undefined && single.isRecording()) {
          single.setAttribute(ATTR.errorType, errorType);
          single.setStatus({ code: SpanStatusCode.ERROR });
        }
        single.end(endMs);
        span = single;
      }
      // Transaction control outside a transaction we saw open (COMMIT of another key, savepoints): metric only.

      // Failures are rare: their series (with `error.type`) is resolved by label set each time.
      const series =
        errorType === undefined
          ? kind.series
          : duration.series({ ...kind.series.labels, [LABEL.errorType]: errorType });
      series.observe(event.queryDurationMillis / 1000, nowMs, span?.spanContext(), failed);
    } catch {
      // Telemetry never fails a query.
    }
    return next?.(event);
  };
};
