/**
 * The sandbox's Ray Serve: one serve application per (plugin code, agent), whose status is computed from the time
 * since its dispatch, so polling sees NOT_STARTED → DEPLOYING → the outcome without any timer running.
 */
import type { ServeApplicationStatus } from '../../machines/serveStatus.js';

/** Where a deployment ends; `NEVER_READY` stays `DEPLOYING`. */
export type DeployOutcome = 'RUNNING' | 'DEPLOY_FAILED' | 'UNHEALTHY' | 'UNAVAILABLE' | 'NEVER_READY';

interface ServeApplication {
  id: number;
  code: string;
  agent: number;
  dispatchedAt: number;
  created: string;
  outcome: DeployOutcome;
  afterMs: number;
}

/** One item of `GET serve_applications/`. */
export interface ServeApplicationJson {
  id: number;
  name: string;
  plugin_code: string;
  job: { agent: number };
  status: ServeApplicationStatus;
  created: string;
}

/**
 * The serve applications, keyed by (code, agent). `now` is a monotonic millisecond clock.
 *
 * @example
 * const apps = new ServeApplications(() => performance.now(), { outcome: 'RUNNING', afterMs: 100 });
 * apps.dispatch('demo-detector', 3); // NOT_STARTED, DEPLOYING after 50 ms, RUNNING after 100 ms
 */
export class ServeApplications {
  /** Keyed `code\u0000agent`: a dispatch replaces the previous application of the pair. */
  readonly #apps = new Map<string, ServeApplication>();
  readonly #now: () => number;
  readonly #lifecycle: { outcome: DeployOutcome; afterMs: number };
  #nextId = 1;

  constructor(now: () => number, lifecycle: { outcome: DeployOutcome; afterMs: number }) {
    this.#now = now;
    this.#lifecycle = lifecycle;
  }

  /** Creates (or replaces) the application of (code, agent), in `NOT_STARTED`. */
  dispatch(code: string, agent: number): ServeApplicationJson {
    const app: ServeApplication = {
      id: this.#nextId++,
      code,
      agent,
      dispatchedAt: this.#now(),
      created: new Date().toISOString(),
      ...this.#lifecycle,
    };
    this.#apps.set(`${code}\u0000${agent}`, app);
    return this.#toJson(app);
  }

  /** Seeds an application that is `RUNNING` from the start. */
  seedRunning(code: string, agent: number): ServeApplicationJson {
    const app = this.dispatch(code, agent);
    const stored = this.#apps.get(`${code}\u0000${agent}`)!;
    stored.outcome = 'RUNNING';
    stored.afterMs = 0;
    return { ...app, status: 'RUNNING' };
  }

  /** Whether (code, agent) has a `RUNNING` application now. */
  isRunning(code: string, agent: number): boolean {
    const app = this.#apps.get(`${code}\u0000${agent}`);
    return app !== undefined && this.#statusOf(app) === 'RUNNING';
  }

  /** The applications matching the filters (`undefined` = any), in creation order. */
  list(filter: { code?: string | undefined; agent?: string | undefined } = {}): ServeApplicationJson[] {
    return [...this.#apps.values()]
      .filter((app) => filter.code === undefined || app.code === filter.code)
      .filter((app) => filter.agent === undefined || String(app.agent) === filter.agent)
      .sort((a, b) => a.id - b.id)
      .map((app) => this.#toJson(app));
  }

  #statusOf(app: ServeApplication): ServeApplicationStatus {
    const elapsed = this.#now() - app.dispatchedAt;
    if (elapsed >= app.afterMs) return app.outcome === 'NEVER_READY' ? 'DEPLOYING' : app.outcome;
    return elapsed < app.afterMs / 2 ? 'NOT_STARTED' : 'DEPLOYING';
  }

  #toJson(app: ServeApplication): ServeApplicationJson {
    return {
      id: app.id,
      name: `${app.code}-agent-${app.agent}`,
      plugin_code: app.code,
      job: { agent: app.agent },
      status: this.#statusOf(app),
      created: app.created,
    };
  }
}
