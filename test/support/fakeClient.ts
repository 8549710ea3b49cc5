/**
 * An in-memory platform for job tests: records every call, answers from a small seeded project, and lets a test
 * replace any answer. The real HTTP sandbox is tested in test/sandbox and test/cli.
 */

import { ClientError } from '../../src/client/errors.js';
import { redact } from '../../src/client/redact.js';
import type {
  CallOptions,
  DataCollection,
  DataUnit,
  JobUpdate,
  LogEntry,
  Page,
  PluginRelease,
  Project,
  RunPluginBody,
  SynapseClient,
  Task,
} from '../../src/client/types.js';

/** A client error as the HTTP client raises it, for a fake call. */
export function clientError(status: number, message = `answered ${status}`): ClientError {
  return new ClientError(message, { method: 'GET', path: 'fake/', status });
}

export interface FakeCall {
  method: string;
  args: unknown[];
}

export function makeTask(id: number, overrides: Partial<Task> = {}): Task {
  return {
    id,
    data: { seed: id },
    data_unit: {
      id: 5000 + id,
      files: {
        image: {
          url: `https://files.test/images/${id}.jpg`,
          is_primary: true,
          file_name_original: `img_${id}.jpg`,
        },
        annotation: { url: `https://files.test/labels/${id}.json`, file_name_original: `img_${id}.json` },
      },
    },
    ...overrides,
  };
}

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    });
  });

export class FakeClient implements SynapseClient {
  readonly calls: FakeCall[] = [];
  readonly writes = new Map<number, { count: number; last: Record<string, unknown> }>();
  readonly jobUpdates: JobUpdate[] = [];
  readonly logs: LogEntry[] = [];
  readonly secrets: string[];

  /** What the HTTP client does with its token and base URL, for this fake's declared secrets. */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  project: Project | Error = { id: 1, data_collection: 10 };
  dataCollection: DataCollection | Error = {
    id: 10,
    file_specifications: [{ name: 'image', is_primary: true }, { name: 'annotation' }],
  };
  release: PluginRelease | Error = {
    id: 7,
    version: '1.0.0',
    config: { code: 'detector', actions: { inference: { required_resources: { required_cpu_count: 2 } } } },
  };
  tasks = new Map<number, Task | Error>();
  dataUnits = new Map<number, DataUnit | Error>();
  pageSize = 2;
  /** Answers of `serve_applications/`, one per call; the last one repeats. */
  serveAnswers: unknown[] = [{ results: [{ status: 'RUNNING' }] }];
  dispatchAnswer: unknown | Error = { status: 'dispatched' };
  inference: (body: RunPluginBody) => unknown = (body) => ({ predictions: [{ label: 'car' }], body });
  writeAnswer: (id: number) => unknown = () => ({});
  files = new Map<string, unknown>();
  /** Milliseconds each task fetch takes (to have tasks in flight when cancelling). */
  taskLatencyMs = 0;
  discoveryError: Error | null = null;
  jobUpdateError: Error | null = null;

  constructor(taskIds: number[] = [1, 2], secrets: string[] = []) {
    for (const id of taskIds) this.tasks.set(id, makeTask(id));
    this.secrets = secrets;
  }

  #record(method: string, ...args: unknown[]) {
    this.calls.push({ method, args });
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  async getProject(id: number): Promise<Project> {
    this.#record('getProject', id);
    if (this.project instanceof Error) throw this.project;
    return this.project;
  }

  async getDataCollection(id: number): Promise<DataCollection> {
    this.#record('getDataCollection', id);
    if (this.dataCollection instanceof Error) throw this.dataCollection;
    return this.dataCollection;
  }

  async getPluginRelease(id: number): Promise<PluginRelease> {
    this.#record('getPluginRelease', id);
    if (this.release instanceof Error) throw this.release;
    return this.release;
  }

  async listServeApplications(query: { plugin_code: string; job__agent: number }): Promise<unknown> {
    this.#record('listServeApplications', query);
    const answer = this.serveAnswers.length > 1 ? this.serveAnswers.shift() : this.serveAnswers[0];
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async runPlugin(code: string, body: RunPluginBody): Promise<unknown> {
    this.#record('runPlugin', code, body);
    if (body.action === 'deployment') {
      if (this.dispatchAnswer instanceof Error) throw this.dispatchAnswer;
      return this.dispatchAnswer;
    }
    const answer = this.inference(body);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async *listTaskPages(
    query: { project: number; filters?: Record<string, unknown>; pageSize?: number },
    options?: CallOptions,
  ): AsyncIterable<Page<{ id: number }>> {
    this.#record('listTaskPages', query);
    const ids = [...this.tasks.keys()];
    for (let start = 0; start === 0 || start < ids.length; start += this.pageSize) {
      options?.signal?.throwIfAborted();
      this.#record('taskPage', start / this.pageSize);
      if (this.discoveryError && start > 0) throw this.discoveryError;
      const results = ids.slice(start, start + this.pageSize).map((id) => ({ id }));
      const next =
        start + this.pageSize < ids.length ? `https://fake.test/sdk/tasks/?page=${start + 1}` : null;
      yield { count: ids.length, next, results };
      if (next === null) return;
    }
  }

  async getTask(id: number, options?: CallOptions): Promise<Task> {
    this.#record('getTask', id);
    if (this.taskLatencyMs > 0) await wait(this.taskLatencyMs, options?.signal);
    const task = this.tasks.get(id);
    if (task === undefined) throw clientError(404);
    if (task instanceof Error) throw task;
    return structuredClone(task);
  }

  async getDataUnit(id: number): Promise<DataUnit> {
    this.#record('getDataUnit', id);
    const unit = this.dataUnits.get(id);
    if (unit === undefined) throw clientError(404);
    if (unit instanceof Error) throw unit;
    return unit;
  }

  async annotateTaskData(id: number, data: Record<string, unknown>): Promise<unknown> {
    this.#record('annotateTaskData', id, data);
    const answer = this.writeAnswer(id);
    if (answer instanceof Error) throw answer;
    const previous = this.writes.get(id);
    this.writes.set(id, { count: (previous?.count ?? 0) + 1, last: data });
    return answer;
  }

  async updateJob(id: number | string, body: JobUpdate): Promise<unknown> {
    this.#record('updateJob', id, body);
    if (this.jobUpdateError) throw this.jobUpdateError;
    this.jobUpdates.push(body);
    return {};
  }

  async createLogs(entries: LogEntry[]): Promise<unknown> {
    this.#record('createLogs', entries);
    this.logs.push(...entries);
    return {};
  }

  async fetchJson(url: string): Promise<unknown> {
    this.#record('fetchJson', url);
    if (!this.files.has(url)) throw clientError(404);
    return this.files.get(url);
  }
}
