/**
 * The sandbox's platform routes (SPEC §5–§8): one table row per call the to_task job makes, plus the media files
 * and `_sandbox/state/`. Handlers read and write the {@link SandboxWorld}; scenario faults are applied here when
 * they change an answer's content (request-level faults, throttling and slowness, are applied by the server).
 */
import { z } from 'zod';
import type { Countdown } from './faults.js';
import type { FaultKind, Recorder } from './recorder.js';
import {
  detail,
  isPlainObject,
  json,
  positiveInt,
  type Route,
  type RouteAnswer,
  type RouteRequest,
} from './router.js';
import type { SandboxScenario } from './scenario.js';
import {
  annotationDocument,
  annotationFileName,
  demoFileSpecifications,
  demoJpeg,
  demoPluginRelease,
  demoPrediction,
  demoProjects,
  filesShapeOf,
  fnv1a,
  imageFileName,
  needsDataUnitFallback,
  type SeedTask,
  sandboxSeed,
  taskIdOfMediaPath,
} from './seed.js';
import type { ServeApplications } from './serveApplications.js';

/** The sandbox's mutable state, shared by the handlers. */
export interface SandboxWorld {
  scenario: SandboxScenario;
  recorder: Recorder;
  serveApplications: ServeApplications;
  /** Tasks by id, in seeding order. */
  tasks: Map<number, SeedTask>;
  /** Tasks by their data unit's id. */
  tasksByDataUnit: Map<number, SeedTask>;
  /** Jobs as merged by `PATCH jobs/{id}/`. */
  jobs: Map<string, Record<string, unknown>>;
  /** Default and largest page size of `sdk/tasks/`. */
  pageSize: number;
  /** The scenario's "first N times" counters. */
  countdowns: { dispatch: Countdown; serveList: Countdown };
}

const notFound = () => detail(404, 'Not found.');

/** The backend's deployment request model: required numbers, optional numbers, no null, no extra key. */
const deploymentParamsSchema = z.strictObject({
  num_cpus: z.number(),
  num_gpus: z.number(),
  num_replicas: z.number().optional(),
  memory: z.number().optional(),
});

/** A list parameter given as repeated keys (`a=1&a=2`, as the client sends arrays), commas (`a=1,2`), or both. */
function listParam(request: RouteRequest, name: string): string[] {
  return request.url.searchParams
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((item) => item.trim());
}

/** Keeps only the requested `fields` (all when the query has none). */
function pickFields(request: RouteRequest, record: Record<string, unknown>): Record<string, unknown> {
  const fields = listParam(request, 'fields').filter((field) => field !== '');
  if (fields.length === 0) return record;
  return Object.fromEntries(Object.entries(record).filter(([key]) => fields.includes(key)));
}

function recordFault(
  world: SandboxWorld,
  request: RouteRequest,
  kind: FaultKind,
  extra: { status?: number; taskId?: number } = {},
): void {
  world.recorder.append('faults', {
    kind,
    method: request.method,
    path: `${request.url.pathname}${request.url.search}`,
    ...extra,
  });
}

function mediaUrl(request: RouteRequest, kind: 'images' | 'annotations', task: SeedTask): string {
  const file = `${task.id}.${kind === 'images' ? 'jpg' : 'json'}`;
  // A fake pre-signed query, so that callers are exercised on URLs that must not leak into messages.
  const signature = fnv1a(`${kind}/${file}`).toString(16).padStart(8, '0');
  return `${request.origin}/media/${kind}/${file}?X-Amz-Expires=3600&X-Amz-Signature=${signature}`;
}

type FileEntry = Record<string, unknown>;

/** The files of a task's data unit, in the task's shape (map or list), with the scenario's missing files removed. */
function dataUnitFiles(
  world: SandboxWorld,
  request: RouteRequest,
  task: SeedTask,
  onTaskExpansion: boolean,
): Record<string, FileEntry> | FileEntry[] {
  const shape = filesShapeOf(task.index);
  if (onTaskExpansion && needsDataUnitFallback(task.index)) return shape === 'list' ? [] : {};
  const faults = world.scenario.tasks;
  const entries: [string, FileEntry][] = [];
  if (faults?.noPrimaryFile?.includes(task.id)) recordFault(world, request, 'task', { taskId: task.id });
  else {
    entries.push([
      sandboxSeed.primarySpecification,
      {
        url: mediaUrl(request, 'images', task),
        is_primary: true,
        file_name_original: imageFileName(task.index),
        file_type: 'image',
      },
    ]);
  }
  if (faults?.noTargetFile?.includes(task.id)) recordFault(world, request, 'task', { taskId: task.id });
  else {
    entries.push([
      sandboxSeed.targetSpecificationName,
      {
        url: mediaUrl(request, 'annotations', task),
        is_primary: false,
        file_name_original: annotationFileName(task.index),
        file_type: 'data',
      },
    ]);
  }
  if (shape === 'list') return entries.map(([specification, file]) => ({ ...file, specification }));
  return Object.fromEntries(entries);
}

function taskJson(world: SandboxWorld, request: RouteRequest, task: SeedTask): Record<string, unknown> {
  const record: Record<string, unknown> = pickFields(request, {
    id: task.id,
    project: task.project,
    status: task.status,
    data: null,
    data_unit: task.dataUnitId,
  });
  if ('data' in record) record.data = structuredClone(task.data);
  // Only a served data unit injects (and records) the scenario's task faults.
  if (!('data_unit' in record)) return record;
  if (world.scenario.tasks?.noDataUnit?.includes(task.id)) {
    record.data_unit = null;
    recordFault(world, request, 'task', { taskId: task.id });
  } else if (listParam(request, 'expand').includes('data_unit')) {
    record.data_unit = { id: task.dataUnitId, files: dataUnitFiles(world, request, task, true) };
  }
  return record;
}

function taskOfParam(world: SandboxWorld, request: RouteRequest): SeedTask | undefined {
  const id = positiveInt(request.params.id);
  return id === undefined ? undefined : world.tasks.get(id);
}

function listTasks(world: SandboxWorld, request: RouteRequest): RouteAnswer {
  const query = request.url.searchParams;
  let tasks = [...world.tasks.values()];
  const project = query.get('project');
  if (project !== null) {
    const projectId = positiveInt(project);
    if (projectId === undefined) return detail(400, 'project: expected an integer.');
    tasks = tasks.filter((task) => task.project === projectId);
  }
  const statuses = query.getAll('status');
  if (statuses.length > 0) tasks = tasks.filter((task) => statuses.includes(task.status));
  if (query.has('id__in')) {
    const ids = listParam(request, 'id__in').map(positiveInt);
    tasks = tasks.filter((task) => ids.includes(task.id));
  }

  const pageSize = Math.min(positiveInt(query.get('page_size')) ?? world.pageSize, world.pageSize);
  const pageText = query.get('page');
  const page = pageText === null ? 1 : positiveInt(pageText);
  const lastPage = Math.max(1, Math.ceil(tasks.length / pageSize));
  if (page === undefined || page > lastPage) return detail(404, 'Invalid page.');
  const link = (target: number): string => {
    const url = new URL(request.url);
    if (target === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(target));
    return url.toString();
  };
  return json(200, {
    count: tasks.length,
    next: page < lastPage ? link(page + 1) : null,
    previous: page > 1 ? link(page - 1) : null,
    results: tasks
      .slice((page - 1) * pageSize, page * pageSize)
      .map((task) => taskJson(world, request, task)),
  });
}

function runDeployment(world: SandboxWorld, request: RouteRequest, code: string, agent: number): RouteAnswer {
  const body = request.body as Record<string, unknown>;
  const answer = (result: RouteAnswer): RouteAnswer => {
    world.recorder.append('dispatches', {
      code,
      agent,
      params: structuredClone(body.params),
      status: result.status,
    });
    return result;
  };
  const parsed = deploymentParamsSchema.safeParse(body.params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = issue?.code === 'unrecognized_keys' ? issue.keys : [];
    const field = ['params', ...(issue?.path ?? []), ...keys].join('.');
    return answer(detail(400, `${field}: ${issue?.message ?? 'invalid'}`));
  }
  const failure = world.scenario.dispatch;
  if (failure !== undefined && world.countdowns.dispatch.take()) {
    recordFault(world, request, 'dispatch', { status: failure.status });
    return answer(detail(failure.status, 'Deployment dispatch failed (sandbox scenario).'));
  }
  const serveApplication = world.serveApplications.dispatch(code, agent);
  return answer(json(200, { status: 'dispatched', serve_application: serveApplication.id }));
}

function runInference(world: SandboxWorld, request: RouteRequest, code: string, agent: number): RouteAnswer {
  const params = (request.body as Record<string, unknown>).params as Record<string, unknown>;
  const model = params.model;
  const imagePath = isPlainObject(params.json) ? params.json.image_path : undefined;
  const taskId = typeof imagePath === 'string' ? (taskIdOfMediaPath(imagePath) ?? null) : null;
  const answer = (result: RouteAnswer): RouteAnswer => {
    world.recorder.append('inferenceCalls', { code, agent, model, imagePath, taskId, status: result.status });
    return result;
  };
  if (typeof model !== 'number' || !Number.isInteger(model)) {
    return answer(detail(400, 'params.model: expected an integer.'));
  }
  if (typeof imagePath !== 'string') return answer(detail(400, 'params.json.image_path: expected a string.'));
  if (!world.serveApplications.isRunning(code, agent)) {
    return answer(detail(409, 'Serve application is not running.'));
  }
  const faults = world.scenario.inference;
  const scoped = (ids: number[] | undefined) => taskId !== null && (ids?.includes(taskId) ?? false);
  if (faults?.status !== undefined && (faults.statusFor === undefined || scoped(faults.statusFor))) {
    recordFault(world, request, 'inferenceStatus', { status: faults.status, ...(taskId ? { taskId } : {}) });
    return answer(detail(faults.status, 'Inference failed (sandbox scenario).'));
  }
  if (scoped(faults?.nullFor)) {
    recordFault(world, request, 'inferenceNull', { ...(taskId ? { taskId } : {}) });
    return answer(json(200, null));
  }
  return answer(json(200, demoPrediction(model, imagePath)));
}

/** `PATCH jobs/{id}/` merges one level deep, so `progress_record` categories accumulate. */
function mergeJob(
  previous: Record<string, unknown>,
  update: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...previous };
  for (const [key, value] of Object.entries(update)) {
    const before = merged[key];
    merged[key] = isPlainObject(before) && isPlainObject(value) ? { ...before, ...value } : value;
  }
  return merged;
}

/**
 * The routing table of a sandbox over `world`.
 *
 * @example
 * const router = createRouter(createRoutes(world));
 */
export function createRoutes(world: SandboxWorld): Route[] {
  const aboutTaskParam = (request: RouteRequest) => positiveInt(request.params.id);
  return [
    {
      name: 'project',
      method: 'GET',
      pattern: 'projects/:id/',
      auth: true,
      handle: (request) => {
        const project = demoProjects.get(positiveInt(request.params.id) ?? 0);
        return project ? json(200, project) : notFound();
      },
    },
    {
      name: 'dataCollection',
      method: 'GET',
      pattern: 'data_collections/:id/',
      auth: true,
      handle: (request) => {
        if (positiveInt(request.params.id) !== sandboxSeed.dataCollectionId) return notFound();
        const expanded = listParam(request, 'expand').includes('file_specifications');
        return json(200, {
          id: sandboxSeed.dataCollectionId,
          name: 'Demo images',
          file_specifications: expanded
            ? demoFileSpecifications
            : demoFileSpecifications.map((specification) => specification.id),
        });
      },
    },
    {
      name: 'pluginRelease',
      method: 'GET',
      pattern: 'plugin_releases/:id/',
      auth: true,
      handle: (request) =>
        positiveInt(request.params.id) === demoPluginRelease.id ? json(200, demoPluginRelease) : notFound(),
    },
    {
      name: 'serveApplications',
      method: 'GET',
      pattern: 'serve_applications/',
      auth: true,
      handle: (request) => {
        const query = request.url.searchParams;
        const results = world.serveApplications.list({
          code: query.get('plugin_code') ?? undefined,
          agent: query.get('job__agent') ?? undefined,
        });
        const malformed = world.scenario.serveList;
        if (malformed !== undefined && world.countdowns.serveList.take()) {
          recordFault(world, request, 'serveList', { status: 200 });
          switch (malformed.malformed) {
            case 'html':
              return {
                status: 200,
                raw: '<!doctype html><html><body><h1>Bad Gateway</h1></body></html>',
                contentType: 'text/html; charset=utf-8',
              };
            case 'object':
              return json(200, { message: 'maintenance' });
            case 'null':
              return json(200, null);
            case 'no-status':
              return json(200, {
                count: results.length,
                next: null,
                previous: null,
                results: results.map(({ status: _status, ...rest }) => rest),
              });
          }
        }
        return json(200, { count: results.length, next: null, previous: null, results });
      },
    },
    {
      name: 'pluginRun',
      method: 'POST',
      pattern: 'plugins/:code/run/',
      auth: true,
      taskIdOf: (request) => {
        const params = isPlainObject(request.body) ? request.body.params : undefined;
        const image =
          isPlainObject(params) && isPlainObject(params.json) ? params.json.image_path : undefined;
        return typeof image === 'string' ? taskIdOfMediaPath(image) : undefined;
      },
      handle: (request) => {
        const code = request.params.code ?? '';
        if (code !== sandboxSeed.pluginCode) return notFound();
        const body = request.body;
        if (!isPlainObject(body)) return detail(400, 'Expected a JSON object {agent, action, params}.');
        const agent = body.agent;
        if (typeof agent !== 'number' || !Number.isInteger(agent))
          return detail(400, 'agent: expected an integer.');
        if (!isPlainObject(body.params)) return detail(400, 'params: expected an object.');
        if (body.action === 'deployment') return runDeployment(world, request, code, agent);
        if (body.action === 'inference') return runInference(world, request, code, agent);
        return detail(400, `action: unknown action ${JSON.stringify(body.action)}.`);
      },
    },
    {
      name: 'tasks',
      method: 'GET',
      pattern: 'sdk/tasks/',
      auth: true,
      handle: (request) => listTasks(world, request),
    },
    {
      name: 'task',
      method: 'GET',
      pattern: 'tasks/:id/',
      auth: true,
      taskIdOf: aboutTaskParam,
      handle: (request) => {
        const task = taskOfParam(world, request);
        return task ? json(200, taskJson(world, request, task)) : notFound();
      },
    },
    {
      name: 'annotateTaskData',
      method: 'PUT',
      pattern: 'tasks/:id/annotate_task_data/',
      auth: true,
      taskIdOf: aboutTaskParam,
      handle: (request) => {
        const task = taskOfParam(world, request);
        if (!task) return notFound();
        const body = request.body;
        if (!isPlainObject(body) || body.action !== 'submit')
          return detail(400, "action: expected 'submit'.");
        if (!isPlainObject(body.data)) return detail(400, 'data: expected an object.');
        const failure = world.scenario.writeFailures;
        if (failure?.taskIds.includes(task.id)) {
          recordFault(world, request, 'writeFailure', { status: failure.status, taskId: task.id });
          return detail(failure.status, 'Task data could not be saved (sandbox scenario).');
        }
        task.data = structuredClone(body.data);
        world.recorder.recordWrite(task.id, body.data);
        return json(200, { id: task.id, data: structuredClone(task.data) });
      },
    },
    {
      name: 'dataUnit',
      method: 'GET',
      pattern: 'data_units/:id/',
      auth: true,
      taskIdOf: (request) => world.tasksByDataUnit.get(positiveInt(request.params.id) ?? 0)?.id,
      handle: (request) => {
        const task = world.tasksByDataUnit.get(positiveInt(request.params.id) ?? 0);
        if (!task) return notFound();
        const expanded = listParam(request, 'expand').includes('files');
        return json(200, {
          id: task.dataUnitId,
          data_collection: sandboxSeed.dataCollectionId,
          ...(expanded ? { files: dataUnitFiles(world, request, task, false) } : {}),
        });
      },
    },
    {
      name: 'job',
      method: 'GET',
      pattern: 'jobs/:id/',
      auth: true,
      handle: (request) => {
        const job = world.jobs.get(request.params.id ?? '');
        return job ? json(200, job) : notFound();
      },
    },
    {
      name: 'job',
      method: 'PATCH',
      pattern: 'jobs/:id/',
      auth: true,
      handle: (request) => {
        const jobId = request.params.id ?? '';
        if (!isPlainObject(request.body)) return detail(400, 'Expected a JSON object.');
        world.recorder.append('jobUpdates', { jobId, body: structuredClone(request.body) });
        const id = positiveInt(jobId) ?? jobId;
        const job = mergeJob(world.jobs.get(jobId) ?? { id }, request.body);
        world.jobs.set(jobId, job);
        return json(200, job);
      },
    },
    {
      name: 'logs',
      method: 'POST',
      pattern: 'logs/',
      auth: true,
      handle: (request) => {
        const entries = Array.isArray(request.body) ? request.body : [request.body];
        if (entries.length === 0 || !entries.every(isPlainObject)) {
          return detail(400, 'Expected a log entry object or a non-empty array of them.');
        }
        world.recorder.append('logs', ...structuredClone(entries));
        return json(201, entries);
      },
    },
    {
      name: 'state',
      method: 'GET',
      pattern: '_sandbox/state/',
      auth: true,
      handle: () =>
        json(200, {
          ...world.recorder.toJSON(),
          serveApplications: world.serveApplications.list(),
          scenario: world.scenario,
        }),
    },
    {
      name: 'mediaImage',
      method: 'GET',
      pattern: 'media/images/:id.jpg',
      auth: false,
      taskIdOf: aboutTaskParam,
      handle: (request) =>
        taskOfParam(world, request) ? { status: 200, raw: demoJpeg, contentType: 'image/jpeg' } : notFound(),
    },
    {
      name: 'mediaAnnotation',
      method: 'GET',
      pattern: 'media/annotations/:id.json',
      auth: false,
      taskIdOf: aboutTaskParam,
      handle: (request) => {
        const task = taskOfParam(world, request);
        if (!task) return notFound();
        const faults = world.scenario.dataFiles;
        if (faults?.missing?.includes(task.id)) {
          recordFault(world, request, 'dataFileMissing', { status: 404, taskId: task.id });
          return notFound();
        }
        if (faults?.broken?.includes(task.id)) {
          recordFault(world, request, 'dataFileBroken', { status: 200, taskId: task.id });
          return {
            status: 200,
            raw: `{"image": "${imageFileName(task.index)}", "objects": [{"label": "car", "bbox": [1, 2`,
            contentType: 'application/json',
          };
        }
        return json(200, annotationDocument(task.id, task.index));
      },
    },
  ];
}
