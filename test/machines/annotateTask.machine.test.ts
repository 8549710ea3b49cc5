/**
 * The task machine on its own (SPEC §5.5), with scripted actors: which calls one task makes, with what, and the exact
 * `{taskId, status, error}` it ends with for each way a task can go.
 */

import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import {
  type AnnotateTaskOutput,
  type AnnotationPlan,
  annotateTaskMachine,
  type ConvertFromFileInput,
  type ConvertFromInferenceInput,
  type RunInferenceInput,
  type SubmitTaskDataInput,
} from '../../machines/annotateTask.machine.js';
import { PluginHookError } from '../../machines/errors.js';
import { filePlan, inferencePlan } from '../support/fixtures.js';

const SECRET_URL = 'https://files.synapse.example.test/signed/img_11.jpg?token=syn-tok-5f0c1e2d9a';

/** Shaped like the platform client's error (SPEC §7): its type name and HTTP status are what a failure may show. */
class ClientError extends Error {
  override name = 'ClientError';
  constructor(readonly status: number) {
    super(`GET ${SECRET_URL} answered ${status}`);
  }
}

const IMAGE_URL = 'https://files.test/images/11.jpg';
const LABEL_URL = 'https://files.test/labels/11.json';

/** Files keyed by specification name, as `expand=data_unit` answers. */
const filesMap = {
  image: { url: IMAGE_URL, is_primary: true, file_name_original: 'img_11.jpg' },
  annotation: { url: LABEL_URL, file_name_original: 'img_11.json' },
};

const task = (dataUnit: unknown): Record<string, unknown> =>
  dataUnit === undefined
    ? { id: 11, data: { seed: 11 } }
    : { id: 11, data: { seed: 11 }, data_unit: dataUnit };
const mapTask = task({ id: 511, files: filesMap });

type Answer = unknown | ((input: never) => unknown);

interface Script {
  plan?: AnnotationPlan;
  task?: Answer;
  dataUnit?: Answer;
  fileHook?: Answer;
  inference?: Answer;
  inferenceHook?: Answer;
  submit?: Answer;
}

/** Runs one task to its end with scripted actors (a function answer is called with the input; throwing rejects). */
async function runTask(script: Script) {
  const calls = {
    fetchTask: [] as { taskId: number }[],
    fetchDataUnit: [] as { taskId: number; dataUnitId: number }[],
    convertFromFile: [] as ConvertFromFileInput[],
    runInference: [] as RunInferenceInput[],
    convertFromInference: [] as ConvertFromInferenceInput[],
    submitTaskData: [] as SubmitTaskDataInput[],
  };
  const scripted = <TInput>(log: TInput[], answer: Answer, fallback: unknown) =>
    fromPromise<unknown, TInput>(async ({ input }) => {
      log.push(input);
      const value = answer === undefined ? fallback : answer;
      return typeof value === 'function' ? (value as (input: TInput) => unknown)(input) : value;
    });
  const machine = annotateTaskMachine.provide({
    actors: {
      fetchTask: scripted(calls.fetchTask, script.task, mapTask),
      fetchDataUnit: scripted(calls.fetchDataUnit, script.dataUnit, { id: 511, files: filesMap }),
      convertFromFile: scripted(calls.convertFromFile, script.fileHook, { label: 'car' }),
      runInference: scripted(calls.runInference, script.inference, { predictions: [{ label: 'car' }] }),
      convertFromInference: scripted(calls.convertFromInference, script.inferenceHook, { label: 'car' }),
      submitTaskData: scripted(calls.submitTaskData, script.submit, {}),
    },
  });
  const actor = createActor(machine, { input: { taskId: 11, plan: script.plan ?? filePlan } });
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  const output: AnnotateTaskOutput = await toPromise(actor);
  // A task never errors as an actor: every failure is an output the job counts.
  expect(errors).toEqual([]);
  return { output, calls, value: actor.getSnapshot().value };
}

const fails = (error: string): AnnotateTaskOutput => ({ taskId: 11, status: 'failed', error });
const succeeded: AnnotateTaskOutput = { taskId: 11, status: 'succeeded' };
const thrower = (error: unknown) => () => {
  throw error;
};

describe('annotateTask machine: finding the files', () => {
  it('fetches the task by id and passes the primary and target files of a map to the file hook', async () => {
    const { output, calls } = await runTask({});

    expect(output).toStrictEqual(succeeded);
    expect(calls.fetchTask).toEqual([{ taskId: 11 }]);
    expect(calls.fetchDataUnit).toEqual([]);
    expect(calls.convertFromFile).toEqual([
      {
        taskId: 11,
        primaryFileUrl: IMAGE_URL,
        primaryFileName: 'img_11.jpg',
        dataFileUrl: LABEL_URL,
        dataFileName: 'img_11.json',
        // The whole task payload, for the hook's extra context.
        taskData: mapTask,
      },
    ]);
    expect(calls.runInference).toEqual([]);
  });

  it('reads a list of files by `specification` / `specification_name`, names by `filename` / `name`', async () => {
    const listTask = task({
      id: 511,
      files: [
        { specification_name: 'annotation', url: LABEL_URL, name: 'labels.json' },
        { specification: 'image', url: IMAGE_URL, is_primary: true, filename: 'photo.jpg' },
      ],
    });
    const { output, calls } = await runTask({ task: listTask });

    expect(output).toStrictEqual(succeeded);
    expect(calls.convertFromFile[0]).toMatchObject({
      primaryFileUrl: IMAGE_URL,
      primaryFileName: 'photo.jpg',
      dataFileUrl: LABEL_URL,
      dataFileName: 'labels.json',
      taskData: listTask,
    });
  });

  it.each([
    ['only an id', 511],
    ['expanded without files', { id: 511, files: {} }],
  ])('fetches the data unit when the task has %s, and uses its files', async (_, dataUnit) => {
    const noFilesTask = task(dataUnit);
    const { output, calls } = await runTask({
      task: noFilesTask,
      dataUnit: { id: 511, files: { ...filesMap, image: { ...filesMap.image, url: `${IMAGE_URL}?v=2` } } },
    });

    expect(output).toStrictEqual(succeeded);
    expect(calls.fetchDataUnit).toEqual([{ taskId: 11, dataUnitId: 511 }]);
    expect(calls.convertFromFile[0]).toMatchObject({
      primaryFileUrl: `${IMAGE_URL}?v=2`,
      dataFileUrl: LABEL_URL,
      taskData: noFilesTask,
    });
  });

  it.each([
    ['null', null],
    ['absent', undefined],
    ['not an object or id', 'DU-511'],
  ])('fails with "Task does not have a data unit" when data_unit is %s', async (_, dataUnit) => {
    const { output, calls } = await runTask({ task: task(dataUnit) });

    expect(output).toStrictEqual(fails('Task does not have a data unit'));
    expect(calls.fetchDataUnit).toEqual([]);
    expect(calls.convertFromFile).toEqual([]);
    expect(calls.submitTaskData).toEqual([]);
  });

  it('fails naming the call and status when the data unit cannot be fetched', async () => {
    const { output, calls } = await runTask({ task: task(511), dataUnit: thrower(new ClientError(404)) });

    expect(output).toStrictEqual(fails('Could not fetch data unit (ClientError 404)'));
    expect(calls.convertFromFile).toEqual([]);
  });

  it('fails naming the call and status when the task cannot be fetched, without the URL', async () => {
    const { output, calls } = await runTask({ task: thrower(new ClientError(404)) });

    expect(output).toStrictEqual(fails('Could not fetch task (ClientError 404)'));
    expect(calls.fetchDataUnit).toEqual([]);
    expect(JSON.stringify(output)).not.toContain('synapse.example.test');
  });

  it('names only the type of a call error without a status (a network failure)', async () => {
    const { output } = await runTask({ task: thrower(new TypeError(`fetch failed: ${SECRET_URL}`)) });
    expect(output).toStrictEqual(fails('Could not fetch task (TypeError)'));
  });

  it.each([
    ['no file is primary', { image: { url: IMAGE_URL }, annotation: filesMap.annotation }],
    ['the primary file has no URL', { image: { is_primary: true }, annotation: filesMap.annotation }],
  ])('fails with "Primary file URL not found for task" when %s', async (_, files) => {
    for (const plan of [filePlan, inferencePlan]) {
      const { output, calls } = await runTask({ plan, task: task({ id: 511, files }) });
      expect(output).toStrictEqual(fails('Primary file URL not found for task'));
      expect([calls.convertFromFile, calls.runInference]).toEqual([[], []]);
    }
  });

  it('fails with "Primary file URL not found for task" when an expanded data unit without id has no files', async () => {
    // Nothing to fetch the files by: the data unit is there, its files are not.
    const { output, calls } = await runTask({ task: task({ files: {} }) });
    expect(output).toStrictEqual(fails('Primary file URL not found for task'));
    expect(calls.fetchDataUnit).toEqual([]);
  });

  it('fails with "Primary file URL not found for task" when the fetched data unit has no primary file', async () => {
    const { output } = await runTask({
      task: task(511),
      dataUnit: { id: 511, files: { image: { url: IMAGE_URL } } },
    });
    expect(output).toStrictEqual(fails('Primary file URL not found for task'));
  });

  it('fails with "Target specification file not found for task" when the file method has no target file', async () => {
    const { output, calls } = await runTask({ task: task({ id: 511, files: { image: filesMap.image } }) });

    expect(output).toStrictEqual(fails('Target specification file not found for task'));
    expect(calls.convertFromFile).toEqual([]);
  });

  it('needs no target file for the inference method', async () => {
    const { output } = await runTask({
      plan: inferencePlan,
      task: task({ id: 511, files: { image: filesMap.image } }),
    });
    expect(output).toStrictEqual(succeeded);
  });
});

describe('annotateTask machine: the file hook', () => {
  it('submits what the hook returns for this task', async () => {
    const { output, calls } = await runTask({ fileHook: { annotations: [{ label: 'L11' }] } });

    expect(output).toStrictEqual(succeeded);
    expect(calls.submitTaskData).toEqual([{ taskId: 11, data: { annotations: [{ label: 'L11' }] } }]);
  });

  it('shows the type and first line of a PluginHookError (already scrubbed by the hook actor)', async () => {
    const { output, calls } = await runTask({
      fileHook: thrower(
        new PluginHookError('KeyError', "'label' is missing\n  at convert (plugin/to_task.ts:12)"),
      ),
    });

    expect(output).toStrictEqual(fails("convertDataFromFile raised KeyError: 'label' is missing"));
    expect(calls.submitTaskData).toEqual([]);
  });

  it('shows only the type of any other error, whose message may carry secrets', async () => {
    const { output } = await runTask({ fileHook: thrower(new TypeError(`cannot read ${SECRET_URL}`)) });

    expect(output).toStrictEqual(fails('convertDataFromFile raised TypeError'));
  });

  it('shows only the type of a PluginHookError with an empty message', async () => {
    const { output } = await runTask({ fileHook: thrower(new PluginHookError('ValueError', '')) });
    expect(output).toStrictEqual(fails('convertDataFromFile raised ValueError'));
  });

  it.each([
    ['an array', [{ label: 'car' }]],
    ['null', null],
    ['undefined', undefined],
    ['an instance of Date', new Date(0)],
    ['an instance of Map', new Map([['label', 'car']])],
    ['a string', '{"label":"car"}'],
    ['a number', 42],
  ])('fails the task when the hook returns %s, and submits nothing', async (description, value) => {
    // `undefined` in a script means "the default answer"; a function answer returns it for real.
    const { output, calls } = await runTask({ fileHook: () => value });

    expect(output).toStrictEqual(fails(`convertDataFromFile returned ${description}, expected an object`));
    expect(calls.submitTaskData).toEqual([]);
  });

  it('accepts a null-prototype object', async () => {
    const data = Object.assign(Object.create(null), { label: 'car' });
    const { output, calls } = await runTask({ fileHook: data });

    expect(output).toStrictEqual(succeeded);
    expect(calls.submitTaskData[0]?.data).toBe(data);
  });

  it('fails with the status when the submit call fails', async () => {
    const { output, calls } = await runTask({ submit: thrower(new ClientError(500)) });

    expect(output).toStrictEqual(fails('Could not submit task data (ClientError 500)'));
    expect(calls.submitTaskData).toHaveLength(1);
  });
});

describe('annotateTask machine: inference', () => {
  it('runs inference on the primary file URL with the plan, then the hook with the answer and the task', async () => {
    const prediction = { predictions: [{ label: 'car', score: 0.9 }] };
    const { output, calls } = await runTask({
      plan: inferencePlan,
      inference: prediction,
      inferenceHook: { annotations: ['car'] },
    });

    expect(output).toStrictEqual(succeeded);
    expect(calls.runInference).toEqual([
      {
        taskId: 11,
        pluginCode: 'detector',
        agent: 3,
        model: 42,
        imagePath: IMAGE_URL,
        preProcessorParams: { confidence: 0.4 },
      },
    ]);
    expect(calls.convertFromInference).toEqual([
      { taskId: 11, inferenceData: prediction, taskData: mapTask },
    ]);
    expect(calls.convertFromFile).toEqual([]);
    expect(calls.submitTaskData).toEqual([{ taskId: 11, data: { annotations: ['car'] } }]);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
  ])('fails with "Inference returned no data" when inference answers %s', async (_, value) => {
    const { output, calls } = await runTask({ plan: inferencePlan, inference: () => value });

    expect(output).toStrictEqual(fails('Inference returned no data'));
    expect(calls.convertFromInference).toEqual([]);
    expect(calls.submitTaskData).toEqual([]);
  });

  it('passes falsy but present inference answers (0, empty list) to the hook', async () => {
    for (const value of [0, [], '']) {
      const { output, calls } = await runTask({ plan: inferencePlan, inference: () => value });
      expect(output).toStrictEqual(succeeded);
      expect(calls.convertFromInference[0]?.inferenceData).toBe(value);
    }
  });

  it('fails with the error type and status when the inference call fails', async () => {
    const { output, calls } = await runTask({
      plan: inferencePlan,
      inference: thrower(new ClientError(409)),
    });

    expect(output).toStrictEqual(fails('Inference failed (ClientError 409)'));
    expect(calls.convertFromInference).toEqual([]);
  });

  it('reports inference hook errors and non-object answers under the inference hook name', async () => {
    const raised = await runTask({
      plan: inferencePlan,
      inferenceHook: thrower(new PluginHookError('ValueError', 'bad box')),
    });
    expect(raised.output).toStrictEqual(fails('convertDataFromInference raised ValueError: bad box'));

    const plain = await runTask({ plan: inferencePlan, inferenceHook: thrower(new RangeError('x')) });
    expect(plain.output).toStrictEqual(fails('convertDataFromInference raised RangeError'));

    const array = await runTask({ plan: inferencePlan, inferenceHook: () => [] });
    expect(array.output).toStrictEqual(
      fails('convertDataFromInference returned an array, expected an object'),
    );
    expect(array.calls.submitTaskData).toEqual([]);
  });
});
