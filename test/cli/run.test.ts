/**
 * `to-task run` end to end: the built binary, the example plugin, a sandbox over real HTTP.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expectedFilePayload,
  expectedInferencePayload,
  leaks,
  pluginRunArgs,
  resultOf,
  runArgs,
  runCli,
  useSandbox,
} from './helpers.js';

const startSandbox = useSandbox();

describe('to-task run', () => {
  it('annotates every task by the file method: each written once with the hook’s payload', async () => {
    const { sandbox, flags } = await startSandbox({ tasks: 30 });
    const run = await runCli(runArgs('file', [...flags, '--concurrency', '4']));

    expect(run.code).toBe(0);
    const result = resultOf(run);
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      message: 'Annotated 30 of 30 tasks',
      total_tasks: 30,
      success_count: 30,
      failed_count: 0,
      skipped_count: 0,
      failures: [],
    });
    const { writes, dispatches, inferenceCalls } = sandbox.recorded;
    expect([...writes.keys()].sort()).toEqual([...sandbox.seed.taskIds]);
    for (const taskId of sandbox.seed.taskIds) {
      expect(writes.get(taskId)).toEqual({ count: 1, lastPayload: expectedFilePayload(taskId) });
    }
    expect(dispatches).toEqual([]);
    expect(inferenceCalls).toEqual([]);
    expect(leaks(run, sandbox.token)).toEqual([]);
  });

  it('annotates every task by the inference method after deploying the pre-processor', async () => {
    const { sandbox, flags } = await startSandbox({ tasks: 25, deployDelayMs: 600 });
    const run = await runCli(runArgs('inference', [...flags, '--poll-interval', '0.2', '--timeout', '20']));

    expect(run.code).toBe(0);
    expect(resultOf(run)).toMatchObject({
      status: 'SUCCEEDED',
      total_tasks: 25,
      success_count: 25,
      failed_count: 0,
    });
    const { writes, dispatches, inferenceCalls } = sandbox.recorded;
    expect(writes.size).toBe(25);
    for (const taskId of sandbox.seed.taskIds) {
      expect(writes.get(taskId)).toEqual({ count: 1, lastPayload: expectedInferencePayload(taskId) });
    }
    // One deployment with the release's required resources; one inference per task, with the params file's extras.
    expect(dispatches).toEqual([
      {
        code: 'demo-detector',
        agent: 3,
        params: { num_cpus: 2, num_gpus: 0, num_replicas: 1, memory: 2147483648 },
        status: expect.any(Number),
      },
    ]);
    expect(inferenceCalls).toHaveLength(25);
    expect(new Set(inferenceCalls.map((call) => call.taskId))).toEqual(new Set(sandbox.seed.taskIds));
    // The deploy was shown while it happened.
    expect(run.stderr).toContain('Pre-processor demo-detector: detecting (agent 3)…');
    expect(run.stderr).toContain('Pre-processor: not running; dispatching');
    expect(run.stderr).toMatch(/Pre-processor: waiting \d+s\/20s (NOT_STARTED|DEPLOYING)/);
    expect(run.stderr).toContain('Pre-processor ready: RUNNING');
    expect(leaks(run, sandbox.token)).toEqual([]);
  });

  it('uses a running pre-processor without dispatching', async () => {
    const { sandbox, flags } = await startSandbox({ tasks: 5, scenario: { alreadyRunning: true } });
    const run = await runCli(runArgs('inference', flags));

    expect(run.code).toBe(0);
    expect(resultOf(run).success_count).toBe(5);
    expect(sandbox.recorded.dispatches).toEqual([]);
    expect(run.stderr).toContain('Pre-processor ready: already RUNNING');
  });

  it('reads SYNAPSE_HOST, SYNAPSE_ACCESS_TOKEN and SYNAPSE_TENANT when the flags are absent', async () => {
    const { sandbox, env } = await startSandbox({ tasks: 5 });
    const tenant = 'tenant-code-4242';
    const run = await runCli(runArgs('file'), { env: { ...env, SYNAPSE_TENANT: tenant } });

    expect(run.code).toBe(0);
    expect(resultOf(run).success_count).toBe(5);
    expect(sandbox.recorded.writes.size).toBe(5);
    expect(leaks(run, sandbox.token, tenant)).toEqual([]);
  });

  it('prefers the flags over the environment', async () => {
    const { flags } = await startSandbox({ tasks: 3 });
    const run = await runCli(runArgs('file', flags), {
      env: { SYNAPSE_HOST: 'http://127.0.0.1:9/', SYNAPSE_ACCESS_TOKEN: 'wrong-token-value' },
    });

    expect(run.code).toBe(0);
    expect(resultOf(run).success_count).toBe(3);
  });

  it('with --json, stdout is exactly the result JSON; progress and the summary go to stderr', async () => {
    const { flags } = await startSandbox({ tasks: 8 });
    const run = await runCli(runArgs('file', flags));

    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout);
    expect(Object.keys(parsed).sort()).toEqual(
      [
        'failed_count',
        'failures',
        'message',
        'skipped_count',
        'status',
        'success_count',
        'total_tasks',
      ].sort(),
    );
    expect(run.stdout.trim().startsWith('{')).toBe(true);
    expect(run.stderr).toContain('Progress: 8/8 (ok 8, failed 0)');
    expect(run.stderr).toContain('SUCCEEDED: Annotated 8 of 8 tasks');
  });

  it('with --job-id, reports progress and logs to the platform job', async () => {
    const { sandbox, flags } = await startSandbox({ tasks: 6 });
    const run = await runCli(runArgs('file', [...flags, '--job-id', '77']));

    expect(run.code).toBe(0);
    const updates = sandbox.recorded.jobUpdates;
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((update) => update.jobId === '77')).toBe(true);
    expect(JSON.stringify(updates.at(-1)?.body)).toContain('annotate_task_data');
    expect(run.stderr).not.toContain('Reporting to the platform failed');
  });

  it('with --inspect, serves the offline inspector during the job and keeps stdout pure JSON', async () => {
    const { flags } = await startSandbox({ tasks: 4 });
    const run = await runCli(runArgs('file', [...flags, '--inspect']));

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^inspector: http:\/\/127\.0\.0\.1:\d+\/?$/m);
    expect(JSON.parse(run.stdout).success_count).toBe(4);
  });

  it('without --json, prints the summary on stdout', async () => {
    const { flags } = await startSandbox({ tasks: 4 });
    const run = await runCli(runArgs('file', flags).filter((arg) => arg !== '--json'));

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^SUCCEEDED: Annotated 4 of 4 tasks\n {2}4 tasks: 4 succeeded, 0 failed, 0 not started/,
    );
    expect(run.stderr).toContain('Job "Pre-annotate from annotation files": method file, project 1');
  });

  it.each([
    ['to_task.ts in a "type": "module" package', 'to_task.ts', true],
    ['to_task.mts without a package.json', 'to_task.mts', false],
  ])(
    'runs a plugin outside this package that imports synapse-to-task (%s)',
    async (_case, name, withPackageJson) => {
      const { sandbox, flags } = await startSandbox({ tasks: 4 });
      const dir = await mkdtemp(join(tmpdir(), 'to-task-outside-'));
      try {
        await mkdir(join(dir, 'plugin'));
        await writeFile(
          join(dir, 'config.yaml'),
          'actions:\n  to_task:\n    entrypoint: plugin.to_task.ToTask\n',
        );
        if (withPackageJson) await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
        await writeFile(
          join(dir, 'plugin', name),
          [
            "import { ToTaskAction } from 'synapse-to-task';",
            'export class ToTask extends ToTaskAction {',
            '  override async convertDataFromFile(_url: string, image: string, dataUrl: string): Promise<object> {',
            '    const data = (await this.fetchDataFile(dataUrl)) as { objects: unknown[] };',
            "    console.log('hello from the hook');",
            '    return { outside: true, image, objects: data.objects.length };',
            '  }',
            '}',
            '',
          ].join('\n'),
        );
        const run = await runCli(pluginRunArgs(dir, 'examples/params/file.json', ['--json', ...flags]));

        expect(run.stderr).not.toContain('Error');
        expect(run.code).toBe(0);
        expect(resultOf(run).success_count).toBe(4);
        const written = sandbox.recorded.writes.get(1001)?.lastPayload;
        expect(written).toEqual({
          outside: true,
          image: 'img_0001.jpg',
          objects: expectedFilePayload(1001).annotations.length,
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
