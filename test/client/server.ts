import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server saw. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent (`/api/tasks/1/?fields=id,data`). */
  url: string;
  path: string;
  query: URLSearchParams;
  /** The raw query string without `?`, to check literal encoding. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
  /** `performance.now()` when the request's headers arrived. */
  at: number;
}

/** Answers one request. */
export type Responder = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/** A local HTTP server on 127.0.0.1 with scripted answers. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: RecordedRequest[];
  /** One-shot responders, used in order before the fallback. */
  queue(...responders: Responder[]): void;
  /** The responder for every request once the queue is empty (default: 200 `{}`). */
  fallback(responder: Responder): void;
  close(): Promise<void>;
}

/** Answer with JSON. */
export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Responder =>
  (_request, response) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(text);
  };

/** Answer with raw text. */
export const text =
  (status: number, body: string, headers: Record<string, string> = {}): Responder =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'text/plain', ...headers });
    response.end(body);
  };

/** Destroy the socket without answering: the client sees a connection reset. */
export const reset = (): Responder => (_request, response) => {
  response.socket?.destroy();
};

/** Never answer (the socket is closed when the server closes). */
export const hang = (): Responder => () => {};

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Start a server on 127.0.0.1, port 0.
 *
 * @example
 * const server = await startServer();
 * server.queue(json(503, {}), json(200, { id: 1 }));
 */
export async function startServer(): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const queued: Responder[] = [];
  let fallback: Responder = json(200, {});
  const server = createServer(async (request, response) => {
    const at = performance.now();
    const body = await readBody(request);
    const url = request.url ?? '/';
    const parsed = new URL(url, 'http://127.0.0.1');
    let parsedJson: unknown;
    try {
      parsedJson = body === '' ? undefined : JSON.parse(body);
    } catch {
      parsedJson = undefined;
    }
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      url,
      path: parsed.pathname,
      query: parsed.searchParams,
      rawQuery: url.includes('?') ? url.slice(url.indexOf('?') + 1) : '',
      headers: request.headers,
      body,
      json: parsedJson,
      at,
    };
    requests.push(recorded);
    const responder = queued.shift() ?? fallback;
    try {
      await responder(recorded, response);
    } catch {
      response.socket?.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    queue: (...responders) => {
      queued.push(...responders);
    },
    fallback: (responder) => {
      fallback = responder;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
