/**
 * What both inspector servers (the offline page and the Stately bridge) need from `node:http`: listening on
 * loopback, refusing foreign Host headers, a strict Content-Security-Policy for an inline page, and a Server-Sent
 * Events fan-out that batches messages and drops pages that stop reading.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Unflushed bytes a slow page may hold before it is dropped (it reconnects and resyncs). */
const maxPendingBytes = 1 << 20;
const heartbeatMs = 15_000;
const maxStreams = 32;
const loopbackHosts = new Set(['127.0.0.1', '::1', 'localhost']);

/** A route answers a GET or HEAD request; anything else gets 405 before it. */
export type Route = (request: IncomingMessage, response: ServerResponse) => void;

/** A server listening on `host:port` with its routes. */
export interface InspectorServer {
  url: string;
  close(): Promise<void>;
}

export function validPort(value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new TypeError(`Expected \`port\` to be an integer from 0 to 65535, got ${String(value)}`);
  }
  return value;
}

export function validHost(value: string | undefined): string {
  if (value === undefined) return '127.0.0.1';
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`Expected \`host\` to be a non-empty string, got ${String(value)}`);
  }
  return value;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A fresh nonce for one page's inline script and style. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/** A CSP allowing only the page's own inline script and style (by nonce) and requests to its own server. */
export function pagePolicy(nonce: string, extra: string[] = []): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    ...extra,
  ].join('; ');
}

function sendText(response: ServerResponse, status: number, text: string, headers = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  response.end(`${text}\n`);
}

/**
 * Starts a server answering GET and HEAD on `routes` (by path), 404 elsewhere. On a loopback host it answers only
 * requests whose Host header names loopback, so a web page cannot reach it by rebinding its own DNS name.
 */
export async function startInspectorServer(
  routes: Record<string, Route>,
  options: { port: number; host: string; onClose?: () => void },
): Promise<InspectorServer> {
  const { port, host } = options;
  const server = createServer((request, response) => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cache-Control', 'no-store');
    const actualPort = (server.address() as AddressInfo).port;
    const hostHeader = request.headers.host;
    if (
      loopbackHosts.has(host) &&
      !['127.0.0.1', 'localhost', '[::1]'].some((name) => hostHeader === `${name}:${actualPort}`)
    ) {
      sendText(response, 421, 'Unexpected Host header.');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendText(response, 405, 'Method not allowed.', { Allow: 'GET, HEAD' });
      return;
    }
    const path = new URL(request.url ?? '/', 'http://inspector.invalid').pathname;
    const route = routes[path];
    if (route) route(request, response);
    else sendText(response, 404, 'Not found.');
  });
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const urlHost =
    address.family === 'IPv6' ? `[${address.address}]` : host === '0.0.0.0' ? address.address : host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${address.port}/`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        options.onClose?.();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * The pages reading a Server-Sent Events stream. Items pushed in one turn of the event loop go out as one event
 * whose data is their JSON array, with `id` the last item's number so a page that reconnects says where it was.
 */
export class EventStream<T> {
  readonly #streams = new Set<ServerResponse>();
  #pending: T[] = [];
  #flushTimer: NodeJS.Immediate | null = null;
  readonly #heartbeat: NodeJS.Timeout;

  /** `idOf` numbers an item for the SSE `id` field. */
  constructor(readonly idOf: (item: T) => number) {
    this.#heartbeat = setInterval(() => {
      for (const response of this.#streams) this.#send(response, ': ping\n\n');
    }, heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Pages connected now. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Opens a stream on `response`; `first` builds what the page gets first from its `Last-Event-ID` (0 when none),
   * after everything already pushed has gone to the other pages.
   */
  open(request: IncomingMessage, response: ServerResponse, first: (lastEventId: number) => string): void {
    if (this.#streams.size >= maxStreams) {
      sendText(response, 503, 'Too many inspector pages are open.', { 'Retry-After': '5' });
      return;
    }
    this.flush();
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const lastEventId = Number(request.headers['last-event-id']);
    response.write(
      `retry: 2000\n${first(Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0)}`,
    );
    this.#streams.add(response);
    request.on('close', () => this.#streams.delete(response));
  }

  /** Queues an item for the pages (nothing is kept when no page is open). */
  push(item: T): void {
    if (this.#streams.size === 0) return;
    this.#pending.push(item);
    this.#flushTimer ??= setImmediate(() => this.flush());
  }

  /** Sends what is queued now. */
  flush(): void {
    if (this.#flushTimer) clearImmediate(this.#flushTimer);
    this.#flushTimer = null;
    if (this.#pending.length === 0) return;
    const chunk = `id: ${this.idOf(this.#pending[this.#pending.length - 1]!)}\ndata: ${JSON.stringify(this.#pending)}\n\n`;
    this.#pending = [];
    for (const response of this.#streams) this.#send(response, chunk);
  }

  /** Flushes, then ends every stream. */
  close(): void {
    clearInterval(this.#heartbeat);
    this.flush();
    for (const response of this.#streams) response.end();
    this.#streams.clear();
  }

  #send(response: ServerResponse, chunk: string): void {
    if (response.writableLength > maxPendingBytes) {
      this.#streams.delete(response);
      response.destroy();
    } else {
      response.write(chunk);
    }
  }
}
