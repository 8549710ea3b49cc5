/**
 * The job over real HTTP: `ToTaskAction` with `HttpSynapseClient` against the sandbox, for what an in-memory fake
 * cannot show: the client's retries inside a task, and the wire the sandbox checks strictly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HttpSynapseClient } from '../../src/client/http.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { EchoToTask, fileParams, inferenceParams } from '../support/plugins.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions) {
  sandbox = await startSandbox(options);
  const client = new HttpSynapseClient({
    baseUrl: sandbox.url,
    accessToken: sandbox.token,
    retries: { limit: 2, backoffLimitMs: 20 },
  });
  return { sandbox, client };
}

function writeAttempts(recorded: Sandbox['recorded'], taskId: number): number {
  return recorded.requests.filter(
    (request) => request.route === 'annotateTaskData' && request.path.startsWith(`/tasks/${taskId}/`),
  ).length;
}

describe('the job against the sandbox', () => {
  it('a write answered 503 every time is retried, then fails that task only', async () => {
    const { sandbox, client } = await start({
      tasks: 6,
      scenario: { writeFailures: { taskIds: [1003], status: 503 } },
    });
    const result = await new EchoToTask({ params: fileParams, client }).execute();

    expect(result).toMatchObject({ status: 'SUCCEEDED', total_tasks: 6, success_count: 5, failed_count: 1 });
    expect(result.failures).toEqual([
      { task_id: 1003, error: 'Could not submit task data (ClientError 503)' },
    ]);
    expect(writeAttempts(sandbox.recorded, 1003)).toBe(3);
    expect(writeAttempts(sandbox.recorded, 1002)).toBe(1);
  });

  it('a write answered 500 is not retried', async () => {
    const { sandbox, client } = await start({
      tasks: 3,
      scenario: { writeFailures: { taskIds: [1002], status: 500 } },
    });
    const result = await new EchoToTask({ params: fileParams, client }).execute();

    expect(result.failures).toEqual([
      { task_id: 1002, error: 'Could not submit task data (ClientError 500)' },
    ]);
    expect(writeAttempts(sandbox.recorded, 1002)).toBe(1);
  });

  it('sends a deployment the strict backend accepts (no null keys), waits for it, then annotates', async () => {
    const { sandbox, client } = await start({ tasks: 4, deployDelayMs: 50 });
    const params = {
      ...inferenceParams,
      pre_processor: sandbox.seed.preProcessorReleaseId,
      model: sandbox.seed.modelId,
    };
    const result = await new EchoToTask({ params, client, pollIntervalSeconds: 0.02 }).execute();

    expect(result).toMatchObject({ status: 'SUCCEEDED', success_count: 4 });
    expect(sandbox.recorded.dispatches.map((dispatch) => dispatch.params)).toEqual([
      { num_cpus: 2, num_gpus: 0, num_replicas: 1, memory: 2147483648 },
    ]);
    expect(sandbox.recorded.writes.get(1001)?.count).toBe(1);
  });
});
