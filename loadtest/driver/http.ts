/**
 * @module The driver's HTTP side of the scenario: sends a {@link StepRequest} with `fetch` (undici, keep-alive
 * connections) and returns the status and parsed JSON body, or why no response arrived.
 */
import { requestUrl, type StepRequest, type StepResponse, type Target } from '../scenario.ts';

export type BaseUrls = Readonly<Record<Target, string>>;

export type SendResult =
  | { readonly kind: 'response'; readonly response: StepResponse }
  | { readonly kind: 'timeout' | 'network_error' | 'aborted' };

const parseJson = (text: string): unknown => {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * `runSignal` ends the whole run (its abort is not the request's fault); `timeoutMs` bounds one request, body
 * included, so a stalled server cannot hold an iteration forever.
 */
export const sendStep = async (
  baseUrls: BaseUrls,
  request: StepRequest,
  runSignal: AbortSignal,
  timeoutMs: number,
): Promise<SendResult> => {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(requestUrl(baseUrls[request.target], request), {
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      signal: AbortSignal.any([runSignal, timeout]),
      redirect: 'manual',
    });
    const text = await response.text();
    return { kind: 'response', response: { status: response.status, body: parseJson(text) } };
  } catch {
    if (runSignal.aborted) return { kind: 'aborted' };
    if (timeout.aborted) return { kind: 'timeout' };
    return { kind: 'network_error' };
  }
};
