/**
 * Ctrl-C during a job: the first SIGINT lets the tasks in flight finish and starts no new one, the second aborts
 * them; either way the CLI prints the STOPPED result, exits 130, and the counts add up.
 */
import { describe, expect, it } from 'vitest';
import { expectedFilePayload, leaks, resultOf, runArgs, startCli, until, useSandbox } from './helpers.js';

const startSandbox = useSandbox();

/** Starts a file job over 40 tasks, four at a time, against a sandbox that holds each write for `writeMs`. */
async function startSlowWritesJob(writeMs: number) {
  const { sandbox, flags } = await startSandbox({
    tasks: 40,
    scenario: { slow: { ms: writeMs, routes: ['annotateTaskData'] } },
  });
  const cli = startCli(runArgs('file', [...flags, '--concurrency', '4']));
  return { sandbox, cli, recorded: sandbox.recorded };
}

describe('to-task run: Ctrl-C', () => {
  it('stops after the tasks in flight on the first SIGINT: STOPPED, exit 130, counts add up', async () => {
    // Slow writes keep tasks in flight when the signal comes.
    const { sandbox, cli, recorded } = await startSlowWritesJob(250);
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
    const { cli, recorded } = await startSlowWritesJob(60_000);
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
    const { sandbox, flags } = await startSandbox({
      tasks: 5,
      scenario: { deploy: { outcome: 'NEVER_READY' } },
    });
    const cli = startCli(runArgs('inference', [...flags, '--poll-interval', '0.2', '--timeout', '60']));
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
