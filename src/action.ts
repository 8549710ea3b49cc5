/**
 * `ToTaskAction`: what a plugin author subclasses (SPEC §4). Override the two hooks; `execute()` runs the job and
 * rejects on job-level failures, `run()` never rejects.
 */

import { checkJobOptions } from '../machines/options.js';
import type { ToTaskResult } from '../machines/result.js';
import { currentTask, type Scrub, type ToTaskHooks } from './actors/hooks.js';
import type { SynapseClient } from './client/types.js';
import { type ToTaskEventListeners, type ToTaskEventName, ToTaskEvents } from './events.js';
import { scrubberFor, startToTask, type ToTaskJob, type ToTaskRunOptions } from './runner.js';

/** What a `ToTaskAction` is constructed with: the run options of {@link startToTask} but the hooks (the action's own). */
export interface ToTaskActionOptions
  extends Pick<
    ToTaskRunOptions,
    | 'params'
    | 'client'
    | 'concurrency'
    | 'pageSize'
    | 'pollIntervalSeconds'
    | 'timeoutSeconds'
    | 'hookTimeoutSeconds'
    | 'signal'
    | 'jobId'
    | 'inspect'
  > {}

/**
 * The pre-annotation `to_task` action. Subclass it and override the conversion hooks.
 *
 * @example
 * class ToTask extends ToTaskAction {
 *   async convertDataFromFile(primaryUrl, primaryName, dataFileUrl) {
 *     const labels = await this.fetchDataFile(dataFileUrl);
 *     return { annotations: labels };
 *   }
 *   convertDataFromInference(inferenceData) {
 *     return { annotations: inferenceData.predictions };
 *   }
 * }
 * const result = await new ToTask({ params, client }).run();
 */
export class ToTaskAction implements ToTaskHooks {
  /** The action's name in a plugin's `config.yaml`. */
  static readonly actionName = 'to_task';

  readonly options: Readonly<ToTaskActionOptions>;
  /** The emitter the job's events go to; kept across runs so listeners attach once. */
  readonly #events = new ToTaskEvents();
  /** The job that is running, so `cancel()` can reach it. */
  #job: ToTaskJob | null = null;

  constructor(options: ToTaskActionOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected \`options\` to be an object, got ${String(options)}`);
    }
    if (typeof options.client !== 'object' || options.client === null) {
      throw new TypeError('Expected `options.client` to be a SynapseClient');
    }
    checkJobOptions(options);
    this.options = Object.freeze({ ...options });
  }

  /** The platform client the job uses; hooks may call it too. */
  get client(): SynapseClient {
    return this.options.client;
  }

  /**
   * File method hook: turn a task's data file into its task data payload. Called with the primary file and the file
   * of `target_specification_name`; read the data file yourself (see {@link fetchDataFile}).
   */
  convertDataFromFile(
    _primaryFileUrl: string,
    _primaryFileName: string,
    _dataFileUrl: string,
    _dataFileName: string,
    _taskData?: Record<string, unknown>,
  ): unknown {
    throw new Error(`${this.constructor.name} does not implement convertDataFromFile`);
  }

  /** Inference method hook: turn the pre-processor's answer into the task data payload. Default: the answer itself. */
  convertDataFromInference(inferenceData: unknown, _taskData?: Record<string, unknown>): unknown {
    return inferenceData;
  }

  /**
   * Fetches and parses a JSON data file with the client's timeouts and retries; inside a hook, the call is aborted
   * when the job cancels the task.
   */
  fetchDataFile(url: string): Promise<unknown> {
    const signal = currentTask()?.signal ?? this.options.signal;
    return this.client.fetchJson(url, signal ? { signal } : {});
  }

  /** Listen to a job event (`progress`, `task.failed`, `preProcessor.waiting`, `job.finished`, ...). */
  on<Name extends ToTaskEventName>(name: Name, listener: ToTaskEventListeners[Name]): this {
    this.#events.on(name, listener);
    return this;
  }

  /** Stop listening. */
  off<Name extends ToTaskEventName>(name: Name, listener?: ToTaskEventListeners[Name]): this {
    this.#events.off(name, listener);
    return this;
  }

  /** Cancel the running job: no new task starts; with `abort: true` the tasks in flight are aborted too. */
  cancel(options: { abort?: boolean } = {}): void {
    this.#job?.cancel(options);
  }

  /**
   * Runs the job. Resolves with the result when the annotation loop ran (`SUCCEEDED`, `FAILED` when every task
   * failed, or `STOPPED`); rejects with a `ToTaskError`, `ParamsError` or `PreProcessorError` on a job-level failure.
   */
  async execute(): Promise<ToTaskResult> {
    const { result, error } = await this.#start();
    if (error) throw error;
    return result;
  }

  /** Runs the job and always resolves: a job-level failure is a `FAILED` result carrying the error's message. */
  async run(): Promise<ToTaskResult> {
    return (await this.#start()).result;
  }

  async #start() {
    const scrub = scrubberFor(this.client);
    const job = startToTask({
      params: this.options.params,
      client: this.client,
      hooks: this,
      concurrency: this.options.concurrency,
      pageSize: this.options.pageSize,
      pollIntervalSeconds: this.options.pollIntervalSeconds,
      timeoutSeconds: this.options.timeoutSeconds,
      hookTimeoutSeconds: this.options.hookTimeoutSeconds,
      signal: this.options.signal,
      jobId: this.options.jobId,
      inspect: this.options.inspect,
      events: this.#events,
    });
    this.#job = job;
    try {
      const output = await job.done;
      return { result: scrubResult(output.result, scrub), error: output.error };
    } finally {
      this.#job = null;
    }
  }
}

function scrubResult(result: ToTaskResult, scrub: Scrub): ToTaskResult {
  return {
    ...result,
    message: scrub(result.message),
    failures: result.failures.map((failure) => ({ ...failure, error: scrub(failure.error) })),
  };
}

/** What a plugin entrypoint may export: a `ToTaskAction` subclass, or a class or object with the two hooks. */
export type ToTaskPlugin =
  | (new (
      options: ToTaskActionOptions,
    ) => ToTaskAction)
  | (new () => ToTaskHooks)
  | ToTaskHooks;

/**
 * True for a `ToTaskAction` subclass: of this copy of the package, or of another copy (a plugin with its own install,
 * a test runner that loads the sources), recognised by its base class's name and static `actionName`.
 *
 * @example
 * isToTaskActionClass(class extends ToTaskAction {}); // true
 */
export function isToTaskActionClass(
  value: unknown,
): value is new (
  options: ToTaskActionOptions,
) => ToTaskHooks {
  if (typeof value !== 'function') return false;
  if (value.prototype instanceof ToTaskAction) return true;
  for (
    let base = Object.getPrototypeOf(value);
    typeof base === 'function';
    base = Object.getPrototypeOf(base)
  ) {
    if (base.name === 'ToTaskAction' && (base as { actionName?: unknown }).actionName === 'to_task')
      return true;
  }
  return false;
}

/**
 * True for what has the two hooks as methods: a plugin object, or a class's prototype.
 *
 * @example
 * hasToTaskHooks({ convertDataFromFile() {}, convertDataFromInference() {} }); // true
 */
export function hasToTaskHooks(value: unknown): value is ToTaskHooks {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as ToTaskHooks).convertDataFromFile === 'function' &&
    typeof (value as ToTaskHooks).convertDataFromInference === 'function'
  );
}

/**
 * Builds the action for a plugin export: a `ToTaskAction` subclass (of this or another copy of the package) is
 * constructed with `options`; a plain class is
 * constructed without arguments and its hooks used; a plain object's hooks are used as they are.
 *
 * @example
 * const action = createToTaskAction({ convertDataFromFile: ..., convertDataFromInference: ... }, { params, client });
 */
export function createToTaskAction(plugin: unknown, options: ToTaskActionOptions): ToTaskAction {
  if (typeof plugin === 'function' && plugin.prototype instanceof ToTaskAction) {
    return new (plugin as new (options: ToTaskActionOptions) => ToTaskAction)(options);
  }
  let hooks: unknown = plugin;
  // A subclass of another copy of the package: constructed with the options, its hooks driven by this copy's job.
  if (isToTaskActionClass(plugin)) hooks = new plugin(options);
  else if (typeof plugin === 'function') {
    if (!hasToTaskHooks(plugin.prototype)) throw new TypeError(pluginShapeMessage);
    hooks = new (plugin as new () => ToTaskHooks)();
  }
  if (!hasToTaskHooks(hooks)) throw new TypeError(pluginShapeMessage);
  const delegate = hooks;
  return new (class extends ToTaskAction {
    override convertDataFromFile(...args: Parameters<ToTaskHooks['convertDataFromFile']>): unknown {
      return delegate.convertDataFromFile(...args);
    }
    override convertDataFromInference(...args: Parameters<ToTaskHooks['convertDataFromInference']>): unknown {
      return delegate.convertDataFromInference(...args);
    }
  })(options);
}

const pluginShapeMessage =
  'A to_task plugin must export a ToTaskAction subclass, or a class or object with convertDataFromFile and convertDataFromInference methods';
