/**
 * Adapter for `@statelyai/inspect`, the XState v5 successor of `@xstate/inspect` (which only speaks XState v4), an
 * optional peer dependency loaded on first use. Its UI is Stately's hosted inspector (https://stately.ai/inspect): a
 * web page that needs internet access and may be blocked on a given network. Where it cannot be reached, use
 * `createOfflineInspector`, which serves everything from this process.
 */
import type { InspectionEvent, Observer } from 'xstate';
import { createNonce, EventStream, pagePolicy, startInspectorServer, validHost, validPort } from './http.js';
import { defaultFigureFields, eventTypeOf, pickFigures } from './summarize.js';

/** How to reach the Stately inspector. */
export interface StatelyInspectorOptions {
  /**
   * - `'bridge'` (default): serve a local page (see `url` of the result) that embeds the hosted inspector in a frame
   *   and relays the events to it. Open the page in a browser that can reach `inspectorUrl`.
   * - `'websocket'`: send the events to a WebSocket relay at `url`, such as `createInspectorServer()` of
   *   `@statelyai/inspect/server` (which also embeds the hosted inspector).
   *
   * `createSkyInspector` is not offered: in 0.7 its socket cannot be closed from Node, so the process would not exit.
   */
  transport?: 'bridge' | 'websocket';
  /** `'bridge'`: local port (0, the default, picks a free one). */
  port?: number;
  /** `'bridge'`: local address (default `127.0.0.1`). */
  host?: string;
  /** `'bridge'`: the inspector UI the page embeds (default `https://stately.ai/inspect`). */
  inspectorUrl?: string;
  /** `'websocket'`: the relay's address (default `ws://localhost:8080`). */
  url?: string;
  /**
   * Send contexts and event payloads as they are. Off by default: they hold task data and parameters, and the
   * hosted UI is a third-party page. When off, a context is reduced to its whitelisted numbers (`figureFields`) and
   * an event to its type; machine definitions (states, transitions, action and guard names) are always sent.
   */
  includeData?: boolean;
  /** Context fields kept when `includeData` is off (default `defaultFigureFields`). */
  figureFields?: readonly string[];
  /** `'bridge'`: inspection events replayed to a page opened late (default 1,000). */
  bufferSize?: number;
  /** How the package is loaded (default: dynamic `import()`); for bundlers and tests. */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** A running Stately inspector. */
export interface StatelyInspector {
  /** Pass it as the `inspect` option of a job or of `createActor`. */
  inspect: Observer<InspectionEvent>;
  /** The page to open (`'bridge'`), or the relay the events go to (`'websocket'`). */
  url: string;
  /** Stops sending and, for the bridge, frees its port. */
  stop(): Promise<void>;
}

/** The few members of `@statelyai/inspect` 0.7 used here. */
interface StatelyInspectModule {
  createInspector(
    adapter: { send(event: StatelyEvent): void; start?(): void; stop?(): void },
    options?: StatelyOptions,
  ): StatelyInspectorHandle;
  createWebSocketInspector(options: StatelyOptions & { url: string }): StatelyInspectorHandle;
}

interface StatelyInspectorHandle {
  inspect: Observer<InspectionEvent>;
  start(): void;
  stop(): void;
}

interface StatelyOptions {
  serialize?: (event: StatelyEvent) => StatelyEvent;
  sanitizeContext?: (context: Record<string, unknown>) => Record<string, unknown>;
  sanitizeEvent?: (event: { type: string }) => { type: string };
  autoStart?: boolean;
}

/** A `@statelyai/inspect` event: `@xstate.actor`, `@xstate.event` or `@xstate.snapshot`. */
type StatelyEvent = { type: string; sessionId?: string; snapshot?: unknown; event?: unknown } & Record<
  string,
  unknown
>;

const packageName = '@statelyai/inspect';
/** Bytes of serialized events the bridge replays at most: actor events carry their machine's definition. */
const maxReplayBytes = 8 << 20;

function isMissingPackage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  return (
    (code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (module|package)/.test(message)) &&
    message.includes(packageName)
  );
}

async function loadStatelyInspect(
  importModule: (specifier: string) => Promise<unknown>,
): Promise<StatelyInspectModule> {
  let loaded: unknown;
  try {
    loaded = await importModule(packageName);
  } catch (error) {
    if (!isMissingPackage(error)) throw error;
    throw new Error(
      `The Stately inspector needs the optional package '${packageName}' (>=0.7): install it with \`npm install --save-dev ${packageName}\`, or use createOfflineInspector(), which needs nothing`,
      { cause: error },
    );
  }
  const module = loaded as Partial<StatelyInspectModule>;
  if (typeof module.createInspector !== 'function' || typeof module.createWebSocketInspector !== 'function') {
    throw new Error(
      `'${packageName}' does not export createInspector and createWebSocketInspector (need >=0.7)`,
    );
  }
  return module as StatelyInspectModule;
}

/** Keeps what the inspector UI draws (status, state value, the sanitized context) and drops outputs and errors. */
function serializeWith(includeData: boolean) {
  return (event: StatelyEvent): StatelyEvent => {
    if (includeData) return event;
    const next: StatelyEvent = { ...event };
    if (typeof event.snapshot === 'object' && event.snapshot !== null) {
      const { status, value, context } = event.snapshot as {
        status?: unknown;
        value?: unknown;
        context?: unknown;
      };
      next.snapshot = { status, ...(value === undefined ? {} : { value }), context: context ?? {} };
    }
    if (event.event !== undefined) next.event = { type: eventTypeOf(event.event) };
    return next;
  };
}

const defaultImport = (specifier: string) => import(specifier);

/**
 * Creates an inspector that shows the job in Stately's inspector UI. Loads `@statelyai/inspect` (an optional peer
 * dependency: the promise rejects with an error naming it when it is not installed).
 *
 * The UI is hosted by Stately (https://stately.ai/inspect) and may be unreachable (offline, firewalled, proxied
 * networks); `createOfflineInspector()` shows the same transitions from a local page instead.
 *
 * @example
 * const stately = await createStatelyInspector();
 * console.log(`open ${stately.url}`); // a local page embedding https://stately.ai/inspect
 * await new ToTask({ params, client, inspect: stately.inspect }).run();
 * await stately.stop();
 *
 * @example
 * // With `npx @statelyai/inspect` style relays: createInspectorServer() from '@statelyai/inspect/server'.
 * const stately = await createStatelyInspector({ transport: 'websocket', url: 'ws://localhost:8080' });
 */
export async function createStatelyInspector(
  options: StatelyInspectorOptions = {},
): Promise<StatelyInspector> {
  const transport = options.transport ?? 'bridge';
  if (transport !== 'bridge' && transport !== 'websocket') {
    throw new TypeError(`Expected \`transport\` to be 'bridge' or 'websocket', got ${String(transport)}`);
  }
  const port = validPort(options.port);
  const host = validHost(options.host);
  const inspectorUrl = new URL(options.inspectorUrl ?? 'https://stately.ai/inspect');
  const includeData = options.includeData === true;
  const figureFields = options.figureFields ?? defaultFigureFields;
  const stately = await loadStatelyInspect(options.importModule ?? defaultImport);
  const sanitize: StatelyOptions = includeData
    ? {}
    : {
        sanitizeContext: (context) => pickFigures(context, figureFields) ?? {},
        sanitizeEvent: (event) => ({ type: eventTypeOf(event) }),
        serialize: serializeWith(false),
      };

  if (transport === 'websocket') {
    const url = options.url ?? 'ws://localhost:8080';
    const inspector = stately.createWebSocketInspector({ ...sanitize, url });
    return {
      inspect: inspector.inspect,
      url,
      async stop() {
        inspector.stop();
      },
    };
  }

  const replay: { seq: number; json: string }[] = [];
  let replayBytes = 0;
  let seq = 0;
  const stream = new EventStream<{ seq: number; event: unknown }>((item) => item.seq);
  let stopped = false;
  const inspector = stately.createInspector(
    {
      send(event) {
        if (stopped) return;
        const item = { seq: ++seq, event };
        const json = JSON.stringify(event);
        replay.push({ seq: item.seq, json });
        replayBytes += json.length;
        while (replay.length > (options.bufferSize ?? 1000) || replayBytes > maxReplayBytes) {
          replayBytes -= replay.shift()!.json.length;
        }
        stream.push(item);
      },
    },
    sanitize,
  );
  const server = await startInspectorServer(
    {
      '/': (request, response) => {
        const nonce = createNonce();
        response.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': pagePolicy(nonce, [`frame-src ${inspectorUrl.origin}`]),
        });
        response.end(request.method === 'HEAD' ? undefined : bridgePage(nonce, inspectorUrl.href));
      },
      '/events': (request, response) =>
        stream.open(request, response, (lastEventId) => {
          const missed = replay.filter((entry) => entry.seq > lastEventId);
          if (missed.length === 0) return '\n';
          const data = `[${missed.map((entry) => `{"seq":${entry.seq},"event":${entry.json}}`).join(',')}]`;
          return `id: ${missed[missed.length - 1]!.seq}\ndata: ${data}\n\n`;
        }),
    },
    { port, host, onClose: () => stream.close() },
  );
  return {
    inspect: inspector.inspect,
    url: server.url,
    async stop() {
      stopped = true;
      inspector.stop();
      replay.length = 0;
      await server.close();
    },
  };
}

function bridgePage(nonce: string, inspectorUrl: string): string {
  const src = inspectorUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>to_task: Stately inspector bridge</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">
html, body { height: 100%; margin: 0; font: 13px system-ui, sans-serif; }
body { display: flex; flex-direction: column; }
p { margin: 0; padding: 6px 10px; background: #fff7e0; border-bottom: 1px solid #e5d9b6; }
iframe { flex: 1; width: 100%; border: 0; }
</style>
</head>
<body>
<p>Stately's hosted inspector, fed by this job. Blank frame? <code>${src}</code> is not reachable from this network: use the offline inspector (<code>createOfflineInspector</code>) instead.</p>
<iframe id="inspector" src="${src}" title="Stately inspector"></iframe>
<script nonce="${nonce}">
(function () {
  var frame = document.getElementById('inspector');
  var queue = [];
  var connected = false;
  var lastSeq = 0;
  function post(event) { frame.contentWindow.postMessage(event, '*'); }
  window.addEventListener('message', function (message) {
    if (message.source !== frame.contentWindow || !message.data || message.data.type !== '@statelyai.connected') return;
    connected = true;
    queue.forEach(post);
    queue = [];
  });
  var source = new EventSource('events');
  source.onmessage = function (message) {
    JSON.parse(message.data).forEach(function (item) {
      if (item.seq <= lastSeq) return;
      lastSeq = item.seq;
      if (connected) post(item.event);
      else if (queue.push(item.event) > 2000) queue.shift();
    });
  };
})();
</script>
</body>
</html>
`;
}
