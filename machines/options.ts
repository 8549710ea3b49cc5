/**
 * Checks of the numeric options of a job, shared by the machines (which check their input) and the embedding API
 * (which checks them before anything starts, so a bad value throws at once instead of failing a running job).
 */

/**
 * A positive number of seconds, or `fallback` when undefined.
 *
 * @example
 * positiveSeconds(undefined, 10, 'pollIntervalSeconds'); // 10
 */
export function positiveSeconds(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`Expected \`${field}\` to be a positive number of seconds, got ${String(value)}`);
  }
  // Node clamps a longer timer to 1 ms: a timeout of a month would fire at once.
  if (value > maxSeconds) {
    throw new TypeError(`Expected \`${field}\` to be at most ${maxSeconds} seconds, got ${String(value)}`);
  }
  return value;
}

/** The longest delay a Node timer keeps: 2^31 - 1 ms (a longer one fires at once). */
export const maxTimerMs = 2_147_483_647;

/** {@link maxTimerMs} in whole seconds: the most any seconds option may be. */
export const maxSeconds = 2_147_483;

/** The most tasks a job annotates at once: more only adds pressure on the platform, not speed. */
export const maxConcurrency = 1024;

/**
 * A positive integer, or `fallback` when undefined.
 *
 * @example
 * positiveInteger(undefined, 8, 'concurrency'); // 8
 */
export function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`Expected \`${field}\` to be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** The numeric options of a job, as an embedding API takes them. */
export interface JobNumericOptions {
  concurrency?: number;
  pageSize?: number;
  pollIntervalSeconds?: number;
  timeoutSeconds?: number;
  hookTimeoutSeconds?: number;
}

/**
 * Throws a `TypeError` naming the first numeric option that is not usable; the defaults do not matter here.
 *
 * @example
 * checkJobOptions({ concurrency: 0 }); // TypeError: Expected `concurrency` to be a positive integer, got 0
 */
export function checkJobOptions(options: JobNumericOptions): void {
  if (positiveInteger(options.concurrency, 1, 'concurrency') > maxConcurrency) {
    throw new TypeError(
      `Expected \`concurrency\` to be at most ${maxConcurrency}, got ${options.concurrency}`,
    );
  }
  positiveInteger(options.pageSize, 1, 'pageSize');
  positiveSeconds(options.pollIntervalSeconds, 1, 'pollIntervalSeconds');
  positiveSeconds(options.timeoutSeconds, 1, 'timeoutSeconds');
  positiveSeconds(options.hookTimeoutSeconds, 1, 'hookTimeoutSeconds');
}
