/**
 * Embedding the to_task action in a host app: construct the plugin's action with a client, listen to its events,
 * cancel it with an `AbortSignal`, and tell job-level errors apart.
 *
 * Try it against the sandbox (from the repository root, after `npm run build`):
 *   node dist/src/cli/bin.js sandbox        # prints the SYNAPSE_HOST / SYNAPSE_ACCESS_TOKEN to export
 *   npx tsx examples/embed.ts
 */
import {
  HttpSynapseClient,
  ParamsError,
  PreProcessorError,
  ToTaskError,
  type ToTaskParamsInput,
} from 'synapse-to-task';
import { ToTask } from './plugin/plugin/to_task.js';

const host = process.env.SYNAPSE_HOST;
const token = process.env.SYNAPSE_ACCESS_TOKEN;
if (!host || !token) {
  console.error('Set SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN (`to-task sandbox` prints them).');
  process.exit(2);
}

const params: ToTaskParamsInput = {
  name: 'Pre-annotate with the demo detector',
  project: 1,
  agent: 3,
  method: 'inference',
  pre_processor: 7,
  model: 42,
};

// Ctrl-C cancels: no new task starts, the tasks in flight finish, and the result is STOPPED.
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const action = new ToTask({
  params,
  client: new HttpSynapseClient({ baseUrl: host, accessToken: token }),
  concurrency: 4,
  pollIntervalSeconds: 1,
  timeoutSeconds: 120,
  signal: controller.signal,
});

action
  .on('job.phase', ({ phase }) => console.log(`phase: ${phase}`))
  .on('preProcessor.dispatching', ({ params: resources }) => console.log('deploying with', resources))
  .on('preProcessor.waiting', ({ elapsedSeconds, timeoutSeconds, lastStatus }) =>
    console.log(`waiting for the pre-processor: ${elapsedSeconds}s/${timeoutSeconds}s ${lastStatus ?? ''}`),
  )
  .on('preProcessor.ready', ({ dispatched }) => console.log(dispatched ? 'deployed' : 'already running'))
  .on('task.failed', ({ taskId, error }) => console.warn(`task ${taskId} failed: ${error}`))
  .on('progress', ({ done, total, tasksPerSecond, etaSeconds }) => {
    if (done % 25 === 0 || done === total) {
      console.log(`${done}/${total} at ${tasksPerSecond.toFixed(1)} tasks/s, ETA ${etaSeconds ?? '?'}s`);
    }
  });

try {
  // `execute()` rejects on a job-level error; `run()` would resolve with a FAILED result instead.
  const result = await action.execute();
  console.log(`${result.status}: ${result.message}`);
  for (const failure of result.failures) console.log(`  task ${failure.task_id}: ${failure.error}`);
  process.exitCode = result.status === 'SUCCEEDED' ? 0 : 1;
} catch (error) {
  if (error instanceof ParamsError) {
    for (const issue of error.issues) console.error(`params.${issue.field}: ${issue.message}`);
  } else if (error instanceof PreProcessorError) {
    console.error(`pre-processor (${error.phase}): ${error.message}`);
  } else if (error instanceof ToTaskError) {
    console.error(`job failed (${error.code}): ${error.message}`);
  } else {
    throw error;
  }
  process.exitCode = 1;
}
