/**
 * Helpers shared by the machine tests: settling stubbed actors, stepping a simulated clock from timer to timer,
 * answering calls by hand, and the bookkeeping of a traversal of a real machine (its declared transitions, the state
 * nodes and transitions a replayed path reaches).
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
  SimulatedClock,
} from 'xstate';
import { getStateNodes, type StatePath } from 'xstate/graph';

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
