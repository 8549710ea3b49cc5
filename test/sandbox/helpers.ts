import type { Sandbox } from '../../src/sandbox/index.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them.
type Loose = any;

/** A JSON answer of the sandbox. */
export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Authenticated JSON calls to a sandbox, by path relative to its base URL. */
export function api(sandbox: Sandbox) {
  const headers = { 'Synapse-Access-Token': `Token ${sandbox.token}` };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<Answer<T>> => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? undefined : JSON.parse(text)) as T,
    };
  };
  return {
    get: <T = Loose>(path: string) => call<T>('GET', path),
    post: <T = Loose>(path: string, body: unknown) => call<T>('POST', path, body),
    put: <T = Loose>(path: string, body: unknown) => call<T>('PUT', path, body),
    patch: <T = Loose>(path: string, body: unknown) => call<T>('PATCH', path, body),
    /** The raw response, for non-JSON answers. */
    raw: (path: string, init?: RequestInit) =>
      fetch(`${sandbox.url}${path}`, { ...init, headers: { ...headers, ...init?.headers } }),
  };
}

/** A manual clock for the deployment lifecycle. */
export function manualClock(start = 0) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** The demo deployment payload (what `buildDeploymentParams` makes of release 7). */
export const deploymentParams = { num_cpus: 2, num_gpus: 0, num_replicas: 1, memory: 2147483648 };

/** `POST plugins/demo-detector/run/` bodies. */
export function deploymentBody(params: unknown = deploymentParams, agent = 3) {
  return { agent, action: 'deployment', params };
}

export function inferenceBody(imagePath: string, model = 42, agent = 3) {
  return { agent, action: 'inference', params: { model, method: 'post', json: { image_path: imagePath } } };
}
