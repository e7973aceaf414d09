/**
 * @module One bounded GET against a backend's JSON API, with failures that name the backend and what was asked,
 * so a report section can say "Prometheus at http://127.0.0.1:9090 is unreachable" instead of "fetch failed".
 */

const REQUEST_TIMEOUT_MS = 15_000;

/** A backend could not answer: unreachable, timed out, an HTTP error or a body that is not what its API documents. */
export class BackendError extends Error {
  readonly backend: string;
  readonly unreachable: boolean;

  constructor(backend: string, message: string, unreachable: boolean) {
    super(`${backend}: ${message}`);
    this.name = 'BackendError';
    this.backend = backend;
    this.unreachable = unreachable;
  }
}

const causeOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) return (cause as Error & { code?: string }).code ?? cause.message;
  return error.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : error.message;
};

/** GET `url` and parse JSON; `undefined` on a 404 when `allowNotFound`. */
export const getJson = async <T>(
  backend: string,
  url: string,
  options: { readonly allowNotFound?: boolean } = {},
): Promise<T | undefined> => {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new BackendError(backend, `unreachable (${causeOf(error)})`, true);
  }
  const text = await response.text();
  if (response.status === 404 && options.allowNotFound) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BackendError(backend, `GET ${url} → ${response.status}, not JSON: ${text.slice(0, 200)}`, false);
  }
  if (!response.ok) {
    const detail = (body as { error?: unknown; errors?: unknown }).error ?? (body as { errors?: unknown }).errors;
    throw new BackendError(
      backend,
      `GET ${url} → ${response.status}: ${JSON.stringify(detail ?? body).slice(0, 300)}`,
      false,
    );
  }
  return body as T;
};
