import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, sandboxSeed, startSandbox } from '../../src/sandbox/index.js';
import { api } from './helpers.js';

describe('sandbox server', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ tasks: 5, token: 'secret-token' });
  });
  afterAll(() => sandbox.close());

  it('listens on 127.0.0.1 with a trailing-slash base URL and the given token', () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(sandbox.token).toBe('secret-token');
    expect(sandbox.seed).toMatchObject({ ...sandboxSeed, taskIds: [1001, 1002, 1003, 1004, 1005] });
  });

  it('answers 401 JSON without the token or with a wrong one', async () => {
    const none = await fetch(`${sandbox.url}projects/1/`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    for (const value of [
      'Token wrong',
      'secret-token',
      'Bearer secret-token',
      'Token secret-token-and-more',
    ]) {
      const wrong = await fetch(`${sandbox.url}projects/1/`, { headers: { 'Synapse-Access-Token': value } });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({ detail: 'Invalid token.' });
    }
    const state = await fetch(`${sandbox.url}_sandbox/state/`);
    expect(state.status).toBe(401);
  });

  it('serves the media files without the token', async () => {
    expect((await fetch(`${sandbox.url}media/images/1001.jpg`)).status).toBe(200);
    expect((await fetch(`${sandbox.url}media/annotations/1001.json`)).status).toBe(200);
  });

  it('requires the trailing slash on API routes, and answers unknown routes 404 JSON', async () => {
    const client = api(sandbox);
    expect((await client.get('projects/1/')).status).toBe(200);
    for (const path of [
      'projects/1',
      'sdk/tasks?project=1',
      'tasks/1001',
      'nothing/here/',
      '//projects/1/',
    ]) {
      const answer = await client.get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toEqual({ detail: 'Not found.' });
    }
    expect((await fetch(`${sandbox.url}nothing/`)).status).toBe(404);
  });

  it('answers 405 to a known path under another method, and 400 to a body that is not JSON', async () => {
    const client = api(sandbox);
    expect((await client.post('projects/1/', {})).status).toBe(405);
    const broken = await client.raw('logs/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ detail: 'JSON parse error.' });
  });

  it('records every request without headers', async () => {
    sandbox.recorded.reset();
    await api(sandbox).get('projects/1/?x=1');
    await fetch(`${sandbox.url}projects/1/`);
    expect(sandbox.recorded.requests).toEqual([
      { method: 'GET', path: '/projects/1/?x=1', route: 'project', status: 200 },
      { method: 'GET', path: '/projects/1/', route: 'project', status: 401 },
    ]);
    expect(JSON.stringify(sandbox.recorded.toJSON())).not.toContain('secret-token');
  });

  it('answers 400 JSON to a Host header that makes no URL, and keeps serving', async () => {
    sandbox.recorded.reset();
    const { port } = new URL(sandbox.url);
    const answer = await new Promise<{ status: number | undefined; type: string | undefined; body: string }>(
      (resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, path: '/projects/1/', headers: { host: 'a b' } },
          (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              body += chunk;
            });
            response.on('end', () =>
              resolve({ status: response.statusCode, type: response.headers['content-type'], body }),
            );
          },
        );
        request.on('error', reject);
        request.end();
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.type).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({ detail: 'Invalid Host header or request target.' });
    expect(sandbox.recorded.requests).toEqual([
      { method: 'GET', path: '/projects/1/', route: null, status: 400 },
    ]);
    expect((await api(sandbox).get('projects/1/')).status).toBe(200);
  });
});

describe('sandbox lifetime', () => {
  it('frees its port on close(), and close() is idempotent', async () => {
    const sandbox = await startSandbox({ tasks: 1 });
    const port = Number(new URL(sandbox.url).port);
    await sandbox.close();
    await sandbox.close();
    await expect(fetch(sandbox.url)).rejects.toThrow();
    const again = await startSandbox({ tasks: 1, port });
    expect(again.url).toBe(sandbox.url);
    await again.close();
  });

  it('rejects when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await expect(startSandbox({ port })).rejects.toThrow(/EADDRINUSE/);
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('closes promptly while an answer is being delayed', async () => {
    const sandbox = await startSandbox({ tasks: 1, scenario: { slow: { ms: 60_000 } } });
    const pending = api(sandbox)
      .get('projects/1/')
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sandbox.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('adds latencyMs before every answer', async () => {
    const sandbox = await startSandbox({ tasks: 1, latencyMs: 40 });
    const started = performance.now();
    await fetch(`${sandbox.url}media/images/1001.jpg`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    await sandbox.close();
  });

  it('validates its options with a TypeError quoting the bad value', async () => {
    await expect(startSandbox({ tasks: -1 })).rejects.toThrow(/`tasks`.*got -1/);
    await expect(startSandbox({ pageSize: 0 })).rejects.toThrow(/`pageSize`/);
    await expect(startSandbox({ deployDelayMs: Number.NaN })).rejects.toThrow(/`deployDelayMs`/);
    await expect(startSandbox({ token: '' })).rejects.toThrow(TypeError);
    await expect(startSandbox({ scenario: { deploy: { outcome: 'LATER' as never } } })).rejects.toThrow(
      /deploy\.outcome/,
    );
  });

  it('makes a random token by default', async () => {
    const [a, b] = await Promise.all([startSandbox({ tasks: 0 }), startSandbox({ tasks: 0 })]);
    expect(a.token).toMatch(/^[0-9a-f]{32}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.seed.taskIds).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });
});
