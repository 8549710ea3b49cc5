import { describe, expect, it } from 'vitest';
import {
  appendFailures,
  buildResult,
  type FailureLog,
  failureChunkSize,
  failuresOf,
  progressFigures,
} from '../../machines/result.js';

const failure = (task_id: number) => ({ task_id, error: 'x' });

describe('buildResult', () => {
  it.each([
    [{ total: 3, success: 3, failed: 0, failures: [] }, {}, 'SUCCEEDED', 'Annotated 3 of 3 tasks'],
    [
      { total: 3, success: 2, failed: 1, failures: [[failure(9)]] },
      {},
      'SUCCEEDED',
      'Annotated 2 of 3 tasks (1 failed)',
    ],
    [{ total: 1, success: 1, failed: 0, failures: [] }, {}, 'SUCCEEDED', 'Annotated 1 of 1 task'],
    [
      { total: 2, success: 0, failed: 2, failures: [[failure(1), failure(2)]] },
      {},
      'FAILED',
      'All 2 tasks failed',
    ],
    [
      { total: 10, success: 3, failed: 1, failures: [[failure(4)]] },
      { stopped: true },
      'STOPPED',
      'Stopped: 3 succeeded, 1 failed, 6 not started of 10 tasks',
    ],
    [
      { total: 0, success: 0, failed: 0, failures: [] },
      { jobError: 'No tasks found to annotate' },
      'FAILED',
      'No tasks found to annotate',
    ],
  ] as const)('%j %j → %s: %s', (counts, ending, status, message) => {
    const result = buildResult(counts, ending);
    expect(result.status).toBe(status);
    expect(result.message).toBe(message);
    expect(result.success_count + result.failed_count + result.skipped_count).toBe(result.total_tasks);
    expect(result.failures).toHaveLength(result.failed_count);
  });

  it('a job-level failure keeps the honest counts of a loop that had started', () => {
    const result = buildResult(
      { total: 5, success: 2, failed: 0, failures: [] },
      { jobError: 'Task discovery failed (ClientError 503)' },
    );
    expect(result).toMatchObject({ status: 'FAILED', success_count: 2, skipped_count: 3, total_tasks: 5 });
  });
});

describe('appendFailures', () => {
  it('keeps every failure in order across chunks, never changing the log it was given', () => {
    let log: FailureLog = [];
    const kept: FailureLog[] = [];
    for (let id = 1; id <= failureChunkSize * 2 + 5; id++) {
      kept.push(log);
      log = appendFailures(log, [failure(id)]);
    }
    expect(failuresOf(log).map((entry) => entry.task_id)).toEqual(
      Array.from({ length: failureChunkSize * 2 + 5 }, (_, i) => i + 1),
    );
    expect(log).toHaveLength(3);
    expect(failuresOf(kept[10]!)).toHaveLength(10);
  });
});

describe('progressFigures', () => {
  it('gives throughput and the time left, rounded to the thousandth', () => {
    expect(progressFigures({ success: 8, failed: 2, total: 30, elapsedMs: 3000 })).toEqual({
      done: 10,
      total: 30,
      success: 8,
      failed: 2,
      elapsedSeconds: 3,
      tasksPerSecond: 3.333,
      etaSeconds: 6,
    });
  });

  it('has no ETA before any time has passed, and never a total below what is done', () => {
    expect(progressFigures({ success: 0, failed: 0, total: 5, elapsedMs: 0 })).toMatchObject({
      tasksPerSecond: 0,
      etaSeconds: null,
    });
    expect(progressFigures({ success: 7, failed: 0, total: 5, elapsedMs: 1000 })).toMatchObject({
      total: 7,
      etaSeconds: 0,
    });
  });
});
