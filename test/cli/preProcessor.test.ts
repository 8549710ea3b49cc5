/**
 * The pre-processor's three failures through the CLI (SPEC §6.3), each injected by a sandbox scenario: the exact
 * message, exit 1, and no task touched. A terminal status ends the wait at the first poll that sees it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cliSandbox, leaks, resultOf, runArgs, runCli, type Sandbox } from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function serveListRequests(recorded: Sandbox['recorded']): number {
  return recorded.requests.filter((request) => request.route === 'serveApplications').length;
}

describe('to-task run: pre-processor failures', () => {
  it.each([400, 500])('a dispatch answered %i fails the job with the dispatch message', async (status) => {
    const started = await cliSandbox({ tasks: 5, scenario: { dispatch: { status } } });
    sandbox = started.sandbox;
    const run = await runCli(
      runArgs('inference', [...started.flags, '--poll-interval', '0.2', '--timeout', '30']),
    );

    expect(run.code).toBe(1);
    expect(resultOf(run)).toMatchObject({
      status: 'FAILED',
      message: 'Pre-processor deployment dispatch failed (ClientError)',
      total_tasks: 0,
      success_count: 0,
      failed_count: 0,
    });
    expect(sandbox.recorded.dispatches.length).toBeGreaterThanOrEqual(1);
    expect(sandbox.recorded.dispatches.every((dispatch) => dispatch.status === status)).toBe(true);
    // No waiting after a failed dispatch: the only listing is the detection.
    expect(serveListRequests(sandbox.recorded)).toBe(1);
    expect(sandbox.recorded.writes.size).toBe(0);
    expect(run.stderr).toContain(
      'Pre-processor failed: Pre-processor deployment dispatch failed (ClientError)',
    );
    expect(leaks(run, sandbox.token)).toEqual([]);
  });

  it.each(['DEPLOY_FAILED', 'UNHEALTHY', 'UNAVAILABLE'] as const)(
    '%s ends the wait at the first poll that sees it',
    async (outcome) => {
      const started = await cliSandbox({ tasks: 5, scenario: { deploy: { outcome, afterMs: 0 } } });
      sandbox = started.sandbox;
      const run = await runCli(
        runArgs('inference', [...started.flags, '--poll-interval', '0.5', '--timeout', '60']),
      );

      expect(run.code).toBe(1);
      expect(resultOf(run)).toMatchObject({
        status: 'FAILED',
        message: `Pre-processor deployment failed: serve application reached terminal state (${outcome})`,
        total_tasks: 0,
      });
      // Detection, then the first poll after the dispatch: it sees the terminal status and the wait ends there.
      expect(serveListRequests(sandbox.recorded)).toBe(2);
      expect(sandbox.recorded.dispatches).toHaveLength(1);
      expect(sandbox.recorded.writes.size).toBe(0);
    },
  );

  it('a terminal status reached while deploying ends the wait at that poll, long before the timeout', async () => {
    const afterMs = 600;
    const pollSeconds = 0.25;
    const started = await cliSandbox({ tasks: 5, scenario: { deploy: { outcome: 'UNHEALTHY', afterMs } } });
    sandbox = started.sandbox;
    const run = await runCli(
      runArgs('inference', [...started.flags, '--poll-interval', String(pollSeconds), '--timeout', '60']),
    );

    expect(run.code).toBe(1);
    expect(resultOf(run).message).toBe(
      'Pre-processor deployment failed: serve application reached terminal state (UNHEALTHY)',
    );
    // It polled through NOT_STARTED / DEPLOYING, then stopped at the first UNHEALTHY answer: at most one poll per
    // interval until the outcome, plus that one (the sandbox's clock starts at the dispatch).
    const polls = serveListRequests(sandbox.recorded) - 1;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(Math.ceil(afterMs / (pollSeconds * 1000)) + 1);
  });

  it('NEVER_READY fails with the timeout message once --timeout has passed', async () => {
    const started = await cliSandbox({ tasks: 5, scenario: { deploy: { outcome: 'NEVER_READY' } } });
    sandbox = started.sandbox;
    const run = await runCli(
      runArgs('inference', [...started.flags, '--timeout', '2', '--poll-interval', '0.5']),
    );

    expect(run.code).toBe(1);
    expect(resultOf(run)).toMatchObject({
      status: 'FAILED',
      message: 'Pre-processor did not become ready within timeout',
      total_tasks: 0,
    });
    // It kept polling until the timeout: about 2 s / 0.5 s polls after the detection.
    expect(serveListRequests(sandbox.recorded)).toBeGreaterThanOrEqual(4);
    expect(run.durationMs).toBeGreaterThanOrEqual(2_000);
    expect(run.stderr).toMatch(/Pre-processor: waiting \d+s\/2s DEPLOYING/);
    expect(sandbox.recorded.writes.size).toBe(0);
  });
});
