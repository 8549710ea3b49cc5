/**
 * Debian's Chromium driven by playwright-core (no browser download). Without it, browser tests skip on a developer
 * machine and fail in CI (`CI` set), where `.ci/run` installs it.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
const missing = !existsSync(chromiumPath);

/** True only locally without Chromium: in CI a missing browser must fail the run, not hide it. */
export const skipBrowserTests = missing && !process.env.CI;

/** Appended to a suite's name, so a skip says why. */
export const browserSuiteNote = skipBrowserTests ? ` (skipped: no Chromium at ${chromiumPath})` : '';

export function launchChromium(): Promise<Browser> {
  if (missing) {
    throw new Error(`Chromium not found at ${chromiumPath}: install Debian's chromium (see .ci/run)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
