/**
 * The contract test: Schemathesis (pinned in tools/schemathesis, installed into .tools/venv by the setup script) run
 * against each service's own `/openapi.json`, the services started as real processes. Every check is on, the seed is
 * fixed, the stateful phase included; 0 failures is the bar. The accepted exceptions, each with its reason, are in
 * schemathesis.toml beside this file. The same command works against a deployed service.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OPENAPI_PATH } from '@mesh-stack/stack';
import { SCHEMATHESIS_BIN } from '../../scripts/lib/setup/python.ts';
import { type ServiceProcess, startStack, type TestStack } from '../support/services.ts';

const CONFIG_FILE = join(import.meta.dirname, 'schemathesis.toml');
/** Fixed, so a failure is reproducible with the command the test prints. */
const SEED = 20_261_202;
/** Per operation and phase: about a minute and a half for the three services together on two cores. */
const MAX_EXAMPLES = 100;
const PHASES = ['examples', 'coverage', 'fuzzing', 'stateful'] as const;
/** Far above a run's ~30 s, far below the test runner's patience. */
const RUN_TIMEOUT_MS = 150_000;

/** The parts of Schemathesis's JSON run report (`--report json`) this test reads. */
interface RunReport {
  readonly exit_code: number;
  readonly complete: boolean;
  readonly operations: { readonly total: number; readonly tested: number; readonly errored: number };
  readonly phases: Readonly<Record<string, { readonly status: string; readonly skip_reason: string | null }>>;
  readonly test_cases: { readonly generated: number; readonly with_failures: number; readonly errored: number };
  readonly failures: readonly unknown[];
  readonly errors: readonly unknown[];
}

const runSchemathesis = (
  service: ServiceProcess,
  reportFile: string,
): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve, reject) => {
    const args = [
      '--config-file',
      CONFIG_FILE,
      '--no-color',
      'run',
      `${service.url}${OPENAPI_PATH}`,
      '--checks',
      'all',
      '--seed',
      String(SEED),
      '--max-examples',
      String(MAX_EXAMPLES),
      '--phases',
      PHASES.join(','),
      '--report',
      'json',
      '--report-json-path',
      reportFile,
      // Test data only: the reproduction commands are more use with their real header values.
      '--output-sanitize',
      'false',
    ];
    // Run from the report folder: Schemathesis keeps a `.schemathesis` cache in its working directory.
    const child = spawn(SCHEMATHESIS_BIN, args, { cwd: dirname(reportFile), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    // 'close', not 'exit': the last lines of the summary are read after the exit.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: `schemathesis ${args.join(' ')}\n${output}` });
    });
  });

describe('Schemathesis against every service (all checks, fixed seed, stateful phase)', () => {
  let stack: TestStack;
  let reports: string;

  before(async () => {
    assert.ok(existsSync(SCHEMATHESIS_BIN), `${SCHEMATHESIS_BIN} is missing: run \`npm run setup\``);
    reports = mkdtempSync(join(tmpdir(), 'mesh-stack-schemathesis-'));
    stack = await startStack({ backend: 'sqlite' });
  });
  after(async () => {
    await stack?.stop();
    if (reports) rmSync(reports, { recursive: true, force: true });
  });

  for (const name of ['user', 'order', 'payment'] as const) {
    it(`${name}-service answers as its OpenAPI document says`, { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
      const service = stack[name];
      const reportFile = join(reports, `${name}.json`);
      const run = await runSchemathesis(service, reportFile);
      // A failure shows what Schemathesis sent and what the service logged about it.
      const errorLines = service
        .logs()
        .split('\n')
        .filter((line) => /"level":"(error|fatal)"/.test(line));
      const output = `${run.output}\n${service.name} errors:\n${errorLines.join('\n')}`;
      const code = run.code;
      assert.ok(existsSync(reportFile), `no report written:\n${output}`);
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;

      assert.deepEqual(report.failures, [], output);
      assert.deepEqual(report.errors, [], output);
      assert.equal(report.exit_code, 0, output);
      assert.equal(code, 0, output);
      assert.equal(report.complete, true, output);
      // Not vacuous: every operation tested, every phase (stateful included) run, and enough cases to matter.
      assert.ok(report.operations.total >= 2, output);
      assert.equal(report.operations.tested, report.operations.total, output);
      assert.equal(report.operations.errored, 0, output);
      for (const phase of PHASES) {
        assert.equal(report.phases[phase]?.status, 'success', `phase ${phase}:\n${output}`);
      }
      assert.ok(report.test_cases.generated >= 100 * report.operations.total, output);
      assert.equal(service.exitStatus, undefined, `${service.name} exited:\n${service.logs()}`);
      assert.doesNotMatch(service.logs(), /"level":"(error|fatal)"/, `${service.name} logged an error`);
    });
  }
});
