/**
 * The platform calls the to_task job makes (SPEC §5, §7, §8), as one interface: `HttpSynapseClient` speaks them over
 * HTTP, tests may fake them. Shapes are the platform's (snake_case) and deliberately loose: the job checks what it
 * reads and turns anything missing into a named failure.
 */

/** Per-call options: every call can be aborted. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** A paginated list answer: `next` is an absolute URL or null. */
export interface Page<T> {
  count?: number;
  next: string | null;
  previous?: string | null;
  results: T[];
}

/** `GET projects/{id}/`: only `data_collection` is read. */
export interface Project {
  id: number;
  data_collection?: number | null;
  [key: string]: unknown;
}

/** A data collection's file specification: its `name` is what `target_specification_name` refers to. */
export interface FileSpecification {
  name: string;
  is_primary?: boolean;
  [key: string]: unknown;
}

/** `GET data_collections/{id}/?expand=file_specifications` */
export interface DataCollection {
  id: number;
  file_specifications?: FileSpecification[];
  [key: string]: unknown;
}

/** `GET plugin_releases/{id}/`: `config.code` and `config.actions.inference.required_resources` are read. */
export interface PluginRelease {
  id: number;
  version?: string;
  config?: {
    code?: string;
    actions?: {
      inference?: { required_resources?: unknown; [key: string]: unknown };
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One file of a data unit. */
export interface DataUnitFile {
  url?: string | null;
  is_primary?: boolean;
  file_name_original?: string;
  filename?: string;
  name?: string;
  specification?: string;
  specification_name?: string;
  [key: string]: unknown;
}

/** A task's data unit, with its files when expanded. */
export interface DataUnit {
  id?: number | null;
  /** A map keyed by specification name, or a list whose items name their specification. */
  files?: Record<string, DataUnitFile> | DataUnitFile[] | null;
  [key: string]: unknown;
}

/** `GET tasks/{id}/?fields=id,data,data_unit&expand=data_unit`: handed whole to the hooks as `taskData`. */
export interface Task {
  id: number;
  data?: Record<string, unknown> | null;
  data_unit?: DataUnit | number | null;
  [key: string]: unknown;
}

/** `POST plugins/{code}/run/` body. */
export interface RunPluginBody {
  agent: number;
  action: 'deployment' | 'inference' | (string & {});
  params: Record<string, unknown>;
}

/** `PATCH jobs/{id}/` body (SPEC §8). */
export interface JobUpdate {
  progress_record?: Record<string, unknown>;
  metrics_record?: Record<string, unknown>;
  status?: string;
  [key: string]: unknown;
}

/** `POST logs/` body (SPEC §8). */
export interface LogEntry {
  job: number | string;
  level: 'info' | 'warning' | 'error';
  message: string;
  [key: string]: unknown;
}

/**
 * Every platform call the to_task action makes. Paths are relative to the base URL, with a trailing slash.
 */
export interface SynapseClient {
  /** `GET projects/{id}/` */
  getProject(id: number, options?: CallOptions): Promise<Project>;
  /** `GET data_collections/{id}/?expand=file_specifications` */
  getDataCollection(id: number, options?: CallOptions): Promise<DataCollection>;
  /** `GET plugin_releases/{id}/` */
  getPluginRelease(id: number, options?: CallOptions): Promise<PluginRelease>;
  /** `GET serve_applications/?plugin_code=<code>&job__agent=<agent>`: the raw answer, classified by the caller. */
  listServeApplications(
    query: { plugin_code: string; job__agent: number },
    options?: CallOptions,
  ): Promise<unknown>;
  /** `POST plugins/{code}/run/` with `{agent, action, params}`: the raw answer (may be null). */
  runPlugin(code: string, body: RunPluginBody, options?: CallOptions): Promise<unknown>;
  /**
   * `GET sdk/tasks/?<filters>&project=<id>&fields=id&page_size=<n>`, then each `next` link until null: one page at a
   * time, never the whole list. `project` and `fields` win over the same keys in `filters`.
   */
  listTaskPages(
    query: { project: number; filters?: Record<string, unknown>; pageSize?: number },
    options?: CallOptions,
  ): AsyncIterable<Page<{ id: number }>>;
  /** `GET tasks/{id}/?fields=id,data,data_unit&expand=data_unit` */
  getTask(id: number, options?: CallOptions): Promise<Task>;
  /** `GET data_units/{id}/?expand=files` */
  getDataUnit(id: number, options?: CallOptions): Promise<DataUnit>;
  /** `PUT tasks/{id}/annotate_task_data/` with `{action: 'submit', data}` */
  annotateTaskData(id: number, data: Record<string, unknown>, options?: CallOptions): Promise<unknown>;
  /** `PATCH jobs/{id}/` */
  updateJob(id: number | string, body: JobUpdate, options?: CallOptions): Promise<unknown>;
  /** `POST logs/` */
  createLogs(entries: LogEntry[], options?: CallOptions): Promise<unknown>;
  /**
   * `GET <url>` of a data file (absolute; the auth headers go only to the base URL's origin), parsed as JSON,
   * with the client's timeouts and retries. Used by the file hook helper.
   */
  fetchJson(url: string, options?: CallOptions): Promise<unknown>;
  /**
   * Removes this client's secrets (token, tenant, base URL) from a text about to reach a user. Optional: the job
   * always removes URLs, auth headers and stack frames itself.
   */
  redact?(text: string): string;
}
