/**
 * The offline inspector's memory: XState inspection events folded into compact messages (ids, machine ids, state
 * values, statuses, event types, whitelisted numbers), a ring buffer of the latest messages and a table of the
 * actors' current states. Bounded in a job of any length: the buffer has a fixed capacity, promise and callback
 * actors leave the table when they settle, and finished machine actors are evicted past a cap.
 */
import type { InspectionEvent } from 'xstate';
import { positiveInteger } from '../../machines/options.js';
import {
  type ActorStatus,
  defaultFigureFields,
  eventTypeOf,
  pickFigures,
  stateLabel,
  statusOf,
} from './summarize.js';

/** One actor as the table holds it. `key` is unique across every job the inspector watched. */
export interface ActorRecord {
  /** `<system>/<sessionId>`, e.g. `1/x:0`: XState session ids restart at `x:0` in every actor system. */
  key: string;
  /** The actor's id: `x:0` for a root, `preProcessor`, `slot-3`, `0.toTask.loadingProject`, ... */
  id: string;
  /** A readable path: `toTask`, `preProcessor`, `slot-3 › fetchTask` (the root's name is left out below it). */
  name: string;
  /** The parent's key, `null` for a root (the job). */
  parent: string | null;
  /** The id of the machine it runs (`toTask`, `preProcessor`, `annotateTask`); absent for other logic. */
  machine?: string;
  /** The name of the invoked logic (`loadProject`, `annotateTask`), when invoked by name. */
  src?: string;
  /** The id it is registered under in its system (`preProcessor`). */
  systemId?: string;
  /** The state value as dotted paths (`annotating.running`); `null` for promise and callback actors. */
  state: string | null;
  status: ActorStatus;
  /** Whitelisted numeric context fields (see `defaultFigureFields`). */
  figures?: Record<string, number>;
  /** Epoch milliseconds of the last change. */
  updatedAt: number;
}

interface MessageBase {
  /** Increases by one per message, across the inspector's life. */
  seq: number;
  /** Epoch milliseconds. */
  time: number;
  /** The actor's key. */
  actor: string;
  /** The actor's readable name. */
  name: string;
}

/** A compact, data-free rendering of one inspection event. */
export type InspectorMessage =
  | (MessageBase & {
      kind: 'actor';
      id: string;
      parent: string | null;
      machine?: string;
      src?: string;
    })
  | (MessageBase & { kind: 'event'; event: string; source?: string })
  | (MessageBase & {
      kind: 'transition';
      /** The state before (`null` when none yet, or for actors without states). */
      from: string | null;
      to: string | null;
      status: ActorStatus;
      /** The type of the event that caused it. */
      event: string;
      machine?: string;
      systemId?: string;
      /** The actor's figures, when they changed with this transition. */
      figures?: Record<string, number>;
    })
  | (MessageBase & { kind: 'figures'; figures: Record<string, number> })
  | (MessageBase & { kind: 'removed' });

/** How much the store keeps. */
export interface InspectionStoreOptions {
  /** Messages kept for late readers (default 2,000). */
  bufferSize?: number;
  /** Finished machine actors kept in the table (default 200); the oldest are evicted first. */
  maxFinishedActors?: number;
  /** Context fields copied as figures when numeric (default `defaultFigureFields`). */
  figureFields?: readonly string[];
  /** The clock for message times (default `Date.now`). */
  now?: () => number;
}

/** The parts of an XState actor the store reads; all are public fields of `Actor` at runtime. */
interface InspectedActor {
  sessionId: string;
  id: string;
  systemId?: string;
  src?: unknown;
  logic?: { id?: unknown; root?: unknown };
  system?: object;
  _parent?: InspectedActor;
}

function sameFigures(a: Record<string, number> | undefined, b: Record<string, number> | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

const finished = (status: ActorStatus) => status === 'done' || status === 'error' || status === 'stopped';

/** A fixed-capacity queue of the latest messages. */
class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  /** Where the next item goes; the oldest item once the buffer has wrapped. */
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array(capacity);
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  toArray(): T[] {
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    return Array.from(
      { length: this.#size },
      (_, index) => this.#items[(start + index) % this.capacity] as T,
    );
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}

/**
 * Folds inspection events into messages and a current-state table. `observe` never throws: an inspector must not
 * break the job it watches.
 *
 * @example
 * const store = new InspectionStore({ bufferSize: 500 });
 * const actor = createActor(toTaskMachine, { input, inspect: (event) => store.observe(event) });
 * store.subscribe((message) => console.log(message.name, message.kind));
 */
export class InspectionStore {
  readonly #messages: RingBuffer<InspectorMessage>;
  readonly #actors = new Map<string, ActorRecord>();
  /** Keys of finished machine actors in the order they finished: the eviction queue. */
  readonly #finished = new Set<string>();
  /** One number per actor system, so that two jobs' `x:0` do not collide. */
  readonly #systems = new WeakMap<object, number>();
  readonly #listeners = new Set<(message: InspectorMessage) => void>();
  readonly #maxFinished: number;
  readonly #figureFields: readonly string[];
  readonly #now: () => number;
  #nextSystem = 1;
  #seq = 0;
  /** Inspection events that could not be read (never thrown back into the job). */
  #faults = 0;

  constructor(options: InspectionStoreOptions = {}) {
    this.#messages = new RingBuffer(positiveInteger(options.bufferSize, 2000, 'bufferSize'));
    this.#maxFinished = positiveInteger(options.maxFinishedActors, 200, 'maxFinishedActors');
    this.#figureFields = options.figureFields ?? defaultFigureFields;
    this.#now = options.now ?? Date.now;
  }

  /** The number of the last message. */
  get seq(): number {
    return this.#seq;
  }

  /** The ring buffer's capacity. */
  get capacity(): number {
    return this.#messages.capacity;
  }

  /** Inspection events that could not be read. */
  get faults(): number {
    return this.#faults;
  }

  /** Folds one inspection event in; the inspector's `inspect` observer calls it. */
  observe(event: InspectionEvent): void {
    try {
      this.#observe(event);
    } catch {
      this.#faults++;
    }
  }

  /** Buffered messages, oldest first; with `afterSeq`, only those after it. */
  messages(afterSeq = 0): InspectorMessage[] {
    const all = this.#messages.toArray();
    return afterSeq > 0 ? all.filter((message) => message.seq > afterSeq) : all;
  }

  /** The current table, in creation order (parents before their children). */
  actors(): ActorRecord[] {
    return [...this.#actors.values()].map((record) => ({ ...record }));
  }

  /** Calls `listener` with every new message; returns the unsubscribe function. */
  subscribe(listener: (message: InspectorMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets everything (the message numbering goes on). */
  clear(): void {
    this.#messages.clear();
    this.#actors.clear();
    this.#finished.clear();
  }

  #observe(event: InspectionEvent): void {
    const actor = event.actorRef as unknown as InspectedActor;
    switch (event.type) {
      case '@xstate.actor':
        this.#register(actor);
        return;
      case '@xstate.event': {
        const record = this.#actors.get(this.#keyOf(actor));
        if (!record) return;
        const source = event.sourceRef
          ? this.#keyOf(event.sourceRef as unknown as InspectedActor)
          : undefined;
        this.#emit({
          kind: 'event',
          actor: record.key,
          name: record.name,
          event: eventTypeOf(event.event),
          ...(source ? { source } : {}),
        });
        return;
      }
      case '@xstate.microstep':
      case '@xstate.snapshot':
        this.#update(actor, event.snapshot, event.event);
        return;
      default:
        return;
    }
  }

  #keyOf(actor: InspectedActor): string {
    const system = actor.system ?? actor;
    let number = this.#systems.get(system);
    if (number === undefined) {
      number = this.#nextSystem++;
      this.#systems.set(system, number);
    }
    return `${number}/${actor.sessionId}`;
  }

  #register(actor: InspectedActor): void {
    const key = this.#keyOf(actor);
    const parent = actor._parent ? this.#actors.get(this.#keyOf(actor._parent)) : undefined;
    const logic = actor.logic;
    const machine =
      logic && typeof logic.id === 'string' && typeof logic.root === 'object' ? logic.id : undefined;
    const src = typeof actor.src === 'string' ? actor.src : undefined;
    const ownName = parent ? (machine ? actor.id : (src ?? actor.id)) : (machine ?? actor.id);
    const name = parent?.parent ? `${parent.name} › ${ownName}` : ownName;
    const record: ActorRecord = {
      key,
      id: actor.id,
      name,
      parent: actor._parent ? this.#keyOf(actor._parent) : null,
      ...(machine ? { machine } : {}),
      ...(src ? { src } : {}),
      state: null,
      status: 'pending',
      updatedAt: this.#now(),
    };
    this.#actors.set(key, record);
    this.#emit({
      kind: 'actor',
      actor: key,
      name,
      id: record.id,
      parent: record.parent,
      ...(machine ? { machine } : {}),
      ...(src ? { src } : {}),
    });
  }

  #update(actor: InspectedActor, snapshot: unknown, cause: unknown): void {
    const record = this.#actors.get(this.#keyOf(actor));
    // An actor evicted from the table (or registered before the inspector was attached) stays out of it.
    if (!record || finished(record.status)) return;
    const state = record.machine ? stateLabel((snapshot as { value?: unknown }).value) : null;
    const status = statusOf(snapshot);
    const figures = pickFigures((snapshot as { context?: unknown }).context, this.#figureFields);
    if (!record.systemId && typeof actor.systemId === 'string') record.systemId = actor.systemId;
    const changed = state !== record.state || status !== record.status;
    const figuresChanged = !sameFigures(figures, record.figures);
    if (!changed && !figuresChanged) return;
    const from = record.state;
    record.state = state;
    record.status = status;
    record.updatedAt = this.#now();
    if (figures) record.figures = figures;
    else delete record.figures;
    if (changed) {
      this.#emit({
        kind: 'transition',
        actor: record.key,
        name: record.name,
        from,
        to: state,
        status,
        event: eventTypeOf(cause),
        ...(record.machine ? { machine: record.machine } : {}),
        ...(record.systemId ? { systemId: record.systemId } : {}),
        ...(figures && figuresChanged ? { figures } : {}),
      });
    } else if (figures) {
      this.#emit({ kind: 'figures', actor: record.key, name: record.name, figures });
    }
    if (finished(status)) this.#settle(record);
  }

  /** A finished actor: promise and callback actors leave at once, machines join the eviction queue. */
  #settle(record: ActorRecord): void {
    if (!record.machine) {
      this.#remove(record);
      return;
    }
    this.#finished.add(record.key);
    // A finished root stops its whole system: whatever in it did not report an end will not.
    if (record.parent === null) {
      const prefix = `${record.key.slice(0, record.key.indexOf('/'))}/`;
      for (const other of [...this.#actors.values()]) {
        if (other === record || !other.key.startsWith(prefix) || finished(other.status)) continue;
        if (other.machine) this.#finished.add(other.key);
        else this.#remove(other);
      }
    }
    while (this.#finished.size > this.#maxFinished) {
      const victim = this.#evictionCandidate();
      if (!victim) break;
      this.#remove(victim);
    }
  }

  /** The oldest finished actor, preferring task-like actors (no system id, not a root) over singletons and jobs. */
  #evictionCandidate(): ActorRecord | undefined {
    let fallback: ActorRecord | undefined;
    let singleton: ActorRecord | undefined;
    for (const key of this.#finished) {
      const record = this.#actors.get(key);
      if (!record) {
        this.#finished.delete(key);
        continue;
      }
      if (record.parent !== null && !record.systemId) return record;
      if (record.parent !== null) singleton ??= record;
      fallback ??= record;
    }
    return singleton ?? fallback;
  }

  #remove(record: ActorRecord): void {
    this.#actors.delete(record.key);
    this.#finished.delete(record.key);
    this.#emit({ kind: 'removed', actor: record.key, name: record.name });
    for (const child of [...this.#actors.values()]) if (child.parent === record.key) this.#remove(child);
  }

  #emit(message: DistributiveOmit<InspectorMessage, 'seq' | 'time'>): void {
    const full = { ...message, seq: ++this.#seq, time: this.#now() } as InspectorMessage;
    this.#messages.push(full);
    for (const listener of this.#listeners) listener(full);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
