/**
 * Model-based tests of the to_task job (SPEC §3, §5).
 *
 * 1. An abstract model, written here independently of the real machine, says what the job does after each answer of
 *    the platform (project, data collection, release, pre-processor, task pages), each task that ends, and each
 *    cancel: which tasks run, whether a page is being fetched, and the exact result the job ends with. `xstate/graph`
 *    generates paths over it; each path is replayed against the real machine (actors answered by hand), comparing at
 *    every step and at the end.
 * 2. The real machine is traversed with the events its actors send (for the file and the inference method, and for
 *    invalid parameters), and every one of its state nodes and transitions must be reached by some generated path.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  assign,
  createActor,
  type EventObject,
  fromCallback,
  fromPromise,
  type SnapshotFrom,
  setup,
} from 'xstate';
import { createTestModel, getShortestPaths, type StatePath } from 'xstate/graph';
import type { AnnotateTaskInput, AnnotateTaskOutput } from '../../machines/annotateTask.machine.js';
import { PreProcessorError } from '../../machines/errors.js';
import type { PreProcessorInput, PreProcessorOutput } from '../../machines/preProcessor.machine.js';
import type { TaskFailure, ToTaskResult } from '../../machines/result.js';
import {
  type DiscoveryPull,
  type TaskDiscoveryInput,
  type ToTaskEmitted,
  type ToTaskInput,
  toTaskMachine,
} from '../../machines/toTask.machine.js';
import { ClientError, fileParams, filePlan, inferenceParams, inferencePlan } from '../support/fixtures.js';
import {
  actorAndTimerEvents,
  answer,
  CallQueue,
  declaredTransitions,
  expectEveryDeclaredTransitionTaken,
  expectEveryStateNodeReached,
  flush,
  handledEvents,
  pendingCalls,
  replayOnLiveActor,
  replayRuns,
  stateChecksOn,
  unanswered,
} from '../support/machineHarness.js';

/** Small enough to keep the model finite, big enough to see a full pool, a queue, and a second page. */
const CONCURRENCY = 2;
const PAGE_SIZE = 2;
const MAX_PAGES = 2;

const TASK_ERROR = 'Primary file URL not found for task';
const CANCELLED = 'Cancelled before completion';

// ---------------------------------------------------------------------------------------------------------------------
// The abstract job

interface JobModelContext {
  /** Which preparation the job goes through; forgotten once annotating, where both methods behave alike. */
  method: 'file' | 'inference' | null;
  pages: number;
  discovered: number;
  /** Discovered, not started: ids in discovery order. */
  queue: number[];
  /** Started and not ended: ids in start order. */
  inFlight: number[];
  /** A page is being fetched (the first one is fetched unasked). */
  fetchingPage: boolean;
  exhausted: boolean;
  success: number;
  failures: TaskFailure[];
  stopped: boolean;
  error: string | null;
}

/**
 * Tasks start in discovery order while a slot is free; a page is asked for only when fewer tasks wait than there are
 * slots (back-pressure: a fast discovery does not fill memory). Nothing starts or is asked for once the job is
 * cancelled or failed.
 */
function startTasks(context: JobModelContext): JobModelContext {
  if (context.stopped || context.error !== null) return context;
  const queue = [...context.queue];
  const inFlight = [...context.inFlight];
  while (inFlight.length < CONCURRENCY && queue.length > 0) inFlight.push(queue.shift()!);
  const ask = !context.exhausted && !context.fetchingPage && queue.length < CONCURRENCY;
  return { ...context, queue, inFlight, fetchingPage: context.fetchingPage || ask };
}

const failWith = (message: string) => ({ type: 'fail', params: message }) as const;

const jobModel = setup({
  types: {} as { context: JobModelContext; events: { type: string } },
  guards: {
    isFile: ({ context }) => context.method === 'file',
    pageCanArrive: ({ context }) => context.fetchingPage && context.pages < MAX_PAGES,
    fetchingPage: ({ context }) => context.fetchingPage,
    taskInFlight: ({ context }) => context.inFlight.length > 0,
    noTaskDiscovered: ({ context }) => context.exhausted && context.discovered === 0,
    allTasksDone: ({ context }) =>
      context.exhausted && context.queue.length === 0 && context.inFlight.length === 0,
    nothingInFlight: ({ context }) => context.inFlight.length === 0,
    jobFailed: ({ context }) => context.error !== null,
    cancelled: ({ context }) => context.stopped,
  },
  actions: {
    fail: assign({ error: (_, message: string) => message }),
    beginAnnotating: assign({ method: null, fetchingPage: true }),
    receivePage: assign(({ context }) => {
      const ids = Array.from({ length: PAGE_SIZE }, (_, i) => context.discovered + i + 1);
      return startTasks({
        ...context,
        pages: context.pages + 1,
        discovered: context.discovered + ids.length,
        queue: [...context.queue, ...ids],
        fetchingPage: false,
      });
    }),
    receiveLastPage: assign(({ context }) =>
      startTasks({ ...context, exhausted: true, fetchingPage: false }),
    ),
    discoveryGivesUp: assign({ fetchingPage: false }),
    /** The oldest task in flight ends. */
    endTask: assign(({ context }, outcome: 'succeeded' | 'failed') => {
      const [taskId, ...inFlight] = context.inFlight;
      return startTasks({
        ...context,
        inFlight,
        success: context.success + (outcome === 'succeeded' ? 1 : 0),
        failures:
          outcome === 'failed'
            ? [...context.failures, { task_id: taskId!, error: TASK_ERROR }]
            : context.failures,
      });
    }),
    cancel: assign({ stopped: true }),
    /** Tasks stopped mid-way count as failed: their write may or may not have happened. */
    abortInFlight: assign(({ context }) => ({
      inFlight: [],
      failures: [
        ...context.failures,
        ...context.inFlight.map((taskId) => ({ task_id: taskId, error: CANCELLED })),
      ],
    })),
  },
}).createMachine({
  id: 'jobModel',
  context: {
    method: null,
    pages: 0,
    discovered: 0,
    queue: [],
    inFlight: [],
    fetchingPage: false,
    exhausted: false,
    success: 0,
    failures: [],
    stopped: false,
    error: null,
  },
  initial: 'idle',
  states: {
    idle: {
      on: {
        START_FILE: { target: 'loadingProject', actions: assign({ method: 'file' as const }) },
        START_INFERENCE: { target: 'loadingProject', actions: assign({ method: 'inference' as const }) },
        START_INVALID: { target: 'failed', actions: failWith('Invalid params: name: required') },
      },
    },
    loadingProject: {
      on: {
        PROJECT_OK: 'loadingDataCollection',
        PROJECT_WITHOUT_DATA_COLLECTION: {
          target: 'failed',
          actions: failWith('Project does not have a data collection'),
        },
        PROJECT_ERROR: { target: 'failed', actions: failWith('Could not load project (ClientError 404)') },
        CANCEL: { target: 'stopped', actions: 'cancel' },
        CANCEL_ABORT: { target: 'stopped', actions: 'cancel' },
      },
    },
    loadingDataCollection: {
      on: {
        DATA_COLLECTION_WITH_TARGET: [
          { guard: 'isFile', target: 'annotating', actions: 'beginAnnotating' },
          // The inference method does not read the target specification.
          { target: 'loadingRelease' },
        ],
        DATA_COLLECTION_WITHOUT_TARGET: [
          {
            guard: 'isFile',
            target: 'failed',
            actions: failWith("Target specification 'annotation' not found in file specifications"),
          },
          { target: 'loadingRelease' },
        ],
        DATA_COLLECTION_ERROR: {
          target: 'failed',
          actions: failWith('Could not load data collection (ClientError 500)'),
        },
        CANCEL: { target: 'stopped', actions: 'cancel' },
      },
    },
    loadingRelease: {
      on: {
        RELEASE_OK: 'startingPreProcessor',
        RELEASE_WITHOUT_CODE: {
          target: 'failed',
          actions: failWith('Pre-processor release has no plugin code (config.code)'),
        },
        RELEASE_ERROR: {
          target: 'failed',
          actions: failWith('Could not load pre-processor release (ClientError 404)'),
        },
        CANCEL: { target: 'stopped', actions: 'cancel' },
      },
    },
    startingPreProcessor: {
      on: {
        PRE_PROCESSOR_READY: { target: 'annotating', actions: 'beginAnnotating' },
        PRE_PROCESSOR_FAILED: {
          target: 'failed',
          actions: failWith(
            'Pre-processor deployment failed: serve application reached terminal state (UNHEALTHY)',
          ),
        },
        CANCEL: { target: 'stopped', actions: 'cancel' },
        CANCEL_ABORT: { target: 'stopped', actions: 'cancel' },
      },
    },
    annotating: {
      initial: 'running',
      on: {
        // Discovery keeps answering the page it was fetching, even while draining: those tasks count as not started.
        PAGE: { guard: 'pageCanArrive', actions: 'receivePage' },
        LAST_PAGE: { guard: 'fetchingPage', actions: 'receiveLastPage' },
        TASK_SUCCEEDS: { guard: 'taskInFlight', actions: { type: 'endTask', params: 'succeeded' } },
        TASK_FAILS: { guard: 'taskInFlight', actions: { type: 'endTask', params: 'failed' } },
      },
      states: {
        running: {
          always: [
            {
              guard: 'noTaskDiscovered',
              target: '#jobModel.failed',
              actions: failWith('No tasks found to annotate'),
            },
            { guard: 'allTasksDone', target: '#jobModel.finished' },
          ],
          on: {
            DISCOVERY_ERROR: {
              guard: 'fetchingPage',
              target: 'draining',
              actions: ['discoveryGivesUp', failWith('Task discovery failed (ClientError 503)')],
            },
            CANCEL: { target: 'draining', actions: 'cancel' },
            CANCEL_ABORT: { target: 'draining', actions: ['cancel', 'abortInFlight'] },
          },
        },
        /** No task starts any more; the job ends when the tasks in flight have ended. */
        draining: {
          always: { guard: 'nothingInFlight', target: '#jobModel.ended' },
          on: {
            // Once the user has cancelled, a page that can no longer be fetched changes nothing: the job was stopping.
            DISCOVERY_ERROR: { guard: 'fetchingPage', actions: 'discoveryGivesUp' },
            CANCEL_ABORT: { guard: 'taskInFlight', actions: 'abortInFlight' },
          },
        },
      },
    },
    ended: {
      always: [{ guard: 'jobFailed', target: 'failed' }, { target: 'stopped' }],
    },
    finished: { type: 'final' },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

type ModelSnapshot = SnapshotFrom<typeof jobModel>;

const tasksWord = (count: number) => `${count} task${count === 1 ? '' : 's'}`;

/** The result a user reads at the end (SPEC §3), from the model's counts. */
function expectedResult(context: JobModelContext, end: 'finished' | 'stopped' | 'failed'): ToTaskResult {
  const total = context.discovered;
  const success = context.success;
  const failed = context.failures.length;
  const skipped = total - success - failed;
  const counts = {
    total_tasks: total,
    success_count: success,
    failed_count: failed,
    skipped_count: skipped,
    failures: byTaskId(context.failures),
  };
  if (end === 'failed') return { status: 'FAILED', message: context.error!, ...counts };
  if (end === 'stopped') {
    const notStarted = skipped > 0 ? `, ${skipped} not started` : '';
    return {
      status: 'STOPPED',
      message: `Stopped: ${success} succeeded, ${failed} failed${notStarted} of ${tasksWord(total)}`,
      ...counts,
    };
  }
  if (success === 0 && failed > 0)
    return { status: 'FAILED', message: `All ${tasksWord(total)} failed`, ...counts };
  const failedNote = failed > 0 ? ` (${failed} failed)` : '';
  return {
    status: 'SUCCEEDED',
    message: `Annotated ${success} of ${tasksWord(total)}${failedNote}`,
    ...counts,
  };
}

/** Every failure appears once; the order is not part of the contract (aborted tasks are listed by slot). */
function byTaskId(failures: readonly TaskFailure[]): TaskFailure[] {
  return [...failures].sort((a, b) => a.task_id - b.task_id);
}

// ---------------------------------------------------------------------------------------------------------------------
// The real machine, answered by hand

interface TaskCall {
  input: AnnotateTaskInput;
  signal: AbortSignal;
  resolve: (output: AnnotateTaskOutput) => void;
  ended: boolean;
}

const releaseWithCode = {
  id: 7,
  config: { code: 'detector', actions: { inference: { required_resources: { required_gpu_count: 1 } } } },
};
const preProcessorFailure = PreProcessorError.terminalState('UNHEALTHY');

function createSystemUnderTest() {
  const queues = {
    loadProject: new CallQueue<{ projectId: number }>(),
    loadDataCollection: new CallQueue<{ dataCollectionId: number }>(),
    loadPluginRelease: new CallQueue<{ releaseId: number }>(),
    preProcessor: new CallQueue<PreProcessorInput>(),
  };
  const tasks: TaskCall[] = [];
  const discovery = {
    input: undefined as TaskDiscoveryInput | undefined,
    sendBack: undefined as ((event: EventObject) => void) | undefined,
    asked: 0,
    answered: 0,
    discovered: 0,
    stopped: false,
  };
  const machine = toTaskMachine.provide({
    actors: {
      loadProject: fromPromise(({ input, signal }) => queues.loadProject.start(input, signal)),
      loadDataCollection: fromPromise(({ input, signal }) => queues.loadDataCollection.start(input, signal)),
      loadPluginRelease: fromPromise(({ input, signal }) => queues.loadPluginRelease.start(input, signal)),
      // The job reads only the pre-processor's output: `{status: 'ready', ...}` or `{status: 'failed', error}`.
      preProcessor: fromPromise<PreProcessorOutput, PreProcessorInput>(
        ({ input, signal }) => queues.preProcessor.start(input, signal) as Promise<PreProcessorOutput>,
      ) as never,
      taskDiscovery: fromCallback<DiscoveryPull, TaskDiscoveryInput>(({ input, sendBack, receive }) => {
        discovery.input = input;
        discovery.sendBack = sendBack;
        receive((event) => {
          if (event.type === 'discovery.pull') discovery.asked++;
        });
        return () => {
          discovery.stopped = true;
        };
      }),
      // The job reads only a task's output `{taskId, status, error}`: a promise stands in for the task machine.
      annotateTask: fromPromise<AnnotateTaskOutput, AnnotateTaskInput>(
        ({ input, signal }) =>
          new Promise((resolve) => {
            const call: TaskCall = {
              input,
              signal,
              ended: false,
              resolve: (output) => {
                call.ended = true;
                resolve(output);
              },
            };
            tasks.push(call);
          }),
      ) as never,
    },
  });

  const sut = {
    actor: undefined as Actor<typeof machine> | undefined,
    method: undefined as 'file' | 'inference' | undefined,
    queues,
    tasks,
    discovery,
    emitted: [] as ToTaskEmitted[],
    errors: [] as unknown[],
  };

  const start = (params: unknown, method?: 'file' | 'inference') => async () => {
    sut.method = method;
    const input: ToTaskInput = {
      params,
      concurrency: CONCURRENCY,
      pageSize: PAGE_SIZE,
      pollIntervalSeconds: 5,
      timeoutSeconds: 60,
      now: () => 0,
    };
    sut.actor = createActor(machine, { input });
    sut.actor.on('*', (event) => sut.emitted.push(event));
    sut.actor.subscribe({ error: (error) => sut.errors.push(error) });
    sut.actor.start();
    await flush();
  };
  const discover = (event: { type: string; [key: string]: unknown }) => async () => {
    // Discovery only answers a page it is fetching: the first, unasked, or one the job asked for.
    expect(1 + discovery.asked - discovery.answered).toBe(1);
    discovery.answered++;
    discovery.sendBack!(event);
    await flush();
  };
  const endOldestTask = (outcome: 'succeeded' | 'failed') => async () => {
    const task = tasks.find((call) => !call.ended && !call.signal.aborted)!;
    const taskId = task.input.taskId;
    task.resolve(
      outcome === 'succeeded' ? { taskId, status: outcome } : { taskId, status: outcome, error: TASK_ERROR },
    );
    await flush();
  };
  const send = (event: { type: 'cancel'; abort?: boolean }) => async () => {
    sut.actor!.send(event);
    await flush();
  };

  const events: Record<string, () => Promise<void>> = {
    START_FILE: start(fileParams, 'file'),
    START_INFERENCE: start(inferenceParams, 'inference'),
    START_INVALID: start({ project: 1, agent: 3, target_specification_name: 'annotation' }),
    PROJECT_OK: answer(queues.loadProject, (call) => call.resolve({ id: 1, data_collection: 10 })),
    PROJECT_WITHOUT_DATA_COLLECTION: answer(queues.loadProject, (call) =>
      call.resolve({ id: 1, data_collection: null }),
    ),
    PROJECT_ERROR: answer(queues.loadProject, (call) => call.reject(new ClientError(404))),
    DATA_COLLECTION_WITH_TARGET: answer(queues.loadDataCollection, (call) =>
      call.resolve({ id: 10, file_specifications: [{ name: 'image' }, { name: 'annotation' }] }),
    ),
    DATA_COLLECTION_WITHOUT_TARGET: answer(queues.loadDataCollection, (call) =>
      call.resolve({ id: 10, file_specifications: [{ name: 'image' }, { name: 'labels' }] }),
    ),
    DATA_COLLECTION_ERROR: answer(queues.loadDataCollection, (call) => call.reject(new ClientError(500))),
    RELEASE_OK: answer(queues.loadPluginRelease, (call) => call.resolve(releaseWithCode)),
    RELEASE_WITHOUT_CODE: answer(queues.loadPluginRelease, (call) =>
      call.resolve({ id: 7, config: { actions: {} } }),
    ),
    RELEASE_ERROR: answer(queues.loadPluginRelease, (call) => call.reject(new ClientError(404))),
    PRE_PROCESSOR_READY: answer(queues.preProcessor, (call) =>
      call.resolve({ status: 'ready', serveApplicationStatus: 'RUNNING', dispatched: true, polls: 2 }),
    ),
    PRE_PROCESSOR_FAILED: answer(queues.preProcessor, (call) =>
      call.resolve({ status: 'failed', error: preProcessorFailure }),
    ),
    PAGE: async () => {
      const taskIds = Array.from({ length: PAGE_SIZE }, (_, i) => discovery.discovered + i + 1);
      discovery.discovered += PAGE_SIZE;
      await discover({ type: 'discovery.page', taskIds, count: null })();
    },
    LAST_PAGE: discover({ type: 'discovery.done' }),
    DISCOVERY_ERROR: discover({ type: 'discovery.error', error: new ClientError(503) }),
    TASK_SUCCEEDS: endOldestTask('succeeded'),
    TASK_FAILS: endOldestTask('failed'),
    CANCEL: send({ type: 'cancel' }),
    CANCEL_ABORT: send({ type: 'cancel', abort: true }),
  };
  return { sut, events };
}

type SystemUnderTest = ReturnType<typeof createSystemUnderTest>['sut'];

function expectLoading(sut: SystemUnderTest, value: string, slot: string, input: unknown): void {
  expect(sut.actor?.getSnapshot().value).toBe(value);
  expect(pendingCalls(sut.queues)).toEqual({ [slot]: [input] });
  expect(sut.tasks).toEqual([]);
}

const plans = { file: filePlan, inference: inferencePlan };

/** Tasks, discovery and reports while annotating: what a user (or the platform) can see of the loop. */
function expectAnnotating(sut: SystemUnderTest, model: ModelSnapshot, phase: 'running' | 'draining'): void {
  const { context } = model;
  expect(sut.actor?.getSnapshot().value).toEqual({ annotating: phase });
  expect(pendingCalls(sut.queues)).toEqual({});
  expect(sut.discovery.input).toEqual({ project: 1, filters: {}, pageSize: PAGE_SIZE });
  expect(1 + sut.discovery.asked - sut.discovery.answered).toBe(context.fetchingPage ? 1 : 0);
  // Each discovered task starts once, in discovery order, with the job's plan.
  const started = context.discovered - context.queue.length;
  expect(sut.tasks.map((task) => task.input.taskId)).toEqual(
    Array.from({ length: started }, (_, i) => i + 1),
  );
  for (const task of sut.tasks) expect(task.input.plan).toEqual(plans[sut.method!]);
  expect(
    sut.tasks.filter((task) => !task.ended && !task.signal.aborted).map((task) => task.input.taskId),
  ).toEqual(context.inFlight);
  expectTaskReports(sut, context);
}

function expectTaskReports(sut: SystemUnderTest, context: JobModelContext): void {
  const reported = sut.emitted.flatMap((event) =>
    event.type === 'task.failed' ? [{ task_id: event.taskId, error: event.error }] : [],
  );
  expect(byTaskId(reported)).toEqual(byTaskId(context.failures));
  expect(sut.emitted.filter((event) => event.type === 'task.succeeded')).toHaveLength(context.success);
  // Tasks stopped by an abort are the ones whose calls were aborted; no other task was.
  const aborted = sut.tasks
    .filter((task) => task.signal.aborted && !task.ended)
    .map((task) => task.input.taskId);
  expect(aborted.sort()).toEqual(
    context.failures.filter((failure) => failure.error === CANCELLED).map((failure) => failure.task_id),
  );
}

function expectEnded(
  sut: SystemUnderTest,
  model: ModelSnapshot,
  end: 'finished' | 'stopped' | 'failed',
): void {
  const snapshot = sut.actor!.getSnapshot();
  expect([snapshot.status, snapshot.value]).toEqual(['done', end]);
  const expected = expectedResult(model.context, end);
  const output = snapshot.output!;
  expect({ ...output.result, failures: byTaskId(output.result.failures) }).toEqual(expected);
  expect(output.result.success_count + output.result.failed_count + output.result.skipped_count).toBe(
    output.result.total_tasks,
  );
  if (end === 'failed') expect(output.error?.message).toBe(expected.message);
  else expect(output.error).toBeNull();
  // `execute()` rejects with the pre-processor's own error, its phase and status intact.
  if (model.context.error?.startsWith('Pre-processor deployment'))
    expect(output.error).toBe(preProcessorFailure);
  expect(sut.emitted.at(-1)).toEqual({ type: 'job.finished', result: output.result });
  // Nothing is left running: no call waiting, no task, no discovery.
  expect(pendingCalls(sut.queues)).toEqual({});
  // A cancel while loading stops the call in flight (its signal aborts); no other call is ever cut short.
  const abortedCalls = Object.values(sut.queues).flatMap((queue): unknown[] => queue.aborted);
  expect(abortedCalls).toHaveLength(end === 'stopped' && !sut.discovery.input ? 1 : 0);
  expect(sut.tasks.filter((task) => !task.ended && !task.signal.aborted)).toEqual([]);
  if (sut.discovery.input) expect(sut.discovery.stopped).toBe(true);
  expectTaskReports(sut, model.context);
}

/** What the real machine must look like in each abstract state. */
const stateChecks: Record<string, (sut: SystemUnderTest, model: ModelSnapshot) => void> = {
  idle: (sut) => expect(sut.actor).toBeUndefined(),
  loadingProject: (sut) => expectLoading(sut, 'loadingProject', 'loadProject', { projectId: 1 }),
  loadingDataCollection: (sut) =>
    expectLoading(sut, 'loadingDataCollection', 'loadDataCollection', { dataCollectionId: 10 }),
  loadingRelease: (sut) => expectLoading(sut, 'loadingPluginRelease', 'loadPluginRelease', { releaseId: 7 }),
  startingPreProcessor: (sut) =>
    expectLoading(sut, 'startingPreProcessor', 'preProcessor', {
      pluginCode: 'detector',
      agent: 3,
      requiredResources: { required_gpu_count: 1 },
      pollIntervalSeconds: 5,
      timeoutSeconds: 60,
      now: expect.any(Function),
    }),
  'annotating.running': (sut, model) => expectAnnotating(sut, model, 'running'),
  'annotating.draining': (sut, model) => expectAnnotating(sut, model, 'draining'),
  finished: (sut, model) => expectEnded(sut, model, 'finished'),
  stopped: (sut, model) => expectEnded(sut, model, 'stopped'),
  failed: (sut, model) => expectEnded(sut, model, 'failed'),
};

describe('toTask machine against an abstract job model', () => {
  // Guarded model events (a page only while one is fetched, a task end only while one runs) are offered only when
  // enabled, so that no path holds a step the model ignores but the system would act on.
  const model = createTestModel(jobModel, {
    filterEvents: (state: ModelSnapshot, event: { type: string }) => state.can(event),
  } as never);
  const paths = model.getShortestPaths();

  it('generates paths that take every model transition and end in every way a job can end', () => {
    const taken = new Set<string>();
    for (const path of paths) {
      const run = replayOnLiveActor(jobModel, path as never);
      for (const key of run.taken) taken.add(key);
    }
    expect([...declaredTransitions(jobModel).keys()].filter((key) => !taken.has(key))).toEqual([]);

    const ends = new Set(
      paths
        .filter((path) => path.state.status === 'done')
        .map((path) => expectedResult(path.state.context, path.state.value as never).status),
    );
    expect([...ends].sort()).toEqual(['FAILED', 'STOPPED', 'SUCCEEDED']);
  });

  it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
    const { sut, events } = createSystemUnderTest();
    await path.test({ states: stateChecksOn(sut, stateChecks), events });
    expect(sut.errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Traversal of the real machine

type MachineSnapshot = SnapshotFrom<typeof toTaskMachine>;

/** Answers of the job's own calls, by actor source. */
const callAnswers: Record<string, unknown[]> = {
  loadProject: [
    { id: 1, data_collection: 10 },
    { id: 1, data_collection: null },
  ],
  loadDataCollection: [
    { id: 10, file_specifications: [{ name: 'annotation' }] },
    { id: 10, file_specifications: [] },
  ],
  loadPluginRelease: [releaseWithCode, { id: 7, config: {} }],
  preProcessor: [
    { status: 'ready', serveApplicationStatus: 'RUNNING', dispatched: false, polls: 0 },
    { status: 'failed', error: preProcessorFailure },
  ],
};

/**
 * Traversal bounds: one slot and one page of two tasks already take every transition (a queue, a pull after a task
 * ends, a task in flight while draining); the model above exercises a full pool of two.
 */
const TRAVERSAL = { concurrency: 1, pageSize: 2, maxTasks: 2 };

/** The events the machine's actors and its host can send in a snapshot: call answers, task pages and ends, cancels. */
function jobEvents(snapshot: MachineSnapshot): EventObject[] {
  const events: EventObject[] = [
    { type: 'cancel' },
    { type: 'cancel', abort: true } as EventObject,
    // The relay only forwards events: it has no answer and cannot fail.
    ...actorAndTimerEvents(toTaskMachine, {
      outputs: (src) => callAnswers[src] ?? [],
      error: (src) => (src === 'preProcessorRelay' ? undefined : new ClientError(500)),
    }),
  ];
  const { context } = snapshot;
  // The relay forwards the pre-processor's progress while it runs.
  if (snapshot.matches('startingPreProcessor')) {
    const event = { type: 'preProcessor.detecting', pluginCode: 'detector', agent: 3 };
    events.push({ type: 'preProcessor.event', event } as EventObject);
  }
  // A bounded discovery, answered only while a page is being fetched.
  if (!context.exhausted && context.error === null && (context.pulling || context.discovered === 0)) {
    if (context.discovered < TRAVERSAL.maxTasks) {
      const taskIds = Array.from({ length: TRAVERSAL.pageSize }, (_, i) => context.discovered + i + 1);
      events.push({ type: 'discovery.page', taskIds, count: null } as EventObject);
    }
    events.push({ type: 'discovery.done' }, {
      type: 'discovery.error',
      error: new ClientError(503),
    } as EventObject);
  }
  context.slots.forEach((taskId, slot) => {
    if (taskId === null) return;
    const type = `xstate.done.actor.slot-${slot}`;
    events.push({ type, output: { taskId, status: 'succeeded' } } as EventObject);
    events.push({ type, output: { taskId, status: 'failed', error: TASK_ERROR } } as EventObject);
    // A task actor that threw (a bug, not a task failure) still frees its slot.
    events.push({ type: `xstate.error.actor.slot-${slot}`, error: new TypeError('bug') } as EventObject);
  });
  return handledEvents(snapshot, events);
}

/**
 * Shortest paths to every (state, what the context has learnt, incoming event type, previous state): each transition
 * ends some path. The event's payload is left out of the key: what it taught the machine is in the context, and the
 * pure traversal shares one actor system, where a second `preProcessor` child (a system id) may not be created.
 */
function realMachinePaths(input: ToTaskInput): StatePath<MachineSnapshot, EventObject>[] {
  return getShortestPaths(toTaskMachine, {
    input,
    events: jobEvents as never,
    serializeState: (snapshot, event, previous) => {
      const c = snapshot.context;
      return JSON.stringify([
        snapshot.value,
        snapshot.status,
        [
          c.dataCollectionId,
          c.plan?.method,
          c.pluginCode,
          c.queue,
          c.slots,
          c.discovered,
          c.exhausted,
          c.pulling,
        ],
        [c.success, c.failed, c.stopped, c.error?.message ?? null],
        event?.type ?? null,
        previous?.value ?? null,
      ]);
    },
  }) as StatePath<MachineSnapshot, EventObject>[];
}

const traversalInputs: Record<string, ToTaskInput> = {
  file: {
    params: fileParams,
    concurrency: TRAVERSAL.concurrency,
    pageSize: TRAVERSAL.pageSize,
    now: () => 0,
  },
  inference: {
    params: inferenceParams,
    concurrency: TRAVERSAL.concurrency,
    pageSize: TRAVERSAL.pageSize,
    now: () => 0,
  },
  invalid: { params: { name: 'x' }, now: () => 0 },
};

describe('toTask machine traversal', () => {
  const machine = toTaskMachine.provide({
    actors: {
      loadProject: unanswered(),
      loadDataCollection: unanswered(),
      loadPluginRelease: unanswered(),
      preProcessor: unanswered<PreProcessorOutput, PreProcessorInput>() as never,
      taskDiscovery: fromCallback<DiscoveryPull, TaskDiscoveryInput>(() => undefined),
      annotateTask: unanswered<AnnotateTaskOutput, AnnotateTaskInput>() as never,
    },
  });
  // Generated in a hook, not at collection: a machine that throws while being traversed fails these tests only.
  let runs: { input: ToTaskInput; path: StatePath<MachineSnapshot, EventObject> }[] = [];
  beforeAll(() => {
    runs = Object.values(traversalInputs).flatMap((input) =>
      realMachinePaths(input).map((path) => ({ input, path })),
    );
  });

  it('reaches every state node and takes every declared transition', () => {
    const { taken, entered } = replayRuns(machine, runs);
    expectEveryStateNodeReached(toTaskMachine, entered);
    expectEveryDeclaredTransitionTaken(toTaskMachine, taken, [
      'xstate.done.actor.',
      'xstate.error.actor.',
      '--always[',
      '--cancel[',
      '--discovery.',
    ]);
  });

  it('ends every traversal that stops with counts that add up and every failure listed once', () => {
    const finals = runs.filter(({ path }) => path.state.status === 'done');
    expect(new Set(finals.map(({ path }) => path.state.value))).toEqual(
      new Set(['finished', 'stopped', 'failed']),
    );
    for (const { path } of finals) {
      const { result, error } = path.state.output!;
      expect(result.success_count + result.failed_count + result.skipped_count).toBe(result.total_tasks);
      expect(result.failures).toHaveLength(result.failed_count);
      expect(new Set(result.failures.map((failure) => failure.task_id)).size).toBe(result.failed_count);
      if (path.state.value === 'finished') {
        // A loop that ran to its end failed only if every task failed.
        const allFailed = result.success_count === 0 && result.failed_count > 0;
        expect(result.status).toBe(allFailed ? 'FAILED' : 'SUCCEEDED');
        expect(result.skipped_count).toBe(0);
      } else {
        expect(result.status).toBe(path.state.value === 'stopped' ? 'STOPPED' : 'FAILED');
      }
      if (path.state.value === 'failed') expect(error?.message).toBe(result.message);
      else expect(error).toBeNull();
    }
  });
});
