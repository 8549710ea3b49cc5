/**
 * The CLI's exit codes: what a shell script or CI step can tell apart.
 */
import type { ToTaskResult } from '../../machines/result.js';

/** `0` succeeded, `1` failed, `2` bad usage / invalid params / plugin not loadable, `130` interrupted (Ctrl-C). */
export const exitCodes = Object.freeze({
  succeeded: 0,
  failed: 1,
  usage: 2,
  interrupted: 130,
  terminated: 143,
});

/**
 * The exit code of a finished job: `0` for `SUCCEEDED`, `1` otherwise; an interrupted run exits `130` whatever its
 * status (it is `STOPPED` unless the job ended before the signal was seen).
 *
 * @example
 * exitCodeOf({ status: 'SUCCEEDED', ... }); // 0
 */
export function exitCodeOf(
  result: Pick<ToTaskResult, 'status'>,
  interruptedBy?: 'SIGINT' | 'SIGTERM',
): number {
  if (interruptedBy === 'SIGINT') return exitCodes.interrupted;
  if (interruptedBy === 'SIGTERM') return exitCodes.terminated;
  return result.status === 'SUCCEEDED' ? exitCodes.succeeded : exitCodes.failed;
}

/**
 * A problem with how the CLI was called (a flag, a missing setting, a params file, a plugin): printed as one line,
 * without a stack, and the process exits {@link exitCodes.usage}.
 *
 * @example
 * throw new UsageError('Missing the platform address: pass --host <url> or set SYNAPSE_HOST');
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
