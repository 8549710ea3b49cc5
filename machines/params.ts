/**
 * The to_task parameters (SPEC §2), validated with zod. Wire names stay snake_case: they are the platform's.
 */
import { z } from 'zod';
import { ToTaskError } from './errors.js';

const id = z.number().int().positive();
const jsonObject = z.record(z.string(), z.unknown());

/**
 * The zod schema of the to_task parameters. Unknown keys are rejected (a misspelt `target_specification_nam` would
 * otherwise be dropped silently); method-dependent fields are checked after the shape.
 *
 * @example
 * toTaskParamsSchema.parse({ name: 'Pre-label', project: 1, agent: 3, target_specification_name: 'annotation' });
 */
export const toTaskParamsSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be blank'),
    description: z.string().optional(),
    project: id,
    agent: id,
    task_filters: jsonObject.default({}),
    method: z.enum(['file', 'inference']).default('file'),
    target_specification_name: z.string().trim().min(1, 'must not be blank').optional(),
    pre_processor: id.optional(),
    model: id.optional(),
    pre_processor_params: jsonObject.default({}),
  })
  .strict()
  .superRefine((params, context) => {
    for (const field of missingForMethod(params)) {
      context.addIssue({
        code: 'custom',
        path: [field],
        message: `required when method is '${params.method}'`,
      });
    }
  });

/** The fields the method needs that `params` lacks; an unknown method needs nothing more (its own error says why). */
function missingForMethod(params: Record<string, unknown>): string[] {
  const method = params.method ?? 'file';
  const needed =
    method === 'file'
      ? ['target_specification_name']
      : method === 'inference'
        ? ['pre_processor', 'model']
        : [];
  return needed.filter((field) => params[field] === undefined);
}

/** Validated parameters, defaults applied. */
export type ToTaskParams = z.output<typeof toTaskParamsSchema>;
/** Parameters as a caller writes them (defaults optional). */
export type ToTaskParamsInput = z.input<typeof toTaskParamsSchema>;

/** The JSON Schema (draft 2020-12) of the parameters as a caller writes them: for forms and editors. */
export const toTaskParamsJsonSchema: Record<string, unknown> = z.toJSONSchema(toTaskParamsSchema, {
  io: 'input',
});

/**
 * Invalid parameters: `issues` lists each field and what is wrong with it; the message names them all.
 *
 * @example
 * // Invalid params: project: expected an integer id, received string "abc"
 */
export class ParamsError extends ToTaskError {
  override name = 'ParamsError';
  readonly issues: readonly { field: string; message: string }[];

  constructor(issues: readonly { field: string; message: string }[]) {
    super(
      'invalid_params',
      `Invalid params: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`,
    );
    this.issues = issues;
  }
}

function describeReceived(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'string')
    return `string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`;
  if (typeof input === 'number' || typeof input === 'boolean') return `${typeof input} ${String(input)}`;
  return typeof input;
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  const received = describeReceived(input);
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'required';
      return issue.expected === 'number' || issue.expected === 'int'
        ? `expected an integer id, received ${received}`
        : `expected ${issue.expected === 'record' ? 'an object' : issue.expected}, received ${received}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => `'${String(value)}'`).join(', ')}, received ${received}`;
    case 'too_small':
      return issue.origin === 'number'
        ? `expected a positive integer id, received ${received}`
        : issue.message;
    case 'unrecognized_keys':
      return 'unknown field';
    default:
      return issue.message;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Validates raw parameters (parsed JSON or YAML). Throws {@link ParamsError} naming every bad field.
 *
 * @example
 * parseToTaskParams({ name: 'x', project: 1, agent: 3, method: 'inference', pre_processor: 7, model: 42 });
 */
export function parseToTaskParams(input: unknown): ToTaskParams {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ParamsError([
      { field: 'params', message: `expected an object, received ${describeReceived(input)}` },
    ]);
  }
  const parsed = toTaskParamsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'unknown field' }));
    }
    return [
      { field: issue.path.join('.') || 'params', message: issueMessage(issue, valueAt(input, issue.path)) },
    ];
  });
  // zod runs the method checks only on a valid shape: report what the method lacks in the same error anyway.
  const raw = input as Record<string, unknown>;
  for (const field of missingForMethod(raw)) {
    if (!issues.some((issue) => issue.field === field)) {
      issues.push({ field, message: `required when method is '${String(raw.method ?? 'file')}'` });
    }
  }
  throw new ParamsError(issues);
}
