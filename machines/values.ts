/**
 * Small helpers the machines share: reading untrusted values and declaring actor slots.
 */
import { fromPromise } from 'xstate';

/** True for a non-null object that is not an array: what an answer of the platform must be to be read as one. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `output` of a `xstate.done.actor.*` event, or undefined for any other event. */
export function outputOf(event: { type: string }): unknown {
  return 'output' in event ? event.output : undefined;
}

/**
 * An actor slot's placeholder: the machine declares what the slot takes and returns, and `machine.provide({ actors })`
 * fills it. Until then it fails loudly, naming the slot.
 *
 * @example
 * setup({ actors: { fetchTask: actorSlot<unknown, { taskId: number }>('fetchTask') } });
 */
export function actorSlot<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(`The \`${name}\` actor was not provided`);
  });
}
