/**
 * `to-task run`: one job of a plugin directory against a platform (or the sandbox), with live progress on stderr and
 * the result on stdout.
 */
import { ParamsError, parseToTaskParams } from '../../machines/params.js';
import { HttpSynapseClient } from '../client/http.js';
import { errorLine } from '../client/redact.js';
import { createOfflineInspector, type OfflineInspector } from '../inspector/offline.js';
import { PluginLoadError } from '../plugin/errors.js';
import { type LoadedPlugin, loadPlugin } from '../plugin/load.js';
import { exitCodeOf, UsageError } from './exitCodes.js';
import { Interrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { runCliJob } from './job.js';
import { readParamsFile, resolveConnection } from './options.js';
import { rememberSecrets } from './secrets.js';
import { formatSummary } from './summary.js';

/** The flags of `to-task run`, as commander parses them. */
export interface RunFlags {
  plugin: string;
  params: string;
  host?: string;
  token?: string;
  tenant?: string;
  concurrency?: number;
  pollInterval?: number;
  timeout?: number;
  hookTimeout?: number;
  jobId?: string;
  json?: boolean;
  /** `--inspect` alone is `true` (a free port), `--inspect 9000` a port. */
  inspect?: true | number;
}

/**
 * Validates a params file's content; an invalid field is a {@link UsageError} listing each field.
 *
 * @example
 * await validatedParams('examples/params/file.json');
 */
export async function validatedParams(file: string): Promise<unknown> {
  const raw = await readParamsFile(file);
  try {
    parseToTaskParams(raw);
  } catch (error) {
    if (!(error instanceof ParamsError)) throw error;
    const issues = error.issues.map((issue) => `  ${issue.field}: ${issue.message}`).join('\n');
    throw new UsageError(`Invalid params in ${file}:\n${issues}`);
  }
  return raw;
}

/**
 * Loads a plugin directory; a {@link PluginLoadError} becomes a {@link UsageError} with the same one-line message.
 *
 * @example
 * const plugin = await pluginFrom('examples/plugin');
 */
export async function pluginFrom(dir: string): Promise<LoadedPlugin> {
  try {
    return await loadPlugin(dir);
  } catch (error) {
    if (error instanceof PluginLoadError) throw new UsageError(error.message);
    throw error;
  }
}

/** Starts the offline inspector of `--inspect`; a busy port is a {@link UsageError} naming the flag. */
async function inspectorOn(port: number): Promise<OfflineInspector> {
  try {
    return await createOfflineInspector({ port });
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new UsageError(
        `Port ${port} is in use: pass --inspect <port> (--inspect alone picks a free one)`,
      );
    }
    throw error;
  }
}

/** Sends `console.log` / `info` / `debug` to stderr, as `console.error` does. */
function redirectConsoleToStderr(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

/**
 * Runs `to-task run` and returns the exit code: 0 `SUCCEEDED`, 1 `FAILED`, 2 usage (thrown as {@link UsageError}),
 * 130 after Ctrl-C.
 *
 * @example
 * process.exitCode = await runCommand({ plugin: 'examples/plugin', params: 'examples/params/file.json' }, processIo());
 */
export async function runCommand(flags: RunFlags, io: CliIo): Promise<number> {
  // stdout must stay pure JSON: a plugin's console.log goes to stderr instead.
  if (flags.json && io.stdout === process.stdout) redirectConsoleToStderr();
  rememberSecrets([flags.host, flags.token, flags.tenant]);
  const connection = resolveConnection(flags, io.env);
  const secrets = [connection.token, connection.host, ...(connection.tenant ? [connection.tenant] : [])];
  rememberSecrets(secrets);
  const params = await validatedParams(flags.params);
  const plugin = await pluginFrom(flags.plugin);
  let client: HttpSynapseClient;
  try {
    client = new HttpSynapseClient({
      baseUrl: connection.host,
      accessToken: connection.token,
      ...(connection.tenant ? { tenant: connection.tenant } : {}),
    });
  } catch (error) {
    // The client's messages never quote the values; redact anyway, they are the user's secrets.
    throw new UsageError(`Invalid connection settings: ${errorLine(error, { secrets })}`);
  }

  const inspector =
    flags.inspect === undefined ? null : await inspectorOn(flags.inspect === true ? 0 : flags.inspect);
  // On stderr, so that --json keeps stdout pure.
  if (inspector) io.stderr.write(`inspector: ${inspector.url}\n`);
  const interrupts = new Interrupts({ say: (text) => io.stderr.write(`${text}\n`) }).install();
  try {
    const { result, elapsedMs } = await runCliJob({
      plugin,
      params,
      client,
      secrets,
      concurrency: flags.concurrency,
      pollIntervalSeconds: flags.pollInterval,
      timeoutSeconds: flags.timeout,
      hookTimeoutSeconds: flags.hookTimeout,
      jobId: flags.jobId,
      ...(inspector ? { inspect: inspector.inspect } : {}),
      stderr: io.stderr,
      interrupts,
    });
    const summary = formatSummary(result, {
      elapsedMs,
      secrets,
      moreHint: flags.json ? 'all of them are in the JSON result' : 'run with --json for all of them',
    });
    if (flags.json) {
      io.stderr.write(`${summary}\n`);
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      io.stdout.write(`${summary}\n`);
    }
    return exitCodeOf(result, interrupts.signal);
  } finally {
    interrupts.dispose();
    await inspector?.close();
  }
}
