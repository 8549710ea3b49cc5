/**
 * Fault injection for the sandbox: a JSON-friendly scenario, validated with zod, that bends the platform's answers
 * (SPEC §10: dispatch errors, terminal statuses, never-ready deploys, 429/503 with `Retry-After`, slow or malformed
 * answers, broken data files, failing writes).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** The names of the sandbox's routes, usable in `throttle.routes` and `slow.routes`. */
export const sandboxRouteNames = [
  'project',
  'dataCollection',
  'pluginRelease',
  'serveApplications',
  'pluginRun',
  'tasks',
  'task',
  'annotateTaskData',
  'dataUnit',
  'job',
  'logs',
  'state',
  'mediaImage',
  'mediaAnnotation',
] as const;

/** One of {@link sandboxRouteNames}. */
export type SandboxRouteName = (typeof sandboxRouteNames)[number];

/** The routes a fault with no `routes` applies to: the platform API, not the media files nor `_sandbox/state/`. */
export const apiRouteNames: readonly SandboxRouteName[] = sandboxRouteNames.filter(
  (name) => name !== 'state' && name !== 'mediaImage' && name !== 'mediaAnnotation',
);

const taskIds = z.array(z.int().positive());
const errorStatus = z.int().min(400).max(599);
const routeSelector = z
  .string()
  .min(1)
  .refine((value) => (sandboxRouteNames as readonly string[]).includes(value) || value.includes('/'), {
    message: `expected a route name (${sandboxRouteNames.join(', ')}) or a path prefix containing "/"`,
  });

/**
 * The scenario schema: every field optional, unknown keys rejected (a typo must not silently disable a fault).
 * Task ids are the demo's (`1001..`); "first N" counters count from the sandbox's start.
 */
export const sandboxScenarioSchema = z.strictObject({
  /**
   * Answer `POST plugins/{code}/run/` with `action: 'deployment'` with HTTP `status` and `{detail}` instead of
   * dispatching, for the first `times` dispatches (default: every one). No serve application is created.
   */
  dispatch: z
    .strictObject({
      /** The HTTP status of the failed dispatch (400–599). */
      status: errorStatus,
      /** How many dispatches fail before the next one succeeds; default: all of them. */
      times: z.int().positive().optional(),
    })
    .optional(),
  /**
   * Where a dispatched deployment ends: it is `NOT_STARTED` until half of `afterMs`, `DEPLOYING` until `afterMs`,
   * then `outcome`. `NEVER_READY` stays `DEPLOYING` forever.
   */
  deploy: z
    .strictObject({
      /** The status reached at `afterMs`. */
      outcome: z.enum(['RUNNING', 'DEPLOY_FAILED', 'UNHEALTHY', 'UNAVAILABLE', 'NEVER_READY']),
      /** Milliseconds from dispatch to `outcome`; default: the sandbox's `deployDelayMs`. */
      afterMs: z.number().min(0).optional(),
    })
    .optional(),
  /** Seed a `RUNNING` serve application for the demo plugin and agent at start (detection needs no dispatch). */
  alreadyRunning: z.boolean().optional(),
  /** Answer `GET serve_applications/` with HTTP 200 and a malformed body, for the first `times` answers. */
  serveList: z
    .strictObject({
      /**
       * `html`: an HTML page (`text/html`); `object`: a JSON object without `results`; `null`: JSON `null`;
       * `no-status`: a page whose items have no `status`. Default `html`.
       */
      malformed: z.enum(['html', 'object', 'null', 'no-status']).default('html'),
      /** How many answers are malformed; default: all of them. */
      times: z.int().positive().optional(),
    })
    .optional(),
  /**
   * Answer matching requests with `status` (and `Retry-After` when `retryAfterSeconds` is set) instead of serving
   * them. `rate` counts attempts of the same request (method, path and query): with rate `r` the attempts `n` for
   * which `ceil(n·r) > ceil((n-1)·r)` are throttled, so the first attempt is, and rate 0.5 makes every request need
   * exactly one retry, even under concurrency.
   */
  throttle: z
    .strictObject({
      /** 429 (Too Many Requests) or 503 (Service Unavailable). */
      status: z.literal([429, 503]),
      /** Seconds sent as `Retry-After`; omitted: no header. */
      retryAfterSeconds: z.int().min(0).optional(),
      /** Route names or path prefixes (`sdk/tasks/`); default: every API route (not media files nor state). */
      routes: z.array(routeSelector).optional(),
      /** Fraction of attempts of each request that are throttled, 0..1; default 1 (every attempt). */
      rate: z.number().min(0).max(1).optional(),
      /** Total throttled answers, after which requests pass; default: no limit. */
      times: z.int().positive().optional(),
      /**
       * Only requests about these tasks: `tasks/{id}/`, its `annotate_task_data/`, its data unit, its media files and
       * inferences on its image. Requests about no task then pass.
       */
      taskIds: taskIds.optional(),
    })
    .optional(),
  /** Delay answers of matching routes by `ms` (on top of the sandbox's `latencyMs`). */
  slow: z
    .strictObject({
      /** Milliseconds added before answering. */
      ms: z.number().min(0),
      /** Route names or path prefixes; default: every API route. */
      routes: z.array(routeSelector).optional(),
    })
    .optional(),
  /** Faults of the data files (`media/annotations/{taskId}.json`; images are always served). */
  dataFiles: z
    .strictObject({
      /** These tasks' data files answer 404. */
      missing: taskIds.optional(),
      /** These tasks' data files answer 200 with a body that is not JSON. */
      broken: taskIds.optional(),
    })
    .optional(),
  /** Faults of the task data (as served by `tasks/{id}/` and `data_units/{id}/`). */
  tasks: z
    .strictObject({
      /** `data_unit` is null: the task fails with `Task does not have a data unit`. */
      noDataUnit: taskIds.optional(),
      /** The primary (`image`) file is absent from the data unit. */
      noPrimaryFile: taskIds.optional(),
      /** The target (`annotation`) file is absent from the data unit. */
      noTargetFile: taskIds.optional(),
    })
    .optional(),
  /** `PUT tasks/{id}/annotate_task_data/` of these tasks answers `status` every time; nothing is written. */
  writeFailures: z
    .strictObject({
      /** The tasks whose writes fail. */
      taskIds,
      /** The HTTP status of a failed write (400–599); default 500. */
      status: errorStatus.default(500),
    })
    .optional(),
  /** Faults of the demo model (`POST plugins/{code}/run/` with `action: 'inference'`). */
  inference: z
    .strictObject({
      /** Answer JSON `null` (HTTP 200) for these tasks' images. */
      nullFor: taskIds.optional(),
      /** Answer this HTTP status (400–599) instead of a prediction: for `statusFor`'s tasks, or every call. */
      status: errorStatus.optional(),
      /** Limit `status` to these tasks' images. */
      statusFor: taskIds.optional(),
    })
    .optional(),
});

/** A validated scenario (defaults applied). See {@link sandboxScenarioSchema} for each field's meaning. */
export type SandboxScenario = z.infer<typeof sandboxScenarioSchema>;
/** A scenario as written (JSON or code), before defaults. */
export type SandboxScenarioInput = z.input<typeof sandboxScenarioSchema>;

/** A scenario that does not match {@link sandboxScenarioSchema}; `field` is the first bad field's dotted path. */
export class SandboxScenarioError extends TypeError {
  override name = 'SandboxScenarioError';
  readonly field: string;

  constructor(message: string, field: string) {
    super(message);
    this.field = field;
  }
}

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * Validates a scenario and applies its defaults; throws {@link SandboxScenarioError} naming every bad field.
 *
 * @example
 * parseScenario({ deploy: { outcome: 'UNHEALTHY' } }); // ok
 * parseScenario({ throttle: { status: 500 } }); // throws: "Invalid sandbox scenario: throttle.status: ..."
 */
export function parseScenario(input: unknown, source?: string): SandboxScenario {
  const parsed = sandboxScenarioSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${fieldOf(issue) || '(root)'}: ${issue.message}`);
  const where = source === undefined ? '' : ` (${source})`;
  const first = parsed.error.issues[0];
  throw new SandboxScenarioError(
    `Invalid sandbox scenario${where}: ${problems.join('; ')}`,
    first ? fieldOf(first) : '',
  );
}

/**
 * Reads a JSON scenario file and validates it. Errors name the file and the bad field.
 *
 * @example
 * const sandbox = await startSandbox({ scenario: await loadScenario('scenarios/throttled.json') });
 */
export async function loadScenario(path: string): Promise<SandboxScenario> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SandboxScenarioError(`Invalid sandbox scenario (${path}): not JSON (${reason})`, '');
  }
  return parseScenario(json, path);
}
