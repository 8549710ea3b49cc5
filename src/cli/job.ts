/**
 * One job as the CLI runs it: the plugin's action on a client, its events on the progress display, Ctrl-C wired to
 * `cancel()`, and the result (never a rejection).
 */
import { errorTypeName } from '../../machines/errors.js';
import type { ToTaskResult } from '../../machines/result.js';
import type { ToTaskAction, ToTaskActionOptions } from '../action.js';
import { errorLine } from '../client/redact.js';
import type { SynapseClient } from '../client/types.js';
import { createPluginAction, type LoadedPlugin } from '../plugin/load.js';
import { type DisplayStream, JobDisplay } from './display.js';
import { UsageError } from './exitCodes.js';
import type { Interrupts } from './interrupts.js';

/** What {@link runCliJob} runs. */
export interface CliJob {
  plugin: LoadedPlugin;
  /** Raw params (validated by the job; the CLI validates them first to exit 2). */
  params: unknown;
  client: SynapseClient;
  /** Strings never to print (token, host, tenant). */
  secrets: readonly string[];
  concurrency?: number;
  pollIntervalSeconds?: number;
  timeoutSeconds?: number;
  hookTimeoutSeconds?: number;
  jobId?: string;
  /** An inspector observer (`--inspect`). */
  inspect?: ToTaskActionOptions['inspect'];
  /** Where progress goes (stderr). */
  stderr: DisplayStream;
  /** Draw a live bar; default: whether `stderr` is a terminal. */
  tty?: boolean;
  interrupts: Interrupts;
}

/** A finished CLI job. */
export interface CliJobOutcome {
  result: ToTaskResult;
  elapsedMs: number;
}

function pluginAction(job: CliJob): ToTaskAction {
  try {
    return createPluginAction(job.plugin, {
      params: job.params,
      client: job.client,
      ...(job.concurrency === undefined ? {} : { concurrency: job.concurrency }),
      ...(job.pollIntervalSeconds === undefined ? {} : { pollIntervalSeconds: job.pollIntervalSeconds }),
      ...(job.timeoutSeconds === undefined ? {} : { timeoutSeconds: job.timeoutSeconds }),
      ...(job.hookTimeoutSeconds === undefined ? {} : { hookTimeoutSeconds: job.hookTimeoutSeconds }),
      ...(job.jobId === undefined ? {} : { jobId: job.jobId }),
      ...(job.inspect === undefined ? {} : { inspect: job.inspect }),
    });
  } catch (error) {
    throw new UsageError(
      `Plugin export ${job.plugin.exportName} could not be constructed: ${errorTypeName(error)}: ${errorLine(
        error,
        { secrets: job.secrets },
      )}`,
    );
  }
}

/**
 * Runs a plugin's job with the progress display on `stderr`; SIGINT cancels it (see {@link Interrupts}).
 *
 * @example
 * const { result } = await runCliJob({ plugin, params, client, secrets: [token], stderr: process.stderr, interrupts });
 */
export async function runCliJob(job: CliJob): Promise<CliJobOutcome> {
  const action = pluginAction(job);
  const display = new JobDisplay({
    stream: job.stderr,
    secrets: job.secrets,
    ...(job.tty === undefined ? {} : { tty: job.tty }),
  });
  const detach = display.attach(action);
  job.interrupts.watch(action, (text) => display.line(text));
  const startedAt = performance.now();
  try {
    const result = await action.run();
    return { result, elapsedMs: performance.now() - startedAt };
  } finally {
    job.interrupts.watch(null);
    detach();
  }
}
