/**
 * The optional tail-sampling gateway tier (gateway.yaml), checked by the project's collector binary: everything it
 * has is validated for real; `tail_sampling` itself only where the binary contains it (the pinned contrib release's
 * processor cannot be built here, see gateway.yaml), and its policies are held to the SLO they serve.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ORDER_FLOW, SLOS } from '@mesh-stack/observability/rules';
import { GO_TOOLS } from '@mesh-stack/tools';
import { parse, stringify } from 'yaml';

const GATEWAY_PATH = join(import.meta.dirname, 'gateway.yaml');
const TAIL_SAMPLING = 'tail_sampling';

interface Policy {
  readonly name: string;
  readonly type: string;
  readonly [config: string]: unknown;
}
interface GatewayConfig {
  processors: Record<string, unknown> & { tail_sampling: { decision_wait: string; policies: Policy[] } };
  service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
}

const gateway = (): GatewayConfig => parse(readFileSync(GATEWAY_PATH, 'utf8')) as GatewayConfig;
const builtProcessors = (): string[] => {
  const result = spawnSync(GO_TOOLS.otelcol, ['components'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const built = parse(result.stdout) as { processors?: { name: string }[] };
  return (built.processors ?? []).map((processor) => processor.name);
};
const validate = (path: string) => spawnSync(GO_TOOLS.otelcol, ['validate', `--config=${path}`], { encoding: 'utf8' });

describe('tail-sampling gateway tier (gateway.yaml)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is valid for the project collector binary, tail_sampling aside where the binary lacks it', () => {
    if (builtProcessors().includes(TAIL_SAMPLING)) {
      const result = validate(GATEWAY_PATH);
      assert.equal(result.status, 0, result.stderr);
      return;
    }
    // The binary refuses the full file for exactly one reason: the component it was built without.
    const full = validate(GATEWAY_PATH);
    assert.notEqual(full.status, 0);
    assert.match(full.stderr, /unknown type: "tail_sampling"/);
    const config = gateway();
    delete (config.processors as Record<string, unknown>)[TAIL_SAMPLING];
    for (const pipeline of Object.values(config.service.pipelines))
      pipeline.processors = pipeline.processors.filter((name) => name !== TAIL_SAMPLING);
    const stripped = join(dir, 'gateway-without-tail-sampling.yaml');
    writeFileSync(stripped, stringify(config));
    const result = validate(stripped);
    assert.equal(result.status, 0, result.stderr);
  });

  it('samples in the traces pipeline after the memory limiter and before the batch', () => {
    const { traces } = gateway().service.pipelines;
    assert.deepEqual(traces?.processors, ['memory_limiter', TAIL_SAMPLING, 'batch']);
  });

  it('keeps every error and every order slower than the order-flow latency SLO', () => {
    const latencySlo = SLOS.find((slo) => slo.service === ORDER_FLOW.service && slo.kind === 'latency');
    assert.ok(latencySlo?.thresholdSeconds);
    const { policies, decision_wait } = gateway().processors.tail_sampling;
    const byType = (type: string) => policies.filter((policy) => policy.type === type);
    assert.deepEqual(
      byType('status_code').map((policy) => policy.status_code),
      [{ status_codes: ['ERROR'] }],
    );
    assert.deepEqual(
      byType('latency').map((policy) => policy.latency),
      [{ threshold_ms: latencySlo.thresholdSeconds * 1000 }],
    );
    assert.equal(byType('probabilistic').length, 1);
    // A trace is judged after decision_wait: it must outlast the slow orders the latency policy is there to keep.
    assert.match(decision_wait, /^\d+s$/);
    assert.ok(Number.parseInt(decision_wait, 10) > latencySlo.thresholdSeconds * 10);
  });
});
