/**
 * The plugin's hooks behind the `convertFromFile` / `convertFromInference` slots. A hook's error reaches users only
 * as its type and first line, scrubbed of secrets and URLs; the per-task `AbortSignal` is made available to the
 * helpers a hook calls (`fetchDataFile`) through {@link currentTask}.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { fromPromise } from 'xstate';
import type { ConvertFromFileInput, ConvertFromInferenceInput } from '../../machines/annotateTask.machine.js';
import { errorTypeName, PluginHookError } from '../../machines/errors.js';
import { errorLine } from '../client/redact.js';

/** The two conversion hooks of a to_task plugin (SPEC §4); sync or async. */
export interface ToTaskHooks {
  convertDataFromFile(
    primaryFileUrl: string,
    primaryFileName: string,
    dataFileUrl: string,
    dataFileName: string,
    taskData?: Record<string, unknown>,
  ): unknown;
  convertDataFromInference(inferenceData: unknown, taskData?: Record<string, unknown>): unknown;
}

/** The task a hook runs for: its id and the signal that aborts when the job cancels it. */
export interface TaskScope {
  taskId: number;
  signal: AbortSignal;
}

const taskScope = new AsyncLocalStorage<TaskScope>();

/** The task whose hook is running (inside a hook call, and anything it awaits), or undefined outside. */
export function currentTask(): TaskScope | undefined {
  return taskScope.getStore();
}

/** Removes secrets from a text about to reach a user. */
export type Scrub = (text: string) => string;

function toHookError(error: unknown, scrub: Scrub): PluginHookError {
  return new PluginHookError(errorTypeName(error), errorLine(error, { scrub, maxLength: 300 }));
}

async function callHook(scope: TaskScope, scrub: Scrub, call: () => unknown): Promise<unknown> {
  try {
    return await taskScope.run(scope, call);
  } catch (error) {
    throw toHookError(error, scrub);
  }
}

/** `convertDataFromFile(primaryFileUrl, primaryFileName, dataFileUrl, dataFileName, taskData)` */
export const convertFromFile = (hooks: ToTaskHooks, scrub: Scrub) =>
  fromPromise<unknown, ConvertFromFileInput>(({ input, signal }) =>
    callHook({ taskId: input.taskId, signal }, scrub, () =>
      hooks.convertDataFromFile(
        input.primaryFileUrl,
        input.primaryFileName,
        input.dataFileUrl,
        input.dataFileName,
        input.taskData,
      ),
    ),
  );

/** `convertDataFromInference(inferenceData, taskData)` */
export const convertFromInference = (hooks: ToTaskHooks, scrub: Scrub) =>
  fromPromise<unknown, ConvertFromInferenceInput>(({ input, signal }) =>
    callHook({ taskId: input.taskId, signal }, scrub, () =>
      hooks.convertDataFromInference(input.inferenceData, input.taskData),
    ),
  );
