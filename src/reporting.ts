/**
 * Reporting a platform job's progress (SPEC §8): `PATCH jobs/{id}/` with `progress_record` / `metrics_record`
 * (category `annotate_task_data`) and `POST logs/`. Updates are coalesced and paced: one request in flight, at most one
 * round of requests per `intervalMs` (default 1 s), the latest figures only, so thousands of tasks do not become
 * thousands of PATCHes; the last figures are sent at once when the job ends. A reporting failure is an event, never a job failure.
 */

import type { Scrub } from './actors/hooks.js';
import type { JobUpdate, LogEntry, SynapseClient } from './client/types.js';
import type { ToTaskEventListeners, ToTaskEventName, ToTaskEvents } from './events.js';

export const reportingCategory = 'annotate_task_data';

/** Least time between two rounds of reporting requests, unless the job is ending. */
export const defaultReportIntervalMs = 1000;

interface Figures {
  done: number;
  total: number;
  success: number;
  failed: number;
}

/** Builds the `PATCH jobs/{id}/` body for the current figures. */
export function jobUpdateOf(figures: Figures): JobUpdate {
  const total = Math.max(figures.total, figures.done);
  return {
    progress_record: {
      [reportingCategory]: {
        current: figures.done,
        total,
        percent: total === 0 ? 0 : Math.round((figures.done / total) * 1000) / 10,
      },
    },
    metrics_record: {
      [reportingCategory]: {
        success: figures.success,
        failed: figures.failed,
        stand_by: total - figures.done,
      },
    },
  };
}

/**
 * Listens to a job's events and reports them to `jobs/{jobId}/` and `logs/`. Call `flush()` when the job has ended:
 * it sends the last figures at once and stops listening, so a later run on the same emitter reports only itself.
 *
 * @example
 * const reporting = attachJobReporting(job.events, client, 42, scrubberFor(client));
 * await job.done;
 * await reporting.flush();
 */
export function attachJobReporting(
  events: ToTaskEvents,
  client: SynapseClient,
  jobId: number | string,
  scrub: Scrub,
  intervalMs = defaultReportIntervalMs,
): { flush(): Promise<void> } {
  let pendingUpdate: JobUpdate | null = null;
  let pendingLogs: LogEntry[] = [];
  let sending: Promise<void> | null = null;
  let figures: Figures = { done: 0, total: 0, success: 0, failed: 0 };
  let lastSentAt = Number.NEGATIVE_INFINITY;
  /** Set by `flush()`: the job is ending, so the last figures go out without waiting. */
  let finishing = false;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake?.(), ms);
      timer.unref?.();
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });

  const report = (error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    events.dispatch({
      type: 'report.failed',
      message: scrub(`Could not report job progress (${text})`),
    });
  };
  /** A call that fails, even by throwing before it returns a promise, is a `report.failed` event. */
  const send = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      report(error);
    }
  };
  const pump = async () => {
    while (pendingUpdate || pendingLogs.length > 0) {
      const wait = lastSentAt + intervalMs - Date.now();
      if (wait > 0 && !finishing) await pause(wait);
      lastSentAt = Date.now();
      const update = pendingUpdate;
      const logs = pendingLogs;
      pendingUpdate = null;
      pendingLogs = [];
      if (update) await send(() => client.updateJob(jobId, update));
      if (logs.length > 0) await send(() => client.createLogs(logs));
    }
  };
  const kick = () => {
    sending ??= pump().finally(() => {
      sending = null;
    });
  };
  const log = (level: LogEntry['level'], message: string) => {
    pendingLogs.push({ job: jobId, level, message: scrub(message) });
    kick();
  };
  const update = () => {
    pendingUpdate = jobUpdateOf(figures);
    kick();
  };
  const detachers: (() => void)[] = [];
  const listen = <Name extends ToTaskEventName>(name: Name, listener: ToTaskEventListeners[Name]) => {
    events.on(name, listener);
    detachers.push(() => events.off(name, listener));
  };

  listen('job.started', (event) =>
    log('info', `to_task started: ${event.method} method on project ${event.project}`),
  );
  listen('preProcessor.dispatching', () => log('info', 'Pre-processor deployment dispatched'));
  listen('preProcessor.ready', (event) =>
    log('info', event.dispatched ? 'Pre-processor is running' : 'Pre-processor was already running'),
  );
  listen('preProcessor.failed', (event) => log('error', event.message));
  listen('tasks.discovered', (event) => {
    figures = { ...figures, total: event.total };
    update();
  });
  listen('progress', (event) => {
    figures = { done: event.done, total: event.total, success: event.success, failed: event.failed };
    update();
  });
  listen('task.failed', (event) => log('warning', `Task ${event.taskId} failed: ${event.error}`));
  listen('job.finished', ({ result }) => {
    figures = {
      done: result.success_count + result.failed_count,
      total: result.total_tasks,
      success: result.success_count,
      failed: result.failed_count,
    };
    update();
    log(result.status === 'SUCCEEDED' ? 'info' : 'error', `to_task ${result.status}: ${result.message}`);
  });

  return {
    async flush() {
      for (const detach of detachers.splice(0)) detach();
      finishing = true;
      wake?.();
      while (sending) await sending;
    },
  };
}
