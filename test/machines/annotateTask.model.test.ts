/**
 * Model-based tests of one task's path (SPEC §5.5).
 *
 * 1. An abstract model, written here independently of the real machine, says where a task goes after each answer of
 *    the platform and of the plugin's hooks, and the exact message it fails with. `xstate/graph` generates paths over
 *    it; each path is replayed against the real machine (actors answered by hand), checking at every step which one
 *    call is in flight and with what input, and at the end the task's output.
 * 2. The real machine is traversed with the answers its actors can give, and every one of its state nodes and
 *    transitions must be reached by some generated path.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  type AnyMachineSnapshot,
  assign,
  createActor,
  type EventObject,
  fromPromise,
  type SnapshotFrom,
  setup,
} from 'xstate';
import { createTestModel, getShortestPaths, type StatePath } from 'xstate/graph';
import {
  type AnnotationPlan,
  annotateTaskMachine,
  type ConvertFromFileInput,
  type ConvertFromInferenceInput,
  type RunInferenceInput,
  type SubmitTaskDataInput,
} from '../../machines/annotateTask.machine.js';
import { PluginHookError } from '../../machines/errors.js';
import { ClientError, filePlan, inferencePlan } from '../support/fixtures.js';
import {
  actorAndTimerEvents,
  answer,
  CallQueue,
  type Deferred,
  expectEveryDeclaredTransitionTaken,
  expectEveryStateNodeReached,
  expectPathsCoverModel,
  flush,
  handledEvents,
  pendingCalls,
  replayRuns,
  shortestAndSimplePaths,
  stateChecksOn,
  unanswered,
} from '../support/machineHarness.js';

type ModelContext = { method: 'file' | 'inference' | null; error: string | null };

const failWith = (error: string) => ({ target: 'failed', actions: { type: 'fail', params: error } }) as const;

const taskModel = setup({
  types: {} as { context: ModelContext; events: { type: string } },
  guards: { isFile: ({ context }) => context.method === 'file' },
  actions: { fail: assign({ error: (_, error: string) => error }) },
}).createMachine({
  id: 'taskModel',
  context: { method: null, error: null },
  initial: 'idle',
  states: {
    idle: {
      on: {
        START_FILE: { target: 'fetchingTask', actions: assign({ method: 'file' as const }) },
        START_INFERENCE: { target: 'fetchingTask', actions: assign({ method: 'inference' as const }) },
      },
    },
    fetchingTask: {
      on: {
        TASK_MAP_FILES: [{ guard: 'isFile', target: 'convertingFile' }, { target: 'inferring' }],
        TASK_LIST_FILES: [{ guard: 'isFile', target: 'convertingFile' }, { target: 'inferring' }],
        TASK_DATA_UNIT_ID: 'fetchingDataUnit',
        TASK_WITHOUT_DATA_UNIT: failWith('Task does not have a data unit'),
        TASK_WITHOUT_PRIMARY: failWith('Primary file URL not found for task'),
        // Only the file method reads the target specification's file.
        TASK_WITHOUT_TARGET: [
          { guard: 'isFile', ...failWith('Target specification file not found for task') },
          { target: 'inferring' },
        ],
        TASK_ERROR: failWith('Could not fetch task (ClientError 404)'),
      },
    },
    fetchingDataUnit: {
      on: {
        DATA_UNIT_FILES: [{ guard: 'isFile', target: 'convertingFile' }, { target: 'inferring' }],
        DATA_UNIT_WITHOUT_PRIMARY: failWith('Primary file URL not found for task'),
        DATA_UNIT_ERROR: failWith('Could not fetch data unit (ClientError 503)'),
      },
    },
    convertingFile: {
      on: {
        HOOK_OBJECT: 'submitting',
        HOOK_ARRAY: failWith('convertDataFromFile returned an array, expected an object'),
        HOOK_PLUGIN_ERROR: failWith("convertDataFromFile raised KeyError: 'label' is missing"),
        HOOK_ERROR: failWith('convertDataFromFile raised TypeError'),
      },
    },
    inferring: {
      on: {
        INFERENCE_DATA: 'convertingInference',
        INFERENCE_NULL: failWith('Inference returned no data'),
        INFERENCE_ERROR: failWith('Inference failed (ClientError 409)'),
      },
    },
    convertingInference: {
      on: {
        HOOK_OBJECT: 'submitting',
        HOOK_ARRAY: failWith('convertDataFromInference returned an array, expected an object'),
        HOOK_PLUGIN_ERROR: failWith("convertDataFromInference raised KeyError: 'label' is missing"),
        HOOK_ERROR: failWith('convertDataFromInference raised TypeError'),
      },
    },
    submitting: {
      on: {
        SUBMIT_OK: 'succeeded',
        SUBMIT_ERROR: failWith('Could not submit task data (ClientError 500)'),
      },
    },
    succeeded: { type: 'final' },
    failed: { type: 'final' },
  },
});

const TASK_ID = 11;

/** What the task's files should resolve to, when it has them: the test checks the hook and inference inputs with it. */
interface ExpectedFiles {
  primaryUrl: string;
  primaryName: string;
  targetUrl?: string;
  targetName?: string;
}

const withDataUnit = (dataUnit: unknown) => ({ id: TASK_ID, data: { seed: TASK_ID }, data_unit: dataUnit });

/** Task answers and the files each one resolves to (distinct URLs, so a wrong file cannot pass for the right one). */
const taskAnswers = {
  TASK_MAP_FILES: {
    task: withDataUnit({
      id: 511,
      files: {
        image: { url: 'https://files.test/map/11.jpg', is_primary: true, file_name_original: 'map_11.jpg' },
        annotation: { url: 'https://files.test/map/11.json', file_name_original: 'map_11.json' },
      },
    }),
    files: {
      primaryUrl: 'https://files.test/map/11.jpg',
      primaryName: 'map_11.jpg',
      targetUrl: 'https://files.test/map/11.json',
      targetName: 'map_11.json',
    },
  },
  TASK_LIST_FILES: {
    task: withDataUnit({
      id: 511,
      files: [
        { specification_name: 'annotation', url: 'https://files.test/list/11.json', name: 'list_11.json' },
        {
          specification: 'image',
          url: 'https://files.test/list/11.jpg',
          is_primary: true,
          filename: 'list_11.jpg',
        },
      ],
    }),
    files: {
      primaryUrl: 'https://files.test/list/11.jpg',
      primaryName: 'list_11.jpg',
      targetUrl: 'https://files.test/list/11.json',
      targetName: 'list_11.json',
    },
  },
  TASK_DATA_UNIT_ID: { task: withDataUnit(511), files: undefined },
  TASK_WITHOUT_DATA_UNIT: { task: withDataUnit(null), files: undefined },
  TASK_WITHOUT_PRIMARY: {
    task: withDataUnit({ id: 511, files: { image: { url: 'https://files.test/x.jpg' } } }),
    files: undefined,
  },
  TASK_WITHOUT_TARGET: {
    task: withDataUnit({
      id: 511,
      files: {
        image: { url: 'https://files.test/solo/11.jpg', is_primary: true, file_name_original: 'solo.jpg' },
      },
    }),
    files: { primaryUrl: 'https://files.test/solo/11.jpg', primaryName: 'solo.jpg' },
  },
} satisfies Record<string, { task: unknown; files: ExpectedFiles | undefined }>;

const dataUnitWithFiles = {
  id: 511,
  files: {
    image: { url: 'https://files.test/unit/11.jpg', is_primary: true, file_name_original: 'unit_11.jpg' },
    annotation: { url: 'https://files.test/unit/11.json', file_name_original: 'unit_11.json' },
  },
};
const inferenceAnswer = { predictions: [{ label: 'car', score: 0.91 }] };
const hookAnswer = { annotations: [{ label: 'car' }] };

/** The real machine, created at the model's first event, with actors the test answers by hand. */
function createSystemUnderTest() {
  const queues = {
    fetchTask: new CallQueue<{ taskId: number }>(),
    fetchDataUnit: new CallQueue<{ taskId: number; dataUnitId: number }>(),
    convertFromFile: new CallQueue<ConvertFromFileInput>(),
    runInference: new CallQueue<RunInferenceInput>(),
    convertFromInference: new CallQueue<ConvertFromInferenceInput>(),
    submitTaskData: new CallQueue<SubmitTaskDataInput>(),
  };
  const machine = annotateTaskMachine.provide({
    actors: {
      fetchTask: fromPromise(({ input }) => queues.fetchTask.start(input)),
      fetchDataUnit: fromPromise(({ input }) => queues.fetchDataUnit.start(input)),
      convertFromFile: fromPromise(({ input }) => queues.convertFromFile.start(input)),
      runInference: fromPromise(({ input }) => queues.runInference.start(input)),
      convertFromInference: fromPromise(({ input }) => queues.convertFromInference.start(input)),
      submitTaskData: fromPromise(({ input }) => queues.submitTaskData.start(input)),
    },
  });
  const sut = {
    actor: undefined as Actor<typeof machine> | undefined,
    queues,
    errors: [] as unknown[],
    task: undefined as unknown,
    files: undefined as ExpectedFiles | undefined,
    hookQueue: undefined as
      | CallQueue<ConvertFromFileInput>
      | CallQueue<ConvertFromInferenceInput>
      | undefined,
  };

  const start = (plan: AnnotationPlan) => async () => {
    sut.actor = createActor(machine, { input: { taskId: TASK_ID, plan } });
    sut.actor.subscribe({ error: (error) => sut.errors.push(error) });
    sut.actor.start();
    await flush();
  };
  const answerTask = (key: keyof typeof taskAnswers) => async () => {
    sut.task = taskAnswers[key].task;
    sut.files = taskAnswers[key].files;
    await answer(queues.fetchTask, (call) => call.resolve(sut.task))();
  };
  /** The hook in flight, whichever method runs. */
  const answerHook = (settle: (call: Deferred) => void) => {
    const [hook] = [queues.convertFromFile, queues.convertFromInference].filter(
      (queue) => queue.pending.length > 0,
    );
    return answer(hook as CallQueue<unknown>, settle)();
  };

  const events: Record<string, () => Promise<void>> = {
    START_FILE: start(filePlan),
    START_INFERENCE: start(inferencePlan),
    TASK_MAP_FILES: answerTask('TASK_MAP_FILES'),
    TASK_LIST_FILES: answerTask('TASK_LIST_FILES'),
    TASK_DATA_UNIT_ID: answerTask('TASK_DATA_UNIT_ID'),
    TASK_WITHOUT_DATA_UNIT: answerTask('TASK_WITHOUT_DATA_UNIT'),
    TASK_WITHOUT_PRIMARY: answerTask('TASK_WITHOUT_PRIMARY'),
    TASK_WITHOUT_TARGET: answerTask('TASK_WITHOUT_TARGET'),
    TASK_ERROR: answer(queues.fetchTask, (call) => call.reject(new ClientError(404))),
    DATA_UNIT_FILES: async () => {
      sut.files = {
        primaryUrl: 'https://files.test/unit/11.jpg',
        primaryName: 'unit_11.jpg',
        targetUrl: 'https://files.test/unit/11.json',
        targetName: 'unit_11.json',
      };
      await answer(queues.fetchDataUnit, (call) => call.resolve(dataUnitWithFiles))();
    },
    DATA_UNIT_WITHOUT_PRIMARY: answer(queues.fetchDataUnit, (call) =>
      call.resolve({ id: 511, files: { image: { url: 'https://files.test/x.jpg', is_primary: false } } }),
    ),
    DATA_UNIT_ERROR: answer(queues.fetchDataUnit, (call) => call.reject(new ClientError(503))),
    HOOK_OBJECT: () => answerHook((call) => call.resolve(hookAnswer)),
    HOOK_ARRAY: () => answerHook((call) => call.resolve([hookAnswer])),
    HOOK_PLUGIN_ERROR: () =>
      answerHook((call) => call.reject(new PluginHookError('KeyError', "'label' is missing\nTraceback ..."))),
    // A plain error's message may hold a signed URL: only its type may be shown.
    HOOK_ERROR: () =>
      answerHook((call) => call.reject(new TypeError('cannot read https://x.test/?token=secret'))),
    INFERENCE_DATA: answer(queues.runInference, (call) => call.resolve(inferenceAnswer)),
    INFERENCE_NULL: answer(queues.runInference, (call) => call.resolve(null)),
    INFERENCE_ERROR: answer(queues.runInference, (call) => call.reject(new ClientError(409))),
    SUBMIT_OK: answer(queues.submitTaskData, (call) => call.resolve({})),
    SUBMIT_ERROR: answer(queues.submitTaskData, (call) => call.reject(new ClientError(500))),
  };
  return { sut, events };
}

type SystemUnderTest = ReturnType<typeof createSystemUnderTest>['sut'];
type ModelSnapshot = SnapshotFrom<typeof taskModel>;

/** A task makes one call at a time, so a live state waits on exactly one. */
function expectWaitingOn(sut: SystemUnderTest, value: string, slot: string, input: unknown): void {
  expect(sut.actor?.getSnapshot().value).toBe(value);
  expect(pendingCalls(sut.queues)).toEqual({ [slot]: [input] });
}

/** What the real machine must look like in each abstract state. */
const stateChecks: Record<string, (sut: SystemUnderTest, model: ModelSnapshot) => void> = {
  idle: (sut) => expect(sut.actor).toBeUndefined(),
  fetchingTask: (sut) => expectWaitingOn(sut, 'fetchingTask', 'fetchTask', { taskId: TASK_ID }),
  fetchingDataUnit: (sut) =>
    expectWaitingOn(sut, 'fetchingDataUnit', 'fetchDataUnit', { taskId: TASK_ID, dataUnitId: 511 }),
  convertingFile: (sut) =>
    expectWaitingOn(sut, 'convertingFile', 'convertFromFile', {
      taskId: TASK_ID,
      primaryFileUrl: sut.files?.primaryUrl,
      primaryFileName: sut.files?.primaryName,
      dataFileUrl: sut.files?.targetUrl,
      dataFileName: sut.files?.targetName,
      taskData: sut.task,
    }),
  inferring: (sut) =>
    expectWaitingOn(sut, 'inferring', 'runInference', {
      taskId: TASK_ID,
      pluginCode: 'detector',
      agent: 3,
      model: 42,
      imagePath: sut.files?.primaryUrl,
      preProcessorParams: { confidence: 0.4 },
    }),
  convertingInference: (sut) =>
    expectWaitingOn(sut, 'convertingInference', 'convertFromInference', {
      taskId: TASK_ID,
      inferenceData: inferenceAnswer,
      taskData: sut.task,
    }),
  submitting: (sut) =>
    expectWaitingOn(sut, 'submitting', 'submitTaskData', { taskId: TASK_ID, data: hookAnswer }),
  succeeded: (sut) => {
    const snapshot = sut.actor!.getSnapshot();
    expect([snapshot.status, snapshot.value]).toEqual(['done', 'succeeded']);
    expect(snapshot.output).toStrictEqual({ taskId: TASK_ID, status: 'succeeded' });
    expect(pendingCalls(sut.queues)).toEqual({});
    expect(sut.queues.submitTaskData.calls).toHaveLength(1);
  },
  failed: (sut, model) => {
    const snapshot = sut.actor!.getSnapshot();
    expect([snapshot.status, snapshot.value]).toEqual(['done', 'failed']);
    expect(snapshot.output).toStrictEqual({ taskId: TASK_ID, status: 'failed', error: model.context.error });
    expect(pendingCalls(sut.queues)).toEqual({});
    // A task that failed before its write made none; one that failed at the write made exactly one.
    expect(sut.queues.submitTaskData.calls).toHaveLength(
      model.context.error?.startsWith('Could not submit') ? 1 : 0,
    );
  },
};

describe('annotateTask machine against an abstract task model', () => {
  const paths = shortestAndSimplePaths(createTestModel(taskModel));

  it('generates paths that reach every model state and take every model transition', () => {
    expectPathsCoverModel(taskModel, paths);
    // Both methods reach each of their ends.
    const ends = new Set(
      paths
        .filter((path) => path.state.status === 'done')
        .map((path) => `${path.state.context.method}:${String(path.state.value)}`),
    );
    expect([...ends].sort()).toEqual([
      'file:failed',
      'file:succeeded',
      'inference:failed',
      'inference:succeeded',
    ]);
  });

  it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
    const { sut, events } = createSystemUnderTest();
    await path.test({ states: stateChecksOn(sut, stateChecks), events });
    expect(sut.errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

type MachineSnapshot = SnapshotFrom<typeof annotateTaskMachine>;

/**
 * Every answer an actor of the task can give: task shapes, data units, hook results, inference results, errors; and a
 * hook that outlives its deadline.
 */
function actorAnswers(): EventObject[] {
  const outputs: unknown[] = [
    ...Object.values(taskAnswers).map((answer) => answer.task),
    dataUnitWithFiles,
    { id: 511, files: {} },
    inferenceAnswer,
    [hookAnswer],
    null,
  ];
  return actorAndTimerEvents(annotateTaskMachine, {
    outputs: () => outputs,
    error: () => new ClientError(500),
  });
}

/**
 * Shortest paths to every (state, answer, previous state) triple: the answer's output is in the key because the
 * transient `resolvingFiles` / `checkingFiles` choose their way by it, all within one event.
 */
function realMachinePaths(plan: AnnotationPlan): StatePath<MachineSnapshot, EventObject>[] {
  const candidates = actorAnswers();
  return getShortestPaths(annotateTaskMachine, {
    input: { taskId: TASK_ID, plan },
    events: ((snapshot: MachineSnapshot) => handledEvents(snapshot, candidates)) as never,
    serializeState: (snapshot, event, previous) =>
      JSON.stringify([snapshot.value, snapshot.status, event ?? null, previous?.value ?? null]),
  }) as StatePath<MachineSnapshot, EventObject>[];
}

describe('annotateTask machine traversal', () => {
  const machine = annotateTaskMachine.provide({
    actors: {
      fetchTask: unanswered(),
      fetchDataUnit: unanswered(),
      convertFromFile: unanswered(),
      runInference: unanswered(),
      convertFromInference: unanswered(),
      submitTaskData: unanswered(),
    },
  });
  // Generated in a hook, not at collection: a machine that throws while being traversed fails these tests only.
  let runs: { plan: AnnotationPlan; path: StatePath<AnyMachineSnapshot, EventObject> }[] = [];
  beforeAll(() => {
    runs = [filePlan, inferencePlan].flatMap((plan) =>
      realMachinePaths(plan).map((path) => ({
        plan,
        path: path as StatePath<AnyMachineSnapshot, EventObject>,
      })),
    );
  });

  it('reaches every state node and takes every declared transition', () => {
    const { taken, entered } = replayRuns(
      machine,
      runs.map(({ plan, path }) => ({ input: { taskId: TASK_ID, plan }, path })),
    );
    // `resolvingFiles` and `checkingFiles` are left within the event that enters them: only microsteps show them.
    expectEveryStateNodeReached(annotateTaskMachine, entered);
    expectEveryDeclaredTransitionTaken(annotateTaskMachine, taken, [
      'xstate.done.actor.',
      'xstate.error.actor.',
      '--always[',
    ]);
  });

  it('ends every path that stops in a final state with an output that says how it ended', () => {
    const finals = runs.filter(({ path }) => path.state.status === 'done');
    expect(finals.length).toBeGreaterThan(0);
    for (const { path } of finals) {
      const output = path.state.output;
      if (path.state.value === 'succeeded') {
        expect(output).toStrictEqual({ taskId: TASK_ID, status: 'succeeded' });
        // A task only succeeds after its write answered.
        expect(path.steps.at(-1)?.event.type).toMatch(/^xstate\.done\.actor\..*submitting/);
      } else {
        expect(output).toMatchObject({ taskId: TASK_ID, status: 'failed', error: expect.any(String) });
      }
    }
  });
});
