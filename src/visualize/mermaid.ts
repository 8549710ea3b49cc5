/**
 * Mermaid `stateDiagram-v2` text from any XState v5 machine definition, for diagrams GitHub renders in Markdown.
 *
 * Mermaid's grammar shapes the output: state ids may not contain dots, dashes or colons (ids are the state key, or
 * its path joined with `_` when keys repeat); a transition label may contain neither `:` nor `;` (so the label of an
 * actor's done event reads `done listServeApplications`); older Mermaid versions reject an alias on a composite
 * state's `{` line (its label is declared on a line of its own). A transition is written in the block of the innermost
 * state that holds both its ends, so Mermaid files each state under the right parent.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/** Words the Mermaid state grammar reads as keywords; a state with one of these keys gets another id. */
const reservedIds = new Set([
  'state',
  'note',
  'end',
  'class',
  'classdef',
  'direction',
  'scale',
  'style',
  'as',
  'hide',
  'click',
  'acctitle',
  'accdescr',
]);

const safeId = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Mermaid's lexer reads `default` even at the start of a longer word, so such ids are avoided too. */
function isUsableId(id: string): boolean {
  return safeId.test(id) && !reservedIds.has(id.toLowerCase()) && !/^default/i.test(id);
}

/**
 * Text allowed after a Mermaid `:` on one line: no `:`, `;`, line break or `%%` (a comment), and no
 * `direction LR`-like words, which Mermaid's lexer takes for a layout directive wherever they appear on a line.
 */
function labelText(text: string): string {
  return text
    .replace(/[:;\r\n]+/g, ' ')
    .replace(/%%+/g, '%')
    .replace(/\s+/g, ' ')
    .replace(/\b(direction)\s+(TB|BT|RL|LR)\b/gi, '$1-$2')
    .trim();
}

/** Text allowed inside `state "..." as id`. */
function quotedText(text: string): string {
  return labelText(text).replace(/"/g, "'");
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

function descendantsOf(node: AnyStateNode): AnyStateNode[] {
  return childrenOf(node).flatMap((child) => [child, ...descendantsOf(child)]);
}

/** One Mermaid id per state node: its key when that is unique and safe, else its path joined with `_`. */
function assignIds(root: AnyStateNode): Map<AnyStateNode, string> {
  const nodes = descendantsOf(root);
  const keyCount = new Map<string, number>();
  for (const node of nodes) keyCount.set(node.key, (keyCount.get(node.key) ?? 0) + 1);
  const ids = new Map<AnyStateNode, string>();
  const taken = new Set<string>();
  const usable = (id: string) => isUsableId(id) && !taken.has(id);
  const pathId = (path: string[]) => {
    const joined = path.join('_').replace(/[^A-Za-z0-9_]/g, '_');
    return isUsableId(joined) ? joined : `s_${joined}`;
  };
  for (const node of nodes) {
    let id = node.key;
    if (keyCount.get(node.key) !== 1 || !usable(id)) {
      const base = pathId(node.path);
      id = base;
      for (let n = 2; !usable(id); n++) id = `${base}_${n}`;
    }
    taken.add(id);
    ids.set(node, id);
  }
  // Transitions declared on the machine itself apply in every state: they are drawn from one "any state" box.
  if (allTransitions(root).length > 0) {
    let id = 'any_state';
    for (let n = 2; !usable(id); n++) id = `any_state_${n}`;
    ids.set(root, id);
  }
  return ids;
}

type GuardLike = string | { type?: unknown } | ((...args: never[]) => unknown) | undefined;

/** `serveAppRunning`, `a && !b`, ... : the guard as its author named it. */
function guardLabel(guard: GuardLike): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const combined = guard as unknown as { guards?: GuardLike[]; check?: unknown; name: string };
    if (Array.isArray(combined.guards) && combined.check !== undefined) {
      const parts = combined.guards.map((inner) => guardLabel(inner) ?? 'guard');
      if (combined.name === 'not') return `!${parts[0]}`;
      return parts.join(combined.name === 'or' ? ' || ' : ' && ');
    }
    return guard.name && guard.name !== 'guard' ? guard.name : 'inline guard';
  }
  return typeof guard.type === 'string' ? guard.type : 'guard';
}

function delayLabel(transition: AnyTransitionDefinition): string {
  const delay = (transition as { delay?: unknown }).delay;
  if (typeof delay === 'number') return `after ${delay}ms`;
  if (typeof delay === 'string') return /^\d+$/.test(delay) ? `after ${delay}ms` : `after ${delay}`;
  return 'after delay';
}

function invokeSource(node: AnyStateNode, invokeId: string): string {
  for (const candidate of [node, ...ancestorsOf(node)]) {
    const invoke = candidate.invoke.find((definition) => definition.id === invokeId);
    if (invoke) return typeof invoke.src === 'string' ? invoke.src : invoke.id;
  }
  return invokeId;
}

function ancestorsOf(node: AnyStateNode): AnyStateNode[] {
  const ancestors: AnyStateNode[] = [];
  for (let parent = node.parent; parent; parent = parent.parent) ancestors.push(parent);
  return ancestors;
}

/** `done listServeApplications`, `error dispatchDeployment`, `after pollInterval`, `always`, or the event type. */
function eventLabel(transition: AnyTransitionDefinition): string {
  const source = transition.source as AnyStateNode;
  const type = transition.eventType as string;
  if (!type) return 'always';
  const actor = /^xstate\.(done|error|snapshot)\.actor\.(.+)$/.exec(type);
  if (actor) return `${actor[1]} ${invokeSource(source, actor[2] ?? '')}`;
  if (type.startsWith('xstate.after.')) return delayLabel(transition);
  if (type.startsWith('xstate.done.state.')) return 'done';
  if (type === '*') return 'any event';
  return type;
}

function transitionLabel(transition: AnyTransitionDefinition): string {
  const guard = guardLabel(transition.guard as GuardLike);
  return labelText(guard ? `${eventLabel(transition)} [${guard}]` : eventLabel(transition));
}

/** The block a transition is written in: the innermost state holding both ends (never one of the ends itself). */
function scopeOf(source: AnyStateNode, target: AnyStateNode): AnyStateNode {
  const sourceChain = [source, ...ancestorsOf(source)];
  const targetChain = new Set([target, ...ancestorsOf(target)]);
  let scope = sourceChain.find((node) => targetChain.has(node)) ?? (source.machine.root as AnyStateNode);
  if ((scope === source || scope === target) && scope.parent) scope = scope.parent;
  return scope;
}

function allTransitions(node: AnyStateNode): AnyTransitionDefinition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])] as AnyTransitionDefinition[];
}

/**
 * Renders a machine definition as a Mermaid `stateDiagram-v2`: nested (compound) states as `state x { ... }` blocks,
 * parallel regions separated by `--`, the initial state of each level as `[*] --> x`, final states as `x --> [*]`,
 * one arrow per transition target labelled with its event (`done <actor>` / `error <actor>` for invoke results,
 * `after <delay>` for delayed transitions, `always` for eventless ones) and its guard in brackets, and each invoked
 * actor as an `invoke <actor>` line in its state. A targetless transition is drawn as a self-loop; a transition declared
 * on the machine itself (enabled in every state) is drawn from an `any state` box. The output only depends on the
 * definition, in its declaration order, so it can be committed and compared.
 *
 * @example
 * const toggle = createMachine({
 *   initial: 'off',
 *   states: { off: { on: { TOGGLE: 'on' } }, on: { after: { 1000: 'off' } } },
 * });
 * toMermaid(toggle);
 * // stateDiagram-v2
 * //   [*] --> off
 * //   off
 * //   on
 * //   off --> on : TOGGLE
 * //   on --> off : after 1000ms
 */
export function toMermaid(machine: AnyStateMachine): string {
  const root = machine.root as AnyStateNode;
  const ids = assignIds(root);
  const idOf = (node: AnyStateNode) => ids.get(node) ?? node.key;

  const edgesByScope = new Map<AnyStateNode, string[]>();
  for (const node of [root, ...descendantsOf(root)]) {
    for (const transition of allTransitions(node)) {
      const targets = (transition.target ?? [node]) as AnyStateNode[];
      for (const target of targets) {
        const scope = node === root || target === root ? root : scopeOf(node, target);
        const label = transitionLabel(transition);
        const edges = edgesByScope.get(scope) ?? [];
        edges.push(`${idOf(node)} --> ${idOf(target)}${label ? ` : ${label}` : ''}`);
        edgesByScope.set(scope, edges);
      }
    }
  }

  function block(parent: AnyStateNode, depth: number): string[] {
    const pad = '  '.repeat(depth);
    const lines: string[] = [];
    const children = childrenOf(parent);
    if (parent.type === 'parallel') {
      children.forEach((region, index) => {
        if (index > 0) lines.push(`${pad}--`);
        lines.push(...declare(region, depth));
      });
    } else {
      const initial = (parent.initial?.target ?? []) as AnyStateNode[];
      for (const target of initial) lines.push(`${pad}[*] --> ${idOf(target)}`);
      for (const child of children) lines.push(...declare(child, depth));
    }
    for (const edge of edgesByScope.get(parent) ?? []) lines.push(`${pad}${edge}`);
    for (const child of children) if (child.type === 'final') lines.push(`${pad}${idOf(child)} --> [*]`);
    return lines;
  }

  function declare(node: AnyStateNode, depth: number): string[] {
    const pad = '  '.repeat(depth);
    const id = idOf(node);
    const lines: string[] = [];
    const label = node.type === 'history' ? (node.history === 'deep' ? 'H*' : 'H') : node.key;
    const invokes = node.invoke.map((invoke) => (typeof invoke.src === 'string' ? invoke.src : invoke.id));
    // A description line replaces the state's name in the box, so a state that gets one also declares its name.
    const composite = childrenOf(node).length > 0;
    // Mermaid refuses a description on a composite state ("Group nodes can only have label"): its invokes join the label.
    const title =
      composite && invokes.length > 0
        ? [label, ...invokes.map((source) => `invoke ${source}`)].join(' · ')
        : label;
    if (title !== id || invokes.length > 0) lines.push(`${pad}state "${quotedText(title)}" as ${id}`);
    if (!composite)
      for (const source of invokes) lines.push(`${pad}${id} : ${labelText(`invoke ${source}`)}`);
    if (childrenOf(node).length > 0) {
      lines.push(`${pad}state ${id} {`, ...block(node, depth + 1), `${pad}}`);
    } else if (lines.length === 0) {
      lines.push(`${pad}${id}`);
    }
    return lines;
  }

  const anyState = ids.get(root);
  const head = anyState ? [`  state "any state" as ${anyState}`] : [];
  return ['stateDiagram-v2', ...head, ...block(root, 1)].join('\n');
}
