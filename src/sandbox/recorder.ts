/**
 * What the sandbox saw: the writes, dispatches, inferences, job updates and logs a job made, every request's route
 * and status, and every fault it injected. Headers are never stored.
 */
import type { SandboxRouteName } from './scenario.js';

/** The accepted writes of one task: how many, and the last `data` written. */
export interface RecordedWrite {
  count: number;
  lastPayload: Record<string, unknown>;
}

/** One `POST plugins/{code}/run/` with `action: 'deployment'`, and the status it was answered with. */
export interface RecordedDispatch {
  code: string;
  agent: number;
  params: unknown;
  status: number;
}

/** One `POST plugins/{code}/run/` with `action: 'inference'`. `taskId` is the task whose image it names, if any. */
export interface RecordedInference {
  code: string;
  agent: number;
  model: unknown;
  imagePath: unknown;
  taskId: number | null;
  status: number;
}

/** One `PATCH jobs/{id}/`. */
export interface RecordedJobUpdate {
  jobId: string;
  body: Record<string, unknown>;
}

/** One answered request: the path is the path and query, without host. */
export interface RecordedRequest {
  method: string;
  path: string;
  route: SandboxRouteName | null;
  status: number;
}

/** The kinds of fault a scenario injects. */
export type FaultKind =
  | 'throttle'
  | 'slow'
  | 'dispatch'
  | 'serveList'
  | 'dataFileMissing'
  | 'dataFileBroken'
  | 'task'
  | 'writeFailure'
  | 'inferenceNull'
  | 'inferenceStatus';

/** One injected fault. */
export interface RecordedFault {
  kind: FaultKind;
  method: string;
  path: string;
  status?: number;
  taskId?: number;
}

/** The recorder as JSON (`GET _sandbox/state/`): writes keyed by task id, and request counts per route. */
export interface RecorderSnapshot {
  writes: Record<string, RecordedWrite>;
  dispatches: RecordedDispatch[];
  inferenceCalls: RecordedInference[];
  jobUpdates: RecordedJobUpdate[];
  logs: unknown[];
  requests: RecordedRequest[];
  requestCounts: Record<string, number>;
  faults: RecordedFault[];
}

/**
 * The sandbox's record of a run. Arrays grow in arrival order; `reset()` empties everything (the tasks' data stays).
 * Every list keeps its last {@link Recorder.requestLimit} entries (50,000 by default; a tenth more between trims), so
 * a long-running `to-task sandbox` does not grow without bound; `requestCounts()` still counts every request since
 * the last reset, and `writes` holds one entry per task.
 *
 * @example
 * await runJob(...);
 * sandbox.recorded.writes.get(1001); // { count: 1, lastPayload: {...} }
 * sandbox.recorded.dispatches.length; // 1
 */
/** The recorder's lists, which {@link Recorder.append} keeps bounded. */
export type RecordedListName =
  | 'dispatches'
  | 'inferenceCalls'
  | 'jobUpdates'
  | 'logs'
  | 'requests'
  | 'faults';

export class Recorder {
  readonly writes = new Map<number, RecordedWrite>();
  readonly dispatches: RecordedDispatch[] = [];
  readonly inferenceCalls: RecordedInference[] = [];
  readonly jobUpdates: RecordedJobUpdate[] = [];
  readonly logs: unknown[] = [];
  /** The most recent requests, oldest first, at most {@link Recorder.requestLimit}; add with `recordRequest`. */
  readonly requests: RecordedRequest[] = [];
  readonly faults: RecordedFault[] = [];
  /** How many requests `requests` keeps. */
  readonly requestLimit: number;
  /** Every request since the last reset, per route: exact even once `requests` drops the oldest. */
  readonly #requestCounts = new Map<string, number>();

  /** @param requestLimit how many of the latest requests `requests` keeps; default 50,000. */
  constructor(requestLimit = 50_000) {
    this.requestLimit = requestLimit;
  }

  /** Appends to one of the lists, dropping its oldest entries beyond {@link Recorder.requestLimit}. */
  append<Name extends RecordedListName>(name: Name, ...entries: Recorder[Name]): void {
    const list = this[name] as unknown[];
    list.push(...entries);
    // Trimmed back to the limit once a tenth over it, not one by one: shifting a long array each time costs O(n).
    if (list.length > this.requestLimit + Math.ceil(this.requestLimit / 10)) {
      list.splice(0, list.length - this.requestLimit);
    }
  }

  /** Records an answered request, dropping the oldest ones beyond {@link Recorder.requestLimit}. */
  recordRequest(request: RecordedRequest): void {
    this.append('requests', request);
    const key = request.route ?? 'unknown';
    this.#requestCounts.set(key, (this.#requestCounts.get(key) ?? 0) + 1);
  }

  /** Records an accepted write of `taskId`. */
  recordWrite(taskId: number, payload: Record<string, unknown>): void {
    const previous = this.writes.get(taskId);
    this.writes.set(taskId, { count: (previous?.count ?? 0) + 1, lastPayload: structuredClone(payload) });
  }

  /** How many requests each route answered since the last reset (`unknown` for no route). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#requestCounts);
  }

  /** Empties every record. */
  reset(): void {
    this.writes.clear();
    this.#requestCounts.clear();
    for (const list of [
      this.dispatches,
      this.inferenceCalls,
      this.jobUpdates,
      this.logs,
      this.requests,
      this.faults,
    ]) {
      list.length = 0;
    }
  }

  /** A JSON-ready copy of every record. */
  toJSON(): RecorderSnapshot {
    return structuredClone({
      writes: Object.fromEntries([...this.writes].map(([id, write]) => [String(id), write])),
      dispatches: this.dispatches,
      inferenceCalls: this.inferenceCalls,
      jobUpdates: this.jobUpdates,
      logs: this.logs,
      requests: this.requests,
      requestCounts: this.requestCounts(),
      faults: this.faults,
    });
  }
}
