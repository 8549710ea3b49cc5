import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { api } from './helpers.js';

const taskQuery = 'fields=id,data,data_unit&expand=data_unit';

describe('sandbox platform routes', () => {
  let sandbox: Sandbox;
  let client: ReturnType<typeof api>;
  beforeAll(async () => {
    sandbox = await startSandbox({ tasks: 60, pageSize: 25 });
    client = api(sandbox);
  });
  afterAll(() => sandbox.close());

  it('serves the seeded projects', async () => {
    expect((await client.get('projects/1/')).body).toEqual({
      id: 1,
      name: 'Demo project',
      data_collection: 10,
    });
    expect((await client.get('projects/2/')).body).toMatchObject({ data_collection: null });
    expect((await client.get('projects/99/')).status).toBe(404);
  });

  it('serves the data collection, with file specifications expanded on request', async () => {
    const expanded = await client.get('data_collections/10/?expand=file_specifications');
    expect(expanded.body).toMatchObject({
      id: 10,
      file_specifications: [
        { name: 'image', is_primary: true, file_type: 'image' },
        { name: 'annotation', is_primary: false, file_type: 'data' },
      ],
    });
    expect((await client.get('data_collections/10/')).body.file_specifications).toEqual([101, 102]);
    expect((await client.get('data_collections/11/')).status).toBe(404);
  });

  it('serves the pre-processor release with its required resources', async () => {
    const release = await client.get('plugin_releases/7/');
    expect(release.body).toMatchObject({
      id: 7,
      version: '1.0.0',
      config: {
        code: 'demo-detector',
        actions: {
          inference: {
            required_resources: {
              required_cpu_count: 2,
              required_gpu_count: 0,
              num_replicas: 1,
              memory: 2147483648,
            },
          },
        },
      },
    });
    expect((await client.get('plugin_releases/8/')).status).toBe(404);
  });

  it('paginates the task list with absolute next/previous links that keep the query', async () => {
    const ids: number[] = [];
    let path: string | null = 'sdk/tasks/?project=1&fields=id&page_size=7';
    let pages = 0;
    while (path !== null) {
      const page: {
        status: number;
        body: { count: number; next: string | null; results: { id: number }[] };
      } = await client.get(path);
      expect(page.status).toBe(200);
      expect(page.body.count).toBe(60);
      for (const item of page.body.results) expect(Object.keys(item)).toEqual(['id']);
      ids.push(...page.body.results.map((item) => item.id));
      const next = page.body.next;
      if (next !== null) {
        expect(next.startsWith(sandbox.url)).toBe(true);
        const url = new URL(next);
        expect(Object.fromEntries(url.searchParams)).toEqual({
          project: '1',
          fields: 'id',
          page_size: '7',
          page: String(pages + 2),
        });
      }
      path = next === null ? null : next.slice(sandbox.url.length);
      pages++;
    }
    expect(pages).toBe(9);
    expect(ids).toEqual(sandbox.seed.taskIds);
  });

  it('links back with previous, and answers 404 past the last page', async () => {
    const second = await client.get('sdk/tasks/?project=1&page_size=10&page=2');
    expect(second.body.previous).toBe(`${sandbox.url}sdk/tasks/?project=1&page_size=10`);
    const last = await client.get('sdk/tasks/?project=1&page_size=10&page=6');
    expect(last.body.next).toBeNull();
    expect((await client.get('sdk/tasks/?project=1&page_size=10&page=7')).status).toBe(404);
    expect((await client.get('sdk/tasks/?project=1&page=0')).status).toBe(404);
  });

  it('caps page_size at the sandbox page size and defaults to it', async () => {
    expect((await client.get('sdk/tasks/?project=1&page_size=1000')).body.results).toHaveLength(25);
    expect((await client.get('sdk/tasks/?project=1')).body.results).toHaveLength(25);
  });

  it('filters by project, status and id__in, and ignores unknown filters', async () => {
    expect(
      (await client.get('sdk/tasks/?project=4')).body.results.map((task: { id: number }) => task.id),
    ).toEqual([9001, 9002, 9003]);
    expect((await client.get('sdk/tasks/?project=3')).body).toEqual({
      count: 0,
      next: null,
      previous: null,
      results: [],
    });
    const done = await client.get('sdk/tasks/?project=1&status=done&fields=id,status');
    expect(done.body.results).toEqual([
      { id: 1015, status: 'done' },
      { id: 1030, status: 'done' },
      { id: 1045, status: 'done' },
      { id: 1060, status: 'done' },
    ]);
    expect((await client.get('sdk/tasks/?project=1&status=pending')).body.count).toBe(56);
    const some = await client.get('sdk/tasks/?project=1&id__in=1003,1042,9001,77&fields=id&whatever=1');
    expect(some.body.results).toEqual([{ id: 1003 }, { id: 1042 }]);
    expect((await client.get('sdk/tasks/?project=one')).status).toBe(400);
  });

  it('honours every value of a repeated filter key, as the client sends arrays', async () => {
    const both = await client.get('sdk/tasks/?project=1&status=done&status=pending&fields=id');
    expect(both.body.count).toBe(60);
    const repeated = await client.get('sdk/tasks/?project=1&id__in=1003&id__in=1042&fields=id');
    expect(repeated.body.results).toEqual([{ id: 1003 }, { id: 1042 }]);
    const mixed = await client.get('sdk/tasks/?id__in=1003,1042&id__in=9001&fields=id');
    expect(mixed.body.results).toEqual([{ id: 1003 }, { id: 1042 }, { id: 9001 }]);
  });

  it('serves a task with its data unit expanded, files keyed by specification', async () => {
    const task = await client.get(`tasks/1001/?${taskQuery}`);
    expect(Object.keys(task.body)).toEqual(['id', 'data', 'data_unit']);
    expect(task.body).toMatchObject({
      id: 1001,
      data: {},
      data_unit: {
        id: 5001,
        files: {
          image: { is_primary: true, file_name_original: 'img_0001.jpg', file_type: 'image' },
          annotation: { is_primary: false, file_name_original: 'img_0001.json' },
        },
      },
    });
    expect(task.body.data_unit.files.image.url).toMatch(
      new RegExp(`^${sandbox.url}media/images/1001\\.jpg\\?X-Amz-Expires=3600&X-Amz-Signature=[0-9a-f]{8}$`),
    );
    expect((await client.get('tasks/1001/?fields=id,data_unit')).body).toEqual({ id: 1001, data_unit: 5001 });
    expect((await client.get('tasks/1061/')).status).toBe(404);
  });

  it('lists every 10th task files as a list whose items carry their specification', async () => {
    const task = await client.get(`tasks/1010/?${taskQuery}`);
    const files = task.body.data_unit.files;
    expect(Array.isArray(files)).toBe(true);
    expect(files).toMatchObject([
      { specification: 'image', is_primary: true, file_name_original: 'img_0010.jpg' },
      { specification: 'annotation', is_primary: false, file_name_original: 'img_0010.json' },
    ]);
  });

  it('leaves every 25th task files empty on the task, served by the data unit fallback', async () => {
    const task = await client.get(`tasks/1025/?${taskQuery}`);
    expect(task.body.data_unit).toEqual({ id: 5025, files: {} });
    const unit = await client.get('data_units/5025/?expand=files');
    expect(unit.body).toMatchObject({
      id: 5025,
      files: { image: { is_primary: true }, annotation: { file_name_original: 'img_0025.json' } },
    });
    // Task 50 is both: empty list on the task, list on the data unit.
    expect((await client.get(`tasks/1050/?${taskQuery}`)).body.data_unit.files).toEqual([]);
    expect((await client.get('data_units/5050/?expand=files')).body.files).toHaveLength(2);
    expect((await client.get('data_units/5025/')).body).not.toHaveProperty('files');
    expect((await client.get('data_units/4999/?expand=files')).status).toBe(404);
  });

  it('serves the data files: a small JPEG and a deterministic annotation document', async () => {
    const task = await client.get(`tasks/1002/?${taskQuery}`);
    const image = await fetch(task.body.data_unit.files.image.url);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await image.arrayBuffer());
    expect([bytes[0], bytes[1], bytes.at(-2), bytes.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    const document = (await (await fetch(task.body.data_unit.files.annotation.url)).json()) as {
      image: string;
      objects: { label: string; bbox: number[] }[];
    };
    expect(document.image).toBe('img_0002.jpg');
    expect(document.objects.length).toBeGreaterThanOrEqual(1);
    expect(document.objects.length).toBeLessThanOrEqual(3);
    for (const object of document.objects) {
      expect(['car', 'person', 'bicycle', 'dog']).toContain(object.label);
      expect(object.bbox).toHaveLength(4);
    }
    expect(await (await fetch(`${sandbox.url}media/annotations/1002.json`)).json()).toEqual(document);
    expect((await fetch(`${sandbox.url}media/images/77.jpg`)).status).toBe(404);
  });

  it('writes task data, counts writes per task and answers {id, data}', async () => {
    sandbox.recorded.reset();
    const first = await client.put('tasks/1003/annotate_task_data/', { action: 'submit', data: { v: 1 } });
    expect(first).toMatchObject({ status: 200, body: { id: 1003, data: { v: 1 } } });
    await client.put('tasks/1003/annotate_task_data/', { action: 'submit', data: { v: 2 } });
    await client.put('tasks/1004/annotate_task_data/', { action: 'submit', data: { w: true } });
    expect(sandbox.recorded.writes.get(1003)).toEqual({ count: 2, lastPayload: { v: 2 } });
    expect(sandbox.recorded.writes.get(1004)).toEqual({ count: 1, lastPayload: { w: true } });
    expect((await client.get('tasks/1003/?fields=id,data')).body).toEqual({ id: 1003, data: { v: 2 } });
  });

  it('rejects a write that is not {action: submit, data: object}', async () => {
    sandbox.recorded.reset();
    for (const body of [
      { action: 'save', data: {} },
      { action: 'submit', data: [] },
      { action: 'submit', data: null },
      { action: 'submit' },
    ]) {
      expect((await client.put('tasks/1005/annotate_task_data/', body)).status).toBe(400);
    }
    expect((await client.put('tasks/7/annotate_task_data/', { action: 'submit', data: {} })).status).toBe(
      404,
    );
    expect(sandbox.recorded.writes.size).toBe(0);
  });

  it('records job updates, merging them one level deep', async () => {
    sandbox.recorded.reset();
    await client.patch('jobs/77/', { progress_record: { annotate_task_data: { progress: 10 } } });
    const merged = await client.patch('jobs/77/', {
      metrics_record: { annotate_task_data: { success: 1, failed: 0, stand_by: 59 } },
      progress_record: { other: 1 },
    });
    expect(merged.body).toEqual({
      id: 77,
      progress_record: { annotate_task_data: { progress: 10 }, other: 1 },
      metrics_record: { annotate_task_data: { success: 1, failed: 0, stand_by: 59 } },
    });
    expect((await client.get('jobs/77/')).body).toEqual(merged.body);
    expect(sandbox.recorded.jobUpdates).toHaveLength(2);
    expect(sandbox.recorded.jobUpdates[0]).toEqual({
      jobId: '77',
      body: { progress_record: { annotate_task_data: { progress: 10 } } },
    });
    expect((await client.patch('jobs/77/', [1])).status).toBe(400);
  });

  it('records logs, one entry or an array, answering 201', async () => {
    sandbox.recorded.reset();
    const one = { job: 77, level: 'info', message: 'started' };
    const two = [
      { job: 77, level: 'warning', message: 'a' },
      { job: 77, level: 'error', message: 'b' },
    ];
    expect((await client.post('logs/', one)).status).toBe(201);
    expect((await client.post('logs/', two)).status).toBe(201);
    expect(sandbox.recorded.logs).toEqual([one, ...two]);
    expect((await client.post('logs/', 'text')).status).toBe(400);
  });

  it('reports what it recorded at _sandbox/state/', async () => {
    sandbox.recorded.reset();
    await client.put('tasks/1006/annotate_task_data/', { action: 'submit', data: { x: 1 } });
    await client.get('projects/1/');
    await client.get('projects/1/');
    const state = await client.get('_sandbox/state/');
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({
      writes: { '1006': { count: 1, lastPayload: { x: 1 } } },
      dispatches: [],
      inferenceCalls: [],
      jobUpdates: [],
      logs: [],
      faults: [],
      requestCounts: { annotateTaskData: 1, project: 2 },
      serveApplications: [],
      scenario: {},
    });
    expect(state.body.requests).toHaveLength(3);
  });
});
