import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOfflineInspector, type OfflineInspector } from '../../src/inspector/offline.js';
import { inspectedJobStates, runInspectedJob, secret } from '../inspector/inspectedJob.js';
import { browserSuiteNote, launchChromium, skipBrowserTests } from './chromium.js';

describe.skipIf(skipBrowserTests)(`the offline inspector page in Chromium${browserSuiteNote}`, () => {
  let browser: Browser;
  let inspector: OfflineInspector;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    inspector = await createOfflineInspector();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
  });

  it('shows the job finishing live: actor tree, states, machines and the transition log', async () => {
    await page.goto(inspector.url);
    await expect.poll(() => page.textContent('#connection')).toBe('live');
    expect(await page.textContent('#actors')).toContain('No actor yet');

    const result = await runInspectedJob(inspector.inspect, { taskIds: [1, 2, 3, 4, 5] });
    expect(result.status).toBe('SUCCEEDED');

    const job = page.locator('li.actor[data-machine="toTask"]');
    const preProcessor = page.locator('li.actor[data-system-id="preProcessor"]');
    await expect.poll(() => job.locator(':scope > .line > .state').textContent()).toBe('finished');
    await expect.poll(() => preProcessor.locator(':scope > .line > .state').textContent()).toBe('ready');

    // The tree: the job at the root, the pre-processor and the task slots under it.
    expect(await page.locator('#actors > ul > li.actor').count()).toBe(1);
    expect(await job.locator(':scope > .line > .status').textContent()).toBe('done');
    expect(await job.locator(':scope > .line > .figures').textContent()).toContain('success 5');
    expect(await preProcessor.getAttribute('data-id')).toBe('preProcessor');
    expect(await job.locator(':scope > ul > li[data-system-id="preProcessor"]').count()).toBe(1);
    const slotItems = await job.locator(':scope > ul > li[data-machine="annotateTask"]').all();
    const slots = await Promise.all(slotItems.map((item) => item.getAttribute('data-id')));
    expect(slots.length).toBeGreaterThanOrEqual(2);
    expect(new Set(slots)).toEqual(new Set(['slot-0', 'slot-1']));

    // The log: the job's transitions in order, machine rows visible, invocations and events hidden by default.
    const jobRowItems = await page
      .locator('#log .row.kind-transition.machine')
      .filter({ has: page.locator('.who', { hasText: /^toTask$/ }) })
      .all();
    const jobRows = await Promise.all(jobRowItems.map((row) => row.getAttribute('data-to')));
    expect(jobRows).toEqual(inspectedJobStates);
    const readyRow = page.locator('#log .row.kind-transition[data-to="ready"]');
    expect(await readyRow.textContent()).toMatch(
      /preProcessor\s*deploying\.waiting\.polling → ready\s*done\s*on done listServeApplications/,
    );
    expect(await page.locator('#log .row.invocation').first().isVisible()).toBe(false);
    await page.check('#show-invocations');
    expect(await page.locator('#log .row.invocation').first().isVisible()).toBe(true);
    await page.uncheck('#show-invocations');

    // The machines: final states of the job and the pre-processor highlighted, with a count for the task slots.
    const toTaskFinished = page.locator('.machine[data-machine="toTask"] li[data-path="finished"]');
    await expect.poll(() => toTaskFinished.getAttribute('class')).toContain('ended');
    const ready = page.locator('.machine[data-machine="preProcessor"] li[data-path="ready"]');
    expect(await ready.getAttribute('class')).toContain('ended');
    const waiting = page.locator('.machine[data-machine="preProcessor"] li[data-path="deploying.waiting"]');
    expect((await waiting.getAttribute('class')) ?? '').not.toMatch(/\b(on|ended)\b/);
    const succeeded = page.locator('.machine[data-machine="annotateTask"] li[data-path="succeeded"]');
    expect(await succeeded.locator(':scope > .badge').textContent()).toMatch(/^×\d+$/);

    const text = await page.textContent('body');
    expect(text).not.toContain(secret);
    expect(requests.every((url) => url.startsWith(inspector.url))).toBe(true);
    expect(problems).toEqual([]);

    const directory = join(tmpdir(), 'to-task-screenshots');
    mkdirSync(directory, { recursive: true });
    const screenshot = join(directory, 'inspector.png');
    await page.screenshot({ path: screenshot });
    console.log(`inspector screenshot: ${screenshot}`);
  });

  it('gives a page opened after the job the same picture', async () => {
    const late = await browser.newPage();
    await late.goto(inspector.url);
    await expect
      .poll(() => late.locator('li.actor[data-machine="toTask"] > .line > .state').textContent())
      .toBe('finished');
    expect(await late.locator('#log .row.kind-transition[data-to="finished"]').count()).toBe(1);
    await late.close();
  });
});
