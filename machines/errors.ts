/**
 * Errors whose messages are part of the contract (SPEC §5, §6.3). Every message here is built only from fixed text,
 * a task/field name, a serve status or an error *type name*: never from a URL, a token, a header or a stack trace.
 */

/** Which step of the pre-processor lifecycle failed. */
export type PreProcessorPhase = 'dispatch' | 'wait' | 'timeout';

const IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;

/**
 * The type name of an error, as Python's `type(exc).__name__` would give it: `ClientError`, `TypeError`, ...
 * Anything that is not a plain identifier (a hostile `name`, a minified class) becomes `Error`.
 *
 * @example
 * errorTypeName(new TypeError('x')); // 'TypeError'
 */
export function errorTypeName(error: unknown): string {
  if (error instanceof Error) {
    const candidates = [error.constructor?.name, error.name];
    for (const candidate of candidates) {
      if (typeof candidate === 'string' && IDENTIFIER.test(candidate) && candidate !== 'Object')
        return candidate;
    }
    return 'Error';
  }
  return 'Error';
}

/** The three exact messages of SPEC §6.3. */
export const preProcessorMessages = {
  dispatch: (errorType: string) => `Pre-processor deployment dispatch failed (${errorType})`,
  wait: (status: string) =>
    `Pre-processor deployment failed: serve application reached terminal state (${status})`,
  timeout: () => 'Pre-processor did not become ready within timeout',
} as const;

/**
 * A failure of the pre-processor lifecycle. `message` is exactly one of SPEC §6.3; `cause` keeps the original
 * error (the client error of a failed dispatch) for diagnosis; `status` is the terminal serve status, when one was seen.
 *
 * @example
 * try { await action.execute(); } catch (error) {
 *   if (error instanceof PreProcessorError && error.phase === 'wait') console.error(error.status);
 * }
 */
export class PreProcessorError extends Error {
  override name = 'PreProcessorError';
  readonly phase: PreProcessorPhase;
  readonly status: string | null;

  constructor(
    phase: PreProcessorPhase,
    message: string,
    options: { cause?: unknown; status?: string | null } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.phase = phase;
    this.status = options.status ?? null;
  }

  /** `Pre-processor deployment dispatch failed (<error_type>)`, keeping the client error as `cause`. */
  static dispatchFailed(cause: unknown): PreProcessorError {
    return new PreProcessorError('dispatch', preProcessorMessages.dispatch(errorTypeName(cause)), { cause });
  }

  /** `Pre-processor deployment failed: serve application reached terminal state (<status>)`. */
  static terminalState(status: string, response?: unknown): PreProcessorError {
    return new PreProcessorError('wait', preProcessorMessages.wait(status), { status, cause: response });
  }

  /** `Pre-processor did not become ready within timeout`; `cause` is the last poll error, if the last poll failed. */
  static timeout(lastError?: unknown): PreProcessorError {
    return new PreProcessorError('timeout', preProcessorMessages.timeout(), { cause: lastError });
  }
}

/** What went wrong at job level (SPEC §5): the job stops before (or instead of) its annotation loop. */
export type ToTaskErrorCode =
  | 'invalid_params'
  | 'no_data_collection'
  | 'target_specification_not_found'
  | 'no_tasks'
  | 'invalid_required_resources'
  | 'platform';

/**
 * A job-level failure of the to_task action. `execute()` rejects with it (or with a {@link PreProcessorError});
 * `run()` turns it into a `FAILED` result with the same message.
 *
 * @example
 * new ToTaskError('no_tasks', 'No tasks found to annotate');
 */
export class ToTaskError extends Error {
  override name = 'ToTaskError';
  readonly code: ToTaskErrorCode;

  constructor(code: ToTaskErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Exact job-level messages of SPEC §5. */
export const jobMessages = {
  noDataCollection: 'Project does not have a data collection',
  targetSpecificationNotFound: (name: string) =>
    `Target specification '${name}' not found in file specifications`,
  noTasks: 'No tasks found to annotate',
} as const;

/** Exact per-task messages of SPEC §5 (each fails one task, never the job). */
export const taskMessages = {
  noDataUnit: 'Task does not have a data unit',
  noPrimaryFile: 'Primary file URL not found for task',
  noTargetFile: 'Target specification file not found for task',
  noInferenceData: 'Inference returned no data',
} as const;

/**
 * An error raised by a plugin hook, as the job reports it: `errorType` is the hook error's type name and `message`
 * its first line with secrets already removed (the original error is never shown to users).
 */
export class PluginHookError extends Error {
  override name = 'PluginHookError';
  readonly errorType: string;

  constructor(errorType: string, message: string) {
    super(message);
    this.errorType = errorType;
  }
}
