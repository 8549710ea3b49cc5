/**
 * The job's result (SPEC §3) and its progress figures: pure arithmetic over the counts.
 */

/** How a job ended (SPEC §3). */
export type ToTaskStatus = 'SUCCEEDED' | 'FAILED' | 'STOPPED';

/** A task that failed and why (the result's `failures`). */
export interface TaskFailure {
  task_id: number;
  error: string;
}

/**
 * What a to_task job ends with. `success_count + failed_count + skipped_count = total_tasks`; every failed task is in
 * `failures` exactly once. `skipped_count` counts tasks discovered but never started (a cancelled or failed job).
 */
export interface ToTaskResult {
  status: ToTaskStatus;
  message: string;
  total_tasks: number;
  success_count: number;
  failed_count: number;
  skipped_count: number;
  failures: TaskFailure[];
}

/**
 * Failures as the job keeps them: a list of chunks of at most {@link failureChunkSize}, appended to without mutation
 * (XState snapshots are shared, e.g. by graph traversal) and without copying the whole list each time, which would
 * cost O(n²) over a job whose every task fails.
 */
export type FailureLog = readonly (readonly TaskFailure[])[];

export const failureChunkSize = 1024;

/**
 * A new log with `more` appended: copies at most one chunk and the list of chunks.
 *
 * @example
 * failuresOf(appendFailures([], [{ task_id: 1, error: 'x' }])); // [{ task_id: 1, error: 'x' }]
 */
export function appendFailures(log: FailureLog, more: readonly TaskFailure[]): FailureLog {
  if (more.length === 0) return log;
  const last = log.at(-1);
  if (last && last.length + more.length <= failureChunkSize) return [...log.slice(0, -1), [...last, ...more]];
  return [...log, [...more]];
}

/** The failures of a log, in the order they happened. */
export function failuresOf(log: FailureLog): TaskFailure[] {
  return log.flat();
}

/** What the job counted, from which {@link buildResult} makes the result. */
export interface TaskCounts {
  total: number;
  success: number;
  failed: number;
  failures: FailureLog;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * The result of a loop that ran: `SUCCEEDED` when no task failed or some succeeded, `FAILED` when every task failed,
 * `STOPPED` when cancelled; or `FAILED` with `jobError`'s message when the job itself failed.
 *
 * @example
 * buildResult({ total: 3, success: 2, failed: 1, failures: [[{ task_id: 9, error: 'x' }]] }).status; // 'SUCCEEDED'
 */
export function buildResult(
  counts: TaskCounts,
  ending: { stopped?: boolean; jobError?: string } = {},
): ToTaskResult {
  const { total, success, failed } = counts;
  const skipped = Math.max(0, total - success - failed);
  const figures = {
    total_tasks: total,
    success_count: success,
    failed_count: failed,
    skipped_count: skipped,
    failures: failuresOf(counts.failures),
  };
  const notStarted = skipped > 0 ? `, ${skipped} not started` : '';
  if (ending.jobError !== undefined) return { status: 'FAILED', message: ending.jobError, ...figures };
  if (ending.stopped) {
    return {
      status: 'STOPPED',
      message: `Stopped: ${success} succeeded, ${failed} failed${notStarted} of ${plural(total, 'task')}`,
      ...figures,
    };
  }
  if (total > 0 && success === 0 && failed > 0) {
    return { status: 'FAILED', message: `All ${plural(total, 'task')} failed`, ...figures };
  }
  const failedNote = failed > 0 ? ` (${failed} failed)` : '';
  return {
    status: 'SUCCEEDED',
    message: `Annotated ${success} of ${plural(total, 'task')}${failedNote}`,
    ...figures,
  };
}

/** Figures in events are rounded to the thousandth: float noise helps no one reading them. */
function toMilli(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Progress after a task: counts, throughput and the estimated seconds left (null until a rate is known). */
export interface ProgressFigures {
  done: number;
  total: number;
  success: number;
  failed: number;
  elapsedSeconds: number;
  tasksPerSecond: number;
  etaSeconds: number | null;
}

/**
 * Progress figures from counts and elapsed time. `total` is the larger of the expected total (the first page's
 * `count`) and the tasks discovered so far.
 *
 * @example
 * progressFigures({ success: 8, failed: 2, total: 20, elapsedMs: 5000 }); // 2 tasks/s, eta 5 s
 */
export function progressFigures(input: {
  success: number;
  failed: number;
  total: number;
  elapsedMs: number;
}): ProgressFigures {
  const done = input.success + input.failed;
  const total = Math.max(input.total, done);
  const elapsedSeconds = Math.max(0, input.elapsedMs) / 1000;
  const tasksPerSecond = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const etaSeconds = tasksPerSecond > 0 ? (total - done) / tasksPerSecond : null;
  return {
    done,
    total,
    success: input.success,
    failed: input.failed,
    elapsedSeconds: toMilli(elapsedSeconds),
    tasksPerSecond: toMilli(tasksPerSecond),
    etaSeconds: etaSeconds === null ? null : toMilli(etaSeconds),
  };
}
