import { describe, expect, it } from 'vitest';
import { PreProcessorError, ToTaskError } from '../../machines/errors.js';
import { ParamsError } from '../../machines/params.js';
import { createToTaskAction, ToTaskAction } from '../../src/action.js';
import type { ToTaskJobEvent } from '../../src/events.js';
import { clientError, FakeClient, makeTask } from '../support/fakeClient.js';
import { EchoToTask, fileParams, inferenceParams } from '../support/plugins.js';

function withLabels(client: FakeClient): FakeClient {
  for (const id of client.tasks.keys())
    client.files.set(`https://files.test/labels/${id}.json`, { label: `L${id}` });
  return client;
}

function record(action: ToTaskAction): ToTaskJobEvent[] {
  const events: ToTaskJobEvent[] = [];
  const names = [
    'job.started',
    'job.phase',
    'preProcessor.detecting',
    'preProcessor.dispatching',
    'preProcessor.waiting',
    'preProcessor.ready',
    'preProcessor.failed',
    'tasks.discovered',
    'task.succeeded',
    'task.failed',
    'progress',
    'job.finished',
    'report.failed',
  ] as const;
  for (const name of names) action.on(name, (event: ToTaskJobEvent) => events.push(event));
  return events;
}

function expectCountsAddUp(result: Awaited<ReturnType<ToTaskAction['run']>>): void {
  expect(result.success_count + result.failed_count + result.skipped_count).toBe(result.total_tasks);
  expect(result.failures).toHaveLength(result.failed_count);
  expect(new Set(result.failures.map((failure) => failure.task_id)).size).toBe(result.failed_count);
}

describe('the three cases of the Python SDK', () => {
  it('file method over two tasks annotates both with the hook output', async () => {
    const client = withLabels(new FakeClient([1, 2]));
    const result = await new EchoToTask({ params: fileParams, client }).execute();

    expect(result).toMatchObject({ status: 'SUCCEEDED', total_tasks: 2, success_count: 2, failed_count: 0 });
    expect(client.writes.get(1)).toEqual({
      count: 1,
      last: {
        annotations: { label: 'L1' },
        primaryFileUrl: 'https://files.test/images/1.jpg',
        primaryFileName: 'img_1.jpg',
        dataFileName: 'img_1.json',
        taskId: 1,
      },
    });
    expect(client.writes.get(2)?.last).toMatchObject({ annotations: { label: 'L2' } });
    expect(client.callsOf('getDataCollection')[0]?.args).toEqual([10]);
  });

  it('a missing target specification fails the job before any write', async () => {
    const client = withLabels(new FakeClient([1, 2]));
    const action = new EchoToTask({ params: { ...fileParams, target_specification_name: 'labels' }, client });

    await expect(action.execute()).rejects.toThrow(
      new ToTaskError(
        'target_specification_not_found',
        "Target specification 'labels' not found in file specifications",
      ),
    );
    expect(client.callsOf('listTaskPages')).toHaveLength(0);
    expect(client.callsOf('annotateTaskData')).toHaveLength(0);
  });

  it('inference with the app already RUNNING makes no deployment call and writes the hook output', async () => {
    const client = new FakeClient([1, 2]);
    client.serveAnswers = [{ results: [{ status: 'RUNNING' }] }];
    const result = await new EchoToTask({ params: inferenceParams, client }).execute();

    expect(result).toMatchObject({ status: 'SUCCEEDED', success_count: 2 });
    const runs = client.callsOf('runPlugin');
    expect(runs.every((call) => (call.args[1] as { action: string }).action === 'inference')).toBe(true);
    expect(runs.map((call) => call.args)).toContainEqual([
      'detector',
      {
        agent: 3,
        action: 'inference',
        params: {
          model: 42,
          method: 'post',
          json: { confidence: 0.4, image_path: 'https://files.test/images/1.jpg' },
        },
      },
    ]);
    expect(client.writes.get(1)?.last).toEqual({
      inference: { predictions: [{ label: 'car' }], body: runs[0]?.args[1] },
      taskId: 1,
    });
  });
});

describe('inference with a deployment', () => {
  it('dispatches with the release resources when nothing runs, waits for RUNNING, then annotates', async () => {
    const client = new FakeClient([1, 2, 3]);
    client.serveAnswers = [{ results: [] }, { results: [{ status: 'DEPLOYING' }] }, [{ status: 'RUNNING' }]];
    const action = new EchoToTask({ params: inferenceParams, client, pollIntervalSeconds: 0.01 });
    const events = record(action);
    const result = await action.execute();

    expect(result).toMatchObject({ status: 'SUCCEEDED', success_count: 3 });
    const deployments = client
      .callsOf('runPlugin')
      .filter((call) => (call.args[1] as { action: string }).action === 'deployment');
    expect(deployments.map((call) => call.args)).toEqual([
      ['detector', { agent: 3, action: 'deployment', params: { num_cpus: 2, num_gpus: 0.1 } }],
    ]);
    expect(client.callsOf('listServeApplications')[0]?.args).toEqual([
      { plugin_code: 'detector', job__agent: 3 },
    ]);
    const phases = events
      .filter((event) => event.type.startsWith('preProcessor.'))
      .map((event) => event.type);
    expect(phases).toEqual([
      'preProcessor.detecting',
      'preProcessor.dispatching',
      'preProcessor.waiting',
      'preProcessor.ready',
    ]);
    // The pre-processor is ready before the first task is written.
    const ready = events.findIndex((event) => event.type === 'preProcessor.ready');
    expect(events.findIndex((event) => event.type === 'task.succeeded')).toBeGreaterThan(ready);
  });

  it('rejects with the exact dispatch error and keeps the client error as cause', async () => {
    const client = new FakeClient([1]);
    client.serveAnswers = [{ results: [] }];
    const cause = clientError(503, 'POST plugins/detector/run/ answered 503');
    client.dispatchAnswer = cause;
    const error = await new EchoToTask({ params: inferenceParams, client })
      .execute()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PreProcessorError);
    expect((error as Error).message).toBe('Pre-processor deployment dispatch failed (ClientError)');
    expect((error as Error).cause).toBe(cause);
    expect(client.callsOf('getTask')).toHaveLength(0);
  });

  it('run() turns a terminal serve status into a FAILED result with the exact message', async () => {
    const client = new FakeClient([1]);
    client.serveAnswers = [[], [{ status: 'DEPLOYING' }], [{ status: 'UNHEALTHY' }]];
    const result = await new EchoToTask({ params: inferenceParams, client, pollIntervalSeconds: 0.01 }).run();

    expect(result).toEqual({
      status: 'FAILED',
      message: 'Pre-processor deployment failed: serve application reached terminal state (UNHEALTHY)',
      total_tasks: 0,
      success_count: 0,
      failed_count: 0,
      skipped_count: 0,
      failures: [],
    });
  });
});

describe('per-task failures', () => {
  it('fail only their task, each with a reason, and the counts add up', async () => {
    const client = withLabels(new FakeClient([1, 2, 3, 4, 5, 6, 7, 8]));
    client.tasks.set(2, { id: 2, data: {}, data_unit: null });
    client.tasks.set(
      3,
      makeTask(3, { data_unit: { id: 53, files: { annotation: { url: 'https://f/3.json' } } } }),
    );
    client.tasks.set(
      4,
      makeTask(4, { data_unit: { id: 54, files: { image: { url: 'https://f/4.jpg', is_primary: true } } } }),
    );
    client.files.set('https://files.test/labels/5.json', 'throw');
    client.files.set('https://files.test/labels/6.json', 'array');
    client.writeAnswer = (id) => (id === 7 ? clientError(500) : {});
    class Picky extends EchoToTask {
      override async convertDataFromFile(
        ...args: Parameters<EchoToTask['convertDataFromFile']>
      ): Promise<unknown> {
        const file = await this.fetchDataFile(args[2]);
        if (file === 'throw') throw new RangeError('bad label format\n    at parse (plugin.ts:1:1)');
        if (file === 'array') return [file];
        return super.convertDataFromFile(...args);
      }
    }
    const result = await new Picky({ params: fileParams, client, concurrency: 3 }).execute();

    expect(result.status).toBe('SUCCEEDED');
    expect(result).toMatchObject({ total_tasks: 8, success_count: 2, failed_count: 6, skipped_count: 0 });
    expectCountsAddUp(result);
    expect(Object.fromEntries(result.failures.map((failure) => [failure.task_id, failure.error]))).toEqual({
      2: 'Task does not have a data unit',
      3: 'Primary file URL not found for task',
      4: 'Target specification file not found for task',
      5: 'convertDataFromFile raised RangeError: bad label format',
      6: 'convertDataFromFile returned an array, expected an object',
      7: 'Could not submit task data (ClientError 500)',
    });
    expect([...client.writes.keys()].sort()).toEqual([1, 8]);
  });

  it('a task whose inference answers null fails with "Inference returned no data"', async () => {
    const client = new FakeClient([1, 2]);
    client.inference = (body) =>
      (body.params.json as { image_path: string }).image_path.endsWith('/2.jpg') ? null : {};
    const result = await new EchoToTask({ params: inferenceParams, client }).execute();

    expect(result.failures).toEqual([{ task_id: 2, error: 'Inference returned no data' }]);
    expect(result.success_count).toBe(1);
  });

  it('every task failing makes the result FAILED, still with one entry per task', async () => {
    const client = new FakeClient([1, 2, 3]);
    const result = await new EchoToTask({ params: fileParams, client }).run();

    expect(result.status).toBe('FAILED');
    expect(result.message).toBe('All 3 tasks failed');
    expect(result.failures.map((failure) => failure.error)).toEqual([
      'convertDataFromFile raised ClientError: answered 404',
      'convertDataFromFile raised ClientError: answered 404',
      'convertDataFromFile raised ClientError: answered 404',
    ]);
    expectCountsAddUp(result);
  });

  it('a hook that is not overridden fails each task with a message naming the hook', async () => {
    class NoHooks extends ToTaskAction {}
    const result = await new NoHooks({ params: fileParams, client: new FakeClient([1]) }).run();

    expect(result.failures).toEqual([
      {
        task_id: 1,
        error: 'convertDataFromFile raised Error: NoHooks does not implement convertDataFromFile',
      },
    ]);
  });
});

describe('task discovery and files', () => {
  it('fails the job with "No tasks found to annotate" when the filters match nothing', async () => {
    const client = new FakeClient([]);
    await expect(new EchoToTask({ params: fileParams, client }).execute()).rejects.toThrow(
      'No tasks found to annotate',
    );
    const result = await new EchoToTask({ params: fileParams, client }).run();
    expect(result).toMatchObject({ status: 'FAILED', message: 'No tasks found to annotate', total_tasks: 0 });
  });

  it('reads list-shaped files whose items name their specification', async () => {
    const client = withLabels(new FakeClient([1]));
    client.tasks.set(
      1,
      makeTask(1, {
        data_unit: {
          id: 51,
          files: [
            { specification: 'image', url: 'https://f/1.jpg', is_primary: true, filename: 'one.jpg' },
            { specification_name: 'annotation', url: 'https://files.test/labels/1.json', name: 'one.json' },
          ],
        },
      }),
    );
    const result = await new EchoToTask({ params: fileParams, client }).execute();

    expect(result.success_count).toBe(1);
    expect(client.writes.get(1)?.last).toMatchObject({
      primaryFileName: 'one.jpg',
      dataFileName: 'one.json',
    });
  });

  it('falls back to data_units/{id}/?expand=files when the task answer has no files', async () => {
    const client = withLabels(new FakeClient([1]));
    client.tasks.set(1, makeTask(1, { data_unit: { id: 77, files: {} } }));
    client.dataUnits.set(77, {
      id: 77,
      files: {
        image: { url: 'https://f/77.jpg', is_primary: true },
        annotation: { url: 'https://files.test/labels/1.json', file_name_original: 'labels.json' },
      },
    });
    const result = await new EchoToTask({ params: fileParams, client }).execute();

    expect(result.success_count).toBe(1);
    expect(client.callsOf('getDataUnit').map((call) => call.args[0])).toEqual([77]);
    expect(client.writes.get(1)?.last).toMatchObject({
      primaryFileName: '77.jpg',
      dataFileName: 'labels.json',
    });
  });

  it('passes task_filters to discovery with the project of the params', async () => {
    const client = withLabels(new FakeClient([1]));
    const params = { ...fileParams, task_filters: { status: 'pending', project: 99 } };
    await new EchoToTask({ params, client, pageSize: 50 }).execute();

    expect(client.callsOf('listTaskPages')[0]?.args[0]).toEqual({
      project: 1,
      filters: { status: 'pending', project: 99 },
      pageSize: 50,
    });
  });

  it('keeps at most `concurrency` task actors alive and stops each when it ends', async () => {
    const client = withLabels(new FakeClient(Array.from({ length: 30 }, (_, i) => i + 1)));
    client.pageSize = 7;
    const action = new EchoToTask({ params: fileParams, client, concurrency: 4 });
    let maxInFlight = 0;
    let inFlight = 0;
    const seen = new Set<number>();
    const originalGetTask = client.getTask.bind(client);
    client.getTask = async (id, options) => {
      seen.add(id);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await originalGetTask(id, options);
      } finally {
        inFlight -= 1;
      }
    };
    const result = await action.execute();

    expect(result.success_count).toBe(30);
    expect(seen.size).toBe(30);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBeGreaterThan(1);
  });
});

describe('cancellation', () => {
  it('stops taking new tasks, lets in-flight tasks finish, and ends STOPPED with honest counts', async () => {
    const client = withLabels(new FakeClient(Array.from({ length: 20 }, (_, i) => i + 1)));
    client.pageSize = 10;
    client.taskLatencyMs = 20;
    const controller = new AbortController();
    const action = new EchoToTask({ params: fileParams, client, concurrency: 2, signal: controller.signal });
    action.on('progress', (progress) => {
      if (progress.done === 3) controller.abort();
    });
    const result = await action.execute();

    expect(result.status).toBe('STOPPED');
    expectCountsAddUp(result);
    // Tasks already in flight when the job was cancelled still finished.
    expect(result.success_count).toBeGreaterThanOrEqual(3);
    expect(result.success_count).toBeLessThan(20);
    expect(result.skipped_count).toBeGreaterThan(0);
    expect(client.writes.size).toBe(result.success_count);
  });

  it('with abort, stops the tasks in flight through their signal and counts them as failed', async () => {
    const client = withLabels(new FakeClient(Array.from({ length: 10 }, (_, i) => i + 1)));
    client.taskLatencyMs = 10_000;
    const action = new EchoToTask({ params: fileParams, client, concurrency: 3 });
    action.on('tasks.discovered', () => setTimeout(() => action.cancel({ abort: true }), 20));
    const result = await action.execute();

    expect(result).toMatchObject({ status: 'STOPPED', success_count: 0, failed_count: 3 });
    expect(result.failures.map((failure) => failure.error)).toEqual(
      Array(3).fill('Cancelled before completion'),
    );
    expectCountsAddUp(result);
    expect(client.writes.size).toBe(0);
  });

  it('a signal aborted before the start ends STOPPED without annotating', async () => {
    const client = withLabels(new FakeClient([1, 2]));
    const result = await new EchoToTask({ params: fileParams, client, signal: AbortSignal.abort() }).run();

    expect(result.status).toBe('STOPPED');
    expect(client.writes.size).toBe(0);
  });
});

describe('parameters', () => {
  it.each([
    [{ ...fileParams, name: '  ' }, 'Invalid params: name: must not be blank'],
    [
      { ...fileParams, project: 'one' },
      'Invalid params: project: expected an integer id, received string "one"',
    ],
    [
      { ...fileParams, method: 'magic' },
      "Invalid params: method: expected one of 'file', 'inference', received string \"magic\"",
    ],
    [
      { ...fileParams, target_specification_name: undefined },
      "Invalid params: target_specification_name: required when method is 'file'",
    ],
    [{ ...inferenceParams, model: undefined }, "Invalid params: model: required when method is 'inference'"],
    [{ ...fileParams, task_filter: {} }, 'Invalid params: task_filter: unknown field'],
    [{ ...fileParams, agent: undefined }, 'Invalid params: agent: required'],
  ])('names the bad field: %j', async (params, message) => {
    const client = new FakeClient([1]);
    const error = await new EchoToTask({ params, client }).execute().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ParamsError);
    expect((error as Error).message).toBe(message);
    expect(client.calls).toHaveLength(0);
  });
});

describe('plugin shapes', () => {
  it('accepts a plain object or a plain class with the two hooks', async () => {
    const hooks = {
      convertDataFromFile: (_p: string, name: string) => ({ fromObject: name }),
      convertDataFromInference: (data: unknown) => ({ data }),
    };
    class Hooks {
      convertDataFromFile(_p: string, name: string) {
        return { fromClass: name };
      }
      convertDataFromInference(data: unknown) {
        return { data };
      }
    }
    const client = new FakeClient([1]);
    await createToTaskAction(hooks, { params: fileParams, client }).execute();
    expect(client.writes.get(1)?.last).toEqual({ fromObject: 'img_1.jpg' });
    await createToTaskAction(Hooks, { params: fileParams, client }).execute();
    expect(client.writes.get(1)?.last).toEqual({ fromClass: 'img_1.jpg' });
    expect(() => createToTaskAction({ convertDataFromFile() {} }, { params: fileParams, client })).toThrow(
      /must export a ToTaskAction subclass/,
    );
  });
});

describe('job reporting', () => {
  it('reports progress, metrics and logs to the job, ending with the final figures', async () => {
    const client = withLabels(new FakeClient([1, 2, 3]));
    client.tasks.set(2, { id: 2, data_unit: null });
    await new EchoToTask({ params: fileParams, client, jobId: 99 }).execute();

    expect(client.callsOf('updateJob').every((call) => call.args[0] === 99)).toBe(true);
    expect(client.jobUpdates.at(-1)).toEqual({
      progress_record: { annotate_task_data: { current: 3, total: 3, percent: 100 } },
      metrics_record: { annotate_task_data: { success: 2, failed: 1, stand_by: 0 } },
    });
    expect(client.logs).toContainEqual({
      job: 99,
      level: 'warning',
      message: 'Task 2 failed: Task does not have a data unit',
    });
    expect(client.logs.at(-1)).toMatchObject({
      level: 'info',
      message: 'to_task SUCCEEDED: Annotated 2 of 3 tasks (1 failed)',
    });
  });

  it('a reporting failure is an event, never a job failure', async () => {
    const client = withLabels(new FakeClient([1, 2]));
    client.jobUpdateError = clientError(502, 'PATCH jobs/99/ answered 502');
    const action = new EchoToTask({ params: fileParams, client, jobId: 99 });
    const events = record(action);
    const result = await action.execute();

    expect(result.status).toBe('SUCCEEDED');
    expect(events.some((event) => event.type === 'report.failed')).toBe(true);
  });

  it('reports nothing without a job id', async () => {
    const client = withLabels(new FakeClient([1]));
    await new EchoToTask({ params: fileParams, client }).execute();
    expect(client.callsOf('updateJob')).toHaveLength(0);
    expect(client.callsOf('createLogs')).toHaveLength(0);
  });
});

describe('options', () => {
  it.each([
    [{ concurrency: 0 }, 'Expected `concurrency` to be a positive integer, got 0'],
    [{ pageSize: 2.5 }, 'Expected `pageSize` to be a positive integer, got 2.5'],
    [{ pollIntervalSeconds: 0 }, 'Expected `pollIntervalSeconds` to be a positive number of seconds, got 0'],
    [{ timeoutSeconds: Number.NaN }, 'Expected `timeoutSeconds` to be a positive number of seconds, got NaN'],
    [{ timeoutSeconds: 3_000_000 }, 'Expected `timeoutSeconds` to be at most 2147483 seconds, got 3000000'],
    [{ concurrency: 5000 }, 'Expected `concurrency` to be at most 1024, got 5000'],
  ])('a numeric option that is not usable throws at construction: %j', (options, message) => {
    const client = new FakeClient([1]);
    expect(() => new EchoToTask({ params: inferenceParams, client, ...options })).toThrow(
      new TypeError(message),
    );
    expect(client.calls).toHaveLength(0);
  });
});

describe('parameters with several problems', () => {
  it('names every bad field at once, the method checks included', async () => {
    const error = await new EchoToTask({
      params: { name: 'x', project: 'abc', agent: 3, method: 'inference', model: 42 },
      client: new FakeClient([1]),
    })
      .execute()
      .catch((e: unknown) => e);

    expect((error as ParamsError).issues).toEqual([
      { field: 'project', message: 'expected an integer id, received string "abc"' },
      { field: 'pre_processor', message: "required when method is 'inference'" },
    ]);
  });
});

describe('a task list that shifts between pages', () => {
  it('does not start a task listed again while it is queued or running, and the job ends', async () => {
    const client = withLabels(new FakeClient([5, 6, 7]));
    client.listTaskPages = async function* () {
      yield { count: 3, next: 'page-2', results: [{ id: 5 }, { id: 6 }] };
      yield { count: 3, next: null, results: [{ id: 6 }, { id: 7 }, { id: 7 }] };
    };
    client.taskLatencyMs = 20;
    const result = await new EchoToTask({ params: fileParams, client, concurrency: 4 }).execute();

    expect(result).toMatchObject({ status: 'SUCCEEDED', total_tasks: 3, success_count: 3 });
    expect([...client.writes.entries()].map(([id, write]) => [id, write.count])).toEqual([
      [5, 1],
      [6, 1],
      [7, 1],
    ]);
  });
});

describe('listeners and repeated runs', () => {
  it('a listener that throws neither crashes the job nor silences the others', async () => {
    const client = withLabels(new FakeClient([1, 2]));
    const action = new EchoToTask({ params: fileParams, client, jobId: 8 });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    let progressSeen = 0;
    action.on('progress', () => {
      throw new Error('host bug');
    });
    action.on('progress', () => {
      progressSeen += 1;
    });
    try {
      const result = await action.execute();
      await new Promise((resolve) => setImmediate(resolve));
      expect(result.status).toBe('SUCCEEDED');
      expect(progressSeen).toBe(2);
      expect(client.jobUpdates.at(-1)).toMatchObject({
        metrics_record: { annotate_task_data: { success: 2 } },
      });
      expect(warnings).toContain("A listener of the to_task event 'progress' threw Error");
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a second run of the same action reports only itself', async () => {
    const client = withLabels(new FakeClient([1, 2, 3]));
    client.tasks.set(2, { id: 2, data_unit: null });
    const action = new EchoToTask({ params: fileParams, client, jobId: 8 });
    await action.execute();
    const first = { updates: client.jobUpdates.length, logs: client.logs.length };
    await action.execute();

    // The first run's reporter is gone: the second run sends what one run sends, not twice as much.
    expect(client.jobUpdates.length - first.updates).toBe(first.updates);
    expect(client.logs.slice(first.logs)).toEqual(client.logs.slice(0, first.logs));
  });

  it('invalid required_resources reject execute() with a ToTaskError naming the field, before any dispatch', async () => {
    const client = new FakeClient([1]);
    client.serveAnswers = [{ results: [] }];
    client.release = {
      id: 7,
      config: {
        code: 'detector',
        actions: { inference: { required_resources: { required_cpu_count: 'lots' } } },
      },
    };
    const error = await new EchoToTask({ params: inferenceParams, client })
      .execute()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ToTaskError);
    expect((error as ToTaskError).code).toBe('invalid_required_resources');
    expect((error as Error).message).toBe(
      'Invalid required_resources.required_cpu_count: expected a non-negative number, got "lots"',
    );
    expect(client.callsOf('runPlugin')).toHaveLength(0);
  });
});

describe('hook timeout', () => {
  it('fails a task whose hook never returns, and the job still ends', async () => {
    const client = withLabels(new FakeClient([1, 2, 3]));
    class Stuck extends EchoToTask {
      override convertDataFromFile(...args: Parameters<EchoToTask['convertDataFromFile']>): Promise<unknown> {
        return args[4]?.id === 2 ? new Promise(() => {}) : super.convertDataFromFile(...args);
      }
    }
    const result = await new Stuck({ params: fileParams, client, hookTimeoutSeconds: 0.05 }).execute();

    expect(result).toMatchObject({ status: 'SUCCEEDED', success_count: 2, failed_count: 1 });
    expect(result.failures).toEqual([
      { task_id: 2, error: 'convertDataFromFile did not return within 0.05 s' },
    ]);
    expect(client.writes.has(2)).toBe(false);
  });
});
