import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ToTaskEvents } from '../../src/events.js';
import { attachJobReporting } from '../../src/reporting.js';
import { FakeClient } from '../support/fakeClient.js';

const progress = (done: number) =>
  ({
    type: 'progress',
    done,
    total: 100,
    success: done,
    failed: 0,
    elapsedSeconds: done,
    tasksPerSecond: 1,
    etaSeconds: 100 - done,
  }) as const;

describe('attachJobReporting', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends one round of reports per interval with the latest figures, and the last ones at once on flush', async () => {
    const client = new FakeClient([]);
    const events = new ToTaskEvents();
    const reporting = attachJobReporting(events, client, 9, (text) => text, 1000);

    for (let done = 1; done <= 50; done++) events.dispatch(progress(done));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.jobUpdates.map((update) => JSON.stringify(update.metrics_record))).toEqual([
      JSON.stringify({ annotate_task_data: { success: 1, failed: 0, stand_by: 99 } }),
    ]);

    await vi.advanceTimersByTimeAsync(999);
    expect(client.jobUpdates).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(client.jobUpdates).toHaveLength(2);
    expect(client.jobUpdates[1]?.metrics_record).toEqual({
      annotate_task_data: { success: 50, failed: 0, stand_by: 50 },
    });

    for (let done = 51; done <= 60; done++) events.dispatch(progress(done));
    await reporting.flush();
    expect(client.jobUpdates).toHaveLength(3);
    expect(client.jobUpdates[2]?.progress_record).toEqual({
      annotate_task_data: { current: 60, total: 100, percent: 60 },
    });

    // After flush the reporter no longer listens.
    events.dispatch(progress(99));
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.jobUpdates).toHaveLength(3);
  });

  it('a client that throws before returning a promise is a report.failed event, not an unhandled rejection', async () => {
    const client = new FakeClient([]);
    client.updateJob = () => {
      throw new TypeError('not a function of this platform');
    };
    const events = new ToTaskEvents();
    const failures: string[] = [];
    events.on('report.failed', (event) => failures.push(event.message));
    const reporting = attachJobReporting(events, client, 9, (text) => text, 1000);
    events.dispatch(progress(1));
    await reporting.flush();

    expect(failures).toEqual(['Could not report job progress (TypeError: not a function of this platform)']);
  });
});
