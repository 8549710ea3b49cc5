import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machines, projectRoot } from '../../scripts/visualize.js';
import { machineTree, type StateTree } from '../../src/inspector/summarize.js';
import { browserSuiteNote, launchChromium, skipBrowserTests } from './chromium.js';

const mermaidScript = join(projectRoot, 'node_modules/mermaid/dist/mermaid.min.js');
const visualizations = join(projectRoot, 'visualizations');

/** The ```mermaid blocks of a Markdown file, as GitHub would hand them to Mermaid. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

function stateKeys(states: StateTree[]): string[] {
  return states.flatMap((state) => [state.key, ...stateKeys(state.states)]);
}

interface Rendered {
  ok: boolean;
  error?: string;
  text?: string;
  svgLength?: number;
}

/** Parses and renders one diagram in the page; the SVG stays in `#diagram` for a screenshot. */
function render(page: Page, source: string, id: string): Promise<Rendered> {
  return page.evaluate(
    async ({ source, id }) => {
      const mermaid = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
      try {
        await mermaid.parse(source);
        const { svg } = await mermaid.render(id, source);
        const { document } = globalThis as unknown as { document: PageDocument };
        const host = document.getElementById('diagram')!;
        host.innerHTML = svg;
        return { ok: true, text: host.textContent ?? '', svgLength: svg.length };
      } catch (error) {
        return { ok: false, error: String((error as Error)?.message ?? error) };
      }
    },
    { source, id },
  );
}

/** The bits of the page's DOM used here (the project's type-check has no DOM library). */
interface PageDocument {
  getElementById(id: string): { innerHTML: string; textContent: string | null } | null;
}

interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string }>;
}

const files = readdirSync(visualizations).filter((name) => name.endsWith('.md'));

describe.skipIf(skipBrowserTests)(
  `visualizations/*.md render with Mermaid in Chromium${browserSuiteNote}`,
  () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      await page.setContent('<!doctype html><html><body><div id="diagram"></div></body></html>');
      await page.addScriptTag({ path: mermaidScript });
      await page.evaluate(() =>
        (globalThis as unknown as { mermaid: MermaidApi }).mermaid.initialize({
          startOnLoad: false,
          securityLevel: 'strict',
        }),
      );
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('there is one diagram per machine', () => {
      expect(files.sort()).toEqual(machines.map(({ name }) => `${name}.md`).sort());
    });

    it.each(machines.map(({ name, machine }) => [name, machine] as const))(
      '%s.md parses and renders an SVG naming every state',
      async (name, machine) => {
        const blocks = mermaidBlocks(readFileSync(join(visualizations, `${name}.md`), 'utf8'));
        expect(blocks).toHaveLength(1);
        const rendered = await render(page, blocks[0]!, `diagram-${name}`);
        expect(rendered.error).toBeUndefined();
        expect(rendered.ok).toBe(true);
        expect(rendered.svgLength).toBeGreaterThan(1000);
        for (const key of stateKeys(machineTree(machine).states)) expect(rendered.text).toContain(key);
        if (name === 'preProcessor') {
          const directory = join(tmpdir(), 'to-task-screenshots');
          mkdirSync(directory, { recursive: true });
          const screenshot = join(directory, `${name}.png`);
          await page.locator('#diagram svg').screenshot({ path: screenshot });
          console.log(`diagram screenshot: ${screenshot}`);
        }
      },
    );

    it('would catch a diagram Mermaid cannot parse', async () => {
      const rendered = await render(page, 'stateDiagram-v2\n  state open {\n    a --> b\n', 'diagram-broken');
      expect(rendered.ok).toBe(false);
      expect(rendered.error).toBeTruthy();
    });
  },
);
