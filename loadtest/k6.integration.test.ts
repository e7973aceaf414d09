/**
 * k6 is AGPL and never runs here, so the k6 script is checked the ways that do not need it: it type-checks against
 * the pinned @types/k6 alone (no Node types), every module it loads at run time is one k6 resolves, and its
 * profiles are open-model with the thresholds the project promises.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { SLOS } from '@mesh-stack/observability/rules';
import { localBaseUrl } from '@mesh-stack/stack';
import ts from 'typescript';
import {
  buildProfile,
  DEFAULT_PEAK_RATE,
  EXPECTED_ITERATION_SECONDS,
  MAX_ERROR_RATE,
  PROFILE_NAMES,
  profileFromEnv,
  STEP_LATENCY_LIMITS_MS,
  targetsFromEnv,
} from './profiles.ts';
import { STEP, STEP_NAMES, type StepName } from './scenario.ts';

const LOADTEST = import.meta.dirname;
const REPO_ROOT = join(LOADTEST, '..');
const K6_ENTRY = join(LOADTEST, 'orders.ts');

/** Modules built into k6 that a script may import at run time (k6/options, for one, exists only as types). */
const K6_RUNTIME_MODULES = new Set([
  'k6',
  'k6/http',
  'k6/execution',
  'k6/metrics',
  'k6/crypto',
  'k6/encoding',
  'k6/data',
  'k6/html',
  'k6/timers',
  'k6/ws',
  'k6/net/grpc',
  'k6/secrets',
]);

interface ModuleImport {
  readonly from: string;
  readonly specifier: string;
  /** `import type …` or an import whose every specifier is `type`: erased before k6 sees it. */
  readonly typeOnly: boolean;
}

const importsOf = (file: string): ModuleImport[] => {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: ModuleImport[] = [];
  for (const statement of source.statements) {
    if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))) continue;
    const specifier = statement.moduleSpecifier;
    if (specifier === undefined || !ts.isStringLiteral(specifier)) continue;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      typeOnly =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          named !== undefined &&
          ts.isNamedImports(named) &&
          named.elements.length > 0 &&
          named.elements.every((element) => element.isTypeOnly));
    } else {
      typeOnly = statement.isTypeOnly;
    }
    found.push({ from: file, specifier: specifier.text, typeOnly });
  }
  return found;
};

/** Every module k6 loads for `orders.ts`, following relative imports. */
const k6ModuleGraph = (): { files: string[]; imports: ModuleImport[] } => {
  const files: string[] = [];
  const imports: ModuleImport[] = [];
  const pending = [K6_ENTRY];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.includes(file)) continue;
    files.push(file);
    for (const entry of importsOf(file)) {
      imports.push(entry);
      if (entry.specifier.startsWith('.') && !entry.typeOnly) pending.push(resolve(dirname(file), entry.specifier));
    }
  }
  return { files, imports };
};

describe('k6 script loadtest/orders.ts', () => {
  it('type-checks against @types/k6 with no Node types (tsc -p loadtest/tsconfig.k6.json)', () => {
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(LOADTEST, 'tsconfig.k6.json')], { encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it('loads at run time only k6 modules and relative .ts files that exist', () => {
    const { files, imports } = k6ModuleGraph();
    assert.ok(
      files.some((file) => file.endsWith('scenario.ts')),
      'the k6 script runs the shared scenario',
    );
    for (const entry of imports.filter((candidate) => !candidate.typeOnly)) {
      const where = `${relative(REPO_ROOT, entry.from)} imports "${entry.specifier}"`;
      if (entry.specifier.startsWith('.')) {
        // k6 resolves a relative specifier as a path as written: no extension guessing, no index files.
        assert.ok(entry.specifier.endsWith('.ts'), `${where}: write the .ts extension`);
        assert.ok(existsSync(resolve(dirname(entry.from), entry.specifier)), `${where}: no such file`);
      } else {
        assert.ok(K6_RUNTIME_MODULES.has(entry.specifier), `${where}: not a module k6 provides at run time`);
      }
    }
  });

  it('shares a scenario module that imports nothing, so Node and k6 both run it as is', () => {
    assert.deepEqual(importsOf(join(LOADTEST, 'scenario.ts')), []);
    const profileImports = importsOf(join(LOADTEST, 'profiles.ts')).map((entry) => entry.specifier);
    assert.deepEqual(profileImports, ['./scenario.ts']);
  });
});

describe('k6 load profiles', () => {
  it('uses open-model arrival-rate executors only, with VUs sized by Little’s law', () => {
    for (const name of PROFILE_NAMES) {
      const profile = buildProfile(name);
      const scenarios = Object.values(profile.scenarios);
      assert.equal(scenarios.length, 1, name);
      for (const scenario of scenarios) {
        assert.ok(['constant-arrival-rate', 'ramping-arrival-rate'].includes(scenario.executor), name);
        const peak =
          scenario.executor === 'constant-arrival-rate'
            ? scenario.rate
            : Math.max(...scenario.stages.map((stage) => stage.target));
        assert.equal(scenario.timeUnit, '1s');
        assert.ok(scenario.preAllocatedVUs >= Math.ceil(peak * EXPECTED_ITERATION_SECONDS), `${name} preAllocatedVUs`);
        assert.ok(scenario.maxVUs > scenario.preAllocatedVUs, `${name} maxVUs leaves headroom`);
        assert.equal(scenario.tags.profile, name);
      }
    }
    const stress = buildProfile('stress').scenarios.stress;
    assert.ok(stress?.executor === 'ramping-arrival-rate');
    assert.equal(Math.max(...stress.stages.map((stage) => stage.target)), 5 * DEFAULT_PEAK_RATE);
    const load = profileFromEnv({ SCENARIO: 'load', RATE: '50' }).scenarios.load;
    assert.ok(load?.executor === 'ramping-arrival-rate');
    assert.equal(Math.max(...load.stages.map((stage) => stage.target)), 50);
  });

  it('fails a run on errors, failed checks, dropped iterations and per-step p95/p99 latency', () => {
    const { thresholds } = buildProfile('load');
    assert.deepEqual(thresholds.dropped_iterations, ['count==0']);
    assert.match(thresholds.http_req_failed?.[0] ?? '', /^rate<0\.\d+$/);
    assert.match(thresholds.checks?.[0] ?? '', /^rate>0\.\d+$/);
    for (const step of STEP_NAMES) {
      const limits = STEP_LATENCY_LIMITS_MS[step];
      assert.deepEqual(thresholds[`http_req_duration{step:${step}}`], [`p(95)<${limits.p95}`, `p(99)<${limits.p99}`]);
      assert.ok(limits.p95 < limits.p99);
    }
  });

  it('holds each step within the latency SLO of the route it calls, and errors to the availability SLOs', () => {
    const sloOfStep: Record<StepName, string> = {
      [STEP.createUser]: 'user-service-latency',
      [STEP.createOrder]: 'order-flow-latency',
      [STEP.readOrder]: 'order-service-latency',
    };
    for (const step of STEP_NAMES) {
      const slo = SLOS.find((candidate) => candidate.id === sloOfStep[step]);
      assert.ok(slo?.thresholdSeconds !== undefined, `${sloOfStep[step]} exists`);
      // Never looser than the SLO; tighter is allowed (a read is held to less than the service-wide bound).
      assert.ok(STEP_LATENCY_LIMITS_MS[step].p99 <= slo.thresholdSeconds * 1000, step);
    }
    // The order flow's own SLO is the journey's headline number: the same bound, not a tighter one.
    const orderFlow = SLOS.find((candidate) => candidate.id === sloOfStep[STEP.createOrder]);
    assert.equal(STEP_LATENCY_LIMITS_MS[STEP.createOrder].p99, (orderFlow?.thresholdSeconds ?? 0) * 1000);
    const availability = SLOS.filter((slo) => slo.kind === 'availability').map((slo) => slo.objective);
    assert.ok(availability.length > 0);
    assert.equal(MAX_ERROR_RATE, Number((1 - Math.max(...availability)).toPrecision(12)));
  });

  it('picks the profile and targets from the environment, defaulting to the local stack', () => {
    assert.deepEqual(Object.keys(profileFromEnv({}).scenarios), ['smoke']);
    assert.throws(() => profileFromEnv({ SCENARIO: 'soak' }), /SCENARIO must be one of smoke, load, stress/);
    assert.throws(() => profileFromEnv({ SCENARIO: 'load', RATE: 'lots' }), /RATE must be a positive number/);
    assert.deepEqual(targetsFromEnv({}), {
      userServiceUrl: localBaseUrl('user-service'),
      orderServiceUrl: localBaseUrl('order-service'),
    });
    assert.deepEqual(
      targetsFromEnv({ BASE_URL: 'http://127.0.0.1:8080', USER_SERVICE_URL: 'http://127.0.0.1:18081' }),
      {
        userServiceUrl: 'http://127.0.0.1:18081',
        orderServiceUrl: 'http://127.0.0.1:8080',
      },
    );
  });
});
