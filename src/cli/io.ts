/**
 * The streams and environment a command runs with: the process's, or stand-ins.
 */
import type { DisplayStream } from './display.js';

/** Where a command reads settings and writes output. */
export interface CliIo {
  /** Results: the summary, or with `--json` the result JSON only. */
  stdout: DisplayStream;
  /** Progress, notices and errors. */
  stderr: DisplayStream;
  /** `SYNAPSE_HOST`, `SYNAPSE_ACCESS_TOKEN`, `SYNAPSE_TENANT`. */
  env: NodeJS.ProcessEnv;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
