/**
 * The project's collector build and config, for real: the binary validates the config, then a collector and a Jaeger
 * (on this file's reserved port offset) take an OTLP/HTTP trace, Jaeger serves it with its parentage, and the
 * span_metrics connector exposes RED metrics with trace_id exemplars on the Prometheus exporter.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GO_TOOLS } from '@mesh-stack/tools';
import { parse } from 'yaml';
import { TEST_PORT_OFFSETS } from '../../scripts/lib/stack/ports.ts';
import { DEFAULT_CONFIGS, type StackHandle, startStack } from '../../scripts/lib/stack.ts';
import { eventually } from '../../test/support/eventually.ts';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

describe('otelcol binary', () => {
  it('accepts the project config (otelcol validate)', () => {
    const result = spawnSync(GO_TOOLS.otelcol, ['validate', `--config=${DEFAULT_CONFIGS.collector}`], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
  });

  it('contains every component the manifest lists, and nothing the config needs is missing', () => {
    const result = spawnSync(GO_TOOLS.otelcol, ['components'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const built = parse(result.stdout) as Record<string, { name: string }[] | undefined>;
    const names = (kind: string): string[] => (built[kind] ?? []).map((component) => component.name);
    assert.ok(names('receivers').includes('otlp'));
    assert.deepEqual(names('processors').sort(), ['batch', 'memory_limiter']);
    assert.ok(['debug', 'otlp_grpc', 'prometheus'].every((name) => names('exporters').includes(name)));
    assert.ok(names('connectors').includes('span_metrics'));
    assert.ok(names('extensions').includes('health_check'));
  });

  it('is the build of the current manifest (setup rebuilds it when builder-config.yaml changes)', () => {
    const manifest = parse(readFileSync(join(import.meta.dirname, 'builder-config.yaml'), 'utf8')) as {
      dist: { version: string };
    };
    const result = spawnSync(GO_TOOLS.otelcol, ['--version'], { encoding: 'utf8' });
    assert.match(result.stdout, new RegExp(`version ${manifest.dist.version.replaceAll('.', '\\.')}`));
  });
});

describe('jaeger binary', () => {
  it('accepts the project config (jaeger validate)', () => {
    const result = spawnSync(GO_TOOLS.jaeger, ['validate', `--config=${DEFAULT_CONFIGS.jaeger}`], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });
});

describe('collector → Jaeger and span metrics, live', () => {
  let stack: StackHandle;
  const dir = mkdtempSync(join(tmpdir(), 'collector-test-'));

  before(async () => {
    stack = await startStack({
      components: ['jaeger', 'otel-collector'],
      portOffset: TEST_PORT_OFFSETS.collectorTest,
      dataDir: join(dir, 'data'),
      logDir: join(dir, 'logs'),
      // Flush span metrics every second instead of every 15 s, so the test does not wait.
      env: { 'otel-collector': { OTELCOL_SPANMETRICS_FLUSH_INTERVAL: '1s' } },
    });
  });

  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const serviceName = `collector-test-${hex(4)}`;
  const traceId = hex(16);
  const serverSpanId = hex(8);
  const clientSpanId = hex(8);

  /** Posts a server span and its client child, as a service's SDK would, over OTLP/HTTP JSON. */
  const postTrace = async (ids: { traceId: string; serverSpanId: string; clientSpanId: string }) => {
    const { traceId, serverSpanId, clientSpanId } = ids;
    const now = BigInt(Date.now()) * 1_000_000n;
    const attribute = (key: string, value: string | number) => ({
      key,
      value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
    });
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [attribute('service.name', serviceName)] },
          scopeSpans: [
            {
              scope: { name: 'collector.test' },
              spans: [
                {
                  traceId,
                  spanId: serverSpanId,
                  name: 'GET /orders/:id',
                  kind: 2, // SERVER
                  startTimeUnixNano: String(now),
                  endTimeUnixNano: String(now + 42_000_000n),
                  attributes: [
                    attribute('http.request.method', 'GET'),
                    attribute('http.route', '/orders/:id'),
                    attribute('http.response.status_code', 200),
                  ],
                },
                {
                  traceId,
                  spanId: clientSpanId,
                  parentSpanId: serverSpanId,
                  name: 'GET',
                  kind: 3, // CLIENT
                  startTimeUnixNano: String(now + 1_000_000n),
                  endTimeUnixNano: String(now + 30_000_000n),
                  attributes: [attribute('http.request.method', 'GET'), attribute('http.response.status_code', 200)],
                },
              ],
            },
          ],
        },
      ],
    };
    return fetch(`${stack.urls.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  };

  it('accepts an OTLP/HTTP trace from a service', async () => {
    const response = await postTrace({ traceId, serverSpanId, clientSpanId });
    assert.equal(response.status, 200, await response.text());
  });

  it('forwards the trace to Jaeger, parentage intact', async () => {
    interface JaegerSpan {
      spanID: string;
      operationName: string;
      references: { refType: string; spanID: string }[];
    }
    const trace = await eventually(
      'the trace in Jaeger',
      async () => {
        const response = await fetch(`${stack.urls.jaegerApi}/api/traces/${traceId}`);
        if (!response.ok) return undefined;
        const json = (await response.json()) as { data: { spans: JaegerSpan[] }[] };
        const spans = json.data[0]?.spans ?? [];
        return spans.length === 2 ? spans : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const client = trace.find((span) => span.spanID === clientSpanId);
    assert.equal(trace.find((span) => span.spanID === serverSpanId)?.operationName, 'GET /orders/:id');
    assert.deepEqual(
      client?.references.map(({ refType, spanID }) => ({ refType, spanID })),
      [{ refType: 'CHILD_OF', spanID: serverSpanId }],
    );
    await eventually(
      `${serviceName} among Jaeger's services`,
      async () => {
        const services = (await (await fetch(`${stack.urls.jaegerApi}/api/services`)).json()) as { data: string[] };
        return services.data.includes(serviceName) ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
  });

  it('derives span metrics with a trace_id exemplar for Prometheus', async () => {
    // The connector keeps an exemplar for one flush only (it clears them after each export), so each attempt sends a
    // fresh trace and polls faster than the 1 s flush; a starved machine may need another attempt.
    const ourLines = (text: string) =>
      text.split('\n').filter((line) => line.includes(`service_name="${serviceName}"`));
    const withExemplar = async (): Promise<{ ours: string[]; exemplarTraceId: string } | undefined> => {
      const exemplarTraceId = hex(16);
      const response = await postTrace({ traceId: exemplarTraceId, serverSpanId: hex(8), clientSpanId: hex(8) });
      assert.equal(response.status, 200, await response.text());
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const metrics = await fetch(stack.urls.spanMetrics, { headers: { accept: 'application/openmetrics-text' } });
        const ours = ourLines(await metrics.text());
        const carried = ours.some(
          (line) =>
            line.startsWith('traces_span_metrics_duration_seconds_bucket{') &&
            line.includes(`trace_id="${exemplarTraceId}"`),
        );
        if (carried) return { ours, exemplarTraceId };
        await sleep(100);
      }
      return undefined;
    };
    let found: Awaited<ReturnType<typeof withExemplar>>;
    for (let attempt = 0; attempt < 3 && found === undefined; attempt++) found = await withExemplar();
    assert.ok(found, 'no duration bucket carried the exemplar trace_id of any of 3 fresh traces');
    const serverCalls = found.ours.find(
      (line) => line.startsWith('traces_span_metrics_calls_total{') && line.includes('span_name="GET /orders/:id"'),
    );
    assert.ok(serverCalls, `no calls counter for the server span in:\n${found.ours.join('\n')}`);
    assert.match(serverCalls, /span_kind="SPAN_KIND_SERVER"/);
    assert.match(serverCalls, /http_route="\/orders\/:id"/);
    assert.match(serverCalls, /status_code="STATUS_CODE_UNSET"/);
  });

  it("exposes the collector's and Jaeger's own metrics for Prometheus", async () => {
    // Read until they count the spans sent above: the exporter's counter moves once Jaeger acknowledged the batch.
    const scrapeUntil = (url: string, pattern: RegExp) =>
      eventually(
        `${pattern} at ${url}`,
        async () => {
          const text = await (await fetch(url)).text();
          return pattern.test(text) ? text : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
    await scrapeUntil(
      stack.urls.collectorMetrics,
      /^otelcol_receiver_accepted_spans_total\{.*receiver="otlp".*\} [1-9]/m,
    );
    await scrapeUntil(
      stack.urls.collectorMetrics,
      /^otelcol_exporter_sent_spans_total\{.*exporter="otlp_grpc\/jaeger".*\} [1-9]/m,
    );
    await scrapeUntil(stack.urls.jaegerMetrics, /^otelcol_receiver_accepted_spans_total\{/m);
  });

  it('answers its health check', async () => {
    const response = await fetch(stack.urls.collectorHealth);
    assert.equal(response.status, 200);
  });
});
