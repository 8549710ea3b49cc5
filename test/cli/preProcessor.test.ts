/**
 * The pre-processor's three failures through the CLI (SPEC §6.3), each injected by a sandbox scenario: the exact
 * message, exit 1, and no task touched. A terminal status ends the wait at the first poll that sees it.
 */
import { describe, expect, it } from 'vitest';
import {
  type CliRun,
  leaks,
  resultOf,
  runArgs,
  runCli,
  type Sandbox,
  type SandboxOptions,
  useSandbox,
} from './helpers.js';

const startSandbox = useSandbox();

/** Runs an inference job over five tasks against a sandbox whose pre-processor follows `scenario`. */
async function runInference(
  scenario: SandboxOptions['scenario'],
  wait: { pollSeconds: number; timeoutSeconds: number },
) {
  const { sandbox, flags } = await startSandbox({ tasks: 5, scenario });
  const run = await runCli(
    runArgs('inference', [
      ...flags,
      '--poll-interval',
      String(wait.pollSeconds),
      '--timeout',
      String(wait.timeoutSeconds),
    ]),
  );
  return { sandbox, run };
}

/** Exit 1 and a FAILED result with `message`, before any task was discovered. */
function expectFailedBeforeAnyTask(run: CliRun, message: string): void {
  expect(run.code).toBe(1);
  expect(resultOf(run)).toMatchObject({ status: 'FAILED', message, total_tasks: 0 });
}

function serveListRequests(recorded: Sandbox['recorded']): number {
  return recorded.requests.filter((request) => request.route === 'serveApplications').length;
}

describe('to-task run: pre-processor failures', () => {
  it.each([400, 500])('a dispatch answered %i fails the job with the dispatch message', async (status) => {
    const { sandbox, run } = await runInference(
      { dispatch: { status } },
      { pollSeconds: 0.2, timeoutSeconds: 30 },
    );

    expectFailedBeforeAnyTask(run, 'Pre-processor deployment dispatch failed (ClientError)');
    expect(resultOf(run)).toMatchObject({ success_count: 0, failed_count: 0 });
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
      const { sandbox, run } = await runInference(
        { deploy: { outcome, afterMs: 0 } },
        { pollSeconds: 0.5, timeoutSeconds: 60 },
      );

      expectFailedBeforeAnyTask(
        run,
        `Pre-processor deployment failed: serve application reached terminal state (${outcome})`,
      );
      // Detection, then the first poll after the dispatch: it sees the terminal status and the wait ends there.
      expect(serveListRequests(sandbox.recorded)).toBe(2);
      expect(sandbox.recorded.dispatches).toHaveLength(1);
      expect(sandbox.recorded.writes.size).toBe(0);
    },
  );

  it('a terminal status reached while deploying ends the wait at that poll, long before the timeout', async () => {
    const afterMs = 600;
    const pollSeconds = 0.25;
    const { sandbox, run } = await runInference(
      { deploy: { outcome: 'UNHEALTHY', afterMs } },
      { pollSeconds, timeoutSeconds: 60 },
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
    const { sandbox, run } = await runInference(
      { deploy: { outcome: 'NEVER_READY' } },
      { pollSeconds: 0.5, timeoutSeconds: 2 },
    );

    expectFailedBeforeAnyTask(run, 'Pre-processor did not become ready within timeout');
    // It kept polling until the timeout: about 2 s / 0.5 s polls after the detection.
    expect(serveListRequests(sandbox.recorded)).toBeGreaterThanOrEqual(4);
    expect(run.durationMs).toBeGreaterThanOrEqual(2_000);
    expect(run.stderr).toMatch(/Pre-processor: waiting \d+s\/2s DEPLOYING/);
    expect(sandbox.recorded.writes.size).toBe(0);
  });
});
