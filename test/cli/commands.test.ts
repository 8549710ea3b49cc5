/**
 * `to-task sandbox` (foreground, until Ctrl-C) and `to-task demo` (what `npm start` runs).
 */
import { describe, expect, it } from 'vitest';
import { runCli, startCli, until } from './helpers.js';

describe('to-task sandbox', () => {
  it('prints the URL, the token and the commands to try, serves the API, and stops on Ctrl-C', async () => {
    const cli = startCli(['sandbox', '--port', '0', '--tasks', '7', '--token', 'sandbox-token-1234']);
    await until(() => cli.stdout().includes('Ctrl-C stops it.'));
    const url = /listening on (http:\/\/\S+)/.exec(cli.stdout())?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(cli.stdout()).toContain(`export SYNAPSE_HOST=${url} SYNAPSE_ACCESS_TOKEN=sandbox-token-1234`);
    expect(cli.stdout()).toContain('run --plugin examples/plugin --params examples/params/file.json');
    expect(cli.stdout()).toContain('demo project 1 (7 tasks');

    const response = await fetch(`${url}sdk/tasks/?project=1&fields=id`, {
      headers: { 'Synapse-Access-Token': 'Token sandbox-token-1234' },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { count: number }).count).toBe(7);

    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Sandbox stopped.');
  });

  it('rejects an invalid scenario file naming the field, exit 2', async () => {
    const run = await runCli(['sandbox', '--port', '0', '--scenario', 'package.json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Error: Invalid sandbox scenario \(package\.json\): \w+: /);
  });
});

describe('to-task demo', () => {
  it('runs the example plugin by both methods against an in-process sandbox and exits 0', async () => {
    const run = await runCli(['demo', '--tasks', '12', '--deploy-delay', '400'], { timeoutMs: 25_000 });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1/2 file method');
    expect(run.stdout).toContain('2/2 inference method');
    expect(run.stdout.match(/SUCCEEDED: Annotated 12 of 12 tasks/g)).toHaveLength(2);
    expect(run.stdout).toContain('12 tasks written exactly once each, 0 deployment dispatches');
    expect(run.stdout).toContain('12 tasks written exactly once each, 1 deployment dispatch');
    expect(run.stdout).toContain('Both jobs succeeded.');
    expect(run.stderr).toContain('Pre-processor: not running; dispatching');
    expect(run.stderr).toContain('Pre-processor ready: RUNNING');
  });
});
