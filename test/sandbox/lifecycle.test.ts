import { afterEach, describe, expect, it } from 'vitest';
import { classifyServeApp } from '../../machines/serveStatus.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { api, deploymentBody, deploymentParams, inferenceBody, manualClock } from './helpers.js';

const listPath = 'serve_applications/?plugin_code=demo-detector&job__agent=3';
const runPath = 'plugins/demo-detector/run/';

let sandbox: Sandbox | undefined;
async function start(options: SandboxOptions = {}) {
  sandbox = await startSandbox({ tasks: 30, ...options });
  return { sandbox, client: api(sandbox) };
}
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function statusOf(client: ReturnType<typeof api>): Promise<string | undefined> {
  return (await client.get(listPath)).body.results[0]?.status;
}

describe('sandbox deployment lifecycle', () => {
  it('goes NOT_STARTED → DEPLOYING at half the delay → RUNNING at the delay, from the time since dispatch', async () => {
    const clock = manualClock(1000);
    const { client } = await start({ deployDelayMs: 100, now: clock.now });
    expect((await client.get(listPath)).body).toEqual({ count: 0, next: null, previous: null, results: [] });
    const dispatched = await client.post(runPath, deploymentBody());
    expect(dispatched).toMatchObject({ status: 200, body: { status: 'dispatched', serve_application: 1 } });
    expect((await client.get(listPath)).body.results).toEqual([
      {
        id: 1,
        name: 'demo-detector-agent-3',
        plugin_code: 'demo-detector',
        job: { agent: 3 },
        status: 'NOT_STARTED',
        created: expect.any(String),
      },
    ]);
    clock.advance(49);
    expect(await statusOf(client)).toBe('NOT_STARTED');
    clock.advance(1);
    expect(await statusOf(client)).toBe('DEPLOYING');
    clock.advance(49);
    expect(await statusOf(client)).toBe('DEPLOYING');
    clock.advance(1);
    expect(await statusOf(client)).toBe('RUNNING');
  });

  it('reaches RUNNING over real time with a small delay, in order', async () => {
    const { client } = await start({ deployDelayMs: 100 });
    await client.post(runPath, deploymentBody());
    const seen: string[] = [];
    for (;;) {
      const status = await statusOf(client);
      if (status !== undefined && seen.at(-1) !== status) seen.push(status);
      if (status === 'RUNNING') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const order = ['NOT_STARTED', 'DEPLOYING', 'RUNNING'];
    expect(seen.map((status) => order.indexOf(status))).toEqual(
      [...seen.map((status) => order.indexOf(status))].sort(),
    );
    expect(seen.at(-1)).toBe('RUNNING');
  });

  it('filters the serve list by plugin code and agent', async () => {
    const clock = manualClock();
    const { client } = await start({ deployDelayMs: 10, now: clock.now });
    await client.post(runPath, deploymentBody(deploymentParams, 3));
    await client.post(runPath, deploymentBody(deploymentParams, 4));
    expect(
      (await client.get('serve_applications/?plugin_code=demo-detector&job__agent=4')).body.results,
    ).toEqual([expect.objectContaining({ id: 2, job: { agent: 4 } })]);
    expect((await client.get('serve_applications/?plugin_code=other&job__agent=3')).body.count).toBe(0);
    expect((await client.get('serve_applications/')).body.count).toBe(2);
  });

  it('replaces the application of (code, agent) on a new dispatch, starting over', async () => {
    const clock = manualClock();
    const { client } = await start({ deployDelayMs: 10, now: clock.now });
    await client.post(runPath, deploymentBody());
    clock.advance(10);
    expect(await statusOf(client)).toBe('RUNNING');
    await client.post(runPath, deploymentBody());
    const list = (await client.get(listPath)).body;
    expect(list.count).toBe(1);
    expect(list.results[0]).toMatchObject({ id: 2, status: 'NOT_STARTED' });
  });

  it('validates deployment params strictly: null values and unknown keys are 400, optional keys may be omitted', async () => {
    const { client, sandbox } = await start();
    const cases: [unknown, RegExp][] = [
      [{ num_cpus: 1, num_gpus: 0.1, memory: null }, /^params\.memory: /],
      [{ num_cpus: 1, num_gpus: 0.1, num_replicas: null }, /^params\.num_replicas: /],
      [{ num_cpus: null, num_gpus: 0.1 }, /^params\.num_cpus: /],
      [{ num_gpus: 0.1 }, /^params\.num_cpus: /],
      [{ num_cpus: 1 }, /^params\.num_gpus: /],
      [{ num_cpus: '1', num_gpus: 0 }, /^params\.num_cpus: /],
      [{ num_cpus: 1, num_gpus: 0, memory_bytes: 10 }, /^params\.memory_bytes: /],
      [null, /^params: /],
    ];
    for (const [params, message] of cases) {
      const answer = await client.post(runPath, deploymentBody(params));
      expect(answer.status, JSON.stringify(params)).toBe(400);
      expect(answer.body.detail).toMatch(message);
    }
    expect((await client.get(listPath)).body.count).toBe(0);
    expect((await client.post(runPath, deploymentBody({ num_cpus: 1, num_gpus: 0 }))).status).toBe(200);
    expect(sandbox.recorded.dispatches.map((dispatch) => dispatch.status)).toEqual([
      400, 400, 400, 400, 400, 400, 400, 200,
    ]);
    expect(sandbox.recorded.dispatches.at(-1)).toEqual({
      code: 'demo-detector',
      agent: 3,
      params: { num_cpus: 1, num_gpus: 0 },
      status: 200,
    });
  });

  it('answers 404 for an unknown plugin and 400 for an unknown action or a bad agent', async () => {
    const { client } = await start();
    expect((await client.post('plugins/nope/run/', deploymentBody())).status).toBe(404);
    expect((await client.post(runPath, { agent: 3, action: 'train', params: {} })).status).toBe(400);
    expect(
      (await client.post(runPath, { agent: '3', action: 'deployment', params: deploymentParams })).status,
    ).toBe(400);
  });
});

describe('sandbox demo inference', () => {
  it('requires a RUNNING serve application (409 before)', async () => {
    const clock = manualClock();
    const { client, sandbox } = await start({ deployDelayMs: 100, now: clock.now });
    const image = `${sandbox.url}media/images/1001.jpg`;
    const before = await client.post(runPath, inferenceBody(image));
    expect(before.status).toBe(409);
    await client.post(runPath, deploymentBody());
    clock.advance(60);
    expect((await client.post(runPath, inferenceBody(image))).status).toBe(409);
    clock.advance(40);
    const answer = await client.post(runPath, inferenceBody(image));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ model: 42, image_path: image });
    expect(sandbox.recorded.inferenceCalls.map((call) => call.status)).toEqual([409, 409, 200]);
    expect(sandbox.recorded.inferenceCalls[2]).toMatchObject({ model: 42, imagePath: image, taskId: 1001 });
  });

  it('predicts 1–3 labelled boxes, deterministic per image path whatever the host', async () => {
    const { client, sandbox } = await start({ scenario: { alreadyRunning: true } });
    const other = await startSandbox({ tasks: 1, scenario: { alreadyRunning: true } });
    try {
      for (let id = 1001; id <= 1010; id++) {
        const image = `${sandbox.url}media/images/${id}.jpg?X-Amz-Signature=abc`;
        const { body } = await client.post(runPath, inferenceBody(image, 7));
        expect(body.model).toBe(7);
        expect(body.predictions.length).toBeGreaterThanOrEqual(1);
        expect(body.predictions.length).toBeLessThanOrEqual(3);
        for (const prediction of body.predictions) {
          expect(['car', 'person', 'bicycle', 'dog']).toContain(prediction.label);
          expect(prediction.score).toBeGreaterThan(0);
          expect(prediction.score).toBeLessThan(1);
          expect(prediction.bbox).toHaveLength(4);
        }
        const elsewhere = await api(other).post(
          runPath,
          inferenceBody(`${other.url}media/images/${id}.jpg`, 7),
        );
        expect(elsewhere.body.predictions).toEqual(body.predictions);
      }
    } finally {
      await other.close();
    }
  });

  it('validates the inference params', async () => {
    const { client } = await start({ scenario: { alreadyRunning: true } });
    const bad = [
      { agent: 3, action: 'inference', params: { json: { image_path: 'x' } } },
      { agent: 3, action: 'inference', params: { model: 1.5, json: { image_path: 'x' } } },
      { agent: 3, action: 'inference', params: { model: 1, json: {} } },
      { agent: 3, action: 'inference', params: { model: 1 } },
    ];
    for (const body of bad) expect((await client.post(runPath, body)).status, JSON.stringify(body)).toBe(400);
  });

  it('is classified by the machine logic as the lifecycle goes', async () => {
    const clock = manualClock();
    const { client } = await start({ deployDelayMs: 20, now: clock.now });
    expect(classifyServeApp((await client.get(listPath)).body)).toEqual({ bucket: 'pending', status: null });
    await client.post(runPath, deploymentBody());
    expect(classifyServeApp((await client.get(listPath)).body).bucket).toBe('pending');
    clock.advance(20);
    expect(classifyServeApp((await client.get(listPath)).body)).toEqual({ bucket: 'running', status: null });
  });
});
