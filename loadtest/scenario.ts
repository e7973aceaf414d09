/**
 * @module The one load scenario, shared by the k6 script (`loadtest/orders.ts`) and the Node load driver
 * (`loadtest/driver/`): create a user → create an order for that user → read the order back.
 *
 * It is plain data and pure functions, with no Node and no k6 import, so both runtimes load the same file (k6
 * transpiles `.ts` with esbuild since v0.57; Node strips the types). Each runner walks {@link SCENARIO_STEPS} with
 * its own HTTP client: build the request, send it, run the checks, capture what later steps need, think.
 *
 * Bounds and currencies follow `docs/api.md`; a test compares them with the running services' OpenAPI documents.
 */

/** The currencies the API accepts (docs/api.md, "Money"). */
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'SEK'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Hard limits of `POST /orders` (docs/api.md). Generated orders stay well inside them. */
export const ORDER_LIMITS = {
  maxItems: 50,
  maxQuantity: 1000,
  maxUnitAmountMinor: 10_000_000,
  maxTotalAmountMinor: 1_000_000_000,
} as const;

/**
 * What a generated order looks like: a few items, small quantities, everyday prices. Realistic shapes keep the
 * order-value histogram and payment amounts meaningful on the dashboards.
 */
export const ORDER_SHAPE = {
  items: { min: 1, max: 4 },
  quantity: { min: 1, max: 5 },
  unitAmountMinor: { min: 99, max: 25_000 },
  skus: ['BOOK-42', 'MUG-7', 'SHIRT-3', 'PEN-11', 'LAMP-5', 'CABLE-8', 'BAG-2', 'TEA-9'],
} as const;

/** Step names: k6 tags (`step`), the driver's summary keys and its progress lines all use these. */
export const STEP = {
  createUser: 'create_user',
  createOrder: 'create_order',
  readOrder: 'read_order',
} as const;
export type StepName = (typeof STEP)[keyof typeof STEP];
export const STEP_NAMES: readonly StepName[] = [STEP.createUser, STEP.createOrder, STEP.readOrder];

/** Which service a request goes to; each runner maps it to a base URL. */
export type Target = 'user-service' | 'order-service';

/** A request as data. `path` is concrete; `route` is its template, used as the low-cardinality `name` tag. */
export interface StepRequest {
  readonly step: StepName;
  readonly target: Target;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly route: string;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body, already serialised (both runners send it as is). */
  readonly body?: string;
}

/**
 * The URL of a request on a base URL. Plain concatenation, not `new URL(path, base)`, so a base with a path prefix
 * (an ingress serving the API under `/shop`) keeps it; k6 has no global `URL` either.
 */
export const requestUrl = (baseUrl: string, request: StepRequest): string =>
  `${baseUrl.replace(/\/+$/, '')}${request.path}`;

/** What a runner hands back: the status and the parsed JSON body (`undefined` when there is none or it is not JSON). */
export interface StepResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface StepCheck {
  /** Check name as k6 shows it in its summary. */
  readonly name: string;
  readonly passes: (response: StepResponse, state: IterationState) => boolean;
}

/** Per-iteration state: generated inputs and the ids captured from earlier responses. */
export interface IterationState {
  readonly runId: string;
  readonly iteration: number;
  readonly random: () => number;
  userId?: string;
  orderId?: string;
}

export interface ScenarioStep {
  readonly name: StepName;
  readonly request: (state: IterationState) => StepRequest;
  /** All must pass for the step to count as a success and for the iteration to go on. */
  readonly checks: readonly StepCheck[];
  /** Copies what later steps need from a successful response into the state. */
  readonly capture?: (response: StepResponse, state: IterationState) => void;
}

/** Think time between steps: a user reads the page before the next click. Runners may scale it (0 in tests). */
export const THINK_TIME_SECONDS = { min: 0.2, max: 1.0 } as const;

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' } as const;
const ORDER_STATUSES_AFTER_CREATE = ['paid', 'payment_failed'] as const;

const randomInt = (random: () => number, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

const pick = <T>(random: () => number, values: readonly T[]): T => {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('pick() needs a non-empty list');
  return value;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const stringField = (body: unknown, field: string): string | undefined => {
  if (!isRecord(body)) return undefined;
  const value = body[field];
  return typeof value === 'string' ? value : undefined;
};

/**
 * A fresh state for one iteration. `runId` keeps emails unique across runs (the API rejects a taken email with 409),
 * `iteration` keeps them unique within a run.
 */
export const newIteration = (runId: string, iteration: number, random: () => number = Math.random): IterationState => ({
  runId,
  iteration,
  random,
});

/** `load-<run>-<iteration>@example.com`: unique, obviously synthetic, and on a domain reserved for examples (RFC 2606). */
export const userEmail = (state: IterationState): string => `load-${state.runId}-${state.iteration}@example.com`;

export interface GeneratedItem {
  readonly sku: string;
  readonly quantity: number;
  readonly unitAmountMinor: number;
}

export interface GeneratedOrder {
  readonly userId: string;
  readonly currency: Currency;
  readonly items: readonly GeneratedItem[];
}

export const generateOrder = (state: IterationState, userId: string): GeneratedOrder => {
  const { random } = state;
  const itemCount = randomInt(random, ORDER_SHAPE.items.min, ORDER_SHAPE.items.max);
  const items: GeneratedItem[] = [];
  for (let index = 0; index < itemCount; index += 1) {
    items.push({
      sku: pick(random, ORDER_SHAPE.skus),
      quantity: randomInt(random, ORDER_SHAPE.quantity.min, ORDER_SHAPE.quantity.max),
      unitAmountMinor: randomInt(random, ORDER_SHAPE.unitAmountMinor.min, ORDER_SHAPE.unitAmountMinor.max),
    });
  }
  return { userId, currency: pick(random, CURRENCIES), items };
};

/** Total in minor units, as the order-service computes it. */
export const orderTotal = (order: GeneratedOrder): number =>
  order.items.reduce((sum, item) => sum + item.quantity * item.unitAmountMinor, 0);

const requireCaptured = (value: string | undefined, what: string): string => {
  if (value === undefined) throw new Error(`scenario step ran before ${what} was captured`);
  return value;
};

const hasStatus = (status: number): StepCheck => ({
  name: `status is ${status}`,
  passes: (response) => response.status === status,
});

export const SCENARIO_STEPS: readonly ScenarioStep[] = [
  {
    name: STEP.createUser,
    request: (state) => ({
      step: STEP.createUser,
      target: 'user-service',
      method: 'POST',
      path: '/users',
      route: '/users',
      headers: JSON_HEADERS,
      body: JSON.stringify({ email: userEmail(state), name: `Load User ${state.iteration}` }),
    }),
    checks: [
      hasStatus(201),
      { name: 'user has an id', passes: (response) => stringField(response.body, 'id') !== undefined },
    ],
    capture: (response, state) => {
      state.userId = stringField(response.body, 'id');
    },
  },
  {
    name: STEP.createOrder,
    request: (state) => ({
      step: STEP.createOrder,
      target: 'order-service',
      method: 'POST',
      path: '/orders',
      route: '/orders',
      // A real client sends an idempotency key so a retry after a timeout cannot order twice.
      headers: { ...JSON_HEADERS, 'idempotency-key': `load-${state.runId}-${state.iteration}` },
      body: JSON.stringify(generateOrder(state, requireCaptured(state.userId, 'the user id'))),
    }),
    checks: [
      hasStatus(201),
      {
        // A declined payment is a successful request: the order exists with status payment_failed.
        name: 'order is paid or payment_failed',
        passes: (response) =>
          (ORDER_STATUSES_AFTER_CREATE as readonly (string | undefined)[]).includes(
            stringField(response.body, 'status'),
          ),
      },
    ],
    capture: (response, state) => {
      state.orderId = stringField(response.body, 'id');
    },
  },
  {
    name: STEP.readOrder,
    request: (state) => ({
      step: STEP.readOrder,
      target: 'order-service',
      method: 'GET',
      path: `/orders/${requireCaptured(state.orderId, 'the order id')}`,
      route: '/orders/:id',
      headers: { accept: 'application/json' },
    }),
    checks: [
      hasStatus(200),
      {
        name: 'order is the one created',
        passes: (response, state) => state.orderId !== undefined && stringField(response.body, 'id') === state.orderId,
      },
    ],
  },
];

export interface CheckOutcome {
  readonly name: string;
  readonly passed: boolean;
}

export const runChecks = (step: ScenarioStep, response: StepResponse, state: IterationState): CheckOutcome[] =>
  step.checks.map((check) => ({ name: check.name, passed: check.passes(response, state) }));

/** Think time before the step at `stepIndex` (none before the first), scaled by the runner. */
export const thinkTimeSeconds = (random: () => number, stepIndex: number, scale = 1): number =>
  stepIndex === 0 ? 0 : scale * (THINK_TIME_SECONDS.min + random() * (THINK_TIME_SECONDS.max - THINK_TIME_SECONDS.min));
