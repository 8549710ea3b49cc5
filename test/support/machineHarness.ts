/**
 * Helpers shared by the machine tests: settling stubbed actors, stepping a simulated clock from timer to timer,
 * answering calls by hand, replaying the paths of an abstract model, and the bookkeeping of a traversal of a real
 * machine (the events its actors and timers send, its declared transitions, the state nodes and transitions a replayed
 * path reaches).
 */

import { expect } from 'vitest';
import {
  type AnyActorLogic,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  createActor,
  type EventObject,
  fromPromise,
  SimulatedClock,
  type Snapshot,
} from 'xstate';
import { getStateNodes, type StatePath, type TestModel, type TestPath } from 'xstate/graph';

/** Lets every settled stub promise deliver its answer to the actor (done/error events go through microtasks). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A simulated clock that knows when its next timer is due, so a test can jump from timer to timer. */
export class SteppingClock extends SimulatedClock {
  readonly #due = new Map<number, number>();

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = super.setTimeout(() => {
      this.#due.delete(id);
      fn();
    }, timeout);
    this.#due.set(id, this.now() + timeout);
    return id;
  }

  override clearTimeout(id: number): void {
    this.#due.delete(id);
    super.clearTimeout(id);
  }

  nextDue(): number | undefined {
    return this.#due.size === 0 ? undefined : Math.min(...this.#due.values());
  }

  /** Moves time forward by `ms`, firing each due timer at its own instant and settling stubs between timers. */
  async advance(ms: number): Promise<void> {
    const target = this.now() + ms;
    await flush();
    for (let next = this.nextDue(); next !== undefined && next <= target; next = this.nextDue()) {
      this.set(next);
      await flush();
    }
    this.set(target);
    await flush();
  }
}

/** A call a stub actor is waiting on: the test settles it by hand. */
export interface Deferred<TInput = unknown> {
  input: TInput;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The calls made to a stubbed actor slot, in order, and the ones still waiting for an answer. `start` is what a
 * `fromPromise` stub returns.
 */
export class CallQueue<TInput = unknown> {
  readonly calls: TInput[] = [];
  readonly pending: Deferred<TInput>[] = [];
  /** Calls the machine stopped before they were answered (their actor's `signal` aborted). */
  readonly aborted: TInput[] = [];

  start(input: TInput, signal?: AbortSignal): Promise<unknown> {
    this.calls.push(input);
    return new Promise((resolve, reject) => {
      const call = { input, resolve, reject };
      this.pending.push(call);
      signal?.addEventListener('abort', () => {
        const index = this.pending.indexOf(call);
        if (index < 0) return;
        this.pending.splice(index, 1);
        this.aborted.push(input);
      });
    });
  }

  /** The one call in flight: a test only answers a call the machine is actually waiting for. */
  take(): Deferred<TInput> {
    expect(this.pending).toHaveLength(1);
    return this.pending.shift()!;
  }
}

/**
 * A model event's executor that settles the one call in flight on `queue` and lets the machine take the answer: the
 * model only answers a call the machine is actually waiting for (`take` expects exactly one in flight).
 */
export function answer(queue: CallQueue<unknown>, settle: (call: Deferred) => void): () => Promise<void> {
  return async () => {
    settle(queue.take());
    await flush();
  };
}

/** The calls in flight, by actor slot: a state that waits on one call shows exactly one. */
export function pendingCalls(queues: Record<string, CallQueue<unknown>>): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(queues).flatMap(([name, queue]) =>
      queue.pending.length > 0 ? [[name, queue.pending.map((call) => call.input)]] : [],
    ),
  );
}

/** An actor that never answers: in a traversal, the path's events stand for its answers. */
export function unanswered<TOutput = unknown, TInput = unknown>() {
  return fromPromise<TOutput, TInput>(() => new Promise<never>(() => {}));
}

// ---------------------------------------------------------------------------------------------------------------------
// An abstract model's paths, replayed against the real machine

/**
 * Shortest paths to every (state, incoming transition) pair, which take every model transition, the loops included,
 * and the simple paths, which add every acyclic route; a path found by both is kept once.
 */
export function shortestAndSimplePaths<TSnapshot extends Snapshot<unknown>, TEvent extends EventObject>(
  model: TestModel<TSnapshot, TEvent, unknown>,
): TestPath<TSnapshot, TEvent>[] {
  return [...model.getShortestPaths(), ...model.getSimplePaths()].filter(
    (path, index, all) => all.findIndex((other) => other.description === path.description) === index,
  );
}

/** A flat model's generated paths reach each of its states and take each of its transitions (`state|EVENT`). */
export function expectPathsCoverModel(
  model: AnyStateMachine,
  paths: readonly StatePath<AnyMachineSnapshot, EventObject>[],
): void {
  const reached = new Set(paths.flatMap((path) => path.steps.map((step) => String(step.state.value))));
  expect([...reached].sort()).toEqual(Object.keys(model.root.states).sort());

  const taken = new Set(
    paths.flatMap((path) =>
      path.steps.slice(1).map((step, i) => `${String(path.steps[i]?.state.value)}|${step.event.type}`),
    ),
  );
  const declared = Object.values(model.root.states).flatMap((node) =>
    [...node.transitions.keys()].map((eventType) => `${node.key}|${eventType}`),
  );
  expect([...taken].sort()).toEqual(declared.sort());
}

/** The `states` of a model path's test: each abstract state's check, run on this system under test. */
export function stateChecksOn<TSut, TSnapshot>(
  sut: TSut,
  checks: Record<string, (sut: TSut, state: TSnapshot) => void>,
): Record<string, (state: TSnapshot) => void> {
  return Object.fromEntries(
    Object.entries(checks).map(([key, check]) => [key, (state) => check(sut, state)]),
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Traversal of a real machine

/** What a machine's invoked actors may answer, by their source (`src`). */
export interface ActorAnswers {
  /** The outputs an actor may finish with. */
  outputs: (src: string) => readonly unknown[];
  /** The error an actor may fail with; `undefined` for one that cannot fail. */
  error: (src: string) => unknown;
}

/**
 * The events the machine's own actors and timers send, derived from its invoke ids and delayed transitions: each
 * invoked actor's done event with each output, its error event, and each `after` event.
 */
export function actorAndTimerEvents(machine: AnyStateMachine, answers: ActorAnswers): EventObject[] {
  const events: EventObject[] = [];
  for (const node of getStateNodes(machine.root) as AnyStateNode[]) {
    for (const invoke of node.invoke) {
      const src = invoke.src as string;
      for (const output of answers.outputs(src))
        events.push({ type: `xstate.done.actor.${invoke.id}`, output } as EventObject);
      const error = answers.error(src);
      if (error !== undefined) events.push({ type: `xstate.error.actor.${invoke.id}`, error } as EventObject);
    }
    for (const delayed of node.after) events.push({ type: delayed.eventType });
  }
  return events;
}

/** Every transition the machine declares: event transitions (invoke onDone/onError and `after` included) and `always`. */
export function declaredTransitions(machine: AnyStateMachine): Map<string, AnyTransitionDefinition> {
  const all = new Map<string, AnyTransitionDefinition>();
  for (const node of [machine.root, ...getStateNodes(machine.root)] as AnyStateNode[]) {
    for (const transitions of node.transitions.values()) {
      for (const transition of transitions) all.set(transitionKey(transition), transition);
    }
    for (const transition of node.always ?? []) all.set(transitionKey(transition), transition);
  }
  return all;
}

/** Names a transition the same way in the bare machine and in a `provide`d copy (whose objects are new). */
export function transitionKey(transition: AnyTransitionDefinition): string {
  const source = transition.source as AnyStateNode;
  const siblings = transition.eventType
    ? (source.transitions.get(transition.eventType) ?? [])
    : ((source.always ?? []) as AnyTransitionDefinition[]);
  const targets = (transition.target ?? []).map((target) => (target as AnyStateNode).id).join(',');
  const on = transition.eventType || 'always';
  return `${source.id} --${on}[${siblings.indexOf(transition)}]--> ${targets}`;
}

/**
 * The candidate events that the snapshot's active state nodes listen to (wildcards such as `xstate.done.actor.*`
 * included): a live actor errors on an `xstate.error.actor.*` that nobody handles, so a traversal offers no other.
 */
export function handledEvents<TEvent extends EventObject>(
  snapshot: AnyMachineSnapshot,
  candidates: readonly TEvent[],
): TEvent[] {
  if (snapshot.status !== 'active') return [];
  const descriptors = (snapshot._nodes as AnyStateNode[]).flatMap((node) => node.ownEvents as string[]);
  return candidates.filter((event) =>
    descriptors.some((descriptor) =>
      descriptor.endsWith('.*') ? event.type.startsWith(descriptor.slice(0, -1)) : descriptor === event.type,
    ),
  );
}

/** Ids of the state nodes active in any of the snapshots. */
export function reachedStateNodeIds(
  machine: AnyStateMachine,
  snapshots: Iterable<AnyMachineSnapshot>,
): string[] {
  const nodes = getStateNodes(machine.root) as AnyStateNode[];
  const reached = new Set<string>();
  for (const snapshot of snapshots) {
    for (const node of nodes) if (snapshot._nodes.includes(node)) reached.add(node.id);
  }
  return [...reached];
}

/** Ids of every state node of the machine (the root excepted). */
export function stateNodeIds(machine: AnyStateMachine): string[] {
  return (getStateNodes(machine.root) as AnyStateNode[]).map((node) => node.id);
}

/**
 * Replays a path generated over the real machine on a live actor of `machine` (the same machine with stub actors that
 * never answer: the path's events stand for their answers) and records each transition the actor takes and every state
 * node it enters, transient ones (left by an `always` within the same event) included.
 */
export function replayOnLiveActor(
  machine: AnyStateMachine,
  path: StatePath<AnyMachineSnapshot, EventObject>,
  options: { input?: unknown; clock?: SimulatedClock } = {},
) {
  const taken: string[] = [];
  const entered = new Set<string>();
  const errors: unknown[] = [];
  const actor = createActor(machine as AnyActorLogic, {
    input: options.input,
    clock: options.clock ?? new SimulatedClock(),
    inspect: (inspection) => {
      // The root actor, named by session id: a machine whose initial state has an `always` takes its first microstep
      // inside `createActor`, before `actor` is assigned.
      if (inspection.type === '@xstate.microstep' && inspection.actorRef.sessionId === inspection.rootId) {
        taken.push(...inspection._transitions.map(transitionKey));
        // A transition's source was active, even an initial state left by an `always` before any snapshot shows it.
        for (const transition of inspection._transitions) entered.add((transition.source as AnyStateNode).id);
        for (const node of (inspection.snapshot as AnyMachineSnapshot)._nodes) entered.add(node.id);
      }
    },
  });
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  for (const [index, step] of path.steps.entries()) {
    if (index > 0) actor.send(step.event);
    // The live actor and the pure traversal must agree at every step.
    const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
    expect(snapshot.value).toEqual(step.state.value);
    expect(snapshot.status).toBe(step.state.status);
  }
  const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
  for (const node of snapshot._nodes) entered.add(node.id);
  actor.stop();
  return { taken, entered, errors, snapshot };
}

/**
 * Replays each run's path on a live actor of `machine` (see {@link replayOnLiveActor}), none of which may error, and
 * gathers the transitions taken and the state nodes entered over all of them.
 */
export function replayRuns<TSnapshot extends AnyMachineSnapshot>(
  machine: AnyStateMachine,
  runs: readonly { input?: unknown; path: StatePath<TSnapshot, EventObject> }[],
): { taken: Set<string>; entered: Set<string> } {
  const taken = new Set<string>();
  const entered = new Set<string>();
  for (const { input, path } of runs) {
    const run = replayOnLiveActor(machine, path as StatePath<AnyMachineSnapshot, EventObject>, { input });
    expect(run.errors).toEqual([]);
    for (const key of run.taken) taken.add(key);
    for (const id of run.entered) entered.add(id);
  }
  return { taken, entered };
}

/** The ids reached are exactly the machine's state nodes (the root, if listed, aside). */
export function expectEveryStateNodeReached(machine: AnyStateMachine, reached: Iterable<string>): void {
  expect([...reached].filter((id) => id !== machine.root.id).sort()).toEqual(stateNodeIds(machine).sort());
}

/**
 * The transitions taken are exactly the ones the machine declares. The declared ones must include each of `kinds`
 * (substrings of a {@link transitionKey}): the walk over `machine.root` must see every kind of transition the machine
 * uses, or the comparison is hollow.
 */
export function expectEveryDeclaredTransitionTaken(
  machine: AnyStateMachine,
  taken: ReadonlySet<string>,
  kinds: readonly string[],
): void {
  const declared = [...declaredTransitions(machine).keys()];
  for (const kind of kinds) {
    expect(
      declared.some((key) => key.includes(kind)),
      kind,
    ).toBe(true);
  }
  expect([...taken].filter((key) => !declared.includes(key))).toEqual([]);
  expect(declared.filter((key) => !taken.has(key))).toEqual([]);
}
