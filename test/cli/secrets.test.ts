/**
 * The last-resort error lines: whatever escapes is one redacted line, scrubbed of the secrets given by flag as well as
 * by environment variable.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliErrorLine, rememberSecrets, scrubCli } from '../../src/cli/secrets.js';
import { errorLine } from '../../src/client/redact.js';
import { fileParams, pluginRunArgs, runCli } from './helpers.js';

describe('errorLine', () => {
  it('is the first line of the message, redacted and cut at maxLength', () => {
    const error = new Error(
      'GET https://h.example/x failed for s3cret-token\nsecond line\n    at f (a.js:1:1)',
    );
    expect(errorLine(error, { secrets: ['s3cret-token'] })).toBe('GET [URL] failed for [REDACTED]');
    expect(errorLine('plain text value')).toBe('plain text value');
    expect(errorLine(new Error('x'.repeat(20)), { maxLength: 5 })).toBe('xxxxx…');
  });
});

describe('remembered secrets', () => {
  it('scrub every later line, trimmed or not', () => {
    rememberSecrets(['  flag-token-123456 ', undefined, '', 'https://tenant-host.example/api/']);
    expect(scrubCli('token flag-token-123456 at tenant-host.example')).toBe('token [REDACTED] at [REDACTED]');
    expect(cliErrorLine(new Error('with flag-token-123456\nmore'))).toBe('with [REDACTED]');
  });
});

describe('to-task run: a stray error', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'to-task-crash-'));
    await mkdir(join(dir, 'plugin'));
    await writeFile(
      join(dir, 'config.yaml'),
      'actions:\n  to_task:\n    entrypoint: plugin.to_task.ToTask\n    method: job\n',
    );
    // A plugin whose stray rejection quotes the whole command line, --token and --tenant included.
    await writeFile(
      join(dir, 'plugin', 'to_task.mjs'),
      [
        'const line = process.argv.join(" ");',
        'setTimeout(() => Promise.reject(new Error("stray: " + line + "\\nsecond line")), 0);',
        'export const ToTask = { convertDataFromFile: () => ({}), convertDataFromInference: () => ({}) };',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('ends as one line without the flags’ token, tenant or host, exit 1', async () => {
    const run = await runCli(
      pluginRunArgs(dir, fileParams, [
        '--host',
        'http://127.0.0.1:9/',
        '--token',
        'flag-token-abcdef',
        '--tenant',
        'flag-tenant-xyz',
      ]),
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Unexpected error \(Error\): stray: .*\[REDACTED\]/m);
    expect(run.stderr).not.toContain('second line');
    for (const secret of ['flag-token-abcdef', 'flag-tenant-xyz', '127.0.0.1:9']) {
      expect(run.stderr).not.toContain(secret);
      expect(run.stdout).not.toContain(secret);
    }
  });
});
