/**
 * Model-based tests of the pre-processor lifecycle.
 *
 * 1. An abstract model, written here independently of the real machine, says what a user of the lifecycle may see
 *    after each answer of the platform and each passage of time. `xstate/graph` generates paths over it, and each path
 *    is replayed against the real machine (scripted actors, simulated clock), comparing states at every step.
 * 2. The real machine itself is traversed with the events its actors and timers produce, and every one of its state
 *    nodes and transitions must be reached by some generated path.
 */

import { describe, expect, it } from 'vitest';
import {
  createActor,
  createMachine,
  type EventObject,
  fromPromise,
  SimulatedClock,
  type SnapshotFrom,
} from 'xstate';
import { createTestModel, getShortestPaths, type StatePath } from 'xstate/graph';
import { PreProcessorError } from '../../machines/errors.js';
import {
  type DispatchDeploymentInput,
  type ListServeApplicationsInput,
  type PreProcessorInput,
  preProcessorMachine,
} from '../../machines/preProcessor.machine.js';
import { RequiredResourcesError } from '../../machines/resources.js';
import { ClientError } from '../support/fixtures.js';
import {
  actorAndTimerEvents,
  answer,
  CallQueue,
  expectEveryDeclaredTransitionTaken,
  expectEveryStateNodeReached,
  expectPathsCoverModel,
  flush,
  handledEvents,
  reachedStateNodeIds,
  replayRuns,
  shortestAndSimplePaths,
  stateChecksOn,
  unanswered,
} from '../support/machineHarness.js';

const POLL_INTERVAL_MS = 10_000;
const TIMEOUT_MS = 180_000;

const pageOf = (status: string) => ({ count: 1, next: null, previous: null, results: [{ status }] });

/**
 * The abstract lifecycle. `LIST_*` is the answer of whichever serve-application listing is in flight (detection or
 * poll), `DISPATCH_*` the answer of the run call, `TICK_INTERVAL` one poll interval passing, `TIMEOUT` the deadline
 * set at dispatch passing. Outcomes are separate final states so that each path says which one it expects.
 */
const lifecycleModel = createMachine({
  id: 'lifecycleModel',
  types: {} as {
    events:
      | { type: 'LIST_RUNNING' }
      | { type: 'LIST_PENDING' }
      | { type: 'LIST_FAILED' }
      | { type: 'LIST_MALFORMED' }
      | { type: 'LIST_ERROR' }
      | { type: 'DISPATCH_OK' }
      | { type: 'DISPATCH_ERROR' }
      | { type: 'TICK_INTERVAL' }
      | { type: 'TIMEOUT' };
  },
  initial: 'detecting',
  states: {
    detecting: {
      on: {
        LIST_RUNNING: 'alreadyRunning',
        // A failed app left from earlier, an unreadable answer or a client error all mean "deploy".
        LIST_PENDING: 'dispatching',
        LIST_FAILED: 'dispatching',
        LIST_MALFORMED: 'dispatching',
        LIST_ERROR: 'dispatching',
      },
    },
    dispatching: {
      on: { DISPATCH_OK: 'polling', DISPATCH_ERROR: 'dispatchFailed', TIMEOUT: 'timedOut' },
    },
    polling: {
      on: {
        LIST_RUNNING: 'ready',
        LIST_FAILED: 'terminalFailure',
        LIST_PENDING: 'sleeping',
        LIST_MALFORMED: 'sleeping',
        LIST_ERROR: 'sleeping',
        TIMEOUT: 'timedOut',
      },
    },
    sleeping: {
      on: { TICK_INTERVAL: 'polling', TIMEOUT: 'timedOut' },
    },
    alreadyRunning: { type: 'final' },
    ready: { type: 'final' },
    dispatchFailed: { type: 'final' },
    terminalFailure: { type: 'final' },
    timedOut: { type: 'final' },
  },
});

/** The real machine with actors whose answers the test gives by hand, one abstract event at a time. */
function createSystemUnderTest() {
  const clock = new SimulatedClock();
  const inFlight = {
    list: new CallQueue<ListServeApplicationsInput>(),
    dispatch: new CallQueue<DispatchDeploymentInput>(),
  };
  let dispatchedAt: number | undefined;
  const errors: unknown[] = [];
  const machine = preProcessorMachine.provide({
    actors: {
      listServeApplications: fromPromise<unknown, ListServeApplicationsInput>(({ input }) =>
        inFlight.list.start(input),
      ),
      dispatchDeployment: fromPromise<unknown, DispatchDeploymentInput>(({ input }) => {
        dispatchedAt = clock.now();
        return inFlight.dispatch.start(input);
      }),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: {
      pluginCode: 'pre-proc',
      agent: 3,
      pollIntervalSeconds: POLL_INTERVAL_MS / 1000,
      timeoutSeconds: TIMEOUT_MS / 1000,
      now: () => clock.now(),
    },
  });
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();

  return {
    actor,
    inFlight,
    errors,
    events: {
      LIST_RUNNING: answer(inFlight.list, (call) => call.resolve(pageOf('RUNNING'))),
      LIST_PENDING: answer(inFlight.list, (call) => call.resolve(pageOf('DEPLOYING'))),
      LIST_FAILED: answer(inFlight.list, (call) => call.resolve(pageOf('UNHEALTHY'))),
      LIST_MALFORMED: answer(inFlight.list, (call) => call.resolve('<html>502 Bad Gateway</html>')),
      LIST_ERROR: answer(inFlight.list, (call) => call.reject(new ClientError(503))),
      DISPATCH_OK: answer(inFlight.dispatch, (call) => call.resolve({ job_id: 1 })),
      DISPATCH_ERROR: answer(inFlight.dispatch, (call) => call.reject(new ClientError(400))),
      TICK_INTERVAL: async () => {
        // Generated paths are short: a tick never reaches the deadline, or the model would be wrong to stay alive.
        expect(clock.now() + POLL_INTERVAL_MS).toBeLessThan(dispatchedAt! + TIMEOUT_MS);
        clock.increment(POLL_INTERVAL_MS);
        await flush();
      },
      TIMEOUT: async () => {
        clock.increment(dispatchedAt! + TIMEOUT_MS - clock.now());
        await flush();
      },
    },
  };
}

type SystemUnderTest = ReturnType<typeof createSystemUnderTest>;

function expectFailure(sut: SystemUnderTest, message: string): Error {
  const snapshot = sut.actor.getSnapshot();
  expect(snapshot.status).toBe('done');
  expect(snapshot.value).toBe('failed');
  const output = snapshot.output;
  expect(output?.status).toBe('failed');
  const error = output?.status === 'failed' ? output.error : undefined;
  expect(error).toBeInstanceOf(PreProcessorError);
  expect(error?.message).toBe(message);
  return error!;
}

/** What the real machine must look like in each abstract state. */
const stateChecks: Record<string, (sut: SystemUnderTest) => void> = {
  detecting: (sut) => {
    expect(sut.actor.getSnapshot().value).toBe('detecting');
    expect([sut.inFlight.list.pending.length, sut.inFlight.dispatch.pending.length]).toEqual([1, 0]);
  },
  dispatching: (sut) => {
    expect(sut.actor.getSnapshot().value).toEqual({ deploying: 'dispatching' });
    expect([sut.inFlight.list.pending.length, sut.inFlight.dispatch.pending.length]).toEqual([0, 1]);
  },
  polling: (sut) => {
    expect(sut.actor.getSnapshot().value).toEqual({ deploying: { waiting: 'polling' } });
    expect([sut.inFlight.list.pending.length, sut.inFlight.dispatch.pending.length]).toEqual([1, 0]);
  },
  sleeping: (sut) => {
    expect(sut.actor.getSnapshot().value).toEqual({ deploying: { waiting: 'sleeping' } });
    expect([sut.inFlight.list.pending.length, sut.inFlight.dispatch.pending.length]).toEqual([0, 0]);
  },
  alreadyRunning: (sut) => {
    expect(sut.actor.getSnapshot().value).toBe('ready');
    expect(sut.actor.getSnapshot().output).toEqual({
      status: 'ready',
      serveApplicationStatus: 'RUNNING',
      dispatched: false,
      polls: 0,
    });
  },
  ready: (sut) => {
    expect(sut.actor.getSnapshot().value).toBe('ready');
    expect(sut.actor.getSnapshot().output).toMatchObject({ status: 'ready', dispatched: true });
  },
  dispatchFailed: (sut) => {
    const error = expectFailure(sut, 'Pre-processor deployment dispatch failed (ClientError)');
    expect(error.cause).toBeInstanceOf(ClientError);
  },
  terminalFailure: (sut) => {
    expectFailure(
      sut,
      'Pre-processor deployment failed: serve application reached terminal state (UNHEALTHY)',
    );
  },
  timedOut: (sut) => {
    expectFailure(sut, 'Pre-processor did not become ready within timeout');
  },
};

describe('preProcessor machine against an abstract lifecycle model', () => {
  // Every model transition, the poll loop included, and every acyclic route; a path that is a prefix of another is
  // dropped by the model.
  const paths = shortestAndSimplePaths(createTestModel(lifecycleModel));

  it('generates paths that reach every model state and take every model transition', () => {
    expectPathsCoverModel(lifecycleModel, paths);
  });

  it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
    const sut = createSystemUnderTest();
    await flush();
    await path.test({ states: stateChecksOn(sut, stateChecks), events: sut.events });
    expect(sut.errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

type MachineSnapshot = SnapshotFrom<typeof preProcessorMachine>;

/** What the machine's own actors finish with: a listing of each kind and an unreadable one (or they fail). */
const answers = [pageOf('RUNNING'), pageOf('DEPLOYING'), pageOf('DEPLOY_FAILED'), { results: 'garbage' }];

const traversalInputs: Record<string, PreProcessorInput> = {
  'valid required_resources': {
    pluginCode: 'pre-proc',
    agent: 3,
    requiredResources: { num_gpus: 1 },
    now: () => 0,
  },
  'invalid required_resources': {
    pluginCode: 'pre-proc',
    agent: 3,
    requiredResources: { num_gpus: -1 },
    now: () => 0,
  },
};

/**
 * Shortest paths to every (state, incoming event, previous state) triple, so that each transition, not only each
 * state, ends some path. Context (poll counters, timestamps) is left out of the key or the poll loop would never end.
 */
function realMachinePaths(input: PreProcessorInput): StatePath<MachineSnapshot, EventObject>[] {
  const candidates = actorAndTimerEvents(preProcessorMachine, {
    outputs: () => answers,
    error: () => new ClientError(500),
  });
  return getShortestPaths(preProcessorMachine, {
    input,
    // Only what the active states listen to: the live actor errors on an `xstate.error.actor.*` nobody handles.
    events: ((snapshot: MachineSnapshot) => handledEvents(snapshot, candidates)) as never,
    serializeState: (snapshot, event, previous) =>
      JSON.stringify([snapshot.value, snapshot.status, event?.type ?? null, previous?.value ?? null]),
  }) as StatePath<MachineSnapshot, EventObject>[];
}

describe('preProcessor machine traversal', () => {
  const runs = Object.entries(traversalInputs).flatMap(([label, input]) =>
    realMachinePaths(input).map((path) => ({ label, input, path })),
  );
  // Replayed with actors that never answer and a clock that never moves.
  const machine = preProcessorMachine.provide({
    actors: {
      listServeApplications: unanswered<unknown, ListServeApplicationsInput>(),
      dispatchDeployment: unanswered<unknown, DispatchDeploymentInput>(),
    },
  });

  it('reaches every state node and takes every declared transition', () => {
    const { taken } = replayRuns(machine, runs);
    expectEveryStateNodeReached(
      preProcessorMachine,
      reachedStateNodeIds(
        preProcessorMachine,
        runs.flatMap(({ path }) => path.steps.map((step) => step.state)),
      ),
    );
    expectEveryDeclaredTransitionTaken(preProcessorMachine, taken, [
      'xstate.done.actor.',
      'xstate.error.actor.',
      'xstate.after.',
      '--always[',
    ]);
  });

  it('ends every traversal in a final state with the output the last event implies', () => {
    const finals = runs.filter(({ path }) => path.state.status === 'done');
    expect(finals.length).toBeGreaterThan(0);
    for (const { path } of finals) {
      const output = path.state.output;
      const last = path.steps.at(-1)?.event.type ?? '';
      if (path.state.value === 'ready') {
        expect(output).toMatchObject({ status: 'ready', dispatched: last.includes('waiting.polling') });
        continue;
      }
      expect(path.state.value).toBe('failed');
      const error = output?.status === 'failed' ? output.error : undefined;
      if (last.startsWith('xstate.after.timeout')) {
        expect(error?.message).toBe('Pre-processor did not become ready within timeout');
      } else if (last.startsWith('xstate.error.actor') && last.includes('dispatching')) {
        expect(error?.message).toBe('Pre-processor deployment dispatch failed (ClientError)');
      } else if (last.includes('waiting.polling')) {
        expect(error?.message).toBe(
          'Pre-processor deployment failed: serve application reached terminal state (DEPLOY_FAILED)',
        );
      } else {
        // Only a failing always-check right after detection is left: the resources could not be read.
        expect(last).toContain('detecting');
        expect(error).toBeInstanceOf(RequiredResourcesError);
      }
    }
  });
});
