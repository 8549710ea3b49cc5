/**
 * The end-of-job summary: status and message, the counts, and the first failures.
 */
import type { ToTaskResult } from '../../machines/result.js';
import { redact } from '../client/redact.js';
import { plural } from './format.js';

/** Options of {@link formatSummary}. */
export interface SummaryOptions {
  /** Wall time of the job, shown when given. */
  elapsedMs?: number;
  /** Failures listed; default 5. */
  maxFailures?: number;
  /** Strings never to print. */
  secrets?: readonly string[];
  /** Shown after the list when some failures are not listed (e.g. `run with --json for all of them`). */
  moreHint?: string;
}

/**
 * The summary of a result, as lines of text (no trailing newline).
 *
 * @example
 * formatSummary(result, { elapsedMs: 3120 });
 * // SUCCEEDED: Annotated 38 of 40 tasks (2 failed)
 * //   40 tasks: 38 succeeded, 2 failed, 0 not started (3.1s)
 * //   Failures (2):
 * //     task 1003: ...
 */
export function formatSummary(result: ToTaskResult, options: SummaryOptions = {}): string {
  const secrets = options.secrets ?? [];
  const maxFailures = options.maxFailures ?? 5;
  const elapsed = options.elapsedMs === undefined ? '' : ` (${(options.elapsedMs / 1000).toFixed(1)}s)`;
  const lines = [
    `${result.status}: ${redact(result.message, secrets)}`,
    `  ${plural(result.total_tasks, 'task')}: ${result.success_count} succeeded, ${result.failed_count} failed, ${result.skipped_count} not started${elapsed}`,
  ];
  if (result.failures.length > 0) {
    const shown = result.failures.slice(0, maxFailures);
    const heading =
      shown.length < result.failures.length
        ? `first ${shown.length} of ${result.failures.length}`
        : String(result.failures.length);
    lines.push(`  Failures (${heading}):`);
    for (const failure of shown) lines.push(`    task ${failure.task_id}: ${redact(failure.error, secrets)}`);
    const more = result.failures.length - shown.length;
    if (more > 0) lines.push(`    … and ${more} more${options.moreHint ? ` (${options.moreHint})` : ''}`);
  }
  return lines.join('\n');
}
