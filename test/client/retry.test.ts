import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientError, isAbortError } from '../../src/client/errors.js';
import { HttpSynapseClient, type HttpSynapseClientOptions } from '../../src/client/http.js';
import { hang, json, reset, startServer, type TestServer } from './server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
  server.fallback(json(200, {}));
});

function client(overrides: Partial<HttpSynapseClientOptions> = {}) {
  return new HttpSynapseClient({
    baseUrl: server.origin,
    accessToken: 'token-for-retry-tests',
    retries: { limit: 3, backoffLimitMs: 5, maxRetryAfterMs: 3_000 },
    timeouts: { connectMs: 1_000, readMs: 2_000 },
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<ClientError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

describe('retries', () => {
  it('honours Retry-After (seconds) on 429', async () => {
    server.queue(json(429, { detail: 'slow down' }, { 'retry-after': '1' }), json(200, { id: 1 }));
    await expect(client().getProject(1)).resolves.toEqual({ id: 1 });
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    // HTTP dates have a one-second resolution: the wait is what is left until that (truncated) second.
    const when = new Date(Date.now() + 1_000).toUTCString();
    const expected = Date.parse(when) - Date.now();
    server.queue(json(503, {}, { 'retry-after': when }), json(200, { id: 1 }));
    await expect(client().getProject(1)).resolves.toEqual({ id: 1 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(expected - 100);
  });

  it('does not retry when Retry-After asks for longer than the cap', async () => {
    server.queue(json(429, {}, { 'retry-after': '3600' }));
    const error = await failure(client().getProject(1));
    expect(error.status).toBe(429);
    expect(error.message).toBe('GET projects/{id}/ answered 429 Too Many Requests');
    expect(server.requests).toHaveLength(1);
  });

  it.each([502, 503, 504])('retries %i and then succeeds', async (status) => {
    server.queue(json(status, {}), json(200, { id: 4 }));
    await expect(client().getProject(4)).resolves.toEqual({ id: 4 });
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after the limit with ClientError status 503', async () => {
    server.fallback(json(503, { detail: 'down for maintenance' }));
    const error = await failure(client().getProject(1));
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(4);
    expect(error.message).toBe('GET projects/{id}/ answered 503 Service Unavailable (after 4 attempts)');
    expect(error.detail).toBe('{"detail":"down for maintenance"}');
    expect(server.requests).toHaveLength(4);
  });

  it.each([400, 401, 403, 404, 409])('does not retry %i', async (status) => {
    server.fallback(json(status, {}));
    const error = await failure(client().getProject(1));
    expect(error.status).toBe(status);
    expect(error.code).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });

  it('retries POST (plugin run), PATCH and PUT on 503', async () => {
    const body = { agent: 1, action: 'deployment', params: { num_cpus: 1, num_gpus: 0.1 } };
    server.queue(json(503, {}), json(200, { ok: true }));
    await expect(client().runPlugin('yolo', body)).resolves.toEqual({ ok: true });
    server.queue(json(502, {}), json(200, {}));
    await client().updateJob(1, { status: 'running' });
    server.queue(json(504, {}), json(200, {}));
    await client().annotateTaskData(1, { a: 1 });
    expect(server.requests.map((request) => request.method)).toEqual([
      'POST',
      'POST',
      'PATCH',
      'PATCH',
      'PUT',
      'PUT',
    ]);
    expect(server.requests[1]!.json).toEqual(body);
  });

  it('retries a connection reset', async () => {
    server.queue(reset(), json(200, { id: 1 }));
    await expect(client().getProject(1)).resolves.toEqual({ id: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it('a reset every time ends as ClientError ECONNRESET with status null', async () => {
    server.fallback(reset());
    const error = await failure(client({ retries: { limit: 1, backoffLimitMs: 1 } }).getProject(1));
    expect(error.status).toBeNull();
    expect(error.code).toBe('ECONNRESET');
    expect(error.message).toBe('GET projects/{id}/ failed: connection reset (ECONNRESET, after 2 attempts)');
    expect(server.requests).toHaveLength(2);
  });

  it('connection refused is a ClientError ECONNREFUSED', async () => {
    const gone = await startServer();
    await gone.close();
    const refused = new HttpSynapseClient({
      baseUrl: gone.origin,
      accessToken: 'x-token',
      retries: { limit: 0 },
    });
    const error = await failure(refused.getProject(1));
    expect(error.status).toBeNull();
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toBe('GET projects/{id}/ failed: connection refused (ECONNREFUSED)');
    expect(error.detail).not.toContain(gone.origin.replace('http://', ''));
  });
});

describe('timeouts and abort', () => {
  it('a server that never answers → ClientError ETIMEDOUT after the read timeout', async () => {
    server.fallback(hang());
    const started = performance.now();
    const error = await failure(client({ timeouts: { readMs: 200 }, retries: { limit: 0 } }).getProject(1));
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(error.status).toBeNull();
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toBe(
      'GET projects/{id}/ timed out after 200 ms waiting for the response (ETIMEDOUT)',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('a timeout is retried', async () => {
    // Only the first attempt hangs; a generous read timeout keeps the answered retry from timing out on a busy machine.
    server.queue(hang(), json(200, { id: 1 }));
    await expect(
      client({ timeouts: { readMs: 1_000 }, retries: { limit: 1, backoffLimitMs: 1 } }).getProject(1),
    ).resolves.toEqual({ id: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it('an abort cancels a pending call with an AbortError', async () => {
    server.fallback(hang());
    const controller = new AbortController();
    const pending = client().getProject(1, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((caught: unknown) => caught);
    expect(isAbortError(error)).toBe(true);
    expect((error as Error).name).toBe('AbortError');
    expect((error as Error).message).toBe('GET projects/{id}/ was aborted');
    expect(server.requests).toHaveLength(1);
  });

  it('an abort during a Retry-After wait stops the retry', async () => {
    server.queue(json(429, {}, { 'retry-after': '2' }));
    const controller = new AbortController();
    const pending = client().getProject(1, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await pending.catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('AbortError');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const reason = new Error('stop');
    const error = await client()
      .getTask(1, { signal: AbortSignal.abort(reason) })
      .catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('AbortError');
    expect((error as Error).cause).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it('an abort between pages stops the pagination', async () => {
    server.queue(json(200, { next: `${server.origin}/sdk/tasks/?page=2`, results: [{ id: 1 }] }));
    const controller = new AbortController();
    const consume = async () => {
      for await (const _ of client().listTaskPages({ project: 1 }, { signal: controller.signal })) {
        controller.abort();
      }
    };
    const error = await consume().catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('AbortError');
    expect(server.requests).toHaveLength(1);
  });
});
