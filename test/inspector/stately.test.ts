import { afterEach, describe, expect, it } from 'vitest';
import { createStatelyInspector, type StatelyInspector } from '../../src/inspector/stately.js';
import { runInspectedJob, secret } from './inspectedJob.js';

const started: StatelyInspector[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((inspector) => inspector.stop()));
});

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface StatelyEvent {
  type: string;
  name?: string;
  sessionId: string;
  snapshot?: { status?: string; value?: unknown; context?: Record<string, unknown>; output?: unknown };
  event?: Record<string, unknown>;
}

describe('createStatelyInspector', () => {
  it('names the optional package when it is not installed', async () => {
    const missing = Object.assign(
      new Error("Cannot find package '@statelyai/inspect' imported from /app/src/inspector/stately.js"),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    const error = (await createStatelyInspector({
      importModule: async () => Promise.reject(missing),
    }).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(/needs the optional package '@statelyai\/inspect'/);
    expect(error.message).toContain('npm install --save-dev @statelyai/inspect');
    expect(error.message).toContain('createOfflineInspector()');
    expect(error.cause).toBe(missing);

    // Any other failure while loading it is not disguised as a missing package.
    const broken = new SyntaxError('Unexpected token');
    await expect(createStatelyInspector({ importModule: async () => Promise.reject(broken) })).rejects.toBe(
      broken,
    );
  });

  it('validates the transport', async () => {
    await expect(createStatelyInspector({ transport: 'sky' as 'bridge' })).rejects.toThrow(
      "Expected `transport` to be 'bridge' or 'websocket', got sky",
    );
  });

  it('bridge: a local page embeds the hosted inspector and relays sanitized events to it', async () => {
    const stately = await createStatelyInspector({ port: 0 });
    started.push(stately);
    expect(stately.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const page = await fetch(stately.url);
    expect(page.headers.get('content-security-policy')).toContain('frame-src https://stately.ai');
    expect(await page.text()).toContain('<iframe id="inspector" src="https://stately.ai/inspect"');

    const result = await runInspectedJob(stately.inspect);
    expect(result.status).toBe('SUCCEEDED');

    // A page opened after the job gets the replay of what the UI needs: actors with definitions, snapshots, events.
    const controller = new AbortController();
    const response = await fetch(`${stately.url}events`, { signal: controller.signal });
    let text = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
      }
    })().catch(() => {});
    const events = () =>
      text
        .split('\n\n')
        .flatMap((block) => block.split('\n').filter((line) => line.startsWith('data: ')))
        .flatMap((line) => JSON.parse(line.slice(6)) as { seq: number; event: StatelyEvent }[])
        .map((item) => item.event);
    await until(() =>
      events().some((event) => event.type === '@xstate.snapshot' && event.snapshot?.value === 'finished'),
    );
    controller.abort();
    await reading;

    const all = events();
    const actors = all.filter((event) => event.type === '@xstate.actor');
    expect(actors.map((event) => event.name)).toEqual(
      expect.arrayContaining(['toTask', 'preProcessor', 'slot-0', 'slot-1']),
    );
    expect(actors.find((event) => event.name === 'toTask')).toMatchObject({ definition: expect.any(String) });
    const job = actors.find((event) => event.name === 'toTask')!;
    const final = all
      .filter((event) => event.type === '@xstate.snapshot' && event.sessionId === job.sessionId)
      .at(-1);
    expect(final?.snapshot).toEqual({
      status: 'done',
      value: 'finished',
      context: { discovered: 3, expectedTotal: 3, success: 3, failed: 0 },
    });
    for (const event of all) {
      if (event.event) expect(Object.keys(event.event)).toEqual(['type']);
      if (event.snapshot) expect(event.snapshot).not.toHaveProperty('output');
    }
    expect(text).not.toContain(secret);
    expect(text).not.toContain('files.test');
  });

  it('stop() frees the bridge port', async () => {
    const stately = await createStatelyInspector();
    await stately.stop();
    await stately.stop();
    await expect(fetch(stately.url)).rejects.toThrow();
  });
});
