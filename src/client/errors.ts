import { redact } from './redact.js';

/**
 * What {@link ClientError.toJSON} returns: only fields that are safe to log or print.
 *
 * @example
 * const logged: ClientErrorJSON = error.toJSON();
 */
export interface ClientErrorJSON {
  name: 'ClientError';
  message: string;
  method: string;
  path: string;
  status: number | null;
  code?: string;
  attempts: number;
  detail: string;
}

/**
 * The fields of a {@link ClientError}, besides its message.
 *
 * @example
 * new ClientError('GET projects/{id}/ answered 404 Not Found', { method: 'GET', path: 'projects/{id}/', status: 404 });
 */
export interface ClientErrorInit {
  /** HTTP method, e.g. `GET`. */
  method: string;
  /** Path *template* of the call, e.g. `projects/{id}/` or `<data file>`: never a URL or a query. */
  path: string;
  /** HTTP status code; `null` when no answer came (network error, timeout). */
  status: number | null;
  /** `ETIMEDOUT`, `ECONNREFUSED`, `ERR_NOT_JSON`, ...; absent for a plain non-2xx answer. */
  code?: string;
  /** How many requests were sent, retries included. */
  attempts?: number;
  /** A redacted excerpt of the answer or of the underlying error. */
  detail?: string;
}

/**
 * A platform call that failed: a non-2xx answer (after retries), a network error, a timeout, or an answer that is not
 * what the call expects (not JSON, a malformed page, a `next` link to another origin).
 *
 * Safe to show: `message` names the verb, the path *template* and the outcome only
 * (`GET projects/{id}/ answered 404 Not Found`), and neither it, `detail`, `String(error)` nor `JSON.stringify(error)`
 * holds a token, a URL, a header or a stack trace. The HTTP library's own error is deliberately not kept as `cause`:
 * it carries the request options, headers (and so the token) included.
 *
 * @example
 * try {
 *   await client.getProject(1);
 * } catch (error) {
 *   if (isClientError(error) && error.status === 404) console.error(error.message);
 * }
 */
export class ClientError extends Error {
  override name = 'ClientError' as const;
  /** HTTP status code; `null` when no answer came. */
  readonly status: number | null;
  /** `ETIMEDOUT`, `ECONNRESET`, `ECONNREFUSED`, `ERR_NOT_JSON`, `ERR_MALFORMED_RESPONSE`, `ERR_CROSS_ORIGIN`, ... */
  readonly code?: string;
  /** HTTP method of the call. */
  readonly method: string;
  /** Path template of the call (`projects/{id}/`). */
  readonly path: string;
  /** Requests sent, retries included. */
  readonly attempts: number;
  /** Redacted excerpt of the answer body or of the underlying error, for diagnosis. */
  readonly detail: string;

  constructor(message: string, init: ClientErrorInit) {
    // Defence in depth: callers build messages from templates, but no URL or header value may slip through.
    super(redact(message));
    this.status = init.status;
    if (init.code !== undefined) this.code = init.code;
    this.method = init.method;
    this.path = init.path;
    this.attempts = init.attempts ?? 1;
    this.detail = redact(init.detail ?? '');
  }

  /** The safe fields only (no stack, no cause). */
  toJSON(): ClientErrorJSON {
    const json: ClientErrorJSON = {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      status: this.status,
      attempts: this.attempts,
      detail: this.detail,
    };
    if (this.code !== undefined) json.code = this.code;
    return json;
  }
}

/**
 * Whether `error` is a {@link ClientError} (also across module copies, by name and shape).
 *
 * @example
 * if (isClientError(error) && error.status === null) console.error('network trouble:', error.code);
 */
export function isClientError(error: unknown): error is ClientError {
  if (error instanceof ClientError) return true;
  return (
    error instanceof Error &&
    error.name === 'ClientError' &&
    'status' in error &&
    (typeof error.status === 'number' || error.status === null)
  );
}

/**
 * A call stopped by its `signal`. `name` is `'AbortError'`, as for `fetch` and `AbortSignal`; `cause` is the signal's
 * reason.
 *
 * @example
 * const controller = new AbortController();
 * const pending = client.getProject(1, { signal: controller.signal });
 * controller.abort();
 * await pending.catch((error) => isAbortError(error)); // true
 */
export class AbortError extends Error {
  override name = 'AbortError' as const;

  constructor(message = 'The operation was aborted', options: { cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
  }
}

/**
 * Whether `error` is an abort: this module's {@link AbortError}, a DOM `AbortError` or any error named so.
 *
 * @example
 * try { await client.getTask(7, { signal }); } catch (error) { if (!isAbortError(error)) throw error; }
 */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
