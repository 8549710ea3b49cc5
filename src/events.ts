/**
 * The typed event emitter a job exposes to host apps (SPEC §8): every event the machines emit, plus reporting
 * failures. Built on eventemitter3.
 */
import { EventEmitter } from 'eventemitter3';
import { errorTypeName } from '../machines/errors.js';
import type { ToTaskEmitted } from '../machines/toTask.machine.js';

/** Reporting progress to the platform failed; the job goes on. `message` is redacted. */
export interface ReportFailedEvent {
  type: 'report.failed';
  message: string;
}

/** Every event a job emits, by name. */
export type ToTaskJobEvent = ToTaskEmitted | ReportFailedEvent;

/** Event name → listener, for `on(name, listener)`. */
export type ToTaskEventListeners = {
  [E in ToTaskJobEvent as E['type']]: (event: E) => void;
};

/** The name of any job event, for `on(name, listener)`. */
export type ToTaskEventName = keyof ToTaskEventListeners;

/** A listener of any job event, as the emitter stores it. */
type AnyListener = (event: ToTaskJobEvent) => void;

/**
 * A typed emitter of job events, over eventemitter3. Each listener is called on its own: one that throws neither
 * stops the others (job reporting among them) nor the job; it becomes a process warning (`TO_TASK_LISTENER_FAILED`)
 * instead of an uncaught exception.
 *
 * @example
 * const events = new ToTaskEvents();
 * events.on('progress', ({ done, total, etaSeconds }) => console.log(done, total, etaSeconds));
 */
export class ToTaskEvents {
  /** Every listener is registered guarded; the map finds the guard again for `off`. */
  readonly #emitter = new EventEmitter();
  readonly #guards = new WeakMap<object, AnyListener>();

  #guard(listener: AnyListener): AnyListener {
    let guard = this.#guards.get(listener);
    if (!guard) {
      guard = (event) => {
        try {
          listener(event);
        } catch (error) {
          process.emitWarning(
            `A listener of the to_task event '${event.type}' threw ${errorTypeName(error)}`,
            {
              code: 'TO_TASK_LISTENER_FAILED',
            },
          );
        }
      };
      this.#guards.set(listener, guard);
    }
    return guard;
  }

  /** Listen to an event. */
  on<Name extends ToTaskEventName>(name: Name, listener: ToTaskEventListeners[Name]): this {
    this.#emitter.on(name, this.#guard(listener as AnyListener));
    return this;
  }

  /** Listen to the next occurrence of an event only. */
  once<Name extends ToTaskEventName>(name: Name, listener: ToTaskEventListeners[Name]): this {
    this.#emitter.once(name, this.#guard(listener as AnyListener));
    return this;
  }

  /** Stop listening (all listeners of the event when none is given). */
  off<Name extends ToTaskEventName>(name: Name, listener?: ToTaskEventListeners[Name]): this {
    if (listener === undefined) this.#emitter.removeAllListeners(name);
    else {
      const guard = this.#guards.get(listener);
      if (guard) this.#emitter.off(name, guard);
    }
    return this;
  }

  /** How many listeners an event has. */
  listenerCount(name: ToTaskEventName): number {
    return this.#emitter.listenerCount(name);
  }

  /** Emit any job event under its own `type`. */
  dispatch(event: ToTaskJobEvent): void {
    this.#emitter.emit(event.type, event);
  }
}
