import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ToTaskAction } from '../../src/action.js';
import type { ToTaskJobEvent } from '../../src/events.js';
import { clientError, FakeClient } from '../support/fakeClient.js';
import { fileParams, inferenceParams } from '../support/plugins.js';

const token = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/);
const host = fc.stringMatching(/^[a-z][a-z0-9-]{2,20}$/);

/** Everything a user can see of a job: every event and the result, as text. */
async function visibleText(
  client: FakeClient,
  hook: (secretText: string) => unknown,
  secretText: string,
  method: 'file' | 'inference',
) {
  class Leaky extends ToTaskAction {
    override convertDataFromFile(): unknown {
      return hook(secretText);
    }
    override convertDataFromInference(): unknown {
      return hook(secretText);
    }
  }
  const params = method === 'file' ? fileParams : inferenceParams;
  const action = new Leaky({ params, client, jobId: 5, pollIntervalSeconds: 0.001 });
  const seen: ToTaskJobEvent[] = [];
  for (const name of [
    'task.failed',
    'progress',
    'job.finished',
    'report.failed',
    'preProcessor.failed',
  ] as const) {
    action.on(name, (event: ToTaskJobEvent) => seen.push(event));
  }
  const result = await action.run();
  return JSON.stringify({ result, seen, logs: client.logs });
}

describe('no token or base URL reaches a result, an event or a log', () => {
  it('whatever the hooks and the platform put in their errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        token,
        token,
        host,
        fc.constantFrom('file', 'inference'),
        async (secret, password, name, method) => {
          const baseUrl = `https://robot:${password}@${name}.synapse.test/api/`;
          const secretText = `token ${secret} at ${baseUrl}tasks/1/?access_token=${secret} Synapse-Access-Token: Token ${secret}`;
          const client = new FakeClient([1, 2, 3], [secret, baseUrl]);
          client.tasks.set(2, clientError(500, `GET ${baseUrl}tasks/2/ answered 500: ${secretText}`));
          client.writeAnswer = (id) => (id === 3 ? clientError(400, secretText) : {});
          client.jobUpdateError = new Error(`PATCH ${baseUrl}jobs/5/ with ${secretText}`);
          const text = await visibleText(
            client,
            (leak) => {
              throw new Error(`could not read ${leak}\n    at convert (${baseUrl}plugin.ts:1:1)`);
            },
            secretText,
            method,
          );
          expect(text).toContain('convert'); // the hook's failure is reported...
          expect(text).not.toContain(secret); // ...without the secrets it carried
          expect(text).not.toContain(password);
          expect(text).not.toContain(`${name}.synapse.test`);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('also when the job fails before its loop', async () => {
    await fc.assert(
      fc.asyncProperty(token, host, async (secret, name) => {
        const baseUrl = `https://${name}.synapse.test/`;
        const client = new FakeClient([1], [secret, baseUrl]);
        client.project = clientError(401, `GET ${baseUrl}projects/1/?token=${secret} answered 401`);
        const text = await visibleText(client, () => ({}), '', 'file');
        expect(text).toContain('Could not load project (ClientError 401)');
        expect(text).not.toContain(secret);
        expect(text).not.toContain(name);
      }),
      { numRuns: 15 },
    );
  });
});
