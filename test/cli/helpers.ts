/**
 * Running the built `to-task` binary as a child process against a sandbox started in the test process, and the
 * payloads the example plugin is expected to write.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import {
  annotationDocument,
  demoPrediction,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from '../../src/sandbox/index.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = fileURLToPath(new URL('../../dist/src/cli/bin.js', import.meta.url));
export const examplePlugin = 'examples/plugin';
export const fileParams = 'examples/params/file.json';
export const inferenceParams = 'examples/params/inference.yaml';

/** What a CLI run ended with. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** Extra environment; the child gets only PATH / HOME / TMPDIR besides these (no inherited SYNAPSE_*). */
  env?: Record<string, string>;
  /** Killed (SIGKILL) after this long; default 25 s. */
  timeoutMs?: number;
  cwd?: string;
}

/** A running CLI child: its process, live output, and its end. */
export interface CliChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliRun>;
}

/** Starts `node dist/src/cli/bin.js ...args`. */
export function startCli(args: readonly string[], options: CliOptions = {}): CliChild {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const startedAt = performance.now();
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? root,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 25_000);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: performance.now() - startedAt });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

/** A token that is easy to search for in output. */
export function distinctiveToken(): string {
  return `tok-${randomBytes(12).toString('hex')}`;
}

/** A sandbox with a distinctive token, and the flags / env that point the CLI at it. */
export async function cliSandbox(options: SandboxOptions = {}) {
  const sandbox = await startSandbox({
    tasks: 20,
    deployDelayMs: 300,
    token: distinctiveToken(),
    ...options,
  });
  return {
    sandbox,
    flags: ['--host', sandbox.url, '--token', sandbox.token],
    env: { SYNAPSE_HOST: sandbox.url, SYNAPSE_ACCESS_TOKEN: sandbox.token },
  };
}

/**
 * A sandbox for each test of the file, closed after it: call once at the top of the file, then start the test's
 * sandbox with the function it returns (it takes the options of {@link cliSandbox} and returns what that returns).
 *
 * @example
 * const startSandbox = useSandbox();
 * it('…', async () => {
 *   const { sandbox, flags } = await startSandbox({ tasks: 5 });
 * });
 */
export function useSandbox(): typeof cliSandbox {
  let current: Sandbox | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (options) => {
    const started = await cliSandbox(options);
    current = started.sandbox;
    return started;
  };
}

/** `run --plugin <plugin> --params <params>`, plus `more` flags. */
export function pluginRunArgs(plugin: string, params: string, more: readonly string[] = []): string[] {
  return ['run', '--plugin', plugin, '--params', params, ...more];
}

/** `run` with the example plugin and the file / inference params, plus `more` flags. */
export function runArgs(method: 'file' | 'inference', more: readonly string[] = []): string[] {
  return pluginRunArgs(examplePlugin, method === 'file' ? fileParams : inferenceParams, ['--json', ...more]);
}

/** Parses stdout as the one JSON document it must be. */
export function resultOf(run: CliRun) {
  return JSON.parse(run.stdout) as {
    status: 'SUCCEEDED' | 'FAILED' | 'STOPPED';
    message: string;
    total_tasks: number;
    success_count: number;
    failed_count: number;
    skipped_count: number;
    failures: { task_id: number; error: string }[];
  };
}

/** What the example plugin writes for a task by the file method (an independent statement of its mapping). */
export function expectedFilePayload(taskId: number) {
  const document = annotationDocument(taskId, taskId - 1000);
  return {
    source: 'file',
    image: document.image,
    annotations: document.objects.map((object, index) => {
      const [x, y, width, height] = object.bbox;
      return { id: index + 1, classification: { label: object.label }, bbox: { x, y, width, height } };
    }),
  };
}

/** What the example plugin writes for a task by the inference method: predictions scoring 0.6+, best first. */
export function expectedInferencePayload(taskId: number, model = 42) {
  const { predictions } = demoPrediction(model, `/media/images/${taskId}.jpg`);
  return {
    source: 'inference',
    model,
    annotations: predictions
      .filter((prediction) => prediction.score >= 0.6)
      .sort((a, b) => b.score - a.score)
      .map((prediction, index) => {
        const [x, y, width, height] = prediction.bbox;
        return {
          id: index + 1,
          classification: { label: prediction.label },
          bbox: { x, y, width, height },
          score: prediction.score,
        };
      }),
  };
}

/** Neither output holds the secret. */
export function leaks(run: CliRun, ...secrets: string[]): string[] {
  return secrets.filter((secret) => run.stdout.includes(secret) || run.stderr.includes(secret));
}

/** Resolves once `predicate` holds (polled every 20 ms), or rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export type { Sandbox, SandboxOptions };
