/** A real job (in-memory platform, deploy then inference) whose data, name and token carry a secret. */
import type { InspectionEvent, Observer } from 'xstate';
import type { ToTaskResult } from '../../machines/result.js';
import { FakeClient, makeTask } from '../support/fakeClient.js';
import { EchoToTask, inferenceParams } from '../support/plugins.js';

/** Must never appear in what an inspector shows: it is in task data, parameters, hook output and the token. */
export const secret = 'S3CRET-do-not-leak-7f3a';

export function secretClient(taskIds: number[]): FakeClient {
  const client = new FakeClient(taskIds, [`token-${secret}`]);
  for (const id of taskIds) client.tasks.set(id, makeTask(id, { data: { seed: id, note: secret } }));
  // Nothing runs yet: the pre-processor dispatches, polls DEPLOYING, then sees RUNNING.
  client.serveAnswers = [{ results: [] }, { results: [{ status: 'DEPLOYING' }] }, [{ status: 'RUNNING' }]];
  return client;
}

/**
 * The states the job of {@link runInspectedJob} passes through, in order: checks, then the pre-processor's deployment
 * (inference method), then annotation.
 */
export const inspectedJobStates = [
  'loadingProject',
  'checkingProject',
  'loadingDataCollection',
  'preparing',
  'loadingPluginRelease',
  'checkingPluginRelease',
  'startingPreProcessor',
  'annotating.running',
  'finished',
];

export const secretParams = {
  ...inferenceParams,
  name: `Pre-label ${secret}`,
  pre_processor_params: { confidence: 0.4, hint: secret },
};

export function runInspectedJob(
  inspect: Observer<InspectionEvent>,
  options: { taskIds?: number[]; concurrency?: number } = {},
): Promise<ToTaskResult> {
  const client = secretClient(options.taskIds ?? [1, 2, 3]);
  return new EchoToTask({
    params: secretParams,
    client,
    pollIntervalSeconds: 0.01,
    concurrency: options.concurrency ?? 2,
    inspect,
  }).run();
}
