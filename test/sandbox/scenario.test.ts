import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  loadScenario,
  parseScenario,
  type Sandbox,
  type SandboxOptions,
  SandboxScenarioError,
  startSandbox,
} from '../../src/sandbox/index.js';
import { api, deploymentBody, inferenceBody, manualClock } from './helpers.js';

const listPath = 'serve_applications/?plugin_code=demo-detector&job__agent=3';
const runPath = 'plugins/demo-detector/run/';
const taskQuery = 'fields=id,data,data_unit&expand=data_unit';

let sandbox: Sandbox | undefined;
async function start(scenario: SandboxOptions['scenario'], options: SandboxOptions = {}) {
  sandbox = await startSandbox({ tasks: 30, scenario, ...options });
  return { sandbox, client: api(sandbox) };
}
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('scenario: deployment faults', () => {
  it('dispatch: answers the first `times` deployment dispatches with the status, creating nothing', async () => {
    const { client, sandbox } = await start({ dispatch: { status: 503, times: 2 } });
    expect(await client.post(runPath, deploymentBody())).toMatchObject({
      status: 503,
      body: { detail: expect.any(String) },
    });
    expect((await client.post(runPath, deploymentBody())).status).toBe(503);
    expect((await client.get(listPath)).body.count).toBe(0);
    expect((await client.post(runPath, deploymentBody())).status).toBe(200);
    expect(sandbox.recorded.dispatches.map((dispatch) => dispatch.status)).toEqual([503, 503, 200]);
    expect(sandbox.recorded.faults.filter((fault) => fault.kind === 'dispatch')).toHaveLength(2);
  });

  it('dispatch: without `times`, every dispatch fails', async () => {
    const { client } = await start({ dispatch: { status: 422 } });
    for (let i = 0; i < 3; i++) expect((await client.post(runPath, deploymentBody())).status).toBe(422);
  });

  it.each(['DEPLOY_FAILED', 'UNHEALTHY', 'UNAVAILABLE'] as const)(
    'deploy: reaches %s at afterMs, through NOT_STARTED and DEPLOYING',
    async (outcome) => {
      const clock = manualClock();
      const { client } = await start(
        { deploy: { outcome, afterMs: 40 } },
        { deployDelayMs: 5000, now: clock.now },
      );
      await client.post(runPath, deploymentBody());
      const status = async () => (await client.get(listPath)).body.results[0].status;
      expect(await status()).toBe('NOT_STARTED');
      clock.advance(20);
      expect(await status()).toBe('DEPLOYING');
      clock.advance(20);
      expect(await status()).toBe(outcome);
      clock.advance(1e9);
      expect(await status()).toBe(outcome);
    },
  );

  it('deploy: NEVER_READY stays DEPLOYING forever; the delay defaults to deployDelayMs', async () => {
    const clock = manualClock();
    const { client } = await start(
      { deploy: { outcome: 'NEVER_READY' } },
      { deployDelayMs: 100, now: clock.now },
    );
    await client.post(runPath, deploymentBody());
    clock.advance(50);
    expect((await client.get(listPath)).body.results[0].status).toBe('DEPLOYING');
    clock.advance(1e9);
    expect((await client.get(listPath)).body.results[0].status).toBe('DEPLOYING');
    expect((await client.post(runPath, inferenceBody('x'))).status).toBe(409);
  });

  it('alreadyRunning: a RUNNING application exists from the start', async () => {
    const { client, sandbox } = await start({ alreadyRunning: true });
    expect((await client.get(listPath)).body.results).toEqual([
      expect.objectContaining({ status: 'RUNNING' }),
    ]);
    expect((await client.post(runPath, inferenceBody(`${sandbox.url}media/images/1001.jpg`))).status).toBe(
      200,
    );
    expect(sandbox.recorded.dispatches).toEqual([]);
  });

  it.each([
    ['object', { message: 'maintenance' }],
    ['null', null],
  ] as const)('serveList: `%s` answers HTTP 200 with a malformed JSON body', async (malformed, body) => {
    const { client } = await start({ alreadyRunning: true, serveList: { malformed, times: 1 } });
    expect(await client.get(listPath)).toMatchObject({ status: 200, body });
    expect((await client.get(listPath)).body.results[0].status).toBe('RUNNING');
  });

  it('serveList: `html` (the default) answers HTTP 200 text/html', async () => {
    const { client } = await start({ alreadyRunning: true, serveList: { times: 2 } });
    for (let i = 0; i < 2; i++) {
      const response = await client.raw(listPath);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/^<!doctype html>/);
    }
    expect((await client.get(listPath)).body.count).toBe(1);
  });

  it('serveList: `no-status` lists items without status, every time when `times` is omitted', async () => {
    const { client, sandbox } = await start({ alreadyRunning: true, serveList: { malformed: 'no-status' } });
    for (let i = 0; i < 3; i++) {
      const { body } = await client.get(listPath);
      expect(body.count).toBe(1);
      expect(body.results[0]).toMatchObject({ id: 1, plugin_code: 'demo-detector' });
      expect(body.results[0]).not.toHaveProperty('status');
    }
    expect(sandbox.recorded.faults.map((fault) => fault.kind)).toEqual([
      'serveList',
      'serveList',
      'serveList',
    ]);
  });
});

describe('scenario: request faults', () => {
  it('throttle: 429 with Retry-After on every API route by default, never on media', async () => {
    const { client, sandbox } = await start({ throttle: { status: 429, retryAfterSeconds: 2 } });
    const answer = await client.get('projects/1/');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(answer.body.detail).toMatch(/throttled/);
    expect((await client.get('sdk/tasks/?project=1')).status).toBe(429);
    expect((await fetch(`${sandbox.url}media/images/1001.jpg`)).status).toBe(200);
    expect((await client.get('_sandbox/state/')).status).toBe(200);
  });

  it('throttle: 503 without retryAfterSeconds sends no Retry-After', async () => {
    const { client } = await start({ throttle: { status: 503 } });
    const answer = await client.get('projects/1/');
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBeNull();
  });

  it('throttle: rate 0.5 throttles the first attempt of each request and lets its retry pass', async () => {
    const { client } = await start({ throttle: { status: 429, rate: 0.5, retryAfterSeconds: 0 } });
    const statuses = async (path: string) => {
      const result: number[] = [];
      for (let i = 0; i < 4; i++) result.push((await client.get(path)).status);
      return result;
    };
    const [a, b] = await Promise.all([statuses('tasks/1001/'), statuses('tasks/1002/')]);
    expect(a).toEqual([429, 200, 429, 200]);
    expect(b).toEqual([429, 200, 429, 200]);
  });

  it('throttle: rate 1/3 throttles attempts 1, 4, 7', async () => {
    const { client } = await start({ throttle: { status: 429, rate: 1 / 3 } });
    const result: number[] = [];
    for (let i = 0; i < 7; i++) result.push((await client.get('projects/1/')).status);
    expect(result).toEqual([429, 200, 200, 429, 200, 200, 429]);
  });

  it('throttle: `times` caps the throttled answers, `routes` takes names and path prefixes', async () => {
    const { client, sandbox } = await start({
      throttle: { status: 429, times: 2, routes: ['project', '/sdk/tasks/'] },
    });
    expect((await client.get('data_collections/10/')).status).toBe(200);
    expect((await client.get('projects/1/')).status).toBe(429);
    expect((await client.get('sdk/tasks/?project=1')).status).toBe(429);
    expect((await client.get('projects/1/')).status).toBe(200);
    expect((await client.get('projects/2/')).status).toBe(200);
    expect(sandbox.recorded.faults).toEqual([
      { kind: 'throttle', method: 'GET', path: '/projects/1/', status: 429 },
      { kind: 'throttle', method: 'GET', path: '/sdk/tasks/?project=1', status: 429 },
    ]);
  });

  it('throttle: a route name selects that route only, not the paths it prefixes', async () => {
    const { client } = await start({ throttle: { status: 429, routes: ['task'] } });
    expect((await client.get('tasks/1001/')).status).toBe(429);
    expect((await client.put('tasks/1001/annotate_task_data/', { action: 'submit', data: {} })).status).toBe(
      200,
    );
    expect((await client.get('sdk/tasks/')).status).toBe(200);
  });

  it('throttle: `taskIds` limits it to requests about those tasks (task, write, data unit, media, inference)', async () => {
    const { client, sandbox } = await start({
      alreadyRunning: true,
      throttle: {
        status: 503,
        taskIds: [1025],
        routes: ['task', 'annotateTaskData', 'dataUnit', 'pluginRun', 'media/'],
      },
    });
    expect((await client.get('tasks/1024/')).status).toBe(200);
    expect((await client.get('tasks/1025/')).status).toBe(503);
    expect((await client.put('tasks/1025/annotate_task_data/', { action: 'submit', data: {} })).status).toBe(
      503,
    );
    expect((await client.get('data_units/5025/?expand=files')).status).toBe(503);
    expect((await client.get('data_units/5024/?expand=files')).status).toBe(200);
    expect((await client.raw('media/annotations/1025.json')).status).toBe(503);
    expect((await client.raw('media/images/1024.jpg')).status).toBe(200);
    expect((await client.post(runPath, inferenceBody(`${sandbox.url}media/images/1025.jpg`))).status).toBe(
      503,
    );
    expect((await client.post(runPath, inferenceBody(`${sandbox.url}media/images/1024.jpg`))).status).toBe(
      200,
    );
    expect((await client.get('projects/1/')).status).toBe(200);
  });

  it('slow: delays the selected routes only, and records it', async () => {
    const { client, sandbox } = await start({ slow: { ms: 60, routes: ['tasks'] } });
    const started = performance.now();
    await client.get('sdk/tasks/?project=1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    await client.get('projects/1/');
    expect(sandbox.recorded.faults).toEqual([{ kind: 'slow', method: 'GET', path: '/sdk/tasks/?project=1' }]);
  });
});

describe('scenario: data faults', () => {
  it('dataFiles: `missing` answers 404, `broken` answers 200 with a body that is not JSON', async () => {
    const { client } = await start({ dataFiles: { missing: [1002], broken: [1003] } });
    expect((await client.raw('media/annotations/1002.json')).status).toBe(404);
    expect((await client.raw('media/images/1002.jpg')).status).toBe(200);
    const broken = await client.raw('media/annotations/1003.json');
    expect(broken.status).toBe(200);
    expect(broken.headers.get('content-type')).toMatch(/json/);
    const text = await broken.text();
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect((await client.raw('media/annotations/1004.json')).status).toBe(200);
  });

  it('tasks: `noDataUnit`, `noPrimaryFile`, `noTargetFile` alter the task (map, list and fallback shapes)', async () => {
    const { client, sandbox } = await start({
      tasks: { noDataUnit: [1001], noPrimaryFile: [1002, 1010, 1025], noTargetFile: [1003, 1020] },
    });
    expect((await client.get(`tasks/1001/?${taskQuery}`)).body.data_unit).toBeNull();
    expect((await client.get('tasks/1001/?fields=data_unit')).body.data_unit).toBeNull();
    expect(Object.keys((await client.get(`tasks/1002/?${taskQuery}`)).body.data_unit.files)).toEqual([
      'annotation',
    ]);
    expect(Object.keys((await client.get(`tasks/1003/?${taskQuery}`)).body.data_unit.files)).toEqual([
      'image',
    ]);
    const list = (await client.get(`tasks/1010/?${taskQuery}`)).body.data_unit.files;
    expect(list.map((file: { specification: string }) => file.specification)).toEqual(['annotation']);
    const targetless = (await client.get(`tasks/1020/?${taskQuery}`)).body.data_unit.files;
    expect(targetless.map((file: { specification: string }) => file.specification)).toEqual(['image']);
    expect(Object.keys((await client.get('data_units/5025/?expand=files')).body.files)).toEqual([
      'annotation',
    ]);
    expect(Object.keys((await client.get(`tasks/1004/?${taskQuery}`)).body.data_unit.files)).toEqual([
      'image',
      'annotation',
    ]);
    expect(sandbox.recorded.faults.every((fault) => fault.kind === 'task')).toBe(true);
    sandbox.recorded.reset();
    await client.get('sdk/tasks/?project=1&fields=id');
    await client.get('tasks/1001/?fields=id,data');
    expect(sandbox.recorded.faults).toEqual([]);
  });

  it('writeFailures: the tasks’ writes answer the status every time and are not recorded', async () => {
    const { client, sandbox } = await start({ writeFailures: { taskIds: [1005], status: 502 } });
    for (let i = 0; i < 3; i++) {
      expect(
        (await client.put('tasks/1005/annotate_task_data/', { action: 'submit', data: { a: 1 } })).status,
      ).toBe(502);
    }
    expect(
      (await client.put('tasks/1006/annotate_task_data/', { action: 'submit', data: { a: 1 } })).status,
    ).toBe(200);
    expect([...sandbox.recorded.writes.keys()]).toEqual([1006]);
    expect((await client.get('tasks/1005/?fields=data')).body).toEqual({ data: {} });
    expect(sandbox.recorded.faults.filter((fault) => fault.kind === 'writeFailure')).toHaveLength(3);
  });

  it('writeFailures: the status defaults to 500', async () => {
    const { client } = await start({ writeFailures: { taskIds: [1005] } });
    expect((await client.put('tasks/1005/annotate_task_data/', { action: 'submit', data: {} })).status).toBe(
      500,
    );
  });

  it('inference: `nullFor` answers JSON null, `status` + `statusFor` fail those tasks only', async () => {
    const { client, sandbox } = await start({
      alreadyRunning: true,
      inference: { nullFor: [1001], status: 500, statusFor: [1002] },
    });
    const image = (id: number) => `${sandbox.url}media/images/${id}.jpg?X-Amz-Signature=x`;
    const nullAnswer = await client.post(runPath, inferenceBody(image(1001)));
    expect(nullAnswer).toMatchObject({ status: 200, body: null });
    expect((await client.post(runPath, inferenceBody(image(1002)))).status).toBe(500);
    expect((await client.post(runPath, inferenceBody(image(1003)))).status).toBe(200);
    expect(sandbox.recorded.faults.map((fault) => [fault.kind, fault.taskId])).toEqual([
      ['inferenceNull', 1001],
      ['inferenceStatus', 1002],
    ]);
  });

  it('inference: `status` alone fails every inference', async () => {
    const { client, sandbox } = await start({ alreadyRunning: true, inference: { status: 503 } });
    expect((await client.post(runPath, inferenceBody(`${sandbox.url}media/images/1003.jpg`))).status).toBe(
      503,
    );
    expect((await client.post(runPath, inferenceBody('s3://elsewhere/a.jpg'))).status).toBe(503);
  });
});

describe('scenario validation', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-scenario-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('loads a valid scenario file and applies defaults', async () => {
    const path = await write(
      'ok.json',
      JSON.stringify({
        serveList: { times: 1 },
        writeFailures: { taskIds: [1001] },
        deploy: { outcome: 'UNHEALTHY' },
      }),
    );
    expect(await loadScenario(path)).toEqual({
      serveList: { malformed: 'html', times: 1 },
      writeFailures: { taskIds: [1001], status: 500 },
      deploy: { outcome: 'UNHEALTHY' },
    });
  });

  it.each([
    [{ throttle: { status: 429, rate: 2 } }, 'throttle.rate'],
    [{ throttle: { status: 500 } }, 'throttle.status'],
    [{ throttle: { status: 429, routes: ['nowhere'] } }, 'throttle.routes[0]'],
    [{ deploy: { outcome: 'LATER' } }, 'deploy.outcome'],
    [{ dataFiles: { missing: [1001, 'x'] } }, 'dataFiles.missing[1]'],
    [{ dispatch: { status: 200 } }, 'dispatch.status'],
    [{ slow: { ms: 10, rout: [] } }, 'slow.rout'],
    [{ throtle: {} }, 'throtle'],
  ])('names the bad field of %j', async (scenario, field) => {
    const path = await write('bad.json', JSON.stringify(scenario));
    const error = await loadScenario(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SandboxScenarioError);
    expect((error as SandboxScenarioError).field).toBe(field);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain(`${field}: `);
  });

  it('reports a file that is not JSON, and a missing file', async () => {
    const path = await write('broken.json', '{ "deploy": ');
    await expect(loadScenario(path)).rejects.toThrow(/not JSON/);
    await expect(loadScenario(join(dir, 'absent.json'))).rejects.toThrow(/ENOENT/);
  });

  it('parses scenarios given in code the same way', () => {
    expect(parseScenario(undefined)).toEqual({});
    expect(() => parseScenario({ inference: { nullFor: [0] } })).toThrow(/inference\.nullFor\[0\]/);
  });
});
