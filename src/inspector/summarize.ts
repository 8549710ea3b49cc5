/**
 * What an inspector may show of a running actor: ids, machine ids, state values, statuses, event types and a few
 * whitelisted numbers. Contexts, event payloads, inputs and outputs can hold task data, tokens or URLs, so nothing
 * here ever reads more of them than a type name or an allowed number.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** An actor's lifecycle as XState reports it, plus `pending` before its first snapshot. */
export type ActorStatus = 'pending' | 'active' | 'done' | 'error' | 'stopped';

/**
 * Context fields copied as progress figures when they hold a finite number: the job's counters, the pre-processor's
 * poll count and a task actor's task id. Everything else in a context stays out of inspection.
 */
export const defaultFigureFields: readonly string[] = Object.freeze([
  'taskId',
  'discovered',
  'expectedTotal',
  'success',
  'failed',
  'polls',
]);

/** Event types come from machine code, but a host can send anything: they are clipped to this length. */
const maxEventTypeLength = 120;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The dotted paths of the active leaf states of a machine's state value, in declaration order.
 *
 * @example
 * stateValuePaths({ deploying: { waiting: 'polling' } }); // ['deploying.waiting.polling']
 * stateValuePaths('ready'); // ['ready']
 */
export function stateValuePaths(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const inner = stateValuePaths(child);
    return inner.length === 0 ? [key] : inner.map((path) => `${key}.${path}`);
  });
}

/**
 * A state value as one line: dotted paths, parallel regions joined with `, `; `null` for actors without states
 * (promise and callback actors).
 *
 * @example
 * stateLabel({ annotating: 'running' }); // 'annotating.running'
 */
export function stateLabel(value: unknown): string | null {
  const paths = stateValuePaths(value);
  return paths.length === 0 ? null : paths.join(', ');
}

/** The type of an event, clipped; never any other field of it. */
export function eventTypeOf(event: unknown): string {
  const type = isRecord(event) ? event.type : undefined;
  if (typeof type !== 'string') return '';
  return type.length > maxEventTypeLength ? `${type.slice(0, maxEventTypeLength - 1)}…` : type;
}

/** An actor snapshot's status, `pending` when it has none yet. */
export function statusOf(snapshot: unknown): ActorStatus {
  const status = isRecord(snapshot) ? snapshot.status : undefined;
  return status === 'active' || status === 'done' || status === 'error' || status === 'stopped'
    ? status
    : 'pending';
}

/**
 * The whitelisted numeric fields of a context, or `undefined` when there are none.
 *
 * @example
 * pickFigures({ success: 2, failed: 0, params: { name: 'secret' } }); // { success: 2, failed: 0 }
 */
export function pickFigures(
  context: unknown,
  fields: readonly string[] = defaultFigureFields,
): Record<string, number> | undefined {
  if (!isRecord(context)) return undefined;
  let figures: Record<string, number> | undefined;
  for (const field of fields) {
    const value = context[field];
    if (typeof value === 'number' && Number.isFinite(value)) {
      figures ??= {};
      figures[field] = value;
    }
  }
  return figures;
}

/** One state of a machine definition, as the inspector page lists it. */
export interface StateTree {
  /** The state's key. */
  key: string;
  /** Its path from the machine root, dotted: the form `stateLabel` uses. */
  path: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Sources of the actors it invokes (`loadProject`, `preProcessor`, ...). */
  invokes: string[];
  states: StateTree[];
}

/** A machine definition's states, nested, in declaration order. */
export interface MachineTree {
  id: string;
  states: StateTree[];
}

function stateTreeOf(node: AnyStateNode): StateTree {
  return {
    key: node.key,
    path: node.path.join('.'),
    type: node.type,
    invokes: node.invoke.map((invoke) => (typeof invoke.src === 'string' ? invoke.src : invoke.id)),
    states: Object.values(node.states as Record<string, AnyStateNode>).map(stateTreeOf),
  };
}

/**
 * A machine definition's states as a tree, read from the definition only (no actor needed).
 *
 * @example
 * machineTree(preProcessorMachine).states.map((state) => state.key);
 * // ['detecting', 'deploying', 'ready', 'failed']
 */
export function machineTree(machine: AnyStateMachine): MachineTree {
  const root = machine.root as AnyStateNode;
  return {
    id: machine.id,
    states: Object.values(root.states as Record<string, AnyStateNode>).map(stateTreeOf),
  };
}
