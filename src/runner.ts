/**
 * Embedding API: the to_task machine with its actor slots filled from a client and a plugin's hooks, started as an
 * actor with a typed event emitter, an optional inspector, cancellation by `AbortSignal`, and platform reporting.
 */
import { createActor, type InspectionEvent, type Observer, toPromise } from 'xstate';
import { annotateTaskMachine } from '../machines/annotateTask.machine.js';
import { errorTypeName } from '../machines/errors.js';
import { checkJobOptions } from '../machines/options.js';
import { preProcessorMachine } from '../machines/preProcessor.machine.js';
import { buildResult, type ToTaskResult } from '../machines/result.js';
import { type ToTaskOutput, toTaskMachine } from '../machines/toTask.machine.js';
import { convertFromFile, convertFromInference, type Scrub, type ToTaskHooks } from './actors/hooks.js';
import * as platform from './actors/platform.js';
import { redact } from './client/redact.js';
import type { SynapseClient } from './client/types.js';
import { ToTaskEvents } from './events.js';
import { attachJobReporting } from './reporting.js';

/** A clock for delays, as xstate's `SimulatedClock` is one; `now` is read for elapsed times. */
export interface JobClock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
  now?(): number;
}

/** How to run a to_task job. */
export interface ToTaskRunOptions {
  /** The to_task parameters (SPEC §2), validated by the job. */
  params: unknown;
  /** The platform: `HttpSynapseClient`, or any implementation of `SynapseClient`. */
  client: SynapseClient;
  /** The plugin's conversion hooks. */
  hooks: ToTaskHooks;
  /** Tasks annotated at once (default 8). */
  concurrency?: number;
  /** Tasks per page of task discovery (default 100). */
  pageSize?: number;
  /** Pre-processor poll interval in seconds (default 10). */
  pollIntervalSeconds?: number;
  /** Pre-processor timeout from dispatch in seconds (default 180). */
  timeoutSeconds?: number;
  /** Seconds a hook may take before its task fails with `<hook> did not return within <n> s` (default: no limit). */
  hookTimeoutSeconds?: number;
  /** Aborting it cancels the job: no new task starts, tasks in flight finish, the result is `STOPPED`. */
  signal?: AbortSignal;
  /** A platform job id: progress, metrics and logs are then reported to `jobs/{id}/` and `logs/`. */
  jobId?: number | string;
  /** An inspector for the machines (`@statelyai/inspect`'s `inspect`, the offline inspector, or any observer). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** A clock for the machines' delays (`SimulatedClock` in tests), with `now` for elapsed times. */
  clock?: JobClock;
  /** More strings to scrub from user-facing text, beside the client's own secrets. */
  secrets?: readonly string[];
  /** An emitter to publish events on (one is created otherwise). */
  events?: ToTaskEvents;
}

/**
 * The to_task machine with every actor slot filled: platform calls from `client`, conversions from `hooks`.
 *
 * @example
 * const machine = provideToTaskMachine(new HttpSynapseClient({ baseUrl, accessToken }), myHooks);
 * const actor = createActor(machine, { input: { params } });
 */
export function provideToTaskMachine(
  client: SynapseClient,
  hooks: ToTaskHooks,
  scrub: Scrub = scrubberFor(client),
) {
  return toTaskMachine.provide({
    actors: {
      loadProject: platform.loadProject(client),
      loadDataCollection: platform.loadDataCollection(client),
      loadPluginRelease: platform.loadPluginRelease(client),
      taskDiscovery: platform.taskDiscovery(client),
      preProcessor: preProcessorMachine.provide({
        actors: {
          listServeApplications: platform.listServeApplications(client),
          dispatchDeployment: platform.dispatchDeployment(client),
        },
      }),
      annotateTask: annotateTaskMachine.provide({
        actors: {
          fetchTask: platform.fetchTask(client),
          fetchDataUnit: platform.fetchDataUnit(client),
          runInference: platform.runInference(client),
          submitTaskData: platform.submitTaskData(client),
          convertFromFile: convertFromFile(hooks, scrub),
          convertFromInference: convertFromInference(hooks, scrub),
        },
      }),
    },
  });
}

/**
 * What cleans a text before it reaches a user: the client's own secrets (`client.redact`), the extra `secrets`, and
 * in any case every URL, auth header value and stack frame.
 *
 * @example
 * scrubberFor(client)('GET https://host/x?token=abc failed'); // 'GET [URL] failed'
 */
export function scrubberFor(client: SynapseClient, secrets: readonly string[] = []): Scrub {
  return (text) => redact(client.redact ? client.redact(text) : text, secrets);
}

/** A started job. */
export interface ToTaskJob {
  /** The root actor (`toTask` machine); its children are the pre-processor and the task actors. */
  actor: ReturnType<typeof createActor<ReturnType<typeof provideToTaskMachine>>>;
  events: ToTaskEvents;
  /** Settles with the job's end; never rejects. */
  done: Promise<ToTaskOutput>;
  /** Stop taking new tasks; with `abort: true`, also abort the tasks in flight. */
  cancel(options?: { abort?: boolean }): void;
}

/**
 * Starts a to_task job. Listen on `job.events` (attached before the machine starts, so nothing is missed).
 * Throws a `TypeError` at once for a numeric option that is not usable (`concurrency: 0`).
 *
 * @example
 * const job = startToTask({ params, client, hooks });
 * job.events.on('progress', (p) => console.log(`${p.done}/${p.total}`));
 * const { result } = await job.done;
 */
export function startToTask(options: ToTaskRunOptions): ToTaskJob {
  checkJobOptions(options);
  const events = options.events ?? new ToTaskEvents();
  const scrub = scrubberFor(options.client, options.secrets);
  const machine = provideToTaskMachine(options.client, options.hooks, scrub);
  const now = options.clock?.now ? () => options.clock!.now!() : undefined;
  const actor = createActor(machine, {
    input: {
      params: options.params,
      concurrency: options.concurrency,
      pageSize: options.pageSize,
      pollIntervalSeconds: options.pollIntervalSeconds,
      timeoutSeconds: options.timeoutSeconds,
      hookTimeoutSeconds: options.hookTimeoutSeconds,
      now,
    },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const reporting =
    options.jobId !== undefined ? attachJobReporting(events, options.client, options.jobId, scrub) : null;
  actor.on('*', (event) => events.dispatch(event));

  const cancel = (cancelOptions: { abort?: boolean } = {}) => {
    if (actor.getSnapshot().status === 'active')
      actor.send({ type: 'cancel', abort: cancelOptions.abort === true });
  };
  const onAbort = () => cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // `toPromise` observes the root actor's errors, so an unexpected throw becomes a FAILED result, not a crash.
  const done = toPromise(actor)
    .catch((error: unknown): ToTaskOutput => {
      const message = scrub(`Job failed unexpectedly (${errorTypeName(error)})`);
      // The counts so far stay honest: tasks already written are not forgotten.
      const { context } = actor.getSnapshot();
      const counts = { total: context.discovered, success: context.success, failed: context.failed };
      const result: ToTaskResult = buildResult(
        { ...counts, failures: context.failures },
        { jobError: message },
      );
      events.dispatch({ type: 'job.finished', result });
      return { result, error: error instanceof Error ? error : new Error(message) };
    })
    .then(async (output) => {
      options.signal?.removeEventListener('abort', onAbort);
      await reporting?.flush();
      return output;
    });
  actor.start();
  if (options.signal?.aborted) cancel();
  return { actor, events, done, cancel };
}
