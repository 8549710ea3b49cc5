/**
 * A platform held in memory for benchmarks: tasks are made on demand (nothing per task is stored but the write
 * count), every call waits `latencyMs` like a network round trip would.
 */
import type { CallOptions, Page, RunPluginBody, SynapseClient, Task } from '../src/client/types.js';

const sleep = (ms: number) =>
  ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

export class MemoryPlatform implements SynapseClient {
  writes = 0;
  constructor(
    readonly taskCount: number,
    readonly latencyMs: number,
    readonly pageSize = 100,
  ) {}

  async getProject(id: number) {
    await sleep(this.latencyMs);
    return { id, data_collection: 10 };
  }
  async getDataCollection(id: number) {
    await sleep(this.latencyMs);
    return { id, file_specifications: [{ name: 'image', is_primary: true }, { name: 'annotation' }] };
  }
  async getPluginRelease(id: number) {
    await sleep(this.latencyMs);
    return { id, config: { code: 'bench', actions: { inference: { required_resources: {} } } } };
  }
  async listServeApplications() {
    await sleep(this.latencyMs);
    return { results: [{ status: 'RUNNING' }] };
  }
  async runPlugin(_code: string, body: RunPluginBody) {
    await sleep(this.latencyMs);
    return {
      predictions: [{ label: 'car', image: (body.params.json as { image_path?: string })?.image_path }],
    };
  }
  async *listTaskPages(
    query: { pageSize?: number },
    _options?: CallOptions,
  ): AsyncIterable<Page<{ id: number }>> {
    const size = query.pageSize ?? this.pageSize;
    for (let start = 0; start < this.taskCount; start += size) {
      await sleep(this.latencyMs);
      const results = Array.from({ length: Math.min(size, this.taskCount - start) }, (_, i) => ({
        id: start + i + 1,
      }));
      yield { count: this.taskCount, next: start + size < this.taskCount ? 'next' : null, results };
    }
  }
  async getTask(id: number): Promise<Task> {
    await sleep(this.latencyMs);
    return {
      id,
      data: {},
      data_unit: {
        id,
        files: {
          image: { url: `mem://images/${id}.jpg`, is_primary: true, file_name_original: `${id}.jpg` },
          annotation: { url: `mem://labels/${id}.json`, file_name_original: `${id}.json` },
        },
      },
    };
  }
  async getDataUnit(id: number) {
    await sleep(this.latencyMs);
    return { id, files: {} };
  }
  async annotateTaskData() {
    await sleep(this.latencyMs);
    this.writes += 1;
    return {};
  }
  async updateJob() {
    return {};
  }
  async createLogs() {
    return {};
  }
  async fetchJson(url: string) {
    await sleep(this.latencyMs);
    return { objects: [{ label: 'car', url }] };
  }
}
