/**
 * @module A real OTLP/HTTP traces endpoint for tests and benchmarks: `POST /v1/traces` with protobuf (or JSON)
 * bodies, decoded with protobufjs from the OTLP schema (`otlp-trace-schema.ts`), spans kept for assertions. It can
 * answer 503 to simulate a collector that is down, or be closed to refuse connections.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { OTLP_TRACE_SCHEMA } from './otlp-trace-schema.ts';

const schema = protobuf.Root.fromJSON(OTLP_TRACE_SCHEMA);
const ExportTraceServiceRequest = schema.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ExportTraceServiceResponse = schema.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
);
const EMPTY_RESPONSE = ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create()).finish();

export type AttributeValue = string | number | boolean | readonly AttributeValue[] | undefined;

export interface ReceivedEvent {
  readonly name: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** One span as received, with ids in lower-case hex and the resource's attributes alongside. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP enum: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly events: readonly ReceivedEvent[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly scopeName: string;
  readonly resource: Readonly<Record<string, AttributeValue>>;
  /** `service.name` of the resource. */
  readonly serviceName: string;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

export interface OtlpReceiverOptions {
  /** Decode every export request (a malformed one gets a 400). [default=true] */
  readonly decode?: boolean;
  /** Keep decoded spans and bodies for assertions; long benchmarks only count them. [default=true] */
  readonly retain?: boolean;
}

export interface OtlpReceiver {
  /** Base endpoint for `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://127.0.0.1:43123`. */
  readonly endpoint: string;
  /** Full traces URL (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). */
  readonly tracesUrl: string;
  /** Every span received so far, in arrival order. */
  readonly spans: ReceivedSpan[];
  /** Raw request bodies (after decompression), for PII scans over everything exported. */
  readonly bodies: Buffer[];
  /** Export requests accepted (2xx). */
  readonly exportRequests: number;
  /** Spans decoded so far, retained or not. */
  readonly spanCount: number;
  /** `true` answers 503 to every export, as a collector that is down or overloaded. */
  setUnavailable(unavailable: boolean): void;
  /** Resolves with the matching spans once `predicate` holds for them, or rejects after `timeoutMs`. */
  waitFor(predicate: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  bytesValue?: string;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: OtlpKeyValue[];
  events?: { name?: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: number };
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}

const anyValue = (value: OtlpAnyValue | undefined): AttributeValue => {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(anyValue);
  return value.bytesValue;
};
const attributeMap = (attributes: OtlpKeyValue[] | undefined): Record<string, AttributeValue> =>
  Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, anyValue(value)]));

/** Turns one decoded export request into flat spans. */
export const flattenExportRequest = (request: OtlpRequest): ReceivedSpan[] =>
  (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map(
        (span): ReceivedSpan => ({
          traceId: span.traceId ?? '',
          spanId: span.spanId ?? '',
          parentSpanId: span.parentSpanId ?? '',
          name: span.name ?? '',
          kind: span.kind ?? 0,
          startTimeUnixNano: BigInt(span.startTimeUnixNano ?? 0),
          endTimeUnixNano: BigInt(span.endTimeUnixNano ?? 0),
          attributes: attributeMap(span.attributes),
          events: (span.events ?? []).map((event) => ({
            name: event.name ?? '',
            attributes: attributeMap(event.attributes),
          })),
          statusCode: span.status?.code ?? 0,
          scopeName: scopeSpans.scope?.name ?? '',
          resource,
          serviceName: String(resource['service.name'] ?? ''),
        }),
      ),
    );
  });

/** Protobuf ids are bytes; the JSON encoding of OTLP (and this receiver) uses lower-case hex. */
const TO_OBJECT_OPTIONS = { longs: String, enums: Number, bytes: String, defaults: false, arrays: true };
const base64ToHex = (value: string | undefined): string => (value ? Buffer.from(value, 'base64').toString('hex') : '');

const decodeProtobuf = (body: Buffer): OtlpRequest => {
  const request = ExportTraceServiceRequest.toObject(
    ExportTraceServiceRequest.decode(body),
    TO_OBJECT_OPTIONS,
  ) as OtlpRequest;
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        span.traceId = base64ToHex(span.traceId);
        span.spanId = base64ToHex(span.spanId);
        span.parentSpanId = base64ToHex(span.parentSpanId);
      }
    }
  }
  return request;
};

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
};

/**
 * Starts a receiver on an ephemeral loopback port.
 * @example
 * const receiver = await startOtlpReceiver()
 * // start the service with OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, then:
 * const spans = await receiver.waitFor((spans) => spans.some((span) => span.name === 'POST /orders'))
 */
export const startOtlpReceiver = async ({
  decode = true,
  retain = true,
}: OtlpReceiverOptions = {}): Promise<OtlpReceiver> => {
  const spans: ReceivedSpan[] = [];
  const bodies: Buffer[] = [];
  let unavailable = false;
  let exportRequests = 0;
  let spanCount = 0;
  const waiters = new Set<() => void>();

  const server: Server = createServer(async (request, response) => {
    try {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      const body = await readBody(request);
      if (unavailable) {
        response.writeHead(503, { 'retry-after': '1' }).end();
        return;
      }
      if (decode) {
        const isJson = request.headers['content-type']?.startsWith('application/json') ?? false;
        const decoded = isJson ? (JSON.parse(body.toString('utf8')) as OtlpRequest) : decodeProtobuf(body);
        const received = flattenExportRequest(decoded);
        spanCount += received.length;
        if (retain) {
          spans.push(...received);
          bodies.push(body);
        }
      }
      exportRequests++;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(EMPTY_RESPONSE);
      for (const wake of waiters) wake();
    } catch {
      response.writeHead(400).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    tracesUrl: `${endpoint}/v1/traces`,
    spans,
    bodies,
    get exportRequests() {
      return exportRequests;
    },
    get spanCount() {
      return spanCount;
    },
    setUnavailable(value) {
      unavailable = value;
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return;
          cleanup();
          resolve([...spans]);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`OTLP receiver: condition not met within ${timeoutMs} ms (${spans.length} spans received)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
};
