/**
 * The typed event emitter a job exposes to host apps (SPEC §8): every event the machines emit, plus reporting
 * failures. Built on eventemitter3.
 */
import { EventEmitter } from 'eventemitter3';
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

export type ToTaskEventName = keyof ToTaskEventListeners;

/**
 * A typed emitter of job events.
 *
 * @example
 * const events = new ToTaskEvents();
 * events.on('progress', ({ done, total, etaSeconds }) => console.log(done, total, etaSeconds));
 */
export class ToTaskEvents extends EventEmitter<ToTaskEventListeners> {
  /** Emit any job event under its own `type`. */
  dispatch(event: ToTaskJobEvent): void {
    (this.emit as (type: string, event: ToTaskJobEvent) => boolean)(event.type, event);
  }
}
