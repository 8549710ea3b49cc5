import { STATUS_CODES } from 'node:http';
import got, { type Delays, HTTPError, type Method, RequestError, type RetryOptions, TimeoutError } from 'got';
import { AbortError, ClientError } from './errors.js';
import { redact } from './redact.js';
import type {
  CallOptions,
  DataCollection,
  DataUnit,
  JobUpdate,
  LogEntry,
  Page,
  PluginRelease,
  Project,
  RunPluginBody,
  SynapseClient,
  Task,
} from './types.js';

/**
 * Per-phase timeouts of every call.
 *
 * @example
 * const timeouts: HttpTimeouts = { connectMs: 2_000, readMs: 30_000 };
 */
export interface HttpTimeouts {
  /** DNS lookup, TCP connect and TLS handshake, each. Default 5 000 ms. */
  connectMs?: number;
  /** Waiting for the response headers, then for the whole body, each. Default 15 000 ms. */
  readMs?: number;
}

/**
 * Retry policy of every call (see {@link HttpSynapseClient} for what is retried).
 *
 * @example
 * const retries: HttpRetries = { limit: 5, maxRetryAfterMs: 120_000, backoffLimitMs: 8_000 };
 */
export interface HttpRetries {
  /** Retries after the first attempt. Default 3. */
  limit?: number;
  /**
   * Longest `Retry-After` honoured. An answer that asks for a longer wait is not retried: its error surfaces at once
   * rather than holding the job for longer than the platform's operators chose to allow. Default 60 000 ms.
   */
  maxRetryAfterMs?: number;
  /** Cap of the exponential backoff (1 s, 2 s, 4 s, ...) used when there is no `Retry-After`. Default 10 000 ms. */
  backoffLimitMs?: number;
}

/**
 * Constructor options of {@link HttpSynapseClient}.
 *
 * @example
 * const options: HttpSynapseClientOptions = { baseUrl: 'https://api.example.com/', accessToken: 'token', tenant: 'acme' };
 */
export interface HttpSynapseClientOptions {
  /** The platform's API root (`SYNAPSE_HOST`), with or without a trailing slash. */
  baseUrl: string;
  /** `SYNAPSE_ACCESS_TOKEN`: sent as `Synapse-Access-Token: Token <token>`. */
  accessToken: string;
  /** Sent as `Synapse-Tenant: Token <tenant>` when given. */
  tenant?: string;
  timeouts?: HttpTimeouts;
  retries?: HttpRetries;
}

/**
 * Timeouts used when none are given (SPEC §7).
 *
 * @example
 * new HttpSynapseClient({ baseUrl, accessToken, timeouts: { ...DEFAULT_TIMEOUTS, readMs: 60_000 } });
 */
export const DEFAULT_TIMEOUTS: Readonly<Required<HttpTimeouts>> = Object.freeze({
  connectMs: 5_000,
  readMs: 15_000,
});

/**
 * Retry policy used when none is given.
 *
 * @example
 * new HttpSynapseClient({ baseUrl, accessToken, retries: { ...DEFAULT_RETRIES, limit: 0 } });
 */
export const DEFAULT_RETRIES: Readonly<Required<HttpRetries>> = Object.freeze({
  limit: 3,
  maxRetryAfterMs: 60_000,
  backoffLimitMs: 10_000,
});

/**
 * Tasks per page of `sdk/tasks/` when none is asked for.
 *
 * @example
 * client.listTaskPages({ project: 1, pageSize: DEFAULT_TASK_PAGE_SIZE * 2 });
 */
export const DEFAULT_TASK_PAGE_SIZE = 100;

/**
 * Answers worth another try: rate limiting and a gateway or backend that is briefly away.
 *
 * @example
 * const transient = isClientError(error) && error.status !== null && RETRY_STATUS_CODES.includes(error.status);
 */
export const RETRY_STATUS_CODES: readonly number[] = Object.freeze([429, 502, 503, 504]);

/**
 * Network errors worth another try. `ECONNRESET` / `EPIPE`: a reset or a stale keep-alive socket. `ETIMEDOUT`: a
 * timeout phase ran out. `ECONNREFUSED`: a backend restarting behind its port (a wrong port costs only the short
 * backoff before the same error). `EAI_AGAIN`: a temporary DNS failure. `ENOTFOUND` is not retried: a host that does
 * not resolve is a configuration error, not a blip.
 *
 * @example
 * const transient = isClientError(error) && RETRY_ERROR_CODES.includes(error.code ?? '');
 */
export const RETRY_ERROR_CODES: readonly string[] = Object.freeze([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EAI_AGAIN',
]);

/** Every verb the platform calls use, POST and PATCH included (see {@link HttpSynapseClient}). */
const RETRY_METHODS: Method[] = ['GET', 'PUT', 'PATCH', 'POST', 'DELETE', 'HEAD'];

/** Path template of {@link HttpSynapseClient.fetchJson} calls: a data file's URL is never put in a message. */
const DATA_FILE = '<data file>';

const TASKS = 'sdk/tasks/';

const AUTH_HEADERS = ['synapse-access-token', 'synapse-tenant'] as const;

/** How much of an answer body `ClientError.detail` keeps. */
const DETAIL_LENGTH = 300;

interface Route {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST';
  /** Path template for messages: `projects/{id}/`. */
  template: string;
  url: URL;
}

interface Answer {
  status: number;
  attempts: number;
  value: unknown;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNRESET: 'connection reset',
  ECONNREFUSED: 'connection refused',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'temporary DNS failure',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ERR_TOO_MANY_REDIRECTS: 'too many redirects',
};

const TIMEOUT_PHASES: Record<string, { waitingFor: string; limit: 'connectMs' | 'readMs' }> = {
  lookup: { waitingFor: 'the DNS lookup', limit: 'connectMs' },
  connect: { waitingFor: 'the connection', limit: 'connectMs' },
  secureConnect: { waitingFor: 'the TLS handshake', limit: 'connectMs' },
  send: { waitingFor: 'the request to be sent', limit: 'readMs' },
  response: { waitingFor: 'the response', limit: 'readMs' },
  read: { waitingFor: 'the response body', limit: 'readMs' },
};

function checkMs(name: string, value: number | undefined, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new TypeError(
      `Expected \`${name}\` to be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

function checkId(name: string, value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`Expected \`${name}\` to be a non-negative integer id, got ${JSON.stringify(value)}`);
  }
  return String(value);
}

function checkHeaderValue(name: string, value: unknown): string {
  // Not quoted in the message: it is a secret.
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n\0]/.test(value)) {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string without line breaks`);
  }
  return value.trim();
}

/** A query value with commas kept literal (`fields=id,data`), everything else percent-encoded. */
function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',');
}

function filterValues(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((item) => filterValues(item));
  if (typeof value === 'object') return [JSON.stringify(value)];
  return [String(value)];
}

/**
 * The query of the first `sdk/tasks/` page. Filters are encoded as Python's `requests` encodes `params=` (what the
 * Python SDK sends): an array repeats its key (`status=a&status=b`), `null`/`undefined` drop the key, an object is
 * sent as compact JSON, anything else as `String(value)` (`true`, `3`). `project`, `fields` and `page_size` are
 * the job's own and replace filter keys of the same name.
 *
 * @example
 * taskListQuery(4, { status: ['a', 'b'], project: 9 }, 100);
 * // 'status=a&status=b&project=4&fields=id&page_size=100'
 */
export function taskListQuery(project: number, filters: Record<string, unknown>, pageSize: number): string {
  const own = new Set(['project', 'fields', 'page_size']);
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(filters)) {
    if (own.has(key)) continue;
    for (const item of filterValues(value))
      pairs.push(`${encodeURIComponent(key)}=${encodeQueryValue(item)}`);
  }
  pairs.push(`project=${project}`, 'fields=id', `page_size=${pageSize}`);
  return pairs.join('&');
}

function statusLine(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

function safeCode(code: unknown): string | undefined {
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * {@link SynapseClient} over HTTP with `got`: per-phase timeouts, retries with exponential backoff that honour
 * `Retry-After` (seconds or an HTTP date), `signal` support, and errors that are safe to show ({@link ClientError}).
 *
 * - Every call sends `Accept: application/json`, `Synapse-Access-Token: Token <token>` and, when a tenant is set,
 *   `Synapse-Tenant: Token <tenant>`; bodies are JSON. The auth headers go only to the base URL's origin: a data file
 *   on another host gets none, and a redirect to another origin drops them.
 *   Credentials in the base URL (`https://user:pass@host/`) go as basic auth to that origin only.
 * - Retried: answers 429, 502, 503, 504 and the network errors of {@link RETRY_ERROR_CODES}; never other 4xx.
 * - **POST and PATCH are retried too.** The only POSTs of the job are `plugins/{code}/run/` and `logs/`: a deployment
 *   run is idempotent on the agent's side (it deploys the release's serve application, or finds it deploying), an
 *   inference run is a pure computation (a retry costs compute, never a second write), and a duplicated log line is
 *   harmless. `PATCH jobs/{id}/` sets absolute progress and metrics records. Retrying after a 429/503 (the server
 *   declined the work) is always safe; after a reset or timeout the first attempt may have run, which for these calls
 *   repeats work without changing the outcome.
 * - `listTaskPages` follows `next` links only on the base URL's origin; a link elsewhere fails with a
 *   `ClientError` (`code: 'ERR_CROSS_ORIGIN'`) rather than sending the token there. A backend behind a proxy that
 *   builds `next` from the wrong scheme or host shows up this way: fix its forwarded-host/proto settings.
 * - An aborted call rejects with an {@link AbortError} (`name: 'AbortError'`), also while waiting to retry.
 *
 * @example
 * const client = new HttpSynapseClient({
 *   baseUrl: process.env.SYNAPSE_HOST!,
 *   accessToken: process.env.SYNAPSE_ACCESS_TOKEN!,
 *   timeouts: { connectMs: 5_000, readMs: 15_000 },
 *   retries: { limit: 3 },
 * });
 * const project = await client.getProject(42);
 * for await (const page of client.listTaskPages({ project: 42, filters: { status: 'pending' } })) {
 *   for (const { id } of page.results) console.log(id);
 * }
 */
export class HttpSynapseClient implements SynapseClient {
  /** Removes this client's token, tenant and base URL (and any URL, auth header or stack frame) from `text`. */
  redact(text: string): string {
    return redact(text, this.#secrets);
  }

  /** The API root with a trailing slash, so that relative paths resolve under it. */
  readonly #base: URL;
  /** Only this origin ever receives the auth headers. */
  readonly #origin: string;
  readonly #authHeaders: Record<string, string>;
  /** What error details are scrubbed of: token, tenant, base URL. */
  readonly #secrets: string[];
  readonly #timeouts: Required<HttpTimeouts>;
  readonly #timeout: Delays;
  readonly #retry: Partial<RetryOptions>;

  constructor(options: HttpSynapseClientOptions) {
    if (!isPlainObject(options)) throw new TypeError('Expected an options object');
    const { baseUrl, accessToken, tenant, timeouts = {}, retries = {} } = options;
    let base: URL;
    try {
      base = new URL(String(baseUrl));
    } catch {
      // The value is not quoted: a base URL may carry credentials.
      throw new TypeError('Expected `baseUrl` to be an absolute http(s) URL');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError('Expected `baseUrl` to be an absolute http(s) URL');
    }
    base.search = '';
    base.hash = '';
    if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
    this.#base = base;
    this.#origin = base.origin;

    const token = checkHeaderValue('accessToken', accessToken);
    this.#authHeaders = { 'synapse-access-token': `Token ${token}` };
    const secrets = [token, String(baseUrl), base.href];
    if (tenant !== undefined) {
      const code = checkHeaderValue('tenant', tenant);
      this.#authHeaders['synapse-tenant'] = `Token ${code}`;
      secrets.push(code);
    }
    this.#secrets = secrets;

    this.#timeouts = {
      connectMs: checkMs('timeouts.connectMs', timeouts.connectMs, DEFAULT_TIMEOUTS.connectMs, false),
      readMs: checkMs('timeouts.readMs', timeouts.readMs, DEFAULT_TIMEOUTS.readMs, false),
    };
    const { connectMs, readMs } = this.#timeouts;
    this.#timeout = {
      lookup: connectMs,
      connect: connectMs,
      secureConnect: connectMs,
      send: readMs,
      response: readMs,
      read: readMs,
    };

    const limit = retries.limit ?? DEFAULT_RETRIES.limit;
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new TypeError(`Expected \`retries.limit\` to be a non-negative integer, got ${String(limit)}`);
    }
    const backoffLimit = checkMs(
      'retries.backoffLimitMs',
      retries.backoffLimitMs,
      DEFAULT_RETRIES.backoffLimitMs,
      true,
    );
    this.#retry = {
      limit,
      methods: RETRY_METHODS,
      statusCodes: [...RETRY_STATUS_CODES],
      errorCodes: [...RETRY_ERROR_CODES],
      maxRetryAfter: checkMs(
        'retries.maxRetryAfterMs',
        retries.maxRetryAfterMs,
        DEFAULT_RETRIES.maxRetryAfterMs,
        true,
      ),
      backoffLimit,
      // got adds up to `noise` ms of jitter; keep it small next to a small backoff.
      noise: Math.min(100, backoffLimit / 10),
    };
  }

  /**
   * `GET projects/{id}/`.
   *
   * @example
   * const { data_collection } = await client.getProject(42);
   */
  async getProject(id: number, options: CallOptions = {}): Promise<Project> {
    return this.#object<Project>(
      this.#route('GET', 'projects/{id}/', `projects/${checkId('id', id)}/`),
      options,
    );
  }

  /**
   * `GET data_collections/{id}/?expand=file_specifications`.
   *
   * @example
   * const { file_specifications = [] } = await client.getDataCollection(7);
   */
  async getDataCollection(id: number, options: CallOptions = {}): Promise<DataCollection> {
    const path = `data_collections/${checkId('id', id)}/?expand=file_specifications`;
    return this.#object<DataCollection>(this.#route('GET', 'data_collections/{id}/', path), options);
  }

  /**
   * `GET plugin_releases/{id}/`.
   *
   * @example
   * const release = await client.getPluginRelease(3);
   * const code = release.config?.code;
   */
  async getPluginRelease(id: number, options: CallOptions = {}): Promise<PluginRelease> {
    const path = `plugin_releases/${checkId('id', id)}/`;
    return this.#object<PluginRelease>(this.#route('GET', 'plugin_releases/{id}/', path), options);
  }

  /**
   * `GET serve_applications/?plugin_code=<code>&job__agent=<agent>`: the raw answer.
   *
   * @example
   * const answer = await client.listServeApplications({ plugin_code: 'yolo', job__agent: 2 });
   */
  async listServeApplications(
    query: { plugin_code: string; job__agent: number },
    options: CallOptions = {},
  ): Promise<unknown> {
    if (typeof query?.plugin_code !== 'string' || query.plugin_code === '') {
      throw new TypeError(
        `Expected \`plugin_code\` to be a non-empty string, got ${JSON.stringify(query?.plugin_code)}`,
      );
    }
    const agent = checkId('job__agent', query.job__agent);
    const path = `serve_applications/?plugin_code=${encodeQueryValue(query.plugin_code)}&job__agent=${agent}`;
    return (await this.#send(this.#route('GET', 'serve_applications/', path), options)).value;
  }

  /**
   * `POST plugins/{code}/run/` with `{agent, action, params}`: the raw answer (`null` for an empty body).
   *
   * @example
   * await client.runPlugin('yolo', { agent: 2, action: 'deployment', params: { num_cpus: 1, num_gpus: 0.1 } });
   */
  async runPlugin(code: string, body: RunPluginBody, options: CallOptions = {}): Promise<unknown> {
    if (typeof code !== 'string' || code === '') {
      throw new TypeError(`Expected plugin \`code\` to be a non-empty string, got ${JSON.stringify(code)}`);
    }
    const route = this.#route('POST', 'plugins/{code}/run/', `plugins/${encodeURIComponent(code)}/run/`);
    return (await this.#send(route, { ...options, body })).value;
  }

  /**
   * `GET sdk/tasks/?<filters>&project=<id>&fields=id&page_size=<n>`, then each `next` link until null, one page at a
   * time. Filters are encoded as described at {@link taskListQuery}. Each page is checked (`results` must be a list
   * of objects with an integer `id`, `next` a string or null) before it is yielded; a malformed page or a `next`
   * link to another origin fails with a {@link ClientError}.
   *
   * @example
   * for await (const page of client.listTaskPages({ project: 42, filters: { status: ['a', 'b'] }, pageSize: 50 })) {
   *   console.log(page.results.map((task) => task.id));
   * }
   */
  async *listTaskPages(
    query: { project: number; filters?: Record<string, unknown>; pageSize?: number },
    options: CallOptions = {},
  ): AsyncGenerator<Page<{ id: number }>, void, undefined> {
    const project = checkId('project', query?.project);
    const pageSize = query.pageSize ?? DEFAULT_TASK_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new TypeError(`Expected \`pageSize\` to be a positive integer, got ${JSON.stringify(pageSize)}`);
    }
    const filters = query.filters ?? {};
    if (!isPlainObject(filters)) throw new TypeError('Expected `filters` to be an object');
    let route: Route | null = this.#route(
      'GET',
      TASKS,
      `${TASKS}?${taskListQuery(Number(project), filters, pageSize)}`,
    );
    while (route !== null) {
      const answer = await this.#send(route, options);
      const page = this.#taskPage(route, answer);
      const next = this.#nextRoute(route, page.next, answer);
      yield page;
      route = next;
    }
  }

  /**
   * `GET tasks/{id}/?fields=id,data,data_unit&expand=data_unit`.
   *
   * @example
   * const task = await client.getTask(101);
   */
  async getTask(id: number, options: CallOptions = {}): Promise<Task> {
    const path = `tasks/${checkId('id', id)}/?fields=id,data,data_unit&expand=data_unit`;
    return this.#object<Task>(this.#route('GET', 'tasks/{id}/', path), options);
  }

  /**
   * `GET data_units/{id}/?expand=files`.
   *
   * @example
   * const { files } = await client.getDataUnit(55);
   */
  async getDataUnit(id: number, options: CallOptions = {}): Promise<DataUnit> {
    const path = `data_units/${checkId('id', id)}/?expand=files`;
    return this.#object<DataUnit>(this.#route('GET', 'data_units/{id}/', path), options);
  }

  /**
   * `PUT tasks/{id}/annotate_task_data/` with `{action: 'submit', data}`.
   *
   * @example
   * await client.annotateTaskData(101, { objects: [] });
   */
  async annotateTaskData(
    id: number,
    data: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<unknown> {
    const path = `tasks/${checkId('id', id)}/annotate_task_data/`;
    const route = this.#route('PUT', 'tasks/{id}/annotate_task_data/', path);
    return (await this.#send(route, { ...options, body: { action: 'submit', data } })).value;
  }

  /**
   * `PATCH jobs/{id}/`.
   *
   * @example
   * await client.updateJob('job-1', { progress_record: { annotate_task_data: { current: 3, total: 10 } } });
   */
  async updateJob(id: number | string, body: JobUpdate, options: CallOptions = {}): Promise<unknown> {
    if ((typeof id !== 'string' || id === '') && typeof id !== 'number') {
      throw new TypeError(
        `Expected job \`id\` to be a number or a non-empty string, got ${JSON.stringify(id)}`,
      );
    }
    const jobId = typeof id === 'number' ? checkId('id', id) : encodeURIComponent(id);
    return (await this.#send(this.#route('PATCH', 'jobs/{id}/', `jobs/${jobId}/`), { ...options, body }))
      .value;
  }

  /**
   * `POST logs/` with the entries as the JSON body.
   *
   * @example
   * await client.createLogs([{ job: 'job-1', level: 'info', message: 'Annotated 10 tasks' }]);
   */
  async createLogs(entries: LogEntry[], options: CallOptions = {}): Promise<unknown> {
    return (await this.#send(this.#route('POST', 'logs/', 'logs/'), { ...options, body: entries })).value;
  }

  /**
   * `GET <url>` of a data file, parsed as JSON (`null` for an empty body), with the client's timeouts and retries.
   * The auth headers are sent only when `url` is on the base URL's origin. Errors never name the URL: their path is
   * `<data file>`.
   *
   * @example
   * const annotations = await client.fetchJson(dataFileUrl);
   */
  async fetchJson(url: string, options: CallOptions = {}): Promise<unknown> {
    let target: URL | null = null;
    try {
      target = new URL(String(url));
    } catch {
      // Reported below.
    }
    if (target === null || (target.protocol !== 'http:' && target.protocol !== 'https:')) {
      throw new ClientError(`GET ${DATA_FILE} failed: not an absolute http(s) URL`, {
        method: 'GET',
        path: DATA_FILE,
        status: null,
        code: 'ERR_INVALID_URL',
        attempts: 0,
      });
    }
    return (await this.#send({ method: 'GET', template: DATA_FILE, url: target }, options)).value;
  }

  /**
   * Credentials written into the base URL (`https://user:pass@host/`, for a proxy in front of the platform) go as
   * basic auth to every URL of that origin, `next` links and data files included, not only to built paths.
   */
  #withBaseCredentials(url: URL): URL {
    if (this.#base.username === '' || url.username !== '') return url;
    const withCredentials = new URL(url);
    withCredentials.username = this.#base.username;
    withCredentials.password = this.#base.password;
    return withCredentials;
  }

  #route(method: Route['method'], template: string, path: string): Route {
    return { method, template, url: new URL(path, this.#base) };
  }

  async #object<T>(route: Route, options: CallOptions): Promise<T> {
    const answer = await this.#send(route, options);
    if (!isPlainObject(answer.value)) {
      throw this.#malformed(route, answer, 'expected a JSON object');
    }
    return answer.value as T;
  }

  async #send(route: Route, options: CallOptions & { body?: unknown }): Promise<Answer> {
    const { signal, body } = options;
    if (signal?.aborted) throw this.#aborted(route, signal);
    const sameOrigin = route.url.origin === this.#origin;
    const origin = this.#origin;
    const url = sameOrigin ? this.#withBaseCredentials(route.url) : route.url;
    let status: number;
    let text: string;
    let attempts: number;
    try {
      const response = await got(url, {
        method: route.method,
        headers: {
          accept: 'application/json',
          'user-agent': 'synapse-to-task',
          ...(sameOrigin ? this.#authHeaders : {}),
        },
        ...(body === undefined ? {} : { json: body }),
        ...(signal === undefined ? {} : { signal }),
        responseType: 'text',
        timeout: this.#timeout,
        retry: this.#retry,
        hooks: {
          beforeRedirect: [
            (next) => {
              const target = next.url instanceof URL ? next.url : new URL(String(next.url));
              if (target.origin !== origin) for (const name of AUTH_HEADERS) delete next.headers[name];
            },
          ],
        },
      });
      status = response.statusCode;
      text = response.body;
      attempts = response.retryCount + 1;
    } catch (error) {
      throw this.#failure(route, error, signal);
    }
    if (text.trim() === '') return { status, attempts, value: null };
    try {
      return { status, attempts, value: JSON.parse(text) };
    } catch {
      throw new ClientError(
        `${route.method} ${route.template} answered ${statusLine(status)} with a body that is not JSON`,
        {
          method: route.method,
          path: route.template,
          status,
          code: 'ERR_NOT_JSON',
          attempts,
          detail: this.#excerpt(text),
        },
      );
    }
  }

  #taskPage(route: Route, answer: Answer): Page<{ id: number }> {
    const page = answer.value;
    if (!isPlainObject(page) || !Array.isArray(page.results)) {
      throw this.#malformed(route, answer, 'expected a page {count, next, previous, results: [...]}');
    }
    if (page.next !== undefined && page.next !== null && typeof page.next !== 'string') {
      throw this.#malformed(route, answer, '`next` is neither a URL nor null');
    }
    for (const item of page.results) {
      if (!isPlainObject(item) || !Number.isSafeInteger(item.id)) {
        throw this.#malformed(route, answer, 'a result has no integer `id`');
      }
    }
    return { ...page, next: page.next ?? null, results: page.results } as Page<{ id: number }>;
  }

  #nextRoute(route: Route, next: string | null, answer: Answer): Route | null {
    if (next === null || next === '') return null;
    let url: URL;
    try {
      url = new URL(next, route.url);
    } catch {
      throw this.#malformed(route, answer, '`next` is not a URL');
    }
    if (url.origin !== this.#origin) {
      throw new ClientError(
        `${route.method} ${route.template} answered a next page on another origin (scheme, host or port); refusing to send credentials there`,
        { method: route.method, path: route.template, status: answer.status, code: 'ERR_CROSS_ORIGIN' },
      );
    }
    if (url.href === route.url.href) throw this.#malformed(route, answer, '`next` points to the same page');
    return { method: 'GET', template: TASKS, url };
  }

  #malformed(route: Route, answer: Answer, what: string): ClientError {
    return new ClientError(
      `${route.method} ${route.template} answered ${statusLine(answer.status)} with a malformed body: ${what}`,
      {
        method: route.method,
        path: route.template,
        status: answer.status,
        code: 'ERR_MALFORMED_RESPONSE',
        attempts: answer.attempts,
        detail: this.#excerpt(JSON.stringify(answer.value) ?? ''),
      },
    );
  }

  #aborted(route: Route, signal: AbortSignal): AbortError {
    return new AbortError(`${route.method} ${route.template} was aborted`, { cause: signal.reason });
  }

  /** got's errors hold the request options (headers, token): only a scrubbed summary leaves this method. */
  #failure(route: Route, error: unknown, signal: AbortSignal | undefined): Error {
    if (signal?.aborted) return this.#aborted(route, signal);
    const { method, template } = route;
    const init = { method, path: template };
    if (error instanceof HTTPError) {
      const status = error.response.statusCode;
      const attempts = (error.response.retryCount ?? 0) + 1;
      const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
      return new ClientError(`${method} ${template} answered ${statusLine(status)}${after}`, {
        ...init,
        status,
        attempts,
        detail: this.#excerpt(String(error.response.body ?? '')),
      });
    }
    if (error instanceof RequestError) {
      const attempts = (error.request?.retryCount ?? 0) + 1;
      const after = attempts > 1 ? `, after ${attempts} attempts` : '';
      const detail = redact(`${error.name}: ${error.message}`, this.#secrets);
      if (error instanceof TimeoutError) {
        const phase = TIMEOUT_PHASES[error.event];
        const waited = phase
          ? ` after ${this.#timeouts[phase.limit]} ms waiting for ${phase.waitingFor}`
          : ' waiting for the server';
        return new ClientError(`${method} ${template} timed out${waited} (ETIMEDOUT${after})`, {
          ...init,
          status: null,
          code: 'ETIMEDOUT',
          attempts,
          detail,
        });
      }
      const code = safeCode(error.code);
      const what = (code && NETWORK_ERRORS[code]) ?? 'network error';
      const note = code ? ` (${code}${after})` : after ? ` (${after.slice(2)})` : '';
      return new ClientError(`${method} ${template} failed: ${what}${note}`, {
        ...init,
        status: null,
        ...(code === undefined ? {} : { code }),
        attempts,
        detail,
      });
    }
    const name = error instanceof Error ? error.name : typeof error;
    return new ClientError(`${method} ${template} failed: unexpected error`, {
      ...init,
      status: null,
      detail: redact(`${name}: ${error instanceof Error ? error.message : String(error)}`, this.#secrets),
    });
  }

  #excerpt(text: string): string {
    // Redacted before it is cut, so that no secret survives half-cut at the edge.
    const flat = redact(text.replace(/\s+/g, ' '), this.#secrets);
    return flat.length > DETAIL_LENGTH ? `${flat.slice(0, DETAIL_LENGTH)}…` : flat;
  }
}
