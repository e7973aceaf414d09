import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PRODUCTION_SAMPLING, resolveTelemetryConfig } from './config.ts';

const defaults = { serviceName: 'order-service', serviceVersion: '1.2.3' };

describe('resolveTelemetryConfig', () => {
  it('uses the OpenTelemetry defaults when nothing is set', () => {
    const { config, warnings } = resolveTelemetryConfig(defaults, {}, {});
    assert.deepEqual(warnings, []);
    assert.equal(config.serviceName, 'order-service');
    assert.equal(config.tracesEndpoint, 'http://localhost:4318/v1/traces');
    assert.equal(config.sampler, 'parentbased_always_on');
    assert.deepEqual(config.batch, {
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 5000,
      exportTimeoutMillis: 30_000,
    });
    assert.equal(config.disabled, false);
    assert.equal(config.tracesExporter, 'otlp');
  });

  it('reads the standard variables, with code options winning over them', () => {
    const env = {
      OTEL_SERVICE_NAME: 'orders',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_MAX_QUEUE_SIZE: '4096',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_SDK_DISABLED: 'TRUE',
    };
    const { config } = resolveTelemetryConfig(defaults, { batch: { scheduledDelayMillis: 100 } }, env);
    assert.equal(config.serviceName, 'orders');
    assert.equal(config.tracesEndpoint, 'http://collector:4318/v1/traces');
    assert.equal(config.sampler, 'parentbased_traceidratio');
    assert.equal(config.samplerRatio, 0.25);
    assert.equal(config.batch.maxQueueSize, 4096);
    assert.equal(config.batch.scheduledDelayMillis, 100);
    assert.equal(config.tracesExporter, 'none');
    assert.equal(config.disabled, true);
    const signalSpecific = resolveTelemetryConfig(defaults, {}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:1/t' });
    assert.equal(signalSpecific.config.tracesEndpoint, 'http://x:1/t');
  });

  it('corrects invalid values to the defaults, with one warning per variable', () => {
    const { config, warnings } = resolveTelemetryConfig(
      defaults,
      {},
      {
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_BSP_MAX_QUEUE_SIZE: '-3',
        OTEL_TRACES_EXPORTER: 'zipkin',
      },
    );
    assert.equal(config.sampler, 'parentbased_always_on');
    assert.equal(config.batch.maxQueueSize, 2048);
    assert.equal(config.tracesExporter, 'otlp');
    assert.deepEqual(
      warnings.map((warning) => warning.variable),
      ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_EXPORTER', 'OTEL_BSP_MAX_QUEUE_SIZE'],
    );
  });
});

describe('the production profile', () => {
  it('resolves to a parent-based 10% ratio sampler from the standard variables', () => {
    const { config, warnings } = resolveTelemetryConfig(defaults, {}, PRODUCTION_SAMPLING);
    assert.deepEqual(warnings, []);
    assert.equal(config.sampler, 'parentbased_traceidratio');
    assert.equal(config.samplerRatio, 0.1);
  });

  it('is what Kubernetes and compose deploy', () => {
    const root = join(import.meta.dirname, '..', '..', '..', '..');
    const kustomization = parse(readFileSync(join(root, 'k8s', 'base', 'kustomization.yaml'), 'utf8')) as {
      configMapGenerator: { name: string; literals: string[] }[];
    };
    const literals = kustomization.configMapGenerator.find((map) => map.name === 'service-config')?.literals ?? [];
    for (const [name, value] of Object.entries(PRODUCTION_SAMPLING)) assert.ok(literals.includes(`${name}=${value}`));
    const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    for (const service of ['user-service', 'order-service', 'payment-service']) {
      const environment = compose.services[service]?.environment ?? {};
      for (const [name, value] of Object.entries(PRODUCTION_SAMPLING)) assert.equal(environment[name], value, service);
    }
  });
});
