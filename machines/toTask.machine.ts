/**
 * The to_task job (SPEC §5): validate → load the project and its data collection → prepare (file: the target
 * specification exists; inference: load the plugin release, then run the pre-processor machine once) → discover tasks
 * page by page → annotate them with bounded concurrency, one `annotateTask` child each → finish with the result.
 *
 * A `cancel` event stops taking new tasks: in-flight tasks finish (or, with `abort: true`, are stopped, which aborts
 * their calls through their `AbortSignal`) and the job ends `STOPPED`. Holds no I/O: `src/actors` fills the slots.
 */
import { assign, emit, enqueueActions, fromCallback, setup } from 'xstate';
import {
  type AnnotateTaskOutput,
  type AnnotationPlan,
  annotateTaskMachine,
  describeCallError,
} from './annotateTask.machine.js';
import { errorTypeName, jobMessages, ToTaskError } from './errors.js';
import { positiveInteger, positiveSeconds } from './options.js';
import { parseToTaskParams, type ToTaskParams } from './params.js';
import {
  defaultPollIntervalSeconds,
  defaultTimeoutSeconds,
  type PreProcessorEmitted,
  type PreProcessorOutput,
  preProcessorMachine,
} from './preProcessor.machine.js';
import {
  appendFailures,
  buildResult,
  type FailureLog,
  type ProgressFigures,
  progressFigures,
  type ToTaskResult,
} from './result.js';
import { actorSlot, isRecord } from './values.js';

/** Tasks annotated at once unless the job says otherwise. */
export const defaultConcurrency = 8;
/** Tasks asked for per page of `sdk/tasks/` unless the job says otherwise. */
export const defaultPageSize = 100;

/** Input of the to_task machine: raw parameters (validated by the machine) and how to run. */
export interface ToTaskInput {
  params: unknown;
  /** Tasks annotated at once. Default 8. */
  concurrency?: number;
  /** Tasks asked for per page of `sdk/tasks/`. Default 100. */
  pageSize?: number;
  /** Pre-processor poll interval, seconds (default 10). */
  pollIntervalSeconds?: number;
  /** Pre-processor timeout from dispatch, seconds (default 180). */
  timeoutSeconds?: number;
  /** Seconds a plugin hook may take before its task fails (default: no limit). */
  hookTimeoutSeconds?: number;
  /** Clock read for elapsed time and throughput; pass `SimulatedClock#now` in tests. */
  now?: () => number;
}

/** Events a host sends to the job. */
export type ToTaskEvent =
  /** Stop taking new tasks; `abort: true` also stops the tasks in flight (their calls are aborted). */
  | { type: 'cancel'; abort?: boolean }
  | { type: 'discovery.page'; taskIds: number[]; count: number | null }
  | { type: 'discovery.done' }
  | { type: 'discovery.error'; error: unknown }
  | { type: 'preProcessor.event'; event: PreProcessorEmitted };

/** What the discovery actor receives: a request for the next page (the first page comes unasked). */
export type DiscoveryPull = { type: 'discovery.pull' };

export interface TaskDiscoveryInput {
  project: number;
  filters: Record<string, unknown>;
  pageSize: number;
}

/** Events the job emits (`actor.on(type, listener)`); pre-processor events are relayed as they are. */
export type ToTaskEmitted =
  | { type: 'job.started'; method: 'file' | 'inference'; project: number; name: string }
  | { type: 'job.phase'; phase: 'loading' | 'preparing' | 'preProcessor' | 'annotating' | 'draining' }
  | PreProcessorEmitted
  | { type: 'tasks.discovered'; total: number; discovered: number }
  | { type: 'task.succeeded'; taskId: number }
  | { type: 'task.failed'; taskId: number; error: string }
  | ({ type: 'progress' } & ProgressFigures)
  | { type: 'job.finished'; result: ToTaskResult };

/** The job's end: the result, and for a job-level failure the error `execute()` rejects with. */
export interface ToTaskOutput {
  result: ToTaskResult;
  error: Error | null;
}

/** The machine's context: read it from snapshots; it is built from the input, never passed in. */
export interface ToTaskContext {
  rawParams: unknown;
  params: ToTaskParams | null;
  concurrency: number;
  pageSize: number;
  pollIntervalSeconds: number;
  timeoutSeconds: number;
  hookTimeoutSeconds: number | undefined;
  now: () => number;
  dataCollectionId: number | null;
  plan: AnnotationPlan | null;
  pluginCode: string | null;
  requiredResources: unknown;
  /** Discovered ids not started yet: at most about a page and a prefetched page. */
  queue: number[];
  /**
   * Task actor slots, `slot-<i>` for i < concurrency: the task in each, or null. Child ids come from this fixed pool
   * because XState caches transitions per event type, and a `xstate.done.actor.task-<id>` type per task would grow
   * that cache with every task.
   */
  slots: (number | null)[];
  discovered: number;
  expectedTotal: number;
  exhausted: boolean;
  pulling: boolean;
  success: number;
  failed: number;
  /** Only failures are kept: memory stays flat in the number of tasks that succeed. */
  failures: FailureLog;
  /** When the first task started (null before): the origin of throughput and ETA. */
  startedAt: number | null;
  stopped: boolean;
  error: Error | null;
}

function specificationNames(dataCollection: unknown): string[] {
  const specifications = isRecord(dataCollection) ? dataCollection.file_specifications : undefined;
  if (!Array.isArray(specifications)) return [];
  return specifications.flatMap((specification) =>
    isRecord(specification) && typeof specification.name === 'string' ? [specification.name] : [],
  );
}

/** A task actor's output, or for a task actor that threw, a failure naming the error's type. */
function taskOutputOf(event: { type: string }, taskId: number | null | undefined): AnnotateTaskOutput | null {
  if ('error' in event && typeof taskId === 'number') {
    return { taskId, status: 'failed', error: `Task failed unexpectedly (${errorTypeName(event.error)})` };
  }
  const output = 'output' in event ? event.output : undefined;
  return isRecord(output) && typeof output.taskId === 'number'
    ? (output as unknown as AnnotateTaskOutput)
    : null;
}

/** Relays the pre-processor child's emitted events to the job, so one listener on the job sees every phase. */
const preProcessorRelay = fromCallback<{ type: string }, { systemId: string }>(
  ({ input, system, sendBack }) => {
    const child = system.get(input.systemId);
    const subscription = child?.on('*', (event: PreProcessorEmitted) =>
      sendBack({ type: 'preProcessor.event', event }),
    );
    return () => subscription?.unsubscribe();
  },
);

/**
 * The to_task job machine, with empty actor slots (`loadProject`, `loadDataCollection`, `loadPluginRelease`,
 * `taskDiscovery`) and the `preProcessor` and `annotateTask` machines as children (their own slots empty too).
 * `provideToTaskMachine(client, hooks)` fills everything; `startToTask` also wires events, cancel and reporting.
 *
 * @example
 * const actor = createActor(provideToTaskMachine(client, hooks), { input: { params, concurrency: 8 } });
 * actor.on('progress', (p) => console.log(p.done, p.total));
 * const { result } = await toPromise(actor.start());
 */
export const toTaskMachine = setup({
  types: {
    input: {} as ToTaskInput,
    context: {} as ToTaskContext,
    events: {} as ToTaskEvent,
    output: {} as ToTaskOutput,
    emitted: {} as ToTaskEmitted,
  },
  actors: {
    loadProject: actorSlot<unknown, { projectId: number }>('loadProject'),
    loadDataCollection: actorSlot<unknown, { dataCollectionId: number }>('loadDataCollection'),
    loadPluginRelease: actorSlot<unknown, { releaseId: number }>('loadPluginRelease'),
    preProcessor: preProcessorMachine,
    preProcessorRelay,
    taskDiscovery: fromCallback<DiscoveryPull, TaskDiscoveryInput>(() => {
      throw new Error('The `taskDiscovery` actor was not provided');
    }),
    annotateTask: annotateTaskMachine,
  },
  guards: {
    paramsValid: ({ context }) => context.params !== null,
    projectHasDataCollection: ({ context }) => context.dataCollectionId !== null,
    fileMethod: ({ context }) => context.params?.method === 'file',
    targetSpecificationFound: ({ context }) => context.plan !== null,
    releaseHasCode: ({ context }) => context.pluginCode !== null,
    preProcessorReady: ({ event }) =>
      'output' in event && (event.output as PreProcessorOutput | undefined)?.status === 'ready',
    noTaskDiscovered: ({ context }) => context.exhausted && context.discovered === 0,
    allTasksDone: ({ context }) =>
      context.exhausted && context.queue.length === 0 && inFlight(context).length === 0,
    nothingInFlight: ({ context }) => inFlight(context).length === 0,
    abortRequested: ({ event }) => event.type === 'cancel' && event.abort === true,
    cancelled: ({ context }) => context.stopped,
    jobFailed: ({ context }) => context.error !== null,
  },
  actions: {
    failWith: assign({ error: (_, error: Error) => error }),
    failPreProcessor: assign({
      error: ({ event }) => {
        const cause = 'error' in event ? event.error : undefined;
        return new ToTaskError('platform', `Pre-processor failed unexpectedly (${errorTypeName(cause)})`, {
          cause,
        });
      },
    }),
    failDiscovery: assign({
      error: ({ event }) => {
        const cause = 'error' in event ? event.error : undefined;
        return new ToTaskError('platform', `Task discovery failed (${describeCallError(cause)})`, { cause });
      },
    }),
    /** A platform call before the loop failed: `Could not load project (ClientError 404)`, the error as cause. */
    failLoading: assign({
      error: ({ event }, what: string) => {
        const cause = 'error' in event ? event.error : undefined;
        return new ToTaskError('platform', `Could not load ${what} (${describeCallError(cause)})`, { cause });
      },
    }),
    /** Start queued tasks up to the concurrency; ask for the next page when the queue runs low. */
    startTasks: enqueueActions(({ context, enqueue }) => {
      if (context.stopped || context.error) return;
      const slots = [...context.slots];
      const queue = [...context.queue];
      for (let slot = 0; slot < slots.length && queue.length > 0; slot++) {
        if (slots[slot] !== null) continue;
        const taskId = queue.shift()!;
        slots[slot] = taskId;
        enqueue.spawnChild('annotateTask', {
          id: slotId(slot),
          input: { taskId, plan: context.plan!, hookTimeoutSeconds: context.hookTimeoutSeconds },
        });
      }
      const pull = !context.exhausted && !context.pulling && queue.length < context.concurrency;
      enqueue.assign({
        queue,
        slots,
        pulling: context.pulling || pull,
        startedAt: context.startedAt ?? context.now(),
      });
      if (pull) enqueue.sendTo('discovery', { type: 'discovery.pull' });
    }),
    /** Count a finished task, stop its actor, and report it. */
    recordTask: enqueueActions(({ context, event, enqueue }) => {
      const slot = slotOfEvent(event.type);
      const output = taskOutputOf(event, context.slots[slot]);
      if (!output || slot < 0 || context.slots[slot] !== output.taskId) return;
      enqueue.stopChild(slotId(slot));
      const failed = output.status === 'failed';
      const success = context.success + (failed ? 0 : 1);
      const failedCount = context.failed + (failed ? 1 : 0);
      enqueue.assign({
        slots: context.slots.map((taskId, index) => (index === slot ? null : taskId)),
        success,
        failed: failedCount,
        failures: failed
          ? appendFailures(context.failures, [{ task_id: output.taskId, error: output.error }])
          : context.failures,
      });
      enqueue.emit(
        failed
          ? { type: 'task.failed', taskId: output.taskId, error: output.error }
          : { type: 'task.succeeded', taskId: output.taskId },
      );
      enqueue.emit({
        type: 'progress',
        ...progressFigures({
          success,
          failed: failedCount,
          total: Math.max(context.expectedTotal, context.discovered),
          elapsedMs: context.now() - (context.startedAt ?? context.now()),
        }),
      });
    }),
    /** Stop every task in flight; each counts as failed, since its write may or may not have happened. */
    abortTasks: enqueueActions(({ context, enqueue }) => {
      context.slots.forEach((taskId, slot) => {
        if (taskId !== null) enqueue.stopChild(slotId(slot));
      });
      const aborted = inFlight(context).map((taskId) => ({
        task_id: taskId,
        error: 'Cancelled before completion',
      }));
      enqueue.assign({
        slots: context.slots.map(() => null),
        failed: context.failed + aborted.length,
        failures: appendFailures(context.failures, aborted),
      });
      for (const failure of aborted) {
        enqueue.emit({ type: 'task.failed', taskId: failure.task_id, error: failure.error });
      }
      if (aborted.length > 0) {
        enqueue.emit({
          type: 'progress',
          ...progressFigures({
            success: context.success,
            failed: context.failed + aborted.length,
            total: Math.max(context.expectedTotal, context.discovered),
            elapsedMs: context.now() - (context.startedAt ?? context.now()),
          }),
        });
      }
    }),
    emitFinished: emit(({ context }) => ({ type: 'job.finished' as const, result: resultOf(context) })),
  },
}).createMachine({
  id: 'toTask',
  context: ({ input }) => ({
    rawParams: input.params,
    params: null,
    concurrency: positiveInteger(input.concurrency, defaultConcurrency, 'concurrency'),
    pageSize: positiveInteger(input.pageSize, defaultPageSize, 'pageSize'),
    pollIntervalSeconds: positiveSeconds(
      input.pollIntervalSeconds,
      defaultPollIntervalSeconds,
      'pollIntervalSeconds',
    ),
    timeoutSeconds: positiveSeconds(input.timeoutSeconds, defaultTimeoutSeconds, 'timeoutSeconds'),
    hookTimeoutSeconds:
      input.hookTimeoutSeconds === undefined
        ? undefined
        : positiveSeconds(input.hookTimeoutSeconds, 0, 'hookTimeoutSeconds'),
    now: input.now ?? Date.now,
    dataCollectionId: null,
    plan: null,
    pluginCode: null,
    requiredResources: undefined,
    queue: [],
    slots: Array.from(
      { length: positiveInteger(input.concurrency, defaultConcurrency, 'concurrency') },
      () => null,
    ),
    discovered: 0,
    expectedTotal: 0,
    exhausted: false,
    pulling: false,
    success: 0,
    failed: 0,
    failures: [],
    startedAt: null,
    stopped: false,
    error: null,
  }),
  initial: 'validating',
  on: {
    'preProcessor.event': { actions: emit(({ event }) => event.event) },
  },
  states: {
    validating: {
      entry: assign(({ context }) => {
        try {
          return { params: parseToTaskParams(context.rawParams) };
        } catch (error) {
          return { error: error as Error };
        }
      }),
      always: [
        {
          guard: 'paramsValid',
          target: 'loadingProject',
          actions: emit(({ context }) => ({
            type: 'job.started' as const,
            method: context.params!.method,
            project: context.params!.project,
            name: context.params!.name,
          })),
        },
        { target: 'failed' },
      ],
    },
    loadingProject: {
      entry: emit({ type: 'job.phase', phase: 'loading' }),
      on: { cancel: { target: 'stopped', actions: assign({ stopped: true }) } },
      invoke: {
        src: 'loadProject',
        input: ({ context }) => ({ projectId: context.params!.project }),
        onDone: [
          {
            target: 'checkingProject',
            actions: assign({
              dataCollectionId: ({ event }) => {
                const id = isRecord(event.output) ? event.output.data_collection : undefined;
                return typeof id === 'number' ? id : null;
              },
            }),
          },
        ],
        onError: { target: 'failed', actions: { type: 'failLoading', params: 'project' } },
      },
    },
    checkingProject: {
      always: [
        { guard: 'projectHasDataCollection', target: 'loadingDataCollection' },
        {
          target: 'failed',
          actions: {
            type: 'failWith',
            params: () => new ToTaskError('no_data_collection', jobMessages.noDataCollection),
          },
        },
      ],
    },
    loadingDataCollection: {
      on: { cancel: { target: 'stopped', actions: assign({ stopped: true }) } },
      invoke: {
        src: 'loadDataCollection',
        input: ({ context }) => ({ dataCollectionId: context.dataCollectionId! }),
        onDone: {
          target: 'preparing',
          actions: assign({
            plan: ({ context, event }) => {
              const params = context.params!;
              if (params.method !== 'file') return null;
              const name = params.target_specification_name!;
              return specificationNames(event.output).includes(name)
                ? { method: 'file' as const, targetSpecificationName: name }
                : null;
            },
          }),
        },
        onError: { target: 'failed', actions: { type: 'failLoading', params: 'data collection' } },
      },
    },
    preparing: {
      entry: emit({ type: 'job.phase', phase: 'preparing' }),
      always: [
        { guard: 'fileMethod', target: 'checkingTargetSpecification' },
        { target: 'loadingPluginRelease' },
      ],
    },
    checkingTargetSpecification: {
      always: [
        { guard: 'targetSpecificationFound', target: 'annotating' },
        {
          target: 'failed',
          actions: {
            type: 'failWith',
            params: ({ context }) =>
              new ToTaskError(
                'target_specification_not_found',
                jobMessages.targetSpecificationNotFound(context.params!.target_specification_name!),
              ),
          },
        },
      ],
    },
    loadingPluginRelease: {
      on: { cancel: { target: 'stopped', actions: assign({ stopped: true }) } },
      invoke: {
        src: 'loadPluginRelease',
        input: ({ context }) => ({ releaseId: context.params!.pre_processor! }),
        onDone: {
          target: 'checkingPluginRelease',
          actions: assign(({ event }) => {
            const config = isRecord(event.output) && isRecord(event.output.config) ? event.output.config : {};
            const inference =
              isRecord(config.actions) && isRecord(config.actions.inference) ? config.actions.inference : {};
            return {
              pluginCode: typeof config.code === 'string' && config.code !== '' ? config.code : null,
              requiredResources: inference.required_resources,
            };
          }),
        },
        onError: { target: 'failed', actions: { type: 'failLoading', params: 'pre-processor release' } },
      },
    },
    checkingPluginRelease: {
      always: [
        {
          guard: 'releaseHasCode',
          target: 'startingPreProcessor',
          actions: assign({
            plan: ({ context }) => ({
              method: 'inference' as const,
              pluginCode: context.pluginCode!,
              agent: context.params!.agent,
              model: context.params!.model!,
              preProcessorParams: context.params!.pre_processor_params,
            }),
          }),
        },
        {
          target: 'failed',
          actions: {
            type: 'failWith',
            params: () =>
              new ToTaskError('platform', 'Pre-processor release has no plugin code (config.code)'),
          },
        },
      ],
    },
    startingPreProcessor: {
      entry: emit({ type: 'job.phase', phase: 'preProcessor' }),
      on: { cancel: { target: 'stopped', actions: assign({ stopped: true }) } },
      invoke: [
        // The relay starts first, so it listens before the pre-processor emits its first phase.
        { src: 'preProcessorRelay', input: { systemId: 'preProcessor' } },
        {
          id: 'preProcessor',
          systemId: 'preProcessor',
          src: 'preProcessor',
          input: ({ context }) => ({
            pluginCode: context.pluginCode!,
            agent: context.params!.agent,
            requiredResources: context.requiredResources,
            pollIntervalSeconds: context.pollIntervalSeconds,
            timeoutSeconds: context.timeoutSeconds,
            now: context.now,
          }),
          // Only a bug gets here: the machine ends in `failed` with its own error for every platform failure.
          onError: { target: 'failed', actions: 'failPreProcessor' },
          onDone: [
            { guard: 'preProcessorReady', target: 'annotating' },
            {
              target: 'failed',
              actions: {
                type: 'failWith',
                params: ({ event }) =>
                  event.output.status === 'failed' ? event.output.error : new Error('unreachable'),
              },
            },
          ],
        },
      ],
    },
    annotating: {
      entry: emit({ type: 'job.phase', phase: 'annotating' }),
      invoke: {
        id: 'discovery',
        src: 'taskDiscovery',
        input: ({ context }) => ({
          project: context.params!.project,
          filters: context.params!.task_filters,
          pageSize: context.pageSize,
        }),
      },
      on: {
        'discovery.page': {
          actions: [
            assign(({ context, event }) => {
              // A task listed again (the list shifted between pages) while it waits or runs is not started twice.
              const taskIds = newTaskIds(context, event.taskIds);
              return {
                queue: [...context.queue, ...taskIds],
                discovered: context.discovered + taskIds.length,
                expectedTotal: event.count ?? context.expectedTotal,
                pulling: false,
              };
            }),
            emit(({ context }) => ({
              type: 'tasks.discovered' as const,
              total: Math.max(context.expectedTotal, context.discovered),
              discovered: context.discovered,
            })),
            'startTasks',
          ],
        },
        'discovery.done': { actions: [assign({ exhausted: true, pulling: false }), 'startTasks'] },
        'discovery.error': [
          // After a cancel no further page was needed: the job ends STOPPED, as the user asked, not FAILED.
          { guard: 'cancelled', actions: assign({ pulling: false }) },
          { target: '.draining', actions: 'failDiscovery' },
        ],
        // The discovery actor itself broke (not a page that failed): no more tasks can come.
        'xstate.error.actor.discovery': { target: '.draining', actions: 'failDiscovery' },
        'xstate.done.actor.*': { actions: ['recordTask', 'startTasks'] },
        // A task actor that broke (a bug, not a task failure) still frees its slot and counts as failed.
        'xstate.error.actor.*': { actions: ['recordTask', 'startTasks'] },
      },
      initial: 'running',
      states: {
        running: {
          always: [
            {
              guard: 'noTaskDiscovered',
              target: '#toTask.failed',
              actions: { type: 'failWith', params: () => new ToTaskError('no_tasks', jobMessages.noTasks) },
            },
            { guard: 'allTasksDone', target: '#toTask.finished' },
          ],
          on: {
            cancel: [
              {
                guard: 'abortRequested',
                target: 'draining',
                actions: [assign({ stopped: true }), 'abortTasks'],
              },
              { target: 'draining', actions: assign({ stopped: true }) },
            ],
          },
        },
        /** No new task starts; the job ends when the tasks in flight are done. */
        draining: {
          entry: emit({ type: 'job.phase', phase: 'draining' }),
          always: [{ guard: 'nothingInFlight', target: '#toTask.ended' }],
          on: { cancel: { guard: 'abortRequested', actions: 'abortTasks' } },
        },
      },
    },
    ended: {
      always: [{ guard: 'jobFailed', target: 'failed' }, { target: 'stopped' }],
    },
    finished: { type: 'final', entry: 'emitFinished' },
    stopped: { type: 'final', entry: 'emitFinished' },
    failed: { type: 'final', entry: 'emitFinished' },
  },
  output: ({ context }) => ({ result: resultOf(context), error: context.error }),
});

function slotId(slot: number): string {
  return `slot-${slot}`;
}

/** The slot a `xstate.done.actor.slot-<i>` (or error) event comes from, or -1. */
function slotOfEvent(type: string): number {
  const match = /\.slot-(\d+)$/.exec(type);
  return match ? Number(match[1]) : -1;
}

/** Ids of a page that are neither queued nor running already (nor repeated within the page). */
function newTaskIds(context: ToTaskContext, taskIds: readonly number[]): number[] {
  const known = new Set<number>([...context.queue, ...inFlight(context)]);
  const fresh: number[] = [];
  for (const taskId of taskIds) {
    if (known.has(taskId)) continue;
    known.add(taskId);
    fresh.push(taskId);
  }
  return fresh;
}

function inFlight(context: ToTaskContext): number[] {
  return context.slots.filter((taskId): taskId is number => taskId !== null);
}

function resultOf(context: ToTaskContext): ToTaskResult {
  const counts = {
    total: context.discovered,
    success: context.success,
    failed: context.failed,
    failures: context.failures,
  };
  if (context.error) return buildResult(counts, { jobError: context.error.message });
  return buildResult(counts, { stopped: context.stopped });
}
