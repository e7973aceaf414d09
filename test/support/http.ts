/** @module Small HTTP helpers for tests: JSON requests that return status, headers and the parsed body. */

export interface JsonResponse<Body = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Body;
  /** The raw body text, for assertions on non-JSON answers. */
  readonly text: string;
}

export interface RequestOptions {
  method?: string;
  /** Serialised as JSON unless it is already a string or bytes. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * @example
 * const { status, body } = await requestJson(`${stack.user.url}/users`, { method: 'POST', body: { email, name } });
 */
export const requestJson = async <Body = unknown>(
  url: string,
  { method = 'GET', body, headers = {} }: RequestOptions = {},
): Promise<JsonResponse<Body>> => {
  const raw =
    body === undefined || typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const contentType = body !== undefined && !('content-type' in headers) ? { 'content-type': 'application/json' } : {};
  const response = await fetch(url, {
    method,
    headers: { ...contentType, ...headers },
    body: raw as string | Uint8Array | undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as Body, text };
};

let emailCounter = 0;

/** A unique email per call, so tests sharing a user-service never collide. */
export const uniqueEmail = (prefix = 'user'): string =>
  `${prefix}-${process.pid}-${Date.now()}-${++emailCounter}@example.com`;
