/**
 * The secrets this CLI process was given (token, host, tenant: from flags or the environment), kept for the
 * last-resort error paths, which run far from the resolved connection (bin.ts's crash handler, main's catch).
 */
import { errorLine, redact } from '../client/redact.js';

/** Module-level on purpose: an uncaught error can come from anywhere, and must still be scrubbed. */
const remembered = new Set<string>();

/**
 * Adds strings never to print; empty and missing values are ignored.
 *
 * @example
 * rememberSecrets([connection.token, connection.host, connection.tenant]);
 */
export function rememberSecrets(values: Iterable<string | null | undefined>): void {
  for (const value of values) {
    if (typeof value === 'string' && value.trim() !== '') remembered.add(value).add(value.trim());
  }
}

/**
 * The `SYNAPSE_*` connection values of an environment.
 *
 * @example
 * rememberSecrets(environmentSecrets(process.env));
 */
export function environmentSecrets(env: NodeJS.ProcessEnv): (string | undefined)[] {
  return [env.SYNAPSE_ACCESS_TOKEN, env.SYNAPSE_HOST, env.SYNAPSE_TENANT];
}

/**
 * `text` redacted with every remembered secret.
 *
 * @example
 * scrubCli(`Invalid value ${token}`); // 'Invalid value [REDACTED]'
 */
export function scrubCli(text: string): string {
  return redact(text, remembered);
}

/**
 * The redacted first line of an error, every remembered secret removed: what a last-resort error line shows.
 *
 * @example
 * process.stderr.write(`Unexpected error (${errorTypeName(error)}): ${cliErrorLine(error)}\n`);
 */
export function cliErrorLine(error: unknown): string {
  return errorLine(error, { secrets: remembered });
}
