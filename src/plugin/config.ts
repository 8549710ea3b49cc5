/**
 * A plugin's `config.yaml` (the Python SDK's layout, SPEC §4): only the `to_task` action is read, every other key is
 * kept as it is.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { errorLine } from '../client/redact.js';

/** `plugin.to_task.ToTask`: a dotted module path under the plugin directory, then the export's name. */
const entrypointPattern = /^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)+$/;

const toTaskActionSchema = z.looseObject({
  entrypoint: z
    .string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected a string') })
    .regex(entrypointPattern, 'expected a module path and an export name, like plugin.to_task.ToTask'),
  method: z.literal('job', { error: "expected 'job'" }).default('job'),
});

/** The schema of the part of `config.yaml` the loader reads. */
export const pluginConfigSchema = z.looseObject({
  name: z.string().optional(),
  code: z.string().optional(),
  version: z.union([z.string(), z.number()]).optional(),
  actions: z.record(z.string(), z.unknown(), {
    error: (issue) => (issue.input === undefined ? 'required' : 'expected a mapping of action names'),
  }),
});

/** A plugin's `to_task` action as declared. */
export type ToTaskActionConfig = z.output<typeof toTaskActionSchema>;

/** The plugin config, with its `to_task` action validated. */
export interface PluginConfig {
  name?: string;
  code?: string;
  version?: string | number;
  actions: Record<string, unknown>;
  toTask: ToTaskActionConfig;
}

/** Why a config was rejected: `field` is the dotted path of the first bad field (`actions.to_task.entrypoint`). */
export class PluginConfigError extends Error {
  override name = 'PluginConfigError';
  readonly field: string;
  readonly kind: 'syntax' | 'field' | 'action_missing';

  constructor(kind: PluginConfigError['kind'], field: string, message: string) {
    super(message);
    this.kind = kind;
    this.field = field;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function fieldError(prefix: readonly string[], error: z.ZodError, input: unknown): PluginConfigError {
  const issue = error.issues[0]!;
  const field = [...prefix, ...issue.path.map(String)].join('.') || '(root)';
  const received = valueAt(input, issue.path);
  const got = received === undefined ? '' : `, got ${describe(received)}`;
  const message = issue.message === 'required' ? 'required' : `${issue.message}${got}`;
  return new PluginConfigError('field', field, `${field}: ${message}`);
}

/**
 * Parses and validates the text of a `config.yaml`. Throws {@link PluginConfigError} naming the line of a YAML
 * syntax error, or the first bad field.
 *
 * @example
 * parsePluginConfig('actions:\n  to_task:\n    entrypoint: plugin.to_task.ToTask\n    method: job\n').toTask;
 * // { entrypoint: 'plugin.to_task.ToTask', method: 'job' }
 */
export function parsePluginConfig(text: string): PluginConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new PluginConfigError(
      'syntax',
      '',
      `not valid YAML${line ? ` (line ${line})` : ''}: ${errorLine(error)}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PluginConfigError(
      'field',
      '(root)',
      `expected a mapping with \`actions\`, got ${describe(raw)}`,
    );
  }
  const config = pluginConfigSchema.safeParse(raw);
  if (!config.success) throw fieldError([], config.error, raw);
  const actions = config.data.actions;
  const declared = actions.to_task;
  if (declared === undefined) {
    const names = Object.keys(actions);
    throw new PluginConfigError(
      'action_missing',
      'actions.to_task',
      `no to_task action in \`actions\` (declared: ${names.length > 0 ? names.join(', ') : 'none'})`,
    );
  }
  const toTask = toTaskActionSchema.safeParse(declared);
  if (!toTask.success) {
    if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) {
      throw new PluginConfigError(
        'field',
        'actions.to_task',
        `actions.to_task: expected a mapping with entrypoint and method, got ${describe(declared)}`,
      );
    }
    throw fieldError(['actions', 'to_task'], toTask.error, declared);
  }
  return { ...config.data, actions, toTask: toTask.data };
}
