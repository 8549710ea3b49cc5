/**
 * The sandbox's small routing table: each route is a method, a path pattern (`tasks/:id/`), whether it needs the
 * access token, and a handler that returns an answer. No framework: patterns compile to anchored regular expressions.
 */
import type { IncomingMessage } from 'node:http';
import type { SandboxRouteName } from './scenario.js';

/** What a handler sees of a request. */
export interface RouteRequest {
  method: string;
  /** The absolute request URL, built from the `Host` header. */
  url: URL;
  /** `http://<host>`: the base of the absolute URLs the sandbox answers with. */
  origin: string;
  /** The pattern's `:name` segments. */
  params: Record<string, string>;
  /** The parsed JSON body (POST, PUT, PATCH), else `undefined`. */
  body: unknown;
}

/** What a handler answers: JSON `body` by default, or `raw` bytes with their `contentType`. */
export interface RouteAnswer {
  status: number;
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One row of the routing table. */
export interface Route {
  name: SandboxRouteName;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Path without the leading slash; `:name` matches one segment (`:name.ext` a file name). */
  pattern: string;
  /** Whether the `Synapse-Access-Token` header is required. */
  auth: boolean;
  handle(request: RouteRequest): RouteAnswer | Promise<RouteAnswer>;
  /** The task a request is about, for faults scoped to tasks. */
  taskIdOf?(request: RouteRequest): number | undefined;
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers?: Record<string, string>): RouteAnswer {
  return headers === undefined ? { status, body } : { status, body, headers };
}

/** A `{detail}` error answer, as the platform's API gives. */
export function detail(status: number, message: string): RouteAnswer {
  return json(status, { detail: message });
}

interface CompiledRoute {
  route: Route;
  regex: RegExp;
}

function compile(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((segment) =>
      segment
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:([A-Za-z]+)/g, (_match, name: string) => `(?<${name}>[^/]+?)`),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/** The result of routing a path: a route with its params, or the status (404, 405) to answer. */
export type RouteMatch =
  | { route: Route; params: Record<string, string> }
  | { route: undefined; status: 404 | 405 };

/**
 * A routing table. A path that matches no pattern is 404 (so a missing trailing slash is 404); a path that matches
 * only under another method is 405.
 *
 * @example
 * const router = createRouter([{ name: 'project', method: 'GET', pattern: 'projects/:id/', auth: true, handle }]);
 * router.match('GET', 'projects/1/'); // { route, params: { id: '1' } }
 */
export function createRouter(routes: readonly Route[]): { match(method: string, path: string): RouteMatch } {
  const compiled: CompiledRoute[] = routes.map((route) => ({ route, regex: compile(route.pattern) }));
  return {
    match(method, path) {
      let pathMatched = false;
      for (const { route, regex } of compiled) {
        const found = regex.exec(path);
        if (!found) continue;
        pathMatched = true;
        if (route.method === method) return { route, params: { ...found.groups } };
      }
      return { route: undefined, status: pathMatched ? 405 : 404 };
    },
  };
}

/** Thrown by {@link readJsonBody} for a body that is too large or not JSON. */
export class BodyError extends Error {
  override name = 'BodyError';
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Reads a JSON request body (an empty body is `undefined`). */
export async function readJsonBody(request: IncomingMessage, limitBytes = 5 * 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) throw new BodyError(413, 'Request body too large.');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, 'JSON parse error.');
  }
}

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A positive integer from a path or query string, else `undefined`. */
export function positiveInt(text: string | null | undefined): number | undefined {
  if (text == null || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
