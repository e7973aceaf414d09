/**
 * @module Real backends for the report's integration tests: Prometheus (Debian's, with the project's generated rule
 * files) and Jaeger (the stack's build and config) on ephemeral loopback ports, and a scrape target that serves the
 * contract's HTTP histogram with exemplars, its counters growing on every scrape, standing in for a service under load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RULES_DIR } from '@mesh-stack/observability/prometheus';
import { HTTP_DURATION_BUCKETS_SECONDS, LABEL, METRIC } from '@mesh-stack/service-kit/contract';
import { DEBIAN_TOOLS, GO_TOOLS } from '@mesh-stack/tools';
import { stringify } from 'yaml';
import { freePort } from '../../scripts/lib/stack/port-check.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');

export interface RunningBackend {
  readonly url: string;
  stop(): Promise<void>;
  output(): string;
}

const waitReady = async (process: ChildProcess, url: string, output: () => string, what: string): Promise<void> => {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ready = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (process.exitCode !== null) break;
    await sleep(200);
  }
  throw new Error(`${what} did not become ready at ${url}:\n${output().slice(-2000)}`);
};

const stopProcess = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await closed;
  clearTimeout(timer);
};

const spawnBackend = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  let output = '';
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
};

export interface PrometheusOptions {
  /** Scrape jobs: job name → host:port. */
  readonly targets?: Readonly<Record<string, string>>;
  /** Load the project's generated rule files (default true). */
  readonly rules?: boolean;
}

/** Prometheus with an empty TSDB, 1 s scrape and evaluation intervals, and exemplar storage on. */
export const startPrometheus = async (options: PrometheusOptions = {}): Promise<RunningBackend> => {
  const workDir = mkdtempSync(join(tmpdir(), 'report-prometheus-'));
  const config = join(workDir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      ...(options.rules === false ? {} : { rule_files: [join(REPO_ROOT, RULES_DIR, '*.yaml')] }),
      scrape_configs: Object.entries(options.targets ?? {}).map(([job, target]) => ({
        job_name: job,
        static_configs: [{ targets: [target] }],
      })),
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, output } = spawnBackend(DEBIAN_TOOLS.prometheus, [
    `--config.file=${config}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${join(workDir, 'data')}`,
    '--enable-feature=exemplar-storage',
  ]);
  await waitReady(child, `${url}/-/ready`, output, 'Prometheus');
  return {
    url,
    output,
    stop: async () => {
      await stopProcess(child);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
};

/** Jaeger v2 (the stack's build and config, in-memory storage) on ephemeral ports; `otlpHttpUrl` takes traces. */
export const startJaeger = async (): Promise<RunningBackend & { readonly otlpHttpUrl: string }> => {
  const [query, queryGrpc, otlpGrpc, otlpHttp, metrics] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const at = (port: number | undefined) => `127.0.0.1:${port}`;
  const { child, output } = spawnBackend(
    GO_TOOLS.jaeger,
    [`--config=${join(REPO_ROOT, 'observability', 'jaeger', 'config.yaml')}`],
    {
      JAEGER_QUERY_HTTP_ENDPOINT: at(query),
      JAEGER_QUERY_GRPC_ENDPOINT: at(queryGrpc),
      JAEGER_OTLP_GRPC_ENDPOINT: at(otlpGrpc),
      JAEGER_OTLP_HTTP_ENDPOINT: at(otlpHttp),
      JAEGER_METRICS_PORT: String(metrics),
      JAEGER_LOG_LEVEL: 'warn',
    },
  );
  const url = `http://${at(query)}`;
  await waitReady(child, `${url}/api/services`, output, 'Jaeger');
  return { url, otlpHttpUrl: `http://${at(otlpHttp)}`, output, stop: () => stopProcess(child) };
};

/* ---------- a scrape target standing in for a service ---------- */

export interface FakeTraffic {
  /** Trace ids of the exemplars it exposes (32 hex digits), slowest first. */
  readonly exemplarTraceIds: readonly string[];
}

const HISTOGRAM = METRIC.httpServerRequestDuration.name;

/**
 * Serves OpenMetrics text for `POST /orders` on order-service: every scrape adds 50 requests (2 of them 503s, a
 * burn rate the SLO alerts notice at once), spread over the buckets, with a trace-id exemplar on the slow buckets.
 */
export const startMetricsTarget = async (
  exemplarTraceIds: readonly string[],
): Promise<{ readonly hostPort: string; close(): Promise<void> }> => {
  const bounds = [...HTTP_DURATION_BUCKETS_SECONDS];
  const counts = {
    ok: new Array<number>(bounds.length + 1).fill(0),
    failed: new Array<number>(bounds.length + 1).fill(0),
  };
  let sum = 0;
  let scrapes = 0;
  const render = (): string => {
    scrapes += 1;
    // 48 good requests over the low buckets, 2 failures in the 0.75 s bucket; a few slow ones on every scrape.
    for (let index = 0; index < 48; index++) counts.ok[index % 6] = (counts.ok[index % 6] ?? 0) + 1;
    counts.ok[8] = (counts.ok[8] ?? 0) + 1; // one at ≤ 0.75 s
    counts.failed[8] = (counts.failed[8] ?? 0) + 2;
    sum += 48 * 0.02 + 0.7 + 2 * 0.7;
    const lines = [`# TYPE ${HISTOGRAM} histogram`, `# UNIT ${HISTOGRAM} seconds`];
    for (const [status, buckets] of [
      ['201', counts.ok],
      ['503', counts.failed],
    ] as const) {
      const labels = `${LABEL.httpRequestMethod}="POST",${LABEL.httpRoute}="/orders",${LABEL.httpResponseStatusCode}="${status}"`;
      let cumulative = 0;
      for (const [index, bound] of [...bounds, Number.POSITIVE_INFINITY].entries()) {
        cumulative += buckets[index] ?? 0;
        const le = bound === Number.POSITIVE_INFINITY ? '+Inf' : Number.isInteger(bound) ? `${bound}.0` : String(bound);
        const traceId = exemplarTraceIds[(scrapes + index) % Math.max(1, exemplarTraceIds.length)];
        const exemplar =
          index === 8 && traceId !== undefined
            ? ` # {trace_id="${traceId}"} ${status === '503' ? 0.74 : 0.7} ${Date.now() / 1000}`
            : '';
        lines.push(`${HISTOGRAM}_bucket{${labels},le="${le}"} ${cumulative}${exemplar}`);
      }
      lines.push(`${HISTOGRAM}_count{${labels}} ${cumulative}`);
      lines.push(`${HISTOGRAM}_sum{${labels}} ${status === '201' ? sum : cumulative * 0.7}`);
    }
    lines.push('# EOF', '');
    return lines.join('\n');
  };
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
    response.end(render());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return {
    hostPort: `127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/* ---------- traces in OTLP/JSON ---------- */

export interface FakeSpan {
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly service: string;
  readonly name: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly kind: 1 | 2 | 3;
  readonly status?: number;
}

/** Posts one trace to Jaeger's OTLP/HTTP receiver, JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). */
export const sendTrace = async (otlpHttpUrl: string, traceId: string, spans: readonly FakeSpan[]): Promise<void> => {
  const services = [...new Set(spans.map((span) => span.service))];
  const body = {
    resourceSpans: services.map((service) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          scope: { name: 'report-test' },
          spans: spans
            .filter((span) => span.service === service)
            .map((span) => ({
              traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: String(BigInt(Math.round(span.startMs * 1000)) * 1000n),
              endTimeUnixNano: String(BigInt(Math.round((span.startMs + span.durationMs) * 1000)) * 1000n),
              attributes:
                span.status === undefined
                  ? []
                  : [{ key: 'http.response.status_code', value: { intValue: String(span.status) } }],
              status: span.status !== undefined && span.status >= 500 ? { code: 2 } : { code: 0 },
            })),
        },
      ],
    })),
  };
  const response = await fetch(`${otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`OTLP export → ${response.status}: ${await response.text()}`);
};
