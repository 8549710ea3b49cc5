import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatelyInspector, type StatelyInspector } from '../../src/inspector/stately.js';
import { runInspectedJob, secret } from '../inspector/inspectedJob.js';
import { browserSuiteNote, launchChromium, skipBrowserTests } from './chromium.js';

/** Stands in for https://stately.ai/inspect: says it is connected, as the real UI does, and keeps what it gets. */
const fakeInspectorPage = `<!doctype html><html><body><script>
window.received = [];
window.addEventListener('message', function (message) { window.received.push(message.data); });
window.parent.postMessage({ type: '@statelyai.connected' }, '*');
</script></body></html>`;

describe.skipIf(skipBrowserTests)(`the Stately bridge page in Chromium${browserSuiteNote}`, () => {
  let browser: Browser;
  let fakeUi: Server;
  let stately: StatelyInspector;

  beforeAll(async () => {
    browser = await launchChromium();
    fakeUi = createServer((_, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end(fakeInspectorPage);
    });
    await new Promise<void>((resolve) => fakeUi.listen(0, '127.0.0.1', resolve));
    const { port } = fakeUi.address() as AddressInfo;
    stately = await createStatelyInspector({ inspectorUrl: `http://127.0.0.1:${port}/inspect` });
  });

  afterAll(async () => {
    await browser?.close();
    await stately?.stop();
    await new Promise((resolve) => fakeUi?.close(resolve));
  });

  it('relays the job to the embedded inspector once it says it is connected', async () => {
    const page = await browser.newPage();
    await page.goto(stately.url);
    const frame = page.frames().find((candidate) => candidate.url().endsWith('/inspect'));
    expect(frame).toBeDefined();

    await runInspectedJob(stately.inspect);
    const received = () =>
      frame!.evaluate(
        () => (globalThis as unknown as { received: { type: string; name?: string }[] }).received,
      );
    await expect
      .poll(async () =>
        (await received()).some((event) => event.type === '@xstate.actor' && event.name === 'toTask'),
      )
      .toBe(true);
    await expect
      .poll(async () => (await received()).filter((event) => event.type === '@xstate.snapshot').length)
      .toBeGreaterThan(20);
    expect(JSON.stringify(await received())).not.toContain(secret);
    await page.close();
  });
});
