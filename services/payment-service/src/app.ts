/** @module payment-service's HTTP app, built from its dependencies; no I/O happens here until a request arrives. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  createServiceApp,
  deadlineExpired,
  IDEMPOTENT_REPLAYED_HEADER,
  idFromPath,
  type Logger,
  NO_EFFECT_HEADER,
  NO_TELEMETRY,
  newId,
  PROBLEM,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  ProblemError,
  type ProblemKind,
  requestDeadline,
  requestFingerprint,
  type ServiceTelemetry,
  serveOpenApiDocument,
} from '@mesh-stack/service-kit';
import { ATTR, SPAN_EVENT } from '@mesh-stack/service-kit/contract';
import type { MiddlewareHandler } from 'hono';
import packageJson from '../package.json' with { type: 'json' };
import type { Faults } from './faults.ts';
import type { IdempotentPayment, PaymentRepository } from './repository.ts';
import { createPaymentRoute, getPaymentRoute, listPaymentsRoute } from './routes.ts';
import type { Payment } from './schemas.ts';

export interface PaymentAppDependencies {
  payments: PaymentRepository;
  faults: Faults;
  logger: Logger;
  /** @default the system clock */
  now?: () => Date;
  /** Source of the fault-injection dice, in [0, 1). @default Math.random */
  random?: () => number;
  /** What `setupTelemetry()` returned. @default NO_TELEMETRY */
  telemetry?: ServiceTelemetry;
}

const CHARGE_PATH = '/payments';

/** Answered when the caller's deadline (`grpc-timeout`) passed before the charge: only logs and metrics see it. */
const DEADLINE_EXCEEDED: ProblemKind = {
  slug: 'deadline-exceeded',
  status: 504,
  title: 'The caller’s deadline passed before the request could be served.',
};
const KEY_REUSED_TYPE = `${PROBLEM_TYPE_BASE}${PROBLEM.idempotencyKeyReused.slug}`;

/**
 * Adds `charged: false` (schemas.ts, `ChargeRefusedProblem`) to every 4xx problem of `POST /payments`, whoever
 * produced it (validation, body limits, media type): each is decided before anything is written, so the request
 * charged nothing. Not to a reused key's 422, whose key already has a payment. Every answer that says
 * `charged: false` (these, the injected fault's 503, the expired deadline's 504) also carries the kit's
 * `No-Effect: true`, so the caller's client knows the attempt did nothing without reading this service's bodies.
 */
const markRefusals: MiddlewareHandler = async (c, next) => {
  await next();
  const { status, headers } = c.res;
  if (c.req.method !== 'POST' || status < 400) return;
  if (!headers.get('content-type')?.startsWith(PROBLEM_CONTENT_TYPE)) return;
  const problem = (await c.res.clone().json()) as { type?: unknown; charged?: unknown };
  if (problem.type === KEY_REUSED_TYPE) return;
  if (status >= 500 && problem.charged !== false) return;
  const marked = new Headers(headers);
  marked.set(NO_EFFECT_HEADER, 'true');
  c.res = new Response(JSON.stringify({ ...problem, charged: false }), { status, headers: marked });
};

/** An injected error asks the caller to come back after this many seconds. */
const FAULT_RETRY_AFTER_SECONDS = 1;

export const createApp = ({
  payments,
  faults,
  logger,
  now = () => new Date(),
  random = Math.random,
  telemetry = NO_TELEMETRY,
}: PaymentAppDependencies): OpenAPIHono => {
  const app = createServiceApp({ logger, telemetry });
  const { business } = telemetry;

  app.use(CHARGE_PATH, markRefusals);

  /** The first payment for a key, unless the key is being reused for a different request. */
  const replay = (existing: IdempotentPayment, fingerprint: string): Payment => {
    if (existing.requestFingerprint !== fingerprint) {
      throw new ProblemError(PROBLEM.idempotencyKeyReused, {
        detail: 'Send a new Idempotency-Key for a different payment.',
      });
    }
    return existing.payment;
  };

  app.openapi(createPaymentRoute, async (c) => {
    const body = c.req.valid('json');
    const idempotencyKey = c.req.valid('header')['idempotency-key'];
    const fingerprint = requestFingerprint(body);
    const replayed = { [IDEMPOTENT_REPLAYED_HEADER]: 'true' };

    const existing = await payments.findByIdempotencyKey(idempotencyKey);
    if (existing) {
      const payment = replay(existing, fingerprint);
      business.step(SPAN_EVENT.idempotentReplay);
      business.annotate({ [ATTR.idempotentReplay]: true, [ATTR.paymentId]: payment.id });
      return c.json(payment, 200, replayed);
    }

    const fault = faults.current();
    if (fault.addedLatencyMs > 0) {
      // Cut short when the caller's deadline passes or it disconnects: nobody would read the answer.
      await sleep(fault.addedLatencyMs, undefined, { signal: requestDeadline()?.signal }).catch(() => {});
    }
    if (fault.errorRate > 0 && random() < fault.errorRate) {
      logger.warn({ orderId: body.orderId }, 'injected payment error');
      business.step(SPAN_EVENT.faultInjected);
      business.annotate({ [ATTR.orderId]: body.orderId, [ATTR.paymentFaultInjected]: true });
      business.paymentProcessed('failed');
      throw new ProblemError(PROBLEM.faultInjected, {
        detail: 'An error was injected through the admin port; nothing was charged.',
        extensions: { charged: false },
        headers: { 'retry-after': String(FAULT_RETRY_AFTER_SECONDS) },
      });
    }

    if (deadlineExpired()) {
      // The caller gave up (its deadline passed, or it disconnected): charging now would charge for nobody.
      logger.warn({ orderId: body.orderId }, 'caller gone before the charge: nothing charged');
      throw new ProblemError(DEADLINE_EXCEEDED, {
        detail: 'The caller’s deadline passed before the payment was made; nothing was charged.',
        extensions: { charged: false },
      });
    }

    const declined = fault.declineRate > 0 && random() < fault.declineRate;
    const candidate: Payment = {
      id: newId(),
      orderId: body.orderId,
      amountMinor: body.amountMinor,
      currency: body.currency,
      status: declined ? 'declined' : 'succeeded',
      declineReason: declined ? 'card_declined' : null,
      createdAt: now().toISOString(),
    };
    const stored = await payments.createOnce(candidate, idempotencyKey, fingerprint);
    if (!stored.created) {
      // A concurrent request with this key was first; it is the one that charged.
      business.step(SPAN_EVENT.idempotentReplay);
      return c.json(replay(stored, fingerprint), 200, replayed);
    }
    business.step(SPAN_EVENT.paymentDecided, { [ATTR.paymentOutcome]: candidate.status });
    business.annotate({
      [ATTR.paymentId]: candidate.id,
      [ATTR.orderId]: candidate.orderId,
      [ATTR.paymentOutcome]: candidate.status,
    });
    business.paymentProcessed(candidate.status);
    logger.info({ paymentId: candidate.id, orderId: candidate.orderId, status: candidate.status }, 'payment processed');
    return c.json(stored.payment, 201, { location: `/payments/${candidate.id}` });
  });

  app.openapi(listPaymentsRoute, async (c) => {
    const { orderId } = c.req.valid('query');
    return c.json({ items: await payments.findByOrderId(orderId.toLowerCase()) }, 200);
  });

  app.openapi(getPaymentRoute, async (c) => {
    const payment = await payments.findById(idFromPath(c.req.valid('param').id));
    if (!payment) {
      throw new ProblemError(PROBLEM.notFound, { detail: 'No payment has this id.' });
    }
    return c.json(payment, 200);
  });

  serveOpenApiDocument(app, {
    title: 'payment-service',
    version: packageJson.version,
    description: 'Charges orders, exactly once per Idempotency-Key.',
  });
  return app;
};
