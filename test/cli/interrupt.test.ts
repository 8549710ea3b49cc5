/**
 * Ctrl-C during a job: the first SIGINT lets the tasks in flight finish and starts no new one, the second aborts
 * them; either way the CLI prints the STOPPED result, exits 130, and the counts add up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  cliSandbox,
  expectedFilePayload,
  leaks,
  resultOf,
  runArgs,
  type Sandbox,
  startCli,
  until,
} from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('to-task run: Ctrl-C', () => {
  it('stops after the tasks in flight on the first SIGINT: STOPPED, exit 130, counts add up', async () => {
    // Slow writes keep tasks in flight when the signal comes.
    const started = await cliSandbox({
      tasks: 40,
      scenario: { slow: { ms: 250, routes: ['annotateTaskData'] } },
    });
    sandbox = started.sandbox;
    const cli = startCli(runArgs('file', [...started.flags, '--concurrency', '4']));
    const recorded = sandbox.recorded;
    await until(() => recorded.writes.size >= 4);
    cli.child.kill('SIGINT');
    const run = await cli.done;

    expect(run.code).toBe(130);
    expect(run.stderr).toContain('Cancelling… (Ctrl-C again to abort in-flight tasks)');
    const result = resultOf(run);
    expect(result.status).toBe('STOPPED');
    expect(result.message).toMatch(/^Stopped: \d+ succeeded, 0 failed, \d+ not started of 40 tasks$/);
    expect(result.total_tasks).toBe(40);
    expect(result.success_count + result.failed_count + result.skipped_count).toBe(40);
    expect(result.success_count).toBeGreaterThanOrEqual(4);
    expect(result.skipped_count).toBeGreaterThan(0);
    // The tasks in flight were finished, not cut: every success is written once, nothing else is.
    expect(recorded.writes.size).toBe(result.success_count);
    for (const [taskId, write] of recorded.writes) {
      expect(write).toEqual({ count: 1, lastPayload: expectedFilePayload(taskId) });
    }
    expect(leaks(run, sandbox.token)).toEqual([]);
  });

  it('aborts the tasks in flight on the second SIGINT', async () => {
    // Writes that would take a minute: only the abort can end the tasks in flight before the CLI's kill timer.
    const started = await cliSandbox({
      tasks: 40,
      scenario: { slow: { ms: 60_000, routes: ['annotateTaskData'] } },
    });
    sandbox = started.sandbox;
    const cli = startCli(runArgs('file', [...started.flags, '--concurrency', '4']));
    const recorded = sandbox.recorded;
    // The sandbox records a slowed write as it arrives: four tasks are in flight, each held in its write.
    const heldWrites = () => recorded.faults.filter((fault) => fault.kind === 'slow');
    await until(() => heldWrites().length === 4);
    cli.child.kill('SIGINT');
    await until(() => cli.stderr().includes('Cancelling…'));
    cli.child.kill('SIGINT');
    const run = await cli.done;

    expect(run.code).toBe(130);
    expect(run.stderr).toContain('Aborting the tasks in flight…');
    const result = resultOf(run);
    expect(result.status).toBe('STOPPED');
    expect(result.success_count + result.failed_count + result.skipped_count).toBe(result.total_tasks);
    // Exactly the four tasks held in their writes failed as cancelled; none finished, none other started.
    const heldTaskIds = heldWrites().map((fault) => Number(/^\/tasks\/(\d+)\//.exec(fault.path)?.[1]));
    expect(result).toMatchObject({ success_count: 0, failed_count: 4, skipped_count: 36 });
    expect(result.failures.map((failure) => failure.error)).toEqual(
      Array(4).fill('Cancelled before completion'),
    );
    expect(result.failures.map((failure) => failure.task_id).sort((a, b) => a - b)).toEqual(
      heldTaskIds.sort((a, b) => a - b),
    );
    expect(recorded.writes.size).toBe(0);
  });

  it('stops a job waiting for the pre-processor', async () => {
    const started = await cliSandbox({ tasks: 5, scenario: { deploy: { outcome: 'NEVER_READY' } } });
    sandbox = started.sandbox;
    const cli = startCli(
      runArgs('inference', [...started.flags, '--poll-interval', '0.2', '--timeout', '60']),
    );
    await until(() => cli.stderr().includes('Pre-processor: waiting'));
    cli.child.kill('SIGINT');
    const run = await cli.done;

    expect(run.code).toBe(130);
    // Stopped, not timed out (the timeout would read FAILED), and nothing dispatched twice or written.
    expect(resultOf(run)).toMatchObject({ status: 'STOPPED', total_tasks: 0, failed_count: 0 });
    expect(sandbox.recorded.dispatches).toHaveLength(1);
    expect(sandbox.recorded.writes.size).toBe(0);
  });
});
