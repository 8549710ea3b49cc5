/**
 * `to-task run` under injected faults: throttling retried, per-task faults counted as failures with their reasons,
 * job-level failures as FAILED with exit 1, and no secret in any output.
 */
import { describe, expect, it } from 'vitest';
import { expectedFilePayload, leaks, resultOf, runArgs, runCli, useSandbox } from './helpers.js';

const startSandbox = useSandbox();

describe('to-task run: faults', () => {
  it('retries 429 and 503 answers with Retry-After, and the job still succeeds', async () => {
    const throttled = [1002, 1005, 1007];
    const { sandbox, flags } = await startSandbox({
      tasks: 12,
      scenario: { throttle: { status: 429, retryAfterSeconds: 1, rate: 0.5, taskIds: throttled } },
    });
    const run = await runCli(runArgs('file', flags));

    expect(run.code).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: 'SUCCEEDED', success_count: 12, failed_count: 0 });
    const { writes, faults, requests } = sandbox.recorded;
    for (const taskId of sandbox.seed.taskIds) expect(writes.get(taskId)?.count).toBe(1);
    const throttledFaults = faults.filter((fault) => fault.kind === 'throttle');
    expect(throttledFaults.length).toBeGreaterThanOrEqual(throttled.length);
    expect(new Set(throttledFaults.map((fault) => fault.taskId))).toEqual(new Set(throttled));
    // Every throttled request was answered 200 on a later attempt.
    for (const fault of throttledFaults) {
      expect(requests.some((request) => request.path === fault.path && request.status < 300)).toBe(true);
    }
  });

  it('retries a 503 on task discovery', async () => {
    const { sandbox, flags } = await startSandbox({
      tasks: 6,
      scenario: { throttle: { status: 503, retryAfterSeconds: 1, routes: ['tasks'], times: 1 } },
    });
    const run = await runCli(runArgs('file', flags));

    expect(run.code).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: 'SUCCEEDED', success_count: 6 });
    expect(sandbox.recorded.faults.filter((fault) => fault.kind === 'throttle')).toHaveLength(1);
  });

  it('counts per-task faults as failures with their reasons; the other tasks are written once', async () => {
    const { sandbox } = await startSandbox({
      tasks: 20,
      scenario: {
        dataFiles: { missing: [1003], broken: [1004] },
        tasks: { noDataUnit: [1005], noPrimaryFile: [1006], noTargetFile: [1007] },
        writeFailures: { taskIds: [1008], status: 500 },
      },
    });
    // Credentials in the host URL must not show either.
    const host = sandbox.url.replace('http://', 'http://alice:pw-s3cret-99@');
    const run = await runCli(runArgs('file', ['--host', host, '--token', sandbox.token]));

    expect(run.code).toBe(0);
    const result = resultOf(run);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.message).toBe('Annotated 14 of 20 tasks (6 failed)');
    expect(result.success_count + result.failed_count + result.skipped_count).toBe(result.total_tasks);
    expect(result).toMatchObject({ total_tasks: 20, success_count: 14, failed_count: 6, skipped_count: 0 });
    const reasons = Object.fromEntries(result.failures.map((failure) => [failure.task_id, failure.error]));
    expect(Object.keys(reasons).map(Number).sort()).toEqual([1003, 1004, 1005, 1006, 1007, 1008]);
    expect(reasons[1003]).toMatch(/404/);
    expect(reasons[1004]).toMatch(/JSON/i);
    expect(reasons[1005]).toBe('Task does not have a data unit');
    expect(reasons[1006]).toBe('Primary file URL not found for task');
    expect(reasons[1007]).toBe('Target specification file not found for task');
    expect(reasons[1008]).toMatch(/500/);
    const { writes } = sandbox.recorded;
    for (const taskId of sandbox.seed.taskIds) {
      if (taskId in reasons) expect(writes.has(taskId)).toBe(false);
      else expect(writes.get(taskId)).toEqual({ count: 1, lastPayload: expectedFilePayload(taskId) });
    }
    // The summary lists the first failures.
    expect(run.stderr).toContain('Failures (first 5 of 6):');
    expect(leaks(run, sandbox.token, 'pw-s3cret-99', sandbox.url)).toEqual([]);
  });

  it('fails a task whose inference answers null; the job still succeeds', async () => {
    const { flags } = await startSandbox({
      tasks: 6,
      scenario: { alreadyRunning: true, inference: { nullFor: [1002] } },
    });
    const run = await runCli(runArgs('inference', flags));

    expect(run.code).toBe(0);
    expect(resultOf(run)).toMatchObject({
      status: 'SUCCEEDED',
      success_count: 5,
      failed_count: 1,
      failures: [{ task_id: 1002, error: 'Inference returned no data' }],
    });
  });

  it('exits 1 with FAILED when every task fails', async () => {
    const { flags } = await startSandbox({
      tasks: 3,
      scenario: { writeFailures: { taskIds: [1001, 1002, 1003] } },
    });
    const run = await runCli(runArgs('file', flags));

    expect(run.code).toBe(1);
    expect(resultOf(run)).toMatchObject({ status: 'FAILED', message: 'All 3 tasks failed', failed_count: 3 });
  });

  it('exits 1 with FAILED on a job-level error (no task to annotate)', async () => {
    const { flags } = await startSandbox({ tasks: 0 });
    const run = await runCli(runArgs('file', flags));

    expect(run.code).toBe(1);
    expect(resultOf(run)).toMatchObject({
      status: 'FAILED',
      message: 'No tasks found to annotate',
      total_tasks: 0,
    });
  });

  it('exits 1 with a message naming neither the token nor the host when the platform refuses the token', async () => {
    const { sandbox } = await startSandbox({ tasks: 3 });
    const token = 'refused-token-123456';
    const run = await runCli(runArgs('file', ['--host', sandbox.url, '--token', token]));

    expect(run.code).toBe(1);
    const result = resultOf(run);
    expect(result.status).toBe('FAILED');
    expect(result.message).toMatch(/401/);
    expect(leaks(run, token, sandbox.url, new URL(sandbox.url).host)).toEqual([]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
