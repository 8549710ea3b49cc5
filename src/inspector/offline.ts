/**
 * The offline inspector: a small HTTP server on loopback serving one self-contained page and a Server-Sent Events
 * stream of the job's transitions. Works where the hosted Stately inspector cannot be reached, and shows only ids,
 * state values, statuses, event types and a few counters: never contexts or event payloads.
 */
import type { AnyStateMachine, InspectionEvent, Observer } from 'xstate';
import { annotateTaskMachine } from '../../machines/annotateTask.machine.js';
import { preProcessorMachine } from '../../machines/preProcessor.machine.js';
import { toTaskMachine } from '../../machines/toTask.machine.js';
import { createNonce, EventStream, pagePolicy, startInspectorServer, validHost, validPort } from './http.js';
import { renderInspectorPage } from './page.js';
import { type ActorRecord, InspectionStore, type InspectorMessage } from './store.js';
import { type MachineTree, machineTree } from './summarize.js';

/** How to start the offline inspector. */
export interface OfflineInspectorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on (default `127.0.0.1`). Anything but loopback exposes the page to the network. */
  host?: string;
  /** Machines whose states the page lists (default: `toTaskMachine`, `preProcessorMachine`, `annotateTaskMachine`). */
  machines?: readonly AnyStateMachine[];
  /** Messages kept for pages opened late (default 2,000). */
  bufferSize?: number;
  /** Finished machine actors kept in the table (default 200). */
  maxFinishedActors?: number;
  /** Context fields shown as figures when numeric (default `defaultFigureFields`). */
  figureFields?: readonly string[];
}

/** What `GET /state.json` answers. */
export interface OfflineInspectorState {
  /** The number of the last message. */
  seq: number;
  /** The ring buffer's capacity. */
  capacity: number;
  /** The current table: every actor alive, and the latest finished machine actors. */
  actors: ActorRecord[];
  /** The buffered messages, oldest first. */
  messages: InspectorMessage[];
  /** The machines the page lists. */
  machines: MachineTree[];
}

/** A running offline inspector. */
export interface OfflineInspector {
  /** The page's address, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** Pass it as the `inspect` option of a job (`startToTask`, `ToTaskAction`) or of `createActor`. */
  inspect: Observer<InspectionEvent>;
  /** The state `GET /state.json` answers, without HTTP. */
  state(): OfflineInspectorState;
  /** Ends the event streams and frees the port. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the offline inspector and resolves once it listens. Open `url` in a browser: the page shows the actor tree
 * (job → pre-processor → task slots) with each actor's state, the machines' states with the active ones
 * highlighted, and a live log of transitions (`from → to on event`). `GET /state.json` answers the same data as JSON,
 * `GET /events` is the Server-Sent Events stream the page reads.
 *
 * @example
 * const inspector = await createOfflineInspector({ port: 0 });
 * console.log(`inspect at ${inspector.url}`);
 * const result = await new ToTask({ params, client, inspect: inspector.inspect }).run();
 * await inspector.close();
 *
 * @example
 * // Any XState v5 actor can be inspected.
 * const inspector = await createOfflineInspector({ machines: [preProcessorMachine] });
 * createActor(preProcessorMachine.provide({ actors }), { input, inspect: inspector.inspect }).start();
 */
export async function createOfflineInspector(
  options: OfflineInspectorOptions = {},
): Promise<OfflineInspector> {
  const port = validPort(options.port);
  const host = validHost(options.host);
  const store = new InspectionStore({
    bufferSize: options.bufferSize,
    maxFinishedActors: options.maxFinishedActors,
    figureFields: options.figureFields,
  });
  const machines = (options.machines ?? [toTaskMachine, preProcessorMachine, annotateTaskMachine]).map(
    machineTree,
  );
  const stream = new EventStream<InspectorMessage>((message) => message.seq);
  store.subscribe((message) => stream.push(message));
  let closed = false;

  const state = (): OfflineInspectorState => ({
    seq: store.seq,
    capacity: store.capacity,
    actors: store.actors(),
    messages: store.messages(),
    machines,
  });

  const server = await startInspectorServer(
    {
      '/': (request, response) => {
        const nonce = createNonce();
        response.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': pagePolicy(nonce),
        });
        response.end(request.method === 'HEAD' ? undefined : renderInspectorPage({ nonce, machines }));
      },
      '/events': (request, response) =>
        // The table is the present; the buffered messages after the page's last one are its missed history.
        stream.open(request, response, (lastEventId) => {
          const sync = { seq: store.seq, actors: store.actors(), messages: store.messages(lastEventId) };
          return `event: sync\nid: ${store.seq}\ndata: ${JSON.stringify(sync)}\n\n`;
        }),
      '/state.json': (request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        response.end(request.method === 'HEAD' ? undefined : JSON.stringify(state()));
      },
    },
    { port, host, onClose: () => stream.close() },
  );

  return {
    url: server.url,
    inspect: {
      next(event: InspectionEvent) {
        if (!closed) store.observe(event);
      },
    },
    state,
    async close() {
      closed = true;
      await server.close();
      store.clear();
    },
  };
}
