/**
 * One task's path (SPEC §5.5): fetch the task → resolve its files (fetching the data unit when the task's answer has
 * none) → convert with the plugin's hook (file method) or run inference then the hook (inference method) → submit.
 * Ends in `succeeded` or `failed` with a message that says what went wrong for this task. Holds no I/O: the actor
 * slots are filled by `src/actors`.
 */
import { assign, setup } from 'xstate';
import { errorTypeName, PluginHookError, taskMessages } from './errors.js';
import { maxTimerMs, positiveSeconds } from './options.js';
import {
  describeValue,
  fileOfSpecification,
  isPlainObject,
  normalizeFiles,
  primaryFileOf,
  resolveDataUnit,
  type TaskFile,
} from './taskFiles.js';
import { actorSlot, isRecord, outputOf } from './values.js';

/** How a task is annotated; the same for every task of a job. */
export type AnnotationPlan =
  | { method: 'file'; targetSpecificationName: string }
  | {
      method: 'inference';
      pluginCode: string;
      agent: number;
      model: number;
      preProcessorParams: Record<string, unknown>;
    };

/** Input of one task's machine: the task id and the job's plan. */
export interface AnnotateTaskInput {
  taskId: number;
  plan: AnnotationPlan;
  /** Seconds a hook may take before its task fails; none by default. */
  hookTimeoutSeconds?: number;
}

/** `convertDataFromFile(primaryFileUrl, primaryFileName, dataFileUrl, dataFileName, taskData)` */
export interface ConvertFromFileInput {
  taskId: number;
  primaryFileUrl: string;
  primaryFileName: string;
  dataFileUrl: string;
  dataFileName: string;
  taskData: Record<string, unknown>;
}

/** `POST plugins/{code}/run/` with `action: 'inference'`. */
export interface RunInferenceInput {
  taskId: number;
  pluginCode: string;
  agent: number;
  model: number;
  imagePath: string;
  preProcessorParams: Record<string, unknown>;
}

/** `convertDataFromInference(inferenceData, taskData)` */
export interface ConvertFromInferenceInput {
  taskId: number;
  inferenceData: unknown;
  taskData: Record<string, unknown>;
}

/** `PUT tasks/{id}/annotate_task_data/` with `{action: 'submit', data}` */
export interface SubmitTaskDataInput {
  taskId: number;
  data: Record<string, unknown>;
}

/** How one task ended: `error` says what went wrong for that task, without secrets. */
export type AnnotateTaskOutput =
  | { taskId: number; status: 'succeeded' }
  | { taskId: number; status: 'failed'; error: string };

/** The machine's context: read it from snapshots; it is built from the input, never passed in. */
export interface AnnotateTaskContext {
  taskId: number;
  plan: AnnotationPlan;
  /** The hook deadline: the longest timer Node keeps (about 24.8 days) when none was given. */
  hookTimeoutMs: number;
  task: Record<string, unknown>;
  files: TaskFile[];
  inferenceData: unknown;
  data: Record<string, unknown>;
  error: string | null;
}

/**
 * A short, secret-free description of a failed call: its type and HTTP status (`ClientError 404`), or for errors
 * raised by plugin code (already redacted by the actor), their message.
 */
export function describeCallError(error: unknown): string {
  const type = errorTypeName(error);
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? `${type} ${status}` : type;
}

/** `convertDataFromFile raised TypeError: <first line>`: only a {@link PluginHookError}'s (redacted) text is shown. */
function hookErrorMessage(hook: string, error: unknown): string {
  if (!(error instanceof PluginHookError)) return `${hook} raised ${errorTypeName(error)}`;
  const message = error.message.split('\n', 1)[0]?.trim();
  return message ? `${hook} raised ${error.errorType}: ${message}` : `${hook} raised ${error.errorType}`;
}

type HookName = 'convertDataFromFile' | 'convertDataFromInference';

/** What follows a hook: its object is submitted; anything else it returns, or throws, fails the task. */
function hookOutcome(hook: HookName) {
  return {
    onDone: [
      { guard: 'hookReturnedObject', target: 'submitting', actions: 'keepHookOutput' },
      { target: 'failed', actions: { type: 'rejectHookOutput', params: hook } },
    ],
    onError: { target: 'failed', actions: { type: 'failHook', params: hook } },
  } as const;
}

/**
 * One task's machine, with empty actor slots (`fetchTask`, `fetchDataUnit`, `convertFromFile`, `runInference`,
 * `convertFromInference`, `submitTaskData`). The job spawns one per task in flight; `provideToTaskMachine` fills them.
 *
 * @example
 * const machine = annotateTaskMachine.provide({ actors: { fetchTask: fromPromise(async ({ input }) => getTask(input.taskId)), ... } });
 * const actor = createActor(machine, { input: { taskId: 1, plan: { method: 'file', targetSpecificationName: 'labels' } } });
 */
export const annotateTaskMachine = setup({
  types: {
    input: {} as AnnotateTaskInput,
    context: {} as AnnotateTaskContext,
    output: {} as AnnotateTaskOutput,
  },
  actors: {
    fetchTask: actorSlot<unknown, { taskId: number }>('fetchTask'),
    fetchDataUnit: actorSlot<unknown, { taskId: number; dataUnitId: number }>('fetchDataUnit'),
    convertFromFile: actorSlot<unknown, ConvertFromFileInput>('convertFromFile'),
    runInference: actorSlot<unknown, RunInferenceInput>('runInference'),
    convertFromInference: actorSlot<unknown, ConvertFromInferenceInput>('convertFromInference'),
    submitTaskData: actorSlot<unknown, SubmitTaskDataInput>('submitTaskData'),
  },
  guards: {
    fileMethod: ({ context }) => context.plan.method === 'file',
    taskHasFiles: ({ context }) => resolveDataUnit(context.task).kind === 'files',
    taskNeedsDataUnit: ({ context }) => resolveDataUnit(context.task).kind === 'fetch',
    noPrimaryFile: ({ context }) => primaryFileOf(context.files) === undefined,
    noTargetFile: ({ context }) =>
      context.plan.method === 'file' &&
      fileOfSpecification(context.files, context.plan.targetSpecificationName) === undefined,
    noInferenceData: ({ event }) =>
      !('output' in event) || event.output === null || event.output === undefined,
    hookReturnedObject: ({ event }) => 'output' in event && isPlainObject(event.output),
  },
  delays: {
    hookTimeout: ({ context }) => context.hookTimeoutMs,
  },
  actions: {
    fail: assign({ error: (_, message: string) => message }),
    timeOutHook: assign({
      error: ({ context }, hook: HookName) =>
        `${hook} did not return within ${context.hookTimeoutMs / 1000} s`,
    }),
    keepHookOutput: assign({ data: ({ event }) => outputOf(event) as Record<string, unknown> }),
    rejectHookOutput: assign({
      error: ({ event }, hook: HookName) =>
        `${hook} returned ${describeValue(outputOf(event))}, expected an object`,
    }),
    failHook: assign({
      error: ({ event }, hook: HookName) =>
        hookErrorMessage(hook, 'error' in event ? event.error : undefined),
    }),
  },
}).createMachine({
  id: 'annotateTask',
  context: ({ input }) => ({
    taskId: input.taskId,
    plan: input.plan,
    hookTimeoutMs:
      input.hookTimeoutSeconds === undefined
        ? maxTimerMs
        : positiveSeconds(input.hookTimeoutSeconds, 0, 'hookTimeoutSeconds') * 1000,
    task: {},
    files: [],
    inferenceData: null,
    data: {},
    error: null,
  }),
  initial: 'fetchingTask',
  states: {
    fetchingTask: {
      invoke: {
        src: 'fetchTask',
        input: ({ context }) => ({ taskId: context.taskId }),
        onDone: {
          target: 'resolvingFiles',
          actions: assign({ task: ({ event }) => (isRecord(event.output) ? event.output : {}) }),
        },
        onError: {
          target: 'failed',
          actions: {
            type: 'fail',
            params: ({ event }) => `Could not fetch task (${describeCallError(event.error)})`,
          },
        },
      },
    },
    resolvingFiles: {
      always: [
        {
          guard: 'taskHasFiles',
          target: 'checkingFiles',
          actions: assign({ files: ({ context }) => normalizeFiles(resolvedFiles(context.task)) }),
        },
        { guard: 'taskNeedsDataUnit', target: 'fetchingDataUnit' },
        { target: 'failed', actions: { type: 'fail', params: taskMessages.noDataUnit } },
      ],
    },
    fetchingDataUnit: {
      invoke: {
        src: 'fetchDataUnit',
        input: ({ context }) => {
          const resolution = resolveDataUnit(context.task);
          return {
            taskId: context.taskId,
            dataUnitId: resolution.kind === 'fetch' ? resolution.dataUnitId : 0,
          };
        },
        onDone: {
          target: 'checkingFiles',
          actions: assign({
            files: ({ event }) => normalizeFiles(isRecord(event.output) ? event.output.files : null),
          }),
        },
        onError: {
          target: 'failed',
          actions: {
            type: 'fail',
            params: ({ event }) => `Could not fetch data unit (${describeCallError(event.error)})`,
          },
        },
      },
    },
    checkingFiles: {
      always: [
        {
          guard: 'noPrimaryFile',
          target: 'failed',
          actions: { type: 'fail', params: taskMessages.noPrimaryFile },
        },
        {
          guard: 'noTargetFile',
          target: 'failed',
          actions: { type: 'fail', params: taskMessages.noTargetFile },
        },
        { guard: 'fileMethod', target: 'convertingFile' },
        { target: 'inferring' },
      ],
    },
    convertingFile: {
      invoke: {
        src: 'convertFromFile',
        input: ({ context }) => {
          const primary = primaryFileOf(context.files)!;
          const target =
            context.plan.method === 'file'
              ? fileOfSpecification(context.files, context.plan.targetSpecificationName)!
              : primary;
          return {
            taskId: context.taskId,
            primaryFileUrl: primary.url!,
            primaryFileName: primary.name,
            dataFileUrl: target.url!,
            dataFileName: target.name,
            taskData: context.task,
          };
        },
        ...hookOutcome('convertDataFromFile'),
      },
      // A hook that never settles would hold its slot, and the job, forever.
      after: {
        hookTimeout: { target: 'failed', actions: { type: 'timeOutHook', params: 'convertDataFromFile' } },
      },
    },
    inferring: {
      invoke: {
        src: 'runInference',
        input: ({ context }) => {
          const plan = context.plan as Extract<AnnotationPlan, { method: 'inference' }>;
          return {
            taskId: context.taskId,
            pluginCode: plan.pluginCode,
            agent: plan.agent,
            model: plan.model,
            imagePath: primaryFileOf(context.files)!.url!,
            preProcessorParams: plan.preProcessorParams,
          };
        },
        onDone: [
          {
            guard: 'noInferenceData',
            target: 'failed',
            actions: { type: 'fail', params: taskMessages.noInferenceData },
          },
          { target: 'convertingInference', actions: assign({ inferenceData: ({ event }) => event.output }) },
        ],
        onError: {
          target: 'failed',
          actions: {
            type: 'fail',
            params: ({ event }) => `Inference failed (${describeCallError(event.error)})`,
          },
        },
      },
    },
    convertingInference: {
      invoke: {
        src: 'convertFromInference',
        input: ({ context }) => ({
          taskId: context.taskId,
          inferenceData: context.inferenceData,
          taskData: context.task,
        }),
        ...hookOutcome('convertDataFromInference'),
      },
      after: {
        hookTimeout: {
          target: 'failed',
          actions: { type: 'timeOutHook', params: 'convertDataFromInference' },
        },
      },
    },
    submitting: {
      invoke: {
        src: 'submitTaskData',
        input: ({ context }) => ({ taskId: context.taskId, data: context.data }),
        onDone: { target: 'succeeded' },
        onError: {
          target: 'failed',
          actions: {
            type: 'fail',
            params: ({ event }) => `Could not submit task data (${describeCallError(event.error)})`,
          },
        },
      },
    },
    succeeded: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) =>
    context.error === null
      ? { taskId: context.taskId, status: 'succeeded' }
      : { taskId: context.taskId, status: 'failed', error: context.error },
});

function resolvedFiles(task: Record<string, unknown>): unknown {
  const dataUnit = task.data_unit;
  return isRecord(dataUnit) ? dataUnit.files : null;
}
