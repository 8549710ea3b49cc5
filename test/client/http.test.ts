import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientError, isClientError } from '../../src/client/errors.js';
import { HttpSynapseClient, taskListQuery } from '../../src/client/http.js';
import { json, type Responder, startServer, type TestServer, text } from './server.js';

const TOKEN = 'tok_3f9a8b7c6d5e4f3a2b1c';
const TENANT = 'acme-tenant';

let server: TestServer;
let other: TestServer;

beforeAll(async () => {
  server = await startServer();
  other = await startServer();
});
afterAll(async () => {
  await server.close();
  await other.close();
});
afterEach(() => {
  server.requests.length = 0;
  other.requests.length = 0;
  server.fallback(json(200, {}));
  other.fallback(json(200, {}));
});

function client(baseUrl = `${server.origin}/api`, extra: { tenant?: string } = {}) {
  return new HttpSynapseClient({
    baseUrl,
    accessToken: TOKEN,
    ...extra,
    retries: { limit: 2, backoffLimitMs: 5 },
    timeouts: { connectMs: 1_000, readMs: 2_000 },
  });
}

function only() {
  expect(server.requests).toHaveLength(1);
  return server.requests[0]!;
}

describe('HttpSynapseClient: wire of each call', () => {
  it('getProject: GET projects/{id}/ with the auth and accept headers, no tenant by default', async () => {
    server.queue(json(200, { id: 1, data_collection: 7 }));
    await expect(client().getProject(1)).resolves.toEqual({ id: 1, data_collection: 7 });
    const request = only();
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/api/projects/1/');
    expect(request.headers['synapse-access-token']).toBe(`Token ${TOKEN}`);
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['synapse-tenant']).toBeUndefined();
    expect(request.body).toBe('');
  });

  it('sends Synapse-Tenant when a tenant is set, and works with a base URL ending in /', async () => {
    server.queue(json(200, { id: 2 }));
    await client(`${server.origin}/api/`, { tenant: TENANT }).getProject(2);
    const request = only();
    expect(request.url).toBe('/api/projects/2/');
    expect(request.headers['synapse-tenant']).toBe(`Token ${TENANT}`);
  });

  it('works with a bare origin as base URL', async () => {
    server.queue(json(200, { id: 3 }));
    await client(server.origin).getProject(3);
    expect(only().url).toBe('/projects/3/');
  });

  it('getDataCollection: GET data_collections/{id}/?expand=file_specifications', async () => {
    server.queue(json(200, { id: 7, file_specifications: [{ name: 'image_1' }] }));
    const collection = await client().getDataCollection(7);
    expect(collection.file_specifications?.[0]?.name).toBe('image_1');
    const request = only();
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/api/data_collections/7/?expand=file_specifications');
  });

  it('getPluginRelease: GET plugin_releases/{id}/', async () => {
    server.queue(json(200, { id: 3, config: { code: 'yolo' } }));
    await expect(client().getPluginRelease(3)).resolves.toMatchObject({ config: { code: 'yolo' } });
    expect(only().url).toBe('/api/plugin_releases/3/');
  });

  it('listServeApplications: GET serve_applications/?plugin_code=..&job__agent=.., the raw answer', async () => {
    const answer = { count: 1, next: null, results: [{ status: 'RUNNING' }] };
    server.queue(json(200, answer));
    await expect(
      client().listServeApplications({ plugin_code: 'my plugin&x', job__agent: 2 }),
    ).resolves.toEqual(answer);
    const request = only();
    expect(request.path).toBe('/api/serve_applications/');
    expect(request.query.get('plugin_code')).toBe('my plugin&x');
    expect(request.query.get('job__agent')).toBe('2');
    expect([...request.query.keys()]).toEqual(['plugin_code', 'job__agent']);
  });

  it('runPlugin: POST plugins/{code}/run/ with a JSON body', async () => {
    server.queue(json(200, { ok: true }));
    const body = { agent: 2, action: 'deployment', params: { num_cpus: 1, num_gpus: 0 } };
    await expect(client().runPlugin('yolo', body)).resolves.toEqual({ ok: true });
    const request = only();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/plugins/yolo/run/');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual(body);
  });

  it('runPlugin: an empty answer (204) is null', async () => {
    server.queue((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    await expect(
      client().runPlugin('yolo', { agent: 2, action: 'inference', params: {} }),
    ).resolves.toBeNull();
  });

  it('getTask: GET tasks/{id}/?fields=id,data,data_unit&expand=data_unit with literal commas', async () => {
    server.queue(json(200, { id: 101, data: {}, data_unit: { id: 5, files: {} } }));
    await expect(client().getTask(101)).resolves.toMatchObject({ id: 101 });
    expect(only().url).toBe('/api/tasks/101/?fields=id,data,data_unit&expand=data_unit');
  });

  it('getDataUnit: GET data_units/{id}/?expand=files', async () => {
    server.queue(json(200, { id: 5, files: [] }));
    await client().getDataUnit(5);
    expect(only().url).toBe('/api/data_units/5/?expand=files');
  });

  it('annotateTaskData: PUT tasks/{id}/annotate_task_data/ with {action: submit, data}', async () => {
    server.queue(json(200, { id: 101 }));
    await client().annotateTaskData(101, { objects: [{ label: 'cat' }] });
    const request = only();
    expect(request.method).toBe('PUT');
    expect(request.url).toBe('/api/tasks/101/annotate_task_data/');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({ action: 'submit', data: { objects: [{ label: 'cat' }] } });
  });

  it('updateJob: PATCH jobs/{id}/ for numeric and string ids', async () => {
    const body = { progress_record: { annotate_task_data: { current: 1, total: 2 } } };
    await client().updateJob(9, body);
    await client().updateJob('a1b2-c3', { metrics_record: { success: 1, failed: 0, stand_by: 1 } });
    expect(server.requests.map((request) => [request.method, request.url])).toEqual([
      ['PATCH', '/api/jobs/9/'],
      ['PATCH', '/api/jobs/a1b2-c3/'],
    ]);
    expect(server.requests[0]!.json).toEqual(body);
  });

  it('createLogs: POST logs/ with the entries', async () => {
    const entries = [{ job: 9, level: 'info' as const, message: 'hello' }];
    server.queue(json(201, { created: 1 }));
    await expect(client().createLogs(entries)).resolves.toEqual({ created: 1 });
    const request = only();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/logs/');
    expect(request.json).toEqual(entries);
  });

  it('an object call that answers a non-object is a ClientError', async () => {
    server.queue(json(200, [1, 2]));
    const error = await client()
      .getProject(1)
      .catch((caught: unknown) => caught);
    expect(isClientError(error)).toBe(true);
    expect((error as ClientError).code).toBe('ERR_MALFORMED_RESPONSE');
    expect((error as ClientError).message).toBe(
      'GET projects/{id}/ answered 200 OK with a malformed body: expected a JSON object',
    );
  });

  it('rejects bad ids before any request', async () => {
    await expect(client().getProject(Number.NaN)).rejects.toThrow(TypeError);
    await expect(client().getTask(-1)).rejects.toThrow(
      'Expected `id` to be a non-negative integer id, got -1',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('validates its options without quoting secrets', () => {
    expect(() => new HttpSynapseClient({ baseUrl: 'not a url', accessToken: 'x' })).toThrow(
      'Expected `baseUrl` to be an absolute http(s) URL',
    );
    expect(() => new HttpSynapseClient({ baseUrl: 'ftp://u:p@h/', accessToken: 'x' })).toThrow(/http\(s\)/);
    expect(() => new HttpSynapseClient({ baseUrl: server.origin, accessToken: 'a\nb' })).toThrow(
      'Expected `accessToken` to be a non-empty string without line breaks',
    );
    expect(
      () => new HttpSynapseClient({ baseUrl: server.origin, accessToken: 'x', timeouts: { readMs: -1 } }),
    ).toThrow('Expected `timeouts.readMs` to be a positive number of milliseconds, got -1');
    expect(
      () => new HttpSynapseClient({ baseUrl: server.origin, accessToken: 'x', retries: { limit: 1.5 } }),
    ).toThrow('Expected `retries.limit` to be a non-negative integer, got 1.5');
  });
});

describe('HttpSynapseClient.listTaskPages', () => {
  const page = (ids: number[], next: string | null, count = 5) => ({
    count,
    next,
    previous: null,
    results: ids.map((id) => ({ id })),
  });

  it('streams pages through absolute next links; filters as query params, project/fields win', async () => {
    server.queue(
      (request, response) =>
        json(200, page([1, 2], `${server.origin}/api/sdk/tasks/?page=2&${request.rawQuery}`))(
          request,
          response,
        ),
      json(200, page([3, 4], `${server.origin}/api/sdk/tasks/?page=3&project=4&fields=id&page_size=2`)),
      json(200, page([5], null)),
    );
    const pages = client().listTaskPages({
      project: 4,
      filters: {
        status: 'pending',
        project: 999,
        fields: 'id,data',
        assignee__isnull: true,
        tags: ['a', 'b,c'],
      },
      pageSize: 2,
    });
    const seen: number[][] = [];
    for await (const current of pages) {
      // One page at a time: the next request is sent only after this page was consumed.
      expect(server.requests).toHaveLength(seen.length + 1);
      seen.push(current.results.map((task) => task.id));
    }
    expect(seen).toEqual([[1, 2], [3, 4], [5]]);
    expect(server.requests).toHaveLength(3);
    const first = server.requests[0]!;
    expect(first.method).toBe('GET');
    expect(first.path).toBe('/api/sdk/tasks/');
    expect(first.query.getAll('project')).toEqual(['4']);
    expect(first.query.getAll('fields')).toEqual(['id']);
    expect(first.query.get('page_size')).toBe('2');
    expect(first.query.get('status')).toBe('pending');
    expect(first.query.get('assignee__isnull')).toBe('true');
    expect(first.query.getAll('tags')).toEqual(['a', 'b,c']);
    expect(first.rawQuery).toBe(
      'status=pending&assignee__isnull=true&tags=a&tags=b,c&project=4&fields=id&page_size=2',
    );
    expect(first.headers['synapse-access-token']).toBe(`Token ${TOKEN}`);
    expect(server.requests[1]!.query.get('page')).toBe('2');
    expect(server.requests[2]!.url).toBe('/api/sdk/tasks/?page=3&project=4&fields=id&page_size=2');
    expect(server.requests[2]!.headers['synapse-access-token']).toBe(`Token ${TOKEN}`);
  });

  it('sends page_size=100 by default and no filters', async () => {
    server.queue(json(200, page([], null, 0)));
    const pages = [];
    for await (const current of client().listTaskPages({ project: 1 })) pages.push(current);
    expect(pages).toEqual([{ count: 0, next: null, previous: null, results: [] }]);
    expect(only().rawQuery).toBe('project=1&fields=id&page_size=100');
  });

  it('encodes filters like Python requests: arrays repeat, null drops, objects as JSON', () => {
    expect(taskListQuery(1, { a: [1, 2], b: null, c: undefined, d: { x: 1 }, 'e f': 'g&h' }, 10)).toBe(
      'a=1&a=2&d=%7B%22x%22%3A1%7D&e%20f=g%26h&project=1&fields=id&page_size=10',
    );
  });

  it('a malformed page fails with a clear ClientError', async () => {
    server.queue(json(200, { count: 1, next: null, tasks: [{ id: 1 }] }));
    const consume = async () => {
      for await (const _ of client().listTaskPages({ project: 1 })) {
        // nothing
      }
    };
    const error = (await consume().catch((caught: unknown) => caught)) as ClientError;
    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe(
      'GET sdk/tasks/ answered 200 OK with a malformed body: expected a page {count, next, previous, results: [...]}',
    );
    expect(error.code).toBe('ERR_MALFORMED_RESPONSE');
    expect(error.status).toBe(200);
  });

  it('results without integer ids, and a next that is not a string, are malformed', async () => {
    server.queue(json(200, page([], null)));
    server.queue((_request, response) =>
      json(200, { next: null, results: [{ id: 'x' }] })(_request, response),
    );
    const collect = async () => {
      for await (const _ of client().listTaskPages({ project: 1 })) {
        // nothing
      }
    };
    await collect();
    await expect(collect()).rejects.toThrow('a result has no integer `id`');
    server.queue(json(200, { next: 5, results: [] }));
    await expect(collect()).rejects.toThrow('`next` is neither a URL nor null');
  });

  it('refuses a next link to another origin: no request goes there', async () => {
    server.queue(json(200, page([1], `${other.origin}/api/sdk/tasks/?page=2`)));
    const seen: number[] = [];
    const consume = async () => {
      for await (const current of client().listTaskPages({ project: 1 })) {
        seen.push(...current.results.map((task) => task.id));
      }
    };
    const error = (await consume().catch((caught: unknown) => caught)) as ClientError;
    expect(error).toBeInstanceOf(ClientError);
    expect(error.code).toBe('ERR_CROSS_ORIGIN');
    expect(error.message).toBe(
      'GET sdk/tasks/ answered a next page on another origin (scheme, host or port); refusing to send credentials there',
    );
    expect(error.message).not.toContain('127.0.0.1');
    // The page is validated whole (its next link included) before it is handed out.
    expect(seen).toEqual([]);
    expect(other.requests).toHaveLength(0);
  });

  it('a next link to the same page is malformed (no endless loop)', async () => {
    server.fallback((request, response) =>
      json(200, page([1], `${server.origin}${request.url}`))(request, response),
    );
    const consume = async () => {
      for await (const _ of client().listTaskPages({ project: 1 })) {
        // nothing
      }
    };
    await expect(consume()).rejects.toThrow('`next` points to the same page');
  });

  it('credentials in the base URL go as basic auth to built paths and same-origin next links alike', async () => {
    server.queue(
      json(200, page([1], `${server.origin}/api/sdk/tasks/?page=2`)),
      json(200, page([2], null)),
      json(200, {}),
    );
    other.queue(json(200, {}));
    const withCredentials = client(
      `${server.origin.replace('http://', 'http://proxy-user:proxy%20pass@')}/api`,
    );
    for await (const _ of withCredentials.listTaskPages({ project: 1 })) {
      // nothing
    }
    await withCredentials.fetchJson(`${server.origin}/files/a.json`);
    await withCredentials.fetchJson(`${other.origin}/files/b.json`);
    const basic = `Basic ${Buffer.from('proxy-user:proxy pass').toString('base64')}`;
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([basic, basic, basic]);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('validates its query', async () => {
    const first = (query: Parameters<HttpSynapseClient['listTaskPages']>[0]) =>
      client().listTaskPages(query)[Symbol.asyncIterator]().next();
    await expect(first({ project: 1, pageSize: 0 })).rejects.toThrow(
      'Expected `pageSize` to be a positive integer, got 0',
    );
    await expect(first({ project: 1.5 })).rejects.toThrow(TypeError);
  });
});

describe('HttpSynapseClient.fetchJson', () => {
  const respond =
    (responder: Responder): Responder =>
    (request, response) =>
      responder(request, response);

  it('parses JSON from an absolute URL on the base origin, with the auth headers', async () => {
    server.queue(json(200, { objects: [1] }));
    await expect(
      client(undefined, { tenant: TENANT }).fetchJson(`${server.origin}/files/a.json?sig=1`),
    ).resolves.toEqual({
      objects: [1],
    });
    const request = only();
    expect(request.url).toBe('/files/a.json?sig=1');
    expect(request.headers['synapse-access-token']).toBe(`Token ${TOKEN}`);
    expect(request.headers['synapse-tenant']).toBe(`Token ${TENANT}`);
  });

  it('sends no auth headers to another origin', async () => {
    other.queue(json(200, { ok: 1 }));
    await expect(
      client(undefined, { tenant: TENANT }).fetchJson(`${other.origin}/bucket/a.json`),
    ).resolves.toEqual({
      ok: 1,
    });
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]!.headers['synapse-access-token']).toBeUndefined();
    expect(other.requests[0]!.headers['synapse-tenant']).toBeUndefined();
  });

  it('drops the auth headers when redirected to another origin', async () => {
    server.queue((_request, response) => {
      response.writeHead(302, { location: `${other.origin}/bucket/b.json?X-Amz-Signature=abc` });
      response.end();
    });
    other.queue(json(200, { redirected: true }));
    await expect(client().fetchJson(`${server.origin}/api/files/9/`)).resolves.toEqual({ redirected: true });
    expect(server.requests[0]!.headers['synapse-access-token']).toBe(`Token ${TOKEN}`);
    expect(other.requests[0]!.headers['synapse-access-token']).toBeUndefined();
  });

  it('a body that is not JSON is a clear ClientError without the URL', async () => {
    server.queue(respond(text(200, '<html>not json</html>')));
    const error = (await client()
      .fetchJson(`${server.origin}/files/secret-name.json`)
      .catch((caught: unknown) => caught)) as ClientError;
    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe('GET <data file> answered 200 OK with a body that is not JSON');
    expect(error.code).toBe('ERR_NOT_JSON');
    expect(error.status).toBe(200);
    expect(error.detail).toBe('<html>not json</html>');
    expect(JSON.stringify(error)).not.toContain('secret-name');
  });

  it('404 is a ClientError with status 404, sent once', async () => {
    server.queue(json(404, { detail: 'Not found.' }));
    const error = (await client()
      .fetchJson(`${server.origin}/files/x.json`)
      .catch((caught: unknown) => caught)) as ClientError;
    expect(error.message).toBe('GET <data file> answered 404 Not Found');
    expect(error.status).toBe(404);
    expect(error.detail).toBe('{"detail":"Not found."}');
    expect(server.requests).toHaveLength(1);
  });

  it('an empty body is null; a relative or non-http URL is refused', async () => {
    server.queue(text(200, ''));
    await expect(client().fetchJson(`${server.origin}/files/empty.json`)).resolves.toBeNull();
    await expect(client().fetchJson('/files/a.json')).rejects.toThrow(
      'GET <data file> failed: not an absolute http(s) URL',
    );
    await expect(client().fetchJson('file:///etc/passwd')).rejects.toMatchObject({ code: 'ERR_INVALID_URL' });
  });
});
