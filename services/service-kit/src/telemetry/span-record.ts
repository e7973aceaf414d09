/**
 * @module Finished spans as plain, structured-clone-able records: what the main thread hands the export worker
 * (worker-export.ts) and the worker turns back into `ReadableSpan`s for the library's own OTLP exporter.
 *
 * A record carries exactly what OTLP encodes (see `@opentelemetry/otlp-transformer`'s trace serializer): names, ids,
 * kind, times, attributes, events, links, status and the dropped counts. Resources and instrumentation scopes are
 * the same few objects for every span, so each is sent once, as a numbered definition, and spans refer to it by
 * number. The serializer groups spans by resource and scope *identity*, so the decoder must hand back one object per
 * number: that keeps the request the worker sends byte for byte the one the main thread would have sent.
 */
import {
  type Attributes,
  type HrTime,
  type Link,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  TraceFlags,
} from '@opentelemetry/api';
import { hrTimeDuration, type InstrumentationScope, TraceState } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/** A span context without methods: the trace state travels as its header value. */
export interface ContextRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly isRemote?: boolean;
  readonly traceState?: string;
}

export interface LinkRecord {
  readonly context: ContextRecord;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

export interface SpanRecord {
  readonly name: string;
  readonly kind: SpanKind;
  readonly context: ContextRecord;
  readonly parent?: ContextRecord;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  /** The SDK's own event objects: plain data already (name, time, attributes, dropped count). */
  readonly events: readonly TimedEvent[];
  readonly links: readonly LinkRecord[];
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
  /** Numbers of the resource and scope definitions this span belongs to. */
  readonly resource: number;
  readonly scope: number;
}

export interface ResourceDefinition {
  readonly kind: 'resource';
  readonly id: number;
  readonly attributes: Attributes;
  readonly schemaUrl?: string;
}

export interface ScopeDefinition {
  readonly kind: 'scope';
  readonly id: number;
  readonly scope: InstrumentationScope;
}

export type Definition = ResourceDefinition | ScopeDefinition;

/** One batch as it crosses the thread boundary: the definitions first seen since the last batch, then the spans. */
export interface SpanBatch {
  readonly definitions: readonly Definition[];
  readonly spans: readonly SpanRecord[];
}

const contextRecord = (context: SpanContext): ContextRecord => {
  const traceState = context.traceState?.serialize();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
    ...(context.isRemote === undefined ? {} : { isRemote: context.isRemote }),
    ...(traceState ? { traceState } : {}),
  };
};

const linkRecord = (link: Link): LinkRecord => ({
  context: contextRecord(link.context),
  ...(link.attributes === undefined ? {} : { attributes: link.attributes }),
  ...(link.droppedAttributesCount === undefined ? {} : { droppedAttributesCount: link.droppedAttributesCount }),
});

/**
 * Main-thread side: turns ended spans into records and remembers which resources and scopes the worker already
 * knows. Records share the span's attribute and event objects (an ended span no longer changes them); the
 * structured clone of `postMessage` is the copy.
 */
export class SpanRecordEncoder {
  readonly #resourceIds = new Map<Resource, number>();
  readonly #scopeIds = new Map<InstrumentationScope, number>();
  #unsent: Definition[] = [];

  #resourceId(resource: Resource): number {
    let id = this.#resourceIds.get(resource);
    if (id === undefined) {
      id = this.#resourceIds.size;
      this.#resourceIds.set(resource, id);
      const { attributes, schemaUrl } = resource;
      this.#unsent.push({ kind: 'resource', id, attributes, ...(schemaUrl ? { schemaUrl } : {}) });
    }
    return id;
  }

  #scopeId(scope: InstrumentationScope): number {
    let id = this.#scopeIds.get(scope);
    if (id === undefined) {
      id = this.#scopeIds.size;
      this.#scopeIds.set(scope, id);
      const { name, version, schemaUrl } = scope;
      this.#unsent.push({
        kind: 'scope',
        id,
        scope: {
          name,
          ...(version === undefined ? {} : { version }),
          ...(schemaUrl === undefined ? {} : { schemaUrl }),
        },
      });
    }
    return id;
  }

  encode(span: ReadableSpan): SpanRecord {
    return {
      name: span.name,
      kind: span.kind,
      context: contextRecord(span.spanContext()),
      ...(span.parentSpanContext ? { parent: contextRecord(span.parentSpanContext) } : {}),
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status,
      attributes: span.attributes,
      events: span.events,
      links: span.links.length === 0 ? [] : span.links.map(linkRecord),
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
      resource: this.#resourceId(span.resource),
      scope: this.#scopeId(span.instrumentationScope),
    };
  }

  /** The batch to post: `spans` with every definition the worker has not been sent yet. */
  batch(spans: readonly SpanRecord[]): SpanBatch {
    const definitions = this.#unsent;
    this.#unsent = [];
    return { definitions, spans };
  }
}

const spanContext = (record: ContextRecord): SpanContext => ({
  traceId: record.traceId,
  spanId: record.spanId,
  traceFlags: record.traceFlags ?? TraceFlags.NONE,
  ...(record.isRemote === undefined ? {} : { isRemote: record.isRemote }),
  ...(record.traceState === undefined ? {} : { traceState: new TraceState(record.traceState) }),
});

/** Worker side: applies definitions in the order batches arrive and rebuilds `ReadableSpan`s. */
export class SpanRecordDecoder {
  readonly #resources = new Map<number, Resource>();
  readonly #scopes = new Map<number, InstrumentationScope>();

  decode(batch: SpanBatch): ReadableSpan[] {
    for (const definition of batch.definitions) {
      if (definition.kind === 'scope') this.#scopes.set(definition.id, definition.scope);
      else
        this.#resources.set(
          definition.id,
          resourceFromAttributes(
            definition.attributes,
            definition.schemaUrl === undefined ? undefined : { schemaUrl: definition.schemaUrl },
          ),
        );
    }
    return batch.spans.map((record) => this.#span(record));
  }

  #span(record: SpanRecord): ReadableSpan {
    const resource = this.#resources.get(record.resource);
    const instrumentationScope = this.#scopes.get(record.scope);
    if (resource === undefined || instrumentationScope === undefined)
      throw new Error(`span record refers to an unknown resource ${record.resource} or scope ${record.scope}`);
    const context = spanContext(record.context);
    return {
      name: record.name,
      kind: record.kind,
      spanContext: () => context,
      ...(record.parent ? { parentSpanContext: spanContext(record.parent) } : {}),
      startTime: record.startTime,
      endTime: record.endTime,
      duration: hrTimeDuration(record.startTime, record.endTime),
      ended: true,
      status: record.status,
      attributes: record.attributes,
      events: [...record.events],
      links: record.links.map((link) => ({
        context: spanContext(link.context),
        ...(link.attributes === undefined ? {} : { attributes: link.attributes }),
        ...(link.droppedAttributesCount === undefined ? {} : { droppedAttributesCount: link.droppedAttributesCount }),
      })),
      droppedAttributesCount: record.droppedAttributesCount,
      droppedEventsCount: record.droppedEventsCount,
      droppedLinksCount: record.droppedLinksCount,
      resource,
      instrumentationScope,
    };
  }
}
