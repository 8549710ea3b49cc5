/**
 * The Ray Serve pre-processor lifecycle (SPEC §6): detect a running serve application, dispatch a deployment with
 * the release's resource needs when none runs, then poll until RUNNING, a terminal failure, or the timeout.
 *
 * The machine holds no I/O: its two actor slots are filled by `src/actors` with `machine.provide({ actors })`.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { errorTypeName, PreProcessorError } from './errors.js';
import { positiveSeconds } from './options.js';
import { buildDeploymentParams, type DeploymentParams } from './resources.js';
import { classifyServeApp, type ServeAppClassification } from './serveStatus.js';
import { actorSlot, outputOf } from './values.js';

/** Seconds between two polls of the serve applications while waiting (SPEC §6). */
export const defaultPollIntervalSeconds = 10;
/** Seconds from dispatch after which the wait gives up (SPEC §6). */
export const defaultTimeoutSeconds = 180;

/** Input of the pre-processor machine. */
export interface PreProcessorInput {
  /** The pre-processor plugin's code (`config.code` of its release). */
  pluginCode: string;
  /** The agent that serves the application (`job__agent`). */
  agent: number;
  /** The release's `config.actions.inference.required_resources`, as declared (see `buildDeploymentParams`). */
  requiredResources?: unknown;
  /** Seconds between two polls of the serve application list. Default 10. */
  pollIntervalSeconds?: number;
  /** Seconds from dispatch after which the wait gives up. Default 180. */
  timeoutSeconds?: number;
  /** Clock read for the elapsed time in `preProcessor.waiting` events; pass `SimulatedClock#now` in tests. */
  now?: () => number;
}

/** What the `listServeApplications` slot receives: `GET serve_applications/?plugin_code=&job__agent=`. */
export interface ListServeApplicationsInput {
  pluginCode: string;
  agent: number;
}

/** What the `dispatchDeployment` slot receives: `POST plugins/{code}/run/` with `action: 'deployment'`. */
export interface DispatchDeploymentInput {
  pluginCode: string;
  agent: number;
  params: DeploymentParams;
}

/** How the lifecycle ended: ready (with how it got there) or failed with a {@link PreProcessorError}. */
export type PreProcessorOutput =
  | {
      status: 'ready';
      /** The serve application's status: always `RUNNING`. */
      serveApplicationStatus: 'RUNNING';
      /** False when the application was already running at detection (no dispatch call was made). */
      dispatched: boolean;
      /** Polls made after dispatch. */
      polls: number;
    }
  | { status: 'failed'; error: Error };

/** Events the machine emits for host apps (`actor.on('preProcessor.waiting', ...)`). */
export type PreProcessorEmitted =
  | { type: 'preProcessor.detecting'; pluginCode: string; agent: number }
  | { type: 'preProcessor.dispatching'; pluginCode: string; agent: number; params: DeploymentParams }
  | {
      type: 'preProcessor.waiting';
      elapsedSeconds: number;
      timeoutSeconds: number;
      lastStatus: string | null;
      polls: number;
    }
  | { type: 'preProcessor.ready'; dispatched: boolean; polls: number }
  | { type: 'preProcessor.failed'; message: string; phase: string; status: string | null };

/** The machine's context: read it from snapshots; it is built from the input, never passed in. */
export interface PreProcessorContext {
  pluginCode: string;
  agent: number;
  requiredResources: unknown;
  pollIntervalMs: number;
  timeoutMs: number;
  now: () => number;
  dispatched: boolean;
  dispatchedAt: number;
  polls: number;
  lastStatus: string | null;
  lastPollError: unknown;
  error: Error | null;
}

/**
 * The pre-processor lifecycle machine, with empty actor slots `listServeApplications` and `dispatchDeployment`.
 * Ends in `ready` (output `{ status: 'ready', dispatched, polls }`) or `failed` (output `{ status: 'failed', error }`,
 * a {@link PreProcessorError} whose message is one of SPEC §6.3).
 *
 * @example
 * const machine = preProcessorMachine.provide({
 *   actors: { listServeApplications: fromPromise(...), dispatchDeployment: fromPromise(...) },
 * });
 * const output = await toPromise(createActor(machine, { input: { pluginCode: 'detector', agent: 3 } }).start());
 */
export const preProcessorMachine = setup({
  types: {
    input: {} as PreProcessorInput,
    context: {} as PreProcessorContext,
    output: {} as PreProcessorOutput,
    emitted: {} as PreProcessorEmitted,
  },
  actors: {
    listServeApplications: actorSlot<unknown, ListServeApplicationsInput>('listServeApplications'),
    dispatchDeployment: actorSlot<unknown, DispatchDeploymentInput>('dispatchDeployment'),
  },
  guards: {
    /** The release declares a resource that is not a usable number: fail before dispatching anything. */
    requiredResourcesInvalid: ({ context }) => resourcesError(context.requiredResources) !== null,
    /** The listing just answered shows a RUNNING application. */
    serveAppRunning: ({ event }) => classifyServeApp(outputOf(event)).bucket === 'running',
    /** The listing just answered shows a terminal failure and nothing running. */
    serveAppFailed: ({ event }) => classifyServeApp(outputOf(event)).bucket === 'failed',
  },
  delays: {
    pollInterval: ({ context }) => context.pollIntervalMs,
    timeout: ({ context }) => context.timeoutMs,
  },
  actions: {
    failWith: assign({ error: (_, error: Error) => error }),
  },
}).createMachine({
  id: 'preProcessor',
  context: ({ input }) => ({
    pluginCode: input.pluginCode,
    agent: input.agent,
    requiredResources: input.requiredResources,
    pollIntervalMs:
      positiveSeconds(input.pollIntervalSeconds, defaultPollIntervalSeconds, 'pollIntervalSeconds') * 1000,
    timeoutMs: positiveSeconds(input.timeoutSeconds, defaultTimeoutSeconds, 'timeoutSeconds') * 1000,
    now: input.now ?? Date.now,
    dispatched: false,
    dispatchedAt: 0,
    polls: 0,
    lastStatus: null,
    lastPollError: undefined,
    error: null,
  }),
  initial: 'detecting',
  states: {
    detecting: {
      entry: emit(({ context }) => ({
        type: 'preProcessor.detecting' as const,
        pluginCode: context.pluginCode,
        agent: context.agent,
      })),
      invoke: {
        src: 'listServeApplications',
        input: ({ context }) => ({ pluginCode: context.pluginCode, agent: context.agent }),
        onDone: [{ guard: 'serveAppRunning', target: 'ready' }, { target: 'deploying' }],
        // A listing that cannot be read says nothing about a running app: deploy (SPEC §6.1: "anything else").
        onError: { target: 'deploying' },
      },
    },
    deploying: {
      entry: assign({ dispatched: true, dispatchedAt: ({ context }) => context.now() }),
      // One timer from dispatch bounds the dispatch call and the whole wait, however slow each answer is.
      after: {
        timeout: {
          target: 'failed',
          actions: {
            type: 'failWith',
            params: ({ context }) => PreProcessorError.timeout(context.lastPollError),
          },
        },
      },
      initial: 'dispatching',
      states: {
        dispatching: {
          always: {
            guard: 'requiredResourcesInvalid',
            target: '#preProcessor.failed',
            actions: {
              type: 'failWith',
              params: ({ context }) => resourcesError(context.requiredResources)!,
            },
          },
          // Entry runs before the `always` check above: announce only a dispatch that will really be made.
          entry: enqueueActions(({ context, enqueue }) => {
            if (resourcesError(context.requiredResources) !== null) return;
            enqueue.emit({
              type: 'preProcessor.dispatching' as const,
              pluginCode: context.pluginCode,
              agent: context.agent,
              params: safeParams(context.requiredResources),
            });
          }),
          invoke: {
            src: 'dispatchDeployment',
            input: ({ context }) => ({
              pluginCode: context.pluginCode,
              agent: context.agent,
              params: safeParams(context.requiredResources),
            }),
            onDone: { target: 'waiting' },
            onError: {
              target: '#preProcessor.failed',
              actions: {
                type: 'failWith',
                params: ({ event }) => PreProcessorError.dispatchFailed(event.error),
              },
            },
          },
        },
        waiting: {
          initial: 'polling',
          states: {
            polling: {
              invoke: {
                src: 'listServeApplications',
                input: ({ context }) => ({ pluginCode: context.pluginCode, agent: context.agent }),
                onDone: [
                  {
                    guard: 'serveAppRunning',
                    target: '#preProcessor.ready',
                    actions: assign({ polls: ({ context }) => context.polls + 1 }),
                  },
                  {
                    guard: 'serveAppFailed',
                    target: '#preProcessor.failed',
                    actions: [
                      assign({ polls: ({ context }) => context.polls + 1 }),
                      {
                        type: 'failWith',
                        params: ({ event }) =>
                          PreProcessorError.terminalState(
                            classifyServeApp(event.output).status ?? 'UNKNOWN',
                            event.output,
                          ),
                      },
                    ],
                  },
                  {
                    target: 'sleeping',
                    actions: assign({
                      polls: ({ context }) => context.polls + 1,
                      lastStatus: ({ context, event }) =>
                        pendingStatus(classifyServeApp(event.output), context),
                      lastPollError: undefined,
                    }),
                  },
                ],
                // A client error while polling is retried at the next poll; the timeout still bounds it.
                onError: {
                  target: 'sleeping',
                  actions: assign({
                    polls: ({ context }) => context.polls + 1,
                    lastPollError: ({ event }) => event.error,
                  }),
                },
              },
            },
            sleeping: {
              entry: emit(({ context }) => ({
                type: 'preProcessor.waiting' as const,
                elapsedSeconds: Math.max(0, (context.now() - context.dispatchedAt) / 1000),
                timeoutSeconds: context.timeoutMs / 1000,
                lastStatus: context.lastStatus,
                polls: context.polls,
              })),
              after: { pollInterval: { target: 'polling' } },
            },
          },
        },
      },
    },
    ready: {
      type: 'final',
      entry: emit(({ context }) => ({
        type: 'preProcessor.ready' as const,
        dispatched: context.dispatched,
        polls: context.polls,
      })),
    },
    failed: {
      type: 'final',
      entry: emit(({ context }) => ({
        type: 'preProcessor.failed' as const,
        message: context.error?.message ?? '',
        phase: context.error instanceof PreProcessorError ? context.error.phase : 'dispatch',
        status: context.error instanceof PreProcessorError ? context.error.status : null,
      })),
    },
  },
  output: ({ context }) =>
    context.error
      ? { status: 'failed', error: context.error }
      : {
          status: 'ready',
          serveApplicationStatus: 'RUNNING',
          dispatched: context.dispatched,
          polls: context.polls,
        },
});

function resourcesError(requiredResources: unknown): Error | null {
  try {
    buildDeploymentParams(requiredResources);
    return null;
  } catch (error) {
    return error instanceof Error ? error : new TypeError(errorTypeName(error));
  }
}

function safeParams(requiredResources: unknown): DeploymentParams {
  try {
    return buildDeploymentParams(requiredResources);
  } catch {
    return buildDeploymentParams(undefined);
  }
}

function pendingStatus(classification: ServeAppClassification, context: PreProcessorContext): string | null {
  return classification.status ?? context.lastStatus;
}
