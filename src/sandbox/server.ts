/**
 * The embedded local Synapse platform (SPEC §10): a `node:http` server over the routing table of `routes.ts`, with
 * the token check, request-level faults (throttling, slowness, latency) and the request record.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Countdown, selectsRoute, Throttle } from './faults.js';
import { Recorder } from './recorder.js';
import {
  BodyError,
  createRouter,
  detail,
  type RouteAnswer,
  type RouteMatch,
  type RouteRequest,
  readJsonBody,
} from './router.js';
import { createRoutes, type SandboxWorld } from './routes.js';
import { parseScenario, type SandboxScenario, type SandboxScenarioInput } from './scenario.js';
import { type DemoSeed, sandboxSeed, seedTasks } from './seed.js';
import { ServeApplications } from './serveApplications.js';

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** The access token every API call must send as `Synapse-Access-Token: Token <token>`; default random hex. */
  token?: string;
  /** How many tasks the demo project has (`1001..1000+N`); default 300. */
  tasks?: number;
  /** Default and largest page size of `sdk/tasks/` (a larger `page_size` is capped); default 100. */
  pageSize?: number;
  /**
   * Milliseconds from a deployment dispatch to its outcome (`RUNNING` unless the scenario says otherwise); the
   * application is `NOT_STARTED` for the first half, `DEPLOYING` for the second. Default 1500.
   */
  deployDelayMs?: number;
  /** Faults to inject; validated with {@link sandboxScenarioSchema}. Default none. */
  scenario?: SandboxScenarioInput;
  /** Milliseconds added before every answer (media files included); default 0. */
  latencyMs?: number;
  /**
   * The monotonic millisecond clock the deployment lifecycle reads; default `performance.now`. Tests pass a manual
   * clock to step through NOT_STARTED → DEPLOYING → outcome without waiting.
   */
  now?: () => number;
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /** The access token to send. */
  readonly token: string;
  /** The demo's ids. */
  readonly seed: DemoSeed;
  /** What the sandbox saw. */
  readonly recorded: Recorder;
  /** The validated scenario in effect. */
  readonly scenario: SandboxScenario;
  /** Stops listening, drops open connections and pending delayed answers; resolves when the port is free. */
  close(): Promise<void>;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function integerOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got ${quote(value)}`);
  }
  return value;
}

function delayOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(
      `Expected \`${name}\` to be a non-negative number of milliseconds, got ${quote(value)}`,
    );
  }
  return value;
}

function tokenMatches(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function send(response: ServerResponse, answer: RouteAnswer): void {
  const headers: Record<string, string> = { ...answer.headers };
  let body: string | Buffer;
  if (answer.raw !== undefined) {
    body = answer.raw;
    headers['content-type'] = answer.contentType ?? 'application/octet-stream';
  } else {
    body = JSON.stringify(answer.body ?? null);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  response.writeHead(answer.status, headers);
  response.end(body);
}

/**
 * Starts a local Synapse platform seeded with the demo project, for demos and integration tests over real HTTP.
 *
 * @example
 * const sandbox = await startSandbox({ tasks: 20, deployDelayMs: 100, scenario: { deploy: { outcome: 'UNHEALTHY' } } });
 * const response = await fetch(`${sandbox.url}projects/${sandbox.seed.projectId}/`, {
 *   headers: { 'Synapse-Access-Token': `Token ${sandbox.token}` },
 * });
 * await sandbox.close();
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const port = integerOption('port', options.port, 0, 0, 65535);
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(16).toString('hex');
  if (typeof token !== 'string' || token === '' || /[\s\r\n]/.test(token)) {
    throw new TypeError(
      `Expected \`token\` to be a non-empty string without whitespace, got ${quote(token)}`,
    );
  }
  const taskCount = integerOption('tasks', options.tasks, 300, 0, 8000);
  const pageSize = integerOption('pageSize', options.pageSize, 100, 1, 10_000);
  const deployDelayMs = delayOption('deployDelayMs', options.deployDelayMs, 1500);
  const latencyMs = delayOption('latencyMs', options.latencyMs, 0);
  const scenario = parseScenario(options.scenario ?? {});
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TypeError(
      `Expected \`now\` to be a function returning milliseconds, got ${quote(options.now)}`,
    );
  }

  const recorder = new Recorder();
  const serveApplications = new ServeApplications(options.now ?? (() => performance.now()), {
    outcome: scenario.deploy?.outcome ?? 'RUNNING',
    afterMs: scenario.deploy?.afterMs ?? deployDelayMs,
  });
  if (scenario.alreadyRunning) serveApplications.seedRunning(sandboxSeed.pluginCode, sandboxSeed.agentId);
  const tasks = seedTasks(taskCount);
  const world: SandboxWorld = {
    scenario,
    recorder,
    serveApplications,
    tasks: new Map(tasks.map((task) => [task.id, task])),
    tasksByDataUnit: new Map(tasks.map((task) => [task.dataUnitId, task])),
    jobs: new Map(),
    pageSize,
    countdowns: {
      dispatch: new Countdown(scenario.dispatch?.times),
      serveList: new Countdown(scenario.serveList?.times),
    },
  };
  const router = createRouter(createRoutes(world));
  const throttle = scenario.throttle ? new Throttle(scenario.throttle) : undefined;
  const expectedAuth = `Token ${token}`;
  // Aborted by close(): pending latency / slow delays end instead of holding the process open.
  const closing = new AbortController();
  let selfOrigin = '';

  async function answer(request: IncomingMessage, match: RouteMatch, url: URL): Promise<RouteAnswer> {
    const method = request.method ?? 'GET';
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: closing.signal });
    if (match.route === undefined) {
      return match.status === 404
        ? detail(404, 'Not found.')
        : detail(405, `Method "${method}" not allowed.`);
    }
    const { route } = match;
    const given = request.headers['synapse-access-token'];
    if (route.auth && !tokenMatches(given, expectedAuth)) {
      return detail(
        401,
        given === undefined ? 'Authentication credentials were not provided.' : 'Invalid token.',
      );
    }
    let body: unknown;
    if (method !== 'GET') {
      try {
        body = await readJsonBody(request);
      } catch (error) {
        if (error instanceof BodyError) return detail(error.status, error.message);
        throw error;
      }
    }
    const routeRequest: RouteRequest = { method, url, origin: url.origin, params: match.params, body };
    const path = url.pathname.slice(1);
    const recordedPath = `${url.pathname}${url.search}`;
    const taskId = route.taskIdOf?.(routeRequest);
    if (throttle?.applies({ route: route.name, path, key: `${method} ${recordedPath}`, taskId })) {
      const { status, headers, detail: message } = throttle.answer();
      recorder.append('faults', {
        kind: 'throttle',
        method,
        path: recordedPath,
        status,
        ...(taskId ? { taskId } : {}),
      });
      return { ...detail(status, message), headers };
    }
    const slow = scenario.slow;
    if (slow && slow.ms > 0 && selectsRoute(slow.routes, route.name, path)) {
      recorder.append('faults', { kind: 'slow', method, path: recordedPath });
      await sleep(slow.ms, undefined, { signal: closing.signal });
    }
    return route.handle(routeRequest);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const hostHeader = request.headers.host;
    let url: URL;
    try {
      // Concatenated, not resolved: a path starting with `//` must stay a path, not become a host.
      url = new URL(`${hostHeader ? `http://${hostHeader}` : selfOrigin}${request.url ?? '/'}`);
    } catch {
      const result = detail(400, 'Invalid Host header or request target.');
      recorder.recordRequest({ method, path: request.url ?? '/', route: null, status: result.status });
      send(response, result);
      return;
    }
    const match = router.match(method, url.pathname.slice(1));
    let result: RouteAnswer;
    try {
      result = await answer(request, match, url);
    } catch (error) {
      if (closing.signal.aborted) {
        response.destroy();
        return;
      }
      result = detail(500, `Internal sandbox error (${error instanceof Error ? error.name : 'Error'}).`);
    }
    recorder.recordRequest({
      method,
      path: `${url.pathname}${url.search}`,
      route: match.route?.name ?? null,
      status: result.status,
    });
    send(response, result);
  }

  const server = createServer((request, response) => {
    // A throw past handle()'s own try (recording, serialising) must not become an unhandled rejection.
    handle(request, response).catch(() => {
      if (response.headersSent) response.destroy();
      else send(response, detail(500, 'Internal sandbox error.'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  selfOrigin = `http://${hostInUrl}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url: `${selfOrigin}/`,
    token,
    seed: Object.freeze({
      ...sandboxSeed,
      taskIds: Object.freeze(
        tasks.filter((task) => task.project === sandboxSeed.projectId).map((task) => task.id),
      ),
    }),
    recorded: recorder,
    scenario,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
