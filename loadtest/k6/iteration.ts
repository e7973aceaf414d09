/**
 * @module Runs one iteration of the shared scenario with k6's HTTP client: the k6 counterpart of the Node
 * driver's loop in `../driver/run-load.ts`. Requests are tagged with the step name and the route template (`name`),
 * so results group by step, never by concrete URL (one series per order id would be unbounded).
 */
import { check, sleep } from 'k6';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import {
  type IterationState,
  requestUrl,
  SCENARIO_STEPS,
  type StepResponse,
  type Target,
  thinkTimeSeconds,
} from '../scenario.ts';

export type BaseUrls = Readonly<Record<Target, string>>;

const parseBody = (response: RefinedResponse<ResponseType | undefined>): unknown => {
  if (typeof response.body !== 'string' || response.body.length === 0) return undefined;
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
};

/** Returns whether every step passed its checks; an iteration stops at the first step that did not. */
export const runIteration = (baseUrls: BaseUrls, state: IterationState, thinkTimeScale: number): boolean => {
  for (const [stepIndex, step] of SCENARIO_STEPS.entries()) {
    const think = thinkTimeSeconds(state.random, stepIndex, thinkTimeScale);
    if (think > 0) sleep(think);
    const request = step.request(state);
    const response = http.request(request.method, requestUrl(baseUrls[request.target], request), request.body ?? null, {
      headers: request.headers,
      tags: { name: `${request.method} ${request.route}`, step: step.name },
    });
    const stepResponse: StepResponse = { status: response.status, body: parseBody(response) };
    const checks: Record<string, () => boolean> = {};
    for (const stepCheck of step.checks) {
      checks[`${step.name}: ${stepCheck.name}`] = () => stepCheck.passes(stepResponse, state);
    }
    if (!check(response, checks, { step: step.name })) return false;
    step.capture?.(stepResponse, state);
  }
  return true;
};
