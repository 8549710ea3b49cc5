import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import {
  createOfflineInspector,
  type OfflineInspector,
  type OfflineInspectorState,
} from '../../src/inspector/offline.js';
import { InspectionStore, type InspectorMessage } from '../../src/inspector/store.js';
import { inspectedJobStates, runInspectedJob, secret } from './inspectedJob.js';

/** Reads a Server-Sent Events stream in the background: raw text, and the parsed events so far. */
function readStream(url: string) {
  const controller = new AbortController();
  let text = '';
  const ended = (async () => {
    const response = await fetch(url, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
    }
  })().catch((error: unknown) => {
    if ((error as Error).name !== 'AbortError') throw error;
  });
  const events = () =>
    text
      .split('\n\n')
      .filter((block) => block.includes('data: '))
      .map((block) => {
        const fields = Object.fromEntries(
          block
            .split('\n')
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
        );
        return { event: fields.event ?? 'message', id: Number(fields.id), data: JSON.parse(fields.data!) };
      });
  /** The messages of the stream: the sync's history, then every live batch. */
  const messages = (): InspectorMessage[] =>
    events().flatMap((event) => (event.event === 'sync' ? event.data.messages : event.data));
  return { text: () => text, events, messages, ended, abort: () => controller.abort() };
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The `to` states of one actor's transitions, in order. */
function statesOf(messages: InspectorMessage[], actor: string): (string | null)[] {
  return messages.flatMap((message) =>
    message.kind === 'transition' && message.actor === actor ? [message.to] : [],
  );
}

function expectSubsequence(actual: unknown[], expected: unknown[]): void {
  let index = 0;
  for (const item of actual) if (index < expected.length && item === expected[index]) index++;
  expect(actual, `expected ${JSON.stringify(expected)} in order`).toEqual(
    expect.arrayContaining(expected as unknown[]),
  );
  expect(index, `order of ${JSON.stringify(expected)} in ${JSON.stringify(actual)}`).toBe(expected.length);
}

const opened: OfflineInspector[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((inspector) => inspector.close()));
});

async function open(options: Parameters<typeof createOfflineInspector>[0] = {}): Promise<OfflineInspector> {
  const inspector = await createOfflineInspector(options);
  opened.push(inspector);
  return inspector;
}

describe('the offline inspector', () => {
  it('streams the transitions of the job, the pre-processor and the task actors, in order', async () => {
    const inspector = await open();
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const stream = readStream(`${inspector.url}events`);
    await until(() => stream.events().some((event) => event.event === 'sync'));

    const result = await runInspectedJob(inspector.inspect, { taskIds: [1, 2, 3] });
    expect(result).toMatchObject({ status: 'SUCCEEDED', success_count: 3 });

    const state = (await (await fetch(`${inspector.url}state.json`)).json()) as OfflineInspectorState;
    await until(() => stream.messages().at(-1)?.seq === state.seq);
    const messages: InspectorMessage[] = stream.messages();
    // The live stream and /state.json tell the same story, message for message.
    expect(messages.map((message) => message.seq)).toEqual(state.messages.map((message) => message.seq));
    expect(messages.map((message) => message.seq)).toEqual(messages.map((_, index) => index + 1));

    const job = messages.find((message) => message.kind === 'actor' && message.machine === 'toTask')!;
    const preProcessor = messages.find(
      (message) => message.kind === 'actor' && message.machine === 'preProcessor',
    )!;
    expect(job).toMatchObject({ name: 'toTask', parent: null });
    expect(preProcessor).toMatchObject({ name: 'preProcessor', parent: job.actor });

    expectSubsequence(statesOf(messages, job.actor), inspectedJobStates);
    expectSubsequence(statesOf(messages, preProcessor.actor), [
      'detecting',
      'deploying.dispatching',
      'deploying.waiting.polling',
      'deploying.waiting.sleeping',
      'deploying.waiting.polling',
      'ready',
    ]);
    const tasks = messages.filter(
      (message): message is Extract<InspectorMessage, { kind: 'actor' }> =>
        message.kind === 'actor' && message.machine === 'annotateTask',
    );
    expect(tasks.map((task) => task.name)).toEqual(['slot-0', 'slot-1', 'slot-0']);
    for (const task of tasks) {
      expect(task.parent).toBe(job.actor);
      expectSubsequence(statesOf(messages, task.actor), [
        'fetchingTask',
        'resolvingFiles',
        'checkingFiles',
        'inferring',
        'convertingInference',
        'submitting',
        'succeeded',
      ]);
    }
    // The pre-processor is ready before the first task actor exists, and the job finishes last.
    const seqOf = (actor: string, to: string) =>
      messages.find(
        (message) => message.kind === 'transition' && message.actor === actor && message.to === to,
      )!.seq;
    expect(seqOf(preProcessor.actor, 'ready')).toBeLessThan(tasks[0]!.seq);
    expect(seqOf(job.actor, 'finished')).toBeGreaterThan(seqOf(tasks[2]!.actor, 'succeeded'));
    // Each transition names its cause by type only.
    expect(
      messages.find(
        (message) =>
          message.kind === 'transition' && message.actor === preProcessor.actor && message.to === 'ready',
      ),
    ).toMatchObject({
      from: 'deploying.waiting.polling',
      event: expect.stringMatching(/^xstate\.done\.actor\./),
    });

    // The current table: the job finished, the pre-processor ready (with its system id), promise actors gone.
    const table = Object.fromEntries(state.actors.map((actor) => [actor.name, actor]));
    expect(table.toTask).toMatchObject({
      state: 'finished',
      status: 'done',
      figures: { success: 3, failed: 0 },
    });
    expect(table.preProcessor).toMatchObject({ state: 'ready', status: 'done', systemId: 'preProcessor' });
    expect(state.actors.every((actor) => actor.machine)).toBe(true);
    expect(state.machines.map((machine: { id: string }) => machine.id)).toEqual([
      'toTask',
      'preProcessor',
      'annotateTask',
    ]);
    stream.abort();
  });

  it('never shows task data, parameters, hook output or the token', async () => {
    const inspector = await open();
    const stream = readStream(`${inspector.url}events`);
    await until(() => stream.events().length > 0);
    await runInspectedJob(inspector.inspect);
    const stateText = await (await fetch(`${inspector.url}state.json`)).text();
    await until(() => stream.messages().at(-1)?.seq === JSON.parse(stateText).seq);
    const pageText = await (await fetch(inspector.url)).text();

    for (const text of [stream.text(), stateText, pageText]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('Pre-label');
      expect(text).not.toContain('files.test');
      expect(text).not.toContain('predictions');
    }
    // Only the whitelisted keys of each kind of message.
    const allowed = new Set([
      'seq',
      'time',
      'kind',
      'actor',
      'name',
      'id',
      'parent',
      'machine',
      'src',
      'systemId',
      'event',
      'source',
      'from',
      'to',
      'status',
      'figures',
    ]);
    for (const message of stream.messages()) {
      for (const key of Object.keys(message)) expect(allowed).toContain(key);
      if ('figures' in message && message.figures) {
        for (const value of Object.values(message.figures)) expect(typeof value).toBe('number');
      }
    }
    stream.abort();
  });

  it('gives a page opened late the current table and the recent history', async () => {
    const inspector = await open();
    await runInspectedJob(inspector.inspect);
    const stream = readStream(`${inspector.url}events`);
    await until(() => stream.events().length > 0);
    const [sync] = stream.events();
    expect(sync?.event).toBe('sync');
    expect(sync?.id).toBe(inspector.state().seq);
    expect(sync?.data.messages).toHaveLength(inspector.state().seq);
    expect(sync?.data.actors.find((actor: { name: string }) => actor.name === 'toTask')).toMatchObject({
      state: 'finished',
    });
    stream.abort();
  });

  it('keeps memory bounded: a ring buffer of messages and a capped table of finished actors', async () => {
    const inspector = await open({ bufferSize: 50, maxFinishedActors: 3 });
    const result = await runInspectedJob(inspector.inspect, {
      taskIds: Array.from({ length: 12 }, (_, index) => index + 1),
      concurrency: 3,
    });
    expect(result.success_count).toBe(12);

    const state = inspector.state();
    expect(state.seq).toBeGreaterThan(500);
    expect(state.capacity).toBe(50);
    expect(state.messages).toHaveLength(50);
    expect(state.messages.map((message) => message.seq)).toEqual(
      Array.from({ length: 50 }, (_, index) => state.seq - 49 + index),
    );
    // Three finished machines stay; task actors were evicted before the job and the pre-processor.
    expect(state.actors.map((actor) => actor.name)).toEqual(['toTask', 'preProcessor', 'slot-2']);
    expect(state.messages.some((message) => message.kind === 'removed')).toBe(true);
  });

  it('answers only loopback Host headers, GET and HEAD, and known paths', async () => {
    const inspector = await open();
    const { port } = new URL(inspector.url);
    const status = (path: string, headers: Record<string, string>, method = 'GET') =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end();
      });
    expect(await status('/state.json', { host: `localhost:${port}` })).toBe(200);
    expect(await status('/state.json', { host: `attacker.example:${port}` })).toBe(421);
    expect(await status('/state.json', { host: `127.0.0.1:${port}` }, 'POST')).toBe(405);
    expect(await status('/nope', { host: `127.0.0.1:${port}` })).toBe(404);

    const page = await fetch(inspector.url);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await page.text();
    // Self-contained: no script, style, image or frame from anywhere else.
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  });

  it('close() ends the streams and frees the port', async () => {
    const inspector = await createOfflineInspector();
    const { port } = new URL(inspector.url);
    const stream = readStream(`${inspector.url}events`);
    await until(() => stream.events().length > 0);
    await inspector.close();
    await stream.ended;
    await inspector.close();
    await expect(fetch(`${inspector.url}state.json`)).rejects.toThrow();
    // The inspect observer is inert after close: a job can still run with it.
    await runInspectedJob(inspector.inspect);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(port), '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('validates its options with messages quoting the bad value', async () => {
    await expect(createOfflineInspector({ port: -1 })).rejects.toThrow(
      'Expected `port` to be an integer from 0 to 65535, got -1',
    );
    await expect(createOfflineInspector({ bufferSize: 0 })).rejects.toThrow(
      'Expected `bufferSize` to be a positive integer, got 0',
    );
  });
});

describe('InspectionStore', () => {
  it('never throws into the job on an event it cannot read', () => {
    const store = new InspectionStore();
    expect(() =>
      store.observe({ type: '@xstate.actor', actorRef: null } as unknown as InspectionEvent),
    ).not.toThrow();
    expect(store.faults).toBe(1);
  });
});
