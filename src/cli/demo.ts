/**
 * `to-task demo` (what `npm start` runs): the sandbox in-process, then the example plugin's job by both methods with
 * the progress display, their results, and what the sandbox recorded. Exits 0 when both jobs succeeded.
 */
import { join } from 'node:path';
import type { ToTaskResult } from '../../machines/result.js';
import { HttpSynapseClient } from '../client/http.js';
import { startSandbox } from '../sandbox/server.js';
import { exitCodes } from './exitCodes.js';
import { formatBytes, plural } from './format.js';
import { Interrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { runCliJob } from './job.js';
import { cliInvocation, packageRoot, shownPath } from './packageRoot.js';
import { pluginFrom, validatedParams } from './run.js';
import { formatSummary } from './summary.js';

/** The flags of `to-task demo`. */
export interface DemoFlags {
  tasks?: number;
  deployDelay?: number;
  concurrency?: number;
}

/** Sandbox latency per answer: small, so the bar has a moment to show. */
const demoLatencyMs = 10;

function compact(value: unknown, max = 160): string {
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Runs the demo and returns the exit code.
 *
 * @example
 * process.exitCode = await demoCommand({}, processIo());
 */
export async function demoCommand(flags: DemoFlags, io: CliIo): Promise<number> {
  const root = packageRoot();
  const pluginDir = join(root, 'examples', 'plugin');
  const plugin = await pluginFrom(pluginDir);
  const jobs = [
    { title: 'file method: boxes copied from each task’s annotation file', file: 'file.json' },
    { title: 'inference method: boxes predicted by the demo detector', file: 'inference.yaml' },
  ];
  const params = await Promise.all(
    jobs.map((job) => validatedParams(shownPath(join(root, 'examples', 'params', job.file)))),
  );

  const taskCount = flags.tasks ?? 60;
  const sandbox = await startSandbox({
    tasks: taskCount,
    deployDelayMs: flags.deployDelay ?? 2000,
    latencyMs: demoLatencyMs,
  });
  const say = (text = '') => io.stdout.write(`${text}\n`);
  const interrupts = new Interrupts({ say: (text) => io.stderr.write(`${text}\n`) }).install();
  const results: ToTaskResult[] = [];
  try {
    const client = new HttpSynapseClient({ baseUrl: sandbox.url, accessToken: sandbox.token });
    say(
      `Sandbox: a local Synapse platform at ${sandbox.url} with ${plural(taskCount, 'task')} in project ${sandbox.seed.projectId}.`,
    );
    say(`Plugin: ${shownPath(plugin.file)} (export ${plugin.exportName}).`);
    for (const [index, job] of jobs.entries()) {
      say();
      say(
        `── ${index + 1}/${jobs.length} ${job.title} (${shownPath(join(root, 'examples', 'params', job.file))})`,
      );
      sandbox.recorded.reset();
      const { result, elapsedMs } = await runCliJob({
        plugin,
        params: params[index],
        client,
        secrets: [sandbox.token],
        concurrency: flags.concurrency ?? 8,
        pollIntervalSeconds: 1,
        timeoutSeconds: 60,
        stderr: io.stderr,
        interrupts,
      });
      results.push(result);
      say(formatSummary(result, { elapsedMs, secrets: [sandbox.token] }));
      const { writes, dispatches, inferenceCalls } = sandbox.recorded;
      const counts = [...writes.values()].map((write) => write.count);
      const once = counts.every((count) => count === 1);
      say(
        `  The sandbox recorded: ${plural(writes.size, 'task')} written${
          writes.size > 0 ? (once ? ' exactly once each' : ' (some more than once)') : ''
        }, ${plural(dispatches.length, 'deployment dispatch', 'deployment dispatches')}${
          dispatches.length > 0 ? ` (${describeDispatch(dispatches[0]!.params)})` : ''
        }, ${plural(inferenceCalls.length, 'inference call')}.`,
      );
      const first = sandbox.seed.taskIds[0];
      const sample = first === undefined ? undefined : writes.get(first);
      if (first !== undefined && sample) say(`  Task ${first} now holds: ${compact(sample.lastPayload)}`);
      if (interrupts.signal) break;
    }
  } finally {
    interrupts.dispose();
    await sandbox.close();
  }
  if (interrupts.signal) return exitCodes.interrupted;
  const succeeded =
    results.length === jobs.length && results.every((result) => result.status === 'SUCCEEDED');
  say();
  say(succeeded ? 'Both jobs succeeded.' : 'The demo did not fully succeed (see above).');
  const cli = cliInvocation();
  say(
    `Next: \`${cli} sandbox\` keeps a sandbox running; \`${cli} run --help\` shows how to run a job against it.`,
  );
  return succeeded ? exitCodes.succeeded : exitCodes.failed;
}

function describeDispatch(params: unknown): string {
  if (typeof params !== 'object' || params === null) return 'no resources';
  return Object.entries(params as Record<string, unknown>)
    .map(([key, value]) =>
      key === 'memory' && typeof value === 'number'
        ? `memory ${formatBytes(value)}`
        : `${key} ${String(value)}`,
    )
    .join(', ');
}
