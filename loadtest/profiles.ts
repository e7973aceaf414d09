/**
 * @module The k6 load profiles (`SCENARIO=smoke|load|stress`) and their pass/fail thresholds, as plain data so
 * the Node tests can check them without k6. `loadtest/orders.ts` hands the result to k6 as `options`.
 *
 * Every profile uses an open-model executor (`constant-arrival-rate` / `ramping-arrival-rate`): new iterations
 * arrive on schedule however slow the stack gets, so a slowdown shows up as latency and dropped iterations
 * instead of quietly lowering the load (closed-model executors hide it: coordinated omission).
 */
import { STEP, type StepName } from './scenario.ts';

export const PROFILE_NAMES = ['smoke', 'load', 'stress'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Default peak arrival rate (iterations per second) of the `load` profile; `RATE` overrides it. */
export const DEFAULT_PEAK_RATE = 20;

/**
 * Seconds one iteration is expected to take: two think times (0.6 s on average) and three fast requests. Little's
 * law gives the VUs needed: rate × iteration time. maxVUs leaves room for iterations four times slower before k6
 * has to drop any (and says so in `dropped_iterations`).
 */
export const EXPECTED_ITERATION_SECONDS = 1.5;
const HEADROOM = 4;

export interface ArrivalStage {
  readonly target: number;
  readonly duration: string;
}

export type ArrivalRateScenario =
  | {
      readonly executor: 'constant-arrival-rate';
      readonly rate: number;
      readonly timeUnit: string;
      readonly duration: string;
      readonly preAllocatedVUs: number;
      readonly maxVUs: number;
      readonly gracefulStop: string;
      readonly tags: Readonly<Record<string, string>>;
    }
  | {
      readonly executor: 'ramping-arrival-rate';
      readonly startRate: number;
      readonly timeUnit: string;
      stages: ArrivalStage[];
      readonly preAllocatedVUs: number;
      readonly maxVUs: number;
      readonly gracefulStop: string;
      readonly tags: Readonly<Record<string, string>>;
    };

/** Mutable arrays because k6's `Options` type declares them so; nothing mutates a profile. */
export interface LoadProfile {
  readonly scenarios: Record<string, ArrivalRateScenario>;
  readonly thresholds: Record<string, string[]>;
}

/**
 * Client-side latency limits per step, in ms. p99 stays within the latency SLOs in
 * `observability/prometheus/src/rules/slo.ts` (99% of `POST /orders` within 500 ms — the same bound here — and
 * user-service within 250 ms; a read of one order is held to 250 ms, tighter than order-service's 500 ms, because
 * it calls nothing); k6.test.ts keeps them in line. p95 is the early warning.
 */
export const STEP_LATENCY_LIMITS_MS: Readonly<Record<StepName, { readonly p95: number; readonly p99: number }>> = {
  [STEP.createUser]: { p95: 150, p99: 250 },
  [STEP.createOrder]: { p95: 300, p99: 500 },
  [STEP.readOrder]: { p95: 150, p99: 250 },
};

/** Failed requests allowed: the availability SLOs allow 0.1% 5xx. */
export const MAX_ERROR_RATE = 0.001;

const vus = (peakRate: number) => ({
  preAllocatedVUs: Math.max(2, Math.ceil(peakRate * EXPECTED_ITERATION_SECONDS)),
  maxVUs: Math.max(5, Math.ceil(peakRate * EXPECTED_ITERATION_SECONDS * HEADROOM)),
});

const thresholds = (): Record<string, string[]> => {
  const result: Record<string, string[]> = {
    http_req_failed: [`rate<${MAX_ERROR_RATE}`],
    checks: ['rate>0.999'],
    // Fails the run when k6 could not start iterations on schedule: the load asked for was not the load sent.
    dropped_iterations: ['count==0'],
  };
  for (const [step, limits] of Object.entries(STEP_LATENCY_LIMITS_MS)) {
    result[`http_req_duration{step:${step}}`] = [`p(95)<${limits.p95}`, `p(99)<${limits.p99}`];
  }
  return result;
};

/**
 * - smoke: 1 iteration/s for 30 s — does the script work against this deployment at all?
 * - load: ramp to the peak rate over 1 min, hold 5 min, ramp down — the SLOs at expected traffic.
 * - stress: steps up to 5× the peak rate — where does it break, and does it recover when the load falls?
 */
export const buildProfile = (name: ProfileName, peakRate: number = DEFAULT_PEAK_RATE): LoadProfile => {
  if (!Number.isFinite(peakRate) || peakRate <= 0) throw new Error(`RATE must be a positive number, got ${peakRate}`);
  const tags = { profile: name };
  switch (name) {
    case 'smoke':
      return {
        scenarios: {
          smoke: {
            executor: 'constant-arrival-rate',
            rate: 1,
            timeUnit: '1s',
            duration: '30s',
            ...vus(1),
            gracefulStop: '10s',
            tags,
          },
        },
        thresholds: thresholds(),
      };
    case 'load':
      return {
        scenarios: {
          load: {
            executor: 'ramping-arrival-rate',
            startRate: 1,
            timeUnit: '1s',
            stages: [
              { target: peakRate, duration: '1m' },
              { target: peakRate, duration: '5m' },
              { target: 0, duration: '30s' },
            ],
            ...vus(peakRate),
            gracefulStop: '30s',
            tags,
          },
        },
        thresholds: thresholds(),
      };
    case 'stress': {
      const steps = [1, 2, 3, 5].map((factor) => Math.ceil(peakRate * factor));
      return {
        scenarios: {
          stress: {
            executor: 'ramping-arrival-rate',
            startRate: 1,
            timeUnit: '1s',
            stages: [
              ...steps.flatMap((target) => [
                { target, duration: '1m' },
                { target, duration: '2m' },
              ]),
              // Back to the normal peak: the stack should recover without a restart.
              { target: peakRate, duration: '1m' },
              { target: peakRate, duration: '2m' },
            ],
            ...vus(Math.max(...steps)),
            gracefulStop: '30s',
            tags,
          },
        },
        thresholds: thresholds(),
      };
    }
  }
};

/** Reads `SCENARIO` (default smoke) and `RATE` from k6's `__ENV` (or any string map). */
export const profileFromEnv = (env: Readonly<Record<string, string | undefined>>): LoadProfile => {
  const name = env.SCENARIO ?? 'smoke';
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) {
    throw new Error(`SCENARIO must be one of ${PROFILE_NAMES.join(', ')}, got "${name}"`);
  }
  return buildProfile(name as ProfileName, env.RATE === undefined ? DEFAULT_PEAK_RATE : Number(env.RATE));
};

/** Where each service is reached: `USER_SERVICE_URL` / `ORDER_SERVICE_URL`, else `BASE_URL`, else the local stack. */
export const targetsFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
): { readonly userServiceUrl: string; readonly orderServiceUrl: string } => ({
  userServiceUrl: env.USER_SERVICE_URL ?? env.BASE_URL ?? 'http://127.0.0.1:8081',
  orderServiceUrl: env.ORDER_SERVICE_URL ?? env.BASE_URL ?? 'http://127.0.0.1:8082',
});
