import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientError, isClientError } from '../../src/client/errors.js';
import { HttpSynapseClient } from '../../src/client/http.js';
import { REDACTED, REDACTED_URL, redact } from '../../src/client/redact.js';
import { hang, json, type Responder, reset, startServer, type TestServer, text } from './server.js';

describe('redact', () => {
  it('removes tokens, in raw and URL-encoded form', () => {
    expect(redact('token abc/def+ghi and abc%2Fdef%2Bghi', ['abc/def+ghi'])).toBe(
      `token ${REDACTED} and ${REDACTED}`,
    );
  });

  it('removes auth header values, keeping the header name', () => {
    expect(redact('Synapse-Access-Token: Token s3cr3t-value\nnext line')).toBe(
      `Synapse-Access-Token: ${REDACTED}\nnext line`,
    );
    expect(redact('{"synapse-access-token":"Token abc","accept":"application/json"}')).toBe(
      `{"synapse-access-token":"${REDACTED}","accept":"application/json"}`,
    );
    expect(redact("headers: { 'synapse-tenant': 'Token acme', authorization: 'Bearer xyz' }")).toBe(
      `headers: { 'synapse-tenant': '${REDACTED}', authorization: '${REDACTED}' }`,
    );
  });

  it('removes URLs, with credentials or pre-signed queries', () => {
    expect(redact('failed to read https://user:pa55@files.example.com/a.json?X-Amz-Signature=1 now')).toBe(
      `failed to read ${REDACTED_URL} now`,
    );
    expect(redact('see ftp://h/x, then http://127.0.0.1:8080/')).toBe(
      `see ${REDACTED_URL} then ${REDACTED_URL}`,
    );
  });

  it('removes the base URL, its origin, host and credentials, also outside a URL', () => {
    const base = 'https://admin:hunter22@synapse.example.com:8443/api/';
    expect(redact('connect ECONNREFUSED synapse.example.com:8443; user admin, pass hunter22', [base])).toBe(
      `connect ECONNREFUSED ${REDACTED}; user ${REDACTED}, pass ${REDACTED}`,
    );
  });

  it('drops stack-frame lines and ignores trivially short secrets', () => {
    const error = new Error('boom');
    expect(redact(String(error.stack))).toBe('Error: boom');
    expect(redact('a b c', ['a', '', null, undefined])).toBe('a b c');
  });

  it('property: no secret survives, wherever it is embedded', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._~+/=-]{8,48}$/),
        fc.string(),
        fc.string(),
        (secret, before, after) => {
          const out = redact(`${before}${secret}${after} ${encodeURIComponent(secret)}`, [secret]);
          expect(out).not.toContain(secret);
        },
      ),
    );
  });
});

describe('ClientError', () => {
  it('is safe to print and serialise', () => {
    const error = new ClientError('GET projects/{id}/ answered 404 Not Found', {
      method: 'GET',
      path: 'projects/{id}/',
      status: 404,
      detail: 'Synapse-Access-Token: Token abc at https://x.example/y',
    });
    expect(String(error)).toBe('ClientError: GET projects/{id}/ answered 404 Not Found');
    expect(error.detail).toBe(`Synapse-Access-Token: ${REDACTED}`);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ClientError',
      message: 'GET projects/{id}/ answered 404 Not Found',
      method: 'GET',
      path: 'projects/{id}/',
      status: 404,
      attempts: 1,
      detail: `Synapse-Access-Token: ${REDACTED}`,
    });
    expect(error.cause).toBeUndefined();
    expect(isClientError(error)).toBe(true);
    expect(isClientError(new Error('x'))).toBe(false);
    expect(isClientError(Object.assign(new Error('x'), { name: 'ClientError', status: null }))).toBe(true);
  });
});

describe('no ClientError leaks the token or the base URL (property, over error kinds)', () => {
  let server: TestServer;
  let closedOrigin: string;

  beforeAll(async () => {
    server = await startServer();
    const closed = await startServer();
    closedOrigin = closed.origin;
    await closed.close();
  });
  afterAll(async () => {
    await server.close();
  });

  /** An answer that echoes everything secret the request carried, to tempt every error path. */
  const echo =
    (status: number, wrap: (body: object) => unknown = (body) => body): Responder =>
    (request, response) =>
      json(
        status,
        wrap({
          detail: `bad ${request.headers['synapse-access-token']} tenant ${request.headers['synapse-tenant']}`,
          seen: request.headers,
          url: `http://${request.headers.host}${request.url}`,
          authorization: request.headers.authorization,
        }),
      )(request, response);

  const kinds = {
    '4xx': { path: '/api/projects/1/', responder: echo(403) },
    '5xx after retries': { path: '/api/projects/2/', responder: echo(503) },
    reset: { path: '/api/projects/3/', responder: reset() },
    timeout: { path: '/api/projects/4/', responder: hang() },
    'malformed JSON': {
      path: '/api/projects/5/',
      responder: ((request, response) =>
        text(200, `<h1>${request.headers['synapse-access-token']} ${request.headers.host}</h1>`)(
          request,
          response,
        )) satisfies Responder,
    },
    'malformed object': { path: '/api/projects/6/', responder: echo(200, (body) => [body]) },
  } as const;

  it('for random tokens, tenants and credentials', async () => {
    server.fallback((request, response) => {
      const kind = Object.values(kinds).find((candidate) => candidate.path === request.path);
      if (kind) return kind.responder(request, response);
      return json(404, {})(request, response);
    });
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/);
    const credential = fc.stringMatching(/^[A-Za-z0-9]{6,16}$/);
    await fc.assert(
      fc.asyncProperty(
        token,
        token,
        credential,
        credential,
        fc.constantFrom(...(Object.keys(kinds) as (keyof typeof kinds)[]), 'network error'),
        async (accessToken, tenant, user, password, kind) => {
          fc.pre(![tenant, user, password].some((other) => accessToken.includes(other)));
          const origin = kind === 'network error' ? closedOrigin : server.origin;
          const baseUrl = `${origin.replace('http://', `http://${user}:${password}@`)}/api`;
          const client = new HttpSynapseClient({
            baseUrl,
            accessToken,
            tenant,
            timeouts: { connectMs: 500, readMs: 100 },
            retries: { limit: kind === '5xx after retries' ? 2 : 0, backoffLimitMs: 1 },
          });
          const id = kind === 'network error' ? 1 : Number(kinds[kind].path.split('/')[3]);
          const error = await client.getProject(id).then(
            () => {
              throw new Error('expected a rejection');
            },
            (caught: unknown) => caught,
          );
          expect(isClientError(error)).toBe(true);
          const texts = [
            (error as Error).message,
            String(error),
            JSON.stringify(error),
            (error as ClientError).detail,
          ];
          const host = origin.replace('http://', '');
          for (const shown of texts) {
            for (const secret of [
              accessToken,
              tenant,
              password,
              baseUrl,
              origin,
              host,
              `${user}:${password}`,
            ]) {
              expect(shown).not.toContain(secret);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 30_000);
});
