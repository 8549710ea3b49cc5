/**
 * `to-task sandbox`: the local platform in the foreground, for trying `to-task run` by hand, until Ctrl-C.
 */
import { join } from 'node:path';
import { loadScenario, SandboxScenarioError } from '../sandbox/scenario.js';
import { type Sandbox, startSandbox } from '../sandbox/server.js';
import { UsageError } from './exitCodes.js';
import type { CliIo } from './io.js';
import { cliInvocation, packageRoot, shownPath } from './packageRoot.js';

/** The flags of `to-task sandbox`. */
export interface SandboxFlags {
  port: number;
  host?: string;
  token?: string;
  tasks?: number;
  scenario?: string;
  deployDelay?: number;
}

async function scenarioFrom(file: string | undefined) {
  if (file === undefined) return undefined;
  try {
    return await loadScenario(file);
  } catch (error) {
    if (error instanceof SandboxScenarioError) throw new UsageError(error.message);
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new UsageError(`Scenario file not found: ${file}`);
    throw error;
  }
}

/**
 * Starts the sandbox with the flags' options; a bad option or a busy port is a {@link UsageError}.
 *
 * @example
 * const sandbox = await sandboxFrom({ port: 0, tasks: 20 });
 */
export async function sandboxFrom(flags: SandboxFlags): Promise<Sandbox> {
  const scenario = await scenarioFrom(flags.scenario);
  try {
    return await startSandbox({
      port: flags.port,
      ...(flags.host === undefined ? {} : { host: flags.host }),
      ...(flags.token === undefined ? {} : { token: flags.token }),
      ...(flags.tasks === undefined ? {} : { tasks: flags.tasks }),
      ...(flags.deployDelay === undefined ? {} : { deployDelayMs: flags.deployDelay }),
      ...(scenario === undefined ? {} : { scenario }),
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new UsageError(`Port ${flags.port} is in use: pass --port <port> (--port 0 picks a free one)`);
    }
    if (error instanceof TypeError) throw new UsageError(`Invalid sandbox option: ${error.message}`);
    throw error;
  }
}

/** The banner: where the sandbox is, what it holds, and the command lines to try. */
export function sandboxBanner(sandbox: Sandbox, taskCount: number): string {
  const { seed } = sandbox;
  const root = packageRoot();
  const cli = cliInvocation();
  const plugin = shownPath(join(root, 'examples', 'plugin'));
  const params = (name: string) => shownPath(join(root, 'examples', 'params', name));
  return [
    `Synapse sandbox listening on ${sandbox.url}`,
    `  access token: ${sandbox.token}`,
    `  demo project ${seed.projectId} (${taskCount} tasks, specifications '${seed.primarySpecification}' and '${seed.targetSpecificationName}'), agent ${seed.agentId}`,
    `  pre-processor release ${seed.preProcessorReleaseId} (plugin '${seed.pluginCode}'), model ${seed.modelId}`,
    '',
    'In another terminal:',
    `  export SYNAPSE_HOST=${sandbox.url} SYNAPSE_ACCESS_TOKEN=${sandbox.token}`,
    `  ${cli} run --plugin ${plugin} --params ${params('file.json')}`,
    `  ${cli} run --plugin ${plugin} --params ${params('inference.yaml')} --poll-interval 1`,
    '',
    `What it recorded: curl -s -H 'Synapse-Access-Token: Token ${sandbox.token}' ${sandbox.url}_sandbox/state/`,
    'Ctrl-C stops it.',
  ].join('\n');
}

/**
 * Runs `to-task sandbox` until SIGINT / SIGTERM; returns 0 once the sandbox is closed.
 *
 * @example
 * process.exitCode = await sandboxCommand({ port: 8787 }, processIo());
 */
export async function sandboxCommand(flags: SandboxFlags, io: CliIo): Promise<number> {
  const sandbox = await sandboxFrom(flags);
  io.stdout.write(`${sandboxBanner(sandbox, sandbox.seed.taskIds.length)}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const { writes, dispatches } = sandbox.recorded;
  await sandbox.close();
  io.stdout.write(
    `\nSandbox stopped. It recorded ${writes.size} task(s) written and ${dispatches.length} deployment dispatch(es).\n`,
  );
  return 0;
}
