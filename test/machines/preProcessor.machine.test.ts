import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { PreProcessorError } from '../../machines/errors.js';
import {
  type DispatchDeploymentInput,
  type ListServeApplicationsInput,
  type PreProcessorEmitted,
  type PreProcessorInput,
  preProcessorMachine,
} from '../../machines/preProcessor.machine.js';
import { RequiredResourcesError } from '../../machines/resources.js';
import { flush, SteppingClock } from '../support/machineHarness.js';

const SECRET_URL = 'https://synapse.example.test/api/plugins/pre-proc/run/';
const SECRET_TOKEN = 'syn-tok-5f0c1e2d9a';

/** Shaped like the platform client's error (SPEC §7): an HTTP status and a detail that may carry secrets. */
class ClientError extends Error {
  override name = 'ClientError';
  readonly status: number;

  constructor(status: number) {
    super(`POST ${SECRET_URL} answered ${status} (Synapse-Access-Token: Token ${SECRET_TOKEN})`);
    this.status = status;
  }
}

const forever = () => new Promise<never>(() => {});

const deploying = { count: 1, next: null, previous: null, results: [{ status: 'DEPLOYING' }] };
const runningPage = { count: 1, next: null, previous: null, results: [{ status: 'RUNNING' }] };
const nothingListed = { count: 0, next: null, previous: null, results: [] };
const page = (status: string) => ({ count: 1, next: null, previous: null, results: [{ status }] });

type Answer = unknown | (() => unknown);

interface HarnessOptions {
  /** Answers of `listServeApplications`, in call order (detection first); the last one repeats. */
  list?: readonly Answer[];
  /** Answer of `dispatchDeployment`. */
  dispatch?: Answer;
  input?: Partial<PreProcessorInput>;
}

/** Runs the machine under a simulated clock with scripted actors, recording calls, events, errors and the end time. */
function harness(options: HarnessOptions = {}) {
  const clock = new SteppingClock();
  const listAnswers = options.list ?? [nothingListed];
  const listCalls: { at: number; input: ListServeApplicationsInput }[] = [];
  const dispatchCalls: { at: number; input: DispatchDeploymentInput }[] = [];
  const answer = async (value: Answer) => (typeof value === 'function' ? value() : value);

  const machine = preProcessorMachine.provide({
    actors: {
      listServeApplications: fromPromise<unknown, ListServeApplicationsInput>(async ({ input }) => {
        listCalls.push({ at: clock.now(), input });
        return answer(listAnswers[Math.min(listCalls.length, listAnswers.length) - 1]);
      }),
      dispatchDeployment: fromPromise<unknown, DispatchDeploymentInput>(async ({ input }) => {
        dispatchCalls.push({ at: clock.now(), input });
        return answer(options.dispatch ?? { job_id: 1 });
      }),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: { pluginCode: 'pre-proc', agent: 7, now: () => clock.now(), ...options.input },
  });
  const emitted: PreProcessorEmitted[] = [];
  const errors: unknown[] = [];
  let endedAt: number | undefined;
  actor.on('*', (event) => emitted.push(event));
  actor.subscribe({
    complete: () => {
      endedAt = clock.now();
    },
    error: (error) => errors.push(error),
  });

  /** Moves simulated time forward by `ms`, firing each due timer at its own instant and settling stubs between. */
  const advance = (ms: number) => clock.advance(ms);

  async function start(): Promise<void> {
    actor.start();
    await flush();
  }

  return {
    actor,
    clock,
    listCalls,
    dispatchCalls,
    emitted,
    errors,
    start,
    advance,
    get endedAt() {
      return endedAt;
    },
    snapshot: () => actor.getSnapshot(),
    failure(): Error {
      const output = actor.getSnapshot().output;
      if (output?.status !== 'failed')
        throw new Error(`Expected a failed output, got ${JSON.stringify(output)}`);
      return output.error;
    },
  };
}

describe('preProcessor machine', () => {
  describe('detection', () => {
    it.each([
      ['a page', runningPage],
      ['a bare list with a lowercase status', [{ status: 'running' }]],
      ['RUNNING beside a failed replica', [{ status: 'UNHEALTHY' }, { status: 'RUNNING' }]],
    ])('is ready at once, without dispatching, when %s shows RUNNING', async (_, answer) => {
      const h = harness({ list: [answer] });
      await h.start();

      expect(h.snapshot().status).toBe('done');
      expect(h.snapshot().value).toBe('ready');
      expect(h.snapshot().output).toEqual({
        status: 'ready',
        serveApplicationStatus: 'RUNNING',
        dispatched: false,
        polls: 0,
      });
      expect(h.dispatchCalls).toHaveLength(0);
      expect(h.listCalls).toEqual([{ at: 0, input: { pluginCode: 'pre-proc', agent: 7 } }]);
      expect(h.endedAt).toBe(0);
      expect(h.errors).toEqual([]);
    });

    it.each([
      ['nothing is listed', nothingListed],
      ['the app is still deploying', deploying],
      ['a failed app is left from earlier', page('DEPLOY_FAILED')],
      ['the answer is malformed', '<html>502</html>'],
      [
        'the listing fails with a client error',
        () => {
          throw new ClientError(500);
        },
      ],
    ])('dispatches once when %s', async (_, detection) => {
      const h = harness({ list: [detection, runningPage] });
      await h.start();

      expect(h.dispatchCalls).toEqual([
        { at: 0, input: { pluginCode: 'pre-proc', agent: 7, params: { num_cpus: 1, num_gpus: 0.1 } } },
      ]);
      expect(h.snapshot().output).toEqual({
        status: 'ready',
        serveApplicationStatus: 'RUNNING',
        dispatched: true,
        polls: 1,
      });
      expect(h.errors).toEqual([]);
    });
  });

  describe('dispatch', () => {
    it('sends the resources payload, then polls DEPLOYING until RUNNING', async () => {
      const h = harness({
        list: [nothingListed, deploying, deploying, runningPage],
        input: {
          requiredResources: { required_cpu_count: 2, num_cpus: 8, memory_bytes: 1024, num_replicas: null },
        },
      });
      await h.start();

      expect(h.dispatchCalls).toHaveLength(1);
      const params = h.dispatchCalls[0]?.input.params;
      expect(params).toEqual({ num_cpus: 2, num_gpus: 0.1, memory: 1024 });
      expect(params).not.toHaveProperty('num_replicas');
      expect(h.snapshot().value).toEqual({ deploying: { waiting: 'sleeping' } });

      await h.advance(10_000);
      expect(h.snapshot().status).toBe('active');
      await h.advance(10_000);

      expect(h.snapshot().value).toBe('ready');
      expect(h.snapshot().output).toEqual({
        status: 'ready',
        serveApplicationStatus: 'RUNNING',
        dispatched: true,
        polls: 3,
      });
      expect(h.listCalls.map((call) => call.at)).toEqual([0, 0, 10_000, 20_000]);
      expect(h.endedAt).toBe(20_000);
      expect(h.errors).toEqual([]);
    });

    it.each([
      [403, new ClientError(403), 'ClientError'],
      [503, new ClientError(503), 'ClientError'],
      ['a network failure', new TypeError(`fetch failed: ${SECRET_URL}`), 'TypeError'],
    ])(
      'fails fast when the run call fails with %s, keeping the cause and no secret',
      async (_, error, type) => {
        const h = harness({
          dispatch: () => {
            throw error;
          },
        });
        await h.start();

        expect(h.snapshot().value).toBe('failed');
        const failure = h.failure();
        expect(failure).toBeInstanceOf(PreProcessorError);
        expect(failure.message).toBe(`Pre-processor deployment dispatch failed (${type})`);
        expect(failure.cause).toBe(error);
        expect((failure as PreProcessorError).phase).toBe('dispatch');
        for (const secret of [SECRET_URL, 'synapse.example.test', SECRET_TOKEN]) {
          expect(failure.message).not.toContain(secret);
          expect(JSON.stringify(h.emitted)).not.toContain(secret);
        }
        // Nothing is polled after a failed dispatch: only the detection listed applications.
        expect(h.listCalls).toHaveLength(1);
        expect(h.endedAt).toBe(0);
        expect(h.errors).toEqual([]);
      },
    );

    it('keeps the ClientError status reachable through the cause', async () => {
      const h = harness({
        dispatch: () => {
          throw new ClientError(422);
        },
      });
      await h.start();
      expect((h.failure().cause as ClientError).status).toBe(422);
    });

    it('fails on invalid required_resources with their message and dispatches nothing', async () => {
      const h = harness({ input: { requiredResources: { num_gpus: 'plenty' } } });
      await h.start();

      const failure = h.failure();
      expect(failure).toBeInstanceOf(RequiredResourcesError);
      expect(failure.message).toBe(
        'Invalid required_resources.num_gpus: expected a non-negative number, got "plenty"',
      );
      expect(h.dispatchCalls).toHaveLength(0);
      // No progress event may announce a dispatch that is never made.
      expect(h.emitted.map((event) => event.type)).toEqual(['preProcessor.detecting', 'preProcessor.failed']);
      expect(h.emitted[1]).toMatchObject({ message: failure.message });
      expect(h.endedAt).toBe(0);
    });

    it('does not need valid required_resources when the app already runs', async () => {
      const h = harness({ list: [runningPage], input: { requiredResources: { num_gpus: 'plenty' } } });
      await h.start();
      expect(h.snapshot().output).toMatchObject({ status: 'ready', dispatched: false });
    });
  });

  describe('wait', () => {
    it.each(['DEPLOY_FAILED', 'UNHEALTHY', 'UNAVAILABLE'])(
      'fails at the poll that sees %s, long before the timeout',
      async (status) => {
        const h = harness({ list: [nothingListed, deploying, deploying, page(status), runningPage] });
        await h.start();
        await h.advance(60_000);

        expect(h.snapshot().value).toBe('failed');
        const failure = h.failure() as PreProcessorError;
        expect(failure.message).toBe(
          `Pre-processor deployment failed: serve application reached terminal state (${status})`,
        );
        expect(failure.phase).toBe('wait');
        expect(failure.status).toBe(status);
        // The third poll (at 20 s) saw the terminal status; nothing was polled after it.
        expect(h.endedAt).toBe(20_000);
        expect(h.listCalls.map((call) => call.at)).toEqual([0, 0, 10_000, 20_000]);
        expect(h.errors).toEqual([]);
      },
    );

    it('fails with a lowercase terminal status, reported in the backend spelling', async () => {
      const h = harness({ list: [nothingListed, [{ status: 'unhealthy' }]] });
      await h.start();
      expect(h.failure().message).toBe(
        'Pre-processor deployment failed: serve application reached terminal state (UNHEALTHY)',
      );
    });

    it('times out exactly 180 s after dispatch with the defaults, after 18 polls', async () => {
      const h = harness({ list: [nothingListed, deploying] });
      await h.start();

      await h.advance(179_999);
      expect(h.snapshot().status).toBe('active');
      // Polls run at 0, 10, ..., 170 s after dispatch: 18 polls. The 19th would be due at 180 s, the very instant
      // the timeout (armed at dispatch, before that poll's sleep) fires, so the timeout wins and no poll is made at
      // the deadline. In real time each poll's latency pushes the next one later still, so the count can only shrink.
      const polls = h.listCalls.slice(1);
      expect(polls.map((call) => call.at)).toEqual(Array.from({ length: 18 }, (_, i) => i * 10_000));

      await h.advance(1);
      expect(h.snapshot().value).toBe('failed');
      expect(h.failure().message).toBe('Pre-processor did not become ready within timeout');
      expect((h.failure() as PreProcessorError).phase).toBe('timeout');
      expect(h.endedAt).toBe(180_000);
      expect(h.listCalls).toHaveLength(1 + 18);

      await h.advance(60_000);
      expect(h.listCalls).toHaveLength(1 + 18);
      expect(h.errors).toEqual([]);
    });

    it('honours a custom poll interval and timeout (2 s / 7 s)', async () => {
      const h = harness({
        list: [nothingListed, deploying],
        input: { pollIntervalSeconds: 2, timeoutSeconds: 7 },
      });
      await h.start();

      await h.advance(6_999);
      expect(h.snapshot().status).toBe('active');
      await h.advance(1);

      expect(h.failure().message).toBe('Pre-processor did not become ready within timeout');
      expect(h.endedAt).toBe(7_000);
      // Polls at 0, 2, 4 and 6 s; the next one (8 s) would come after the 7 s timeout.
      expect(h.listCalls.slice(1).map((call) => call.at)).toEqual([0, 2_000, 4_000, 6_000]);
      const waiting = h.emitted.filter((event) => event.type === 'preProcessor.waiting');
      expect(waiting.map((event) => event.timeoutSeconds)).toEqual([7, 7, 7, 7]);
    });

    it('cuts a poll that never answers at the timeout', async () => {
      const h = harness({ list: [nothingListed, forever] });
      await h.start();

      await h.advance(179_999);
      expect(h.snapshot().value).toEqual({ deploying: { waiting: 'polling' } });
      await h.advance(1);

      expect(h.failure().message).toBe('Pre-processor did not become ready within timeout');
      expect(h.endedAt).toBe(180_000);
      expect(h.listCalls).toHaveLength(2);
    });

    it('cuts a dispatch that never answers at the timeout', async () => {
      const h = harness({ dispatch: forever });
      await h.start();

      await h.advance(179_999);
      expect(h.snapshot().value).toEqual({ deploying: 'dispatching' });
      await h.advance(1);

      expect(h.failure().message).toBe('Pre-processor did not become ready within timeout');
      expect(h.endedAt).toBe(180_000);
      expect(h.listCalls).toHaveLength(1);
    });

    it('retries a poll that fails with a client error at the next poll', async () => {
      const h = harness({
        list: [
          nothingListed,
          () => {
            throw new ClientError(503);
          },
          runningPage,
        ],
      });
      await h.start();
      expect(h.snapshot().status).toBe('active');

      await h.advance(10_000);
      expect(h.snapshot().output).toEqual({
        status: 'ready',
        serveApplicationStatus: 'RUNNING',
        dispatched: true,
        polls: 2,
      });
      expect(h.endedAt).toBe(10_000);
      expect(h.errors).toEqual([]);
    });

    it('keeps the last poll error as the cause of a timeout, out of the message', async () => {
      const last = new ClientError(504);
      const h = harness({
        list: [
          nothingListed,
          () => {
            throw last;
          },
        ],
        input: { pollIntervalSeconds: 5, timeoutSeconds: 20 },
      });
      await h.start();
      await h.advance(20_000);

      const failure = h.failure();
      expect(failure.message).toBe('Pre-processor did not become ready within timeout');
      expect(failure.cause).toBe(last);
      expect(failure.message).not.toContain(SECRET_TOKEN);
    });

    it('keeps polling through malformed answers', async () => {
      const h = harness({
        list: [nothingListed, '<html>', null, { results: 'RUNNING' }, [{}, 'RUNNING'], runningPage],
      });
      await h.start();
      await h.advance(39_999);
      expect(h.snapshot().status).toBe('active');
      await h.advance(1);

      expect(h.snapshot().output).toMatchObject({ status: 'ready', polls: 5 });
      expect(h.endedAt).toBe(40_000);
    });
  });

  describe('progress events', () => {
    it('emits detecting, dispatching, waiting and ready in order with their payloads', async () => {
      const h = harness({
        list: [
          page('NOT_STARTED'),
          deploying,
          () => {
            throw new ClientError(502);
          },
          nothingListed,
          runningPage,
        ],
        input: { requiredResources: { num_gpus: 1, num_replicas: 2 } },
      });
      await h.start();
      await h.advance(60_000);

      expect(h.emitted).toEqual([
        { type: 'preProcessor.detecting', pluginCode: 'pre-proc', agent: 7 },
        {
          type: 'preProcessor.dispatching',
          pluginCode: 'pre-proc',
          agent: 7,
          params: { num_cpus: 1, num_gpus: 1, num_replicas: 2 },
        },
        {
          type: 'preProcessor.waiting',
          elapsedSeconds: 0,
          timeoutSeconds: 180,
          lastStatus: 'DEPLOYING',
          polls: 1,
        },
        // A failed poll and an empty listing say nothing new: the last known status is kept.
        {
          type: 'preProcessor.waiting',
          elapsedSeconds: 10,
          timeoutSeconds: 180,
          lastStatus: 'DEPLOYING',
          polls: 2,
        },
        {
          type: 'preProcessor.waiting',
          elapsedSeconds: 20,
          timeoutSeconds: 180,
          lastStatus: 'DEPLOYING',
          polls: 3,
        },
        { type: 'preProcessor.ready', dispatched: true, polls: 4 },
      ]);
    });

    it('emits ready with dispatched: false when already running', async () => {
      const h = harness({ list: [runningPage] });
      await h.start();
      expect(h.emitted).toEqual([
        { type: 'preProcessor.detecting', pluginCode: 'pre-proc', agent: 7 },
        { type: 'preProcessor.ready', dispatched: false, polls: 0 },
      ]);
    });

    it.each([
      [
        'a terminal status',
        { list: [nothingListed, page('UNAVAILABLE')] },
        {
          message: 'Pre-processor deployment failed: serve application reached terminal state (UNAVAILABLE)',
          phase: 'wait',
          status: 'UNAVAILABLE',
        },
      ],
      [
        'a failed dispatch',
        {
          dispatch: () => {
            throw new ClientError(401);
          },
        },
        {
          message: 'Pre-processor deployment dispatch failed (ClientError)',
          phase: 'dispatch',
          status: null,
        },
      ],
      [
        'a timeout',
        { list: [nothingListed, deploying], input: { pollIntervalSeconds: 1, timeoutSeconds: 2 } },
        { message: 'Pre-processor did not become ready within timeout', phase: 'timeout', status: null },
      ],
    ] as const)(
      'emits failed last, with its message, phase and status, on %s',
      async (_, options, payload) => {
        const h = harness(options);
        await h.start();
        await h.advance(10_000);

        expect(h.emitted.at(-1)).toEqual({ type: 'preProcessor.failed', ...payload });
        expect(h.emitted.filter((event) => event.type === 'preProcessor.failed')).toHaveLength(1);
      },
    );
  });

  describe('input', () => {
    it.each([
      ['pollIntervalSeconds', 0],
      ['pollIntervalSeconds', Number.NaN],
      ['timeoutSeconds', -5],
    ])('makes the actor error when %s is %d', async (field, value) => {
      const h = harness({ input: { [field]: value } });
      await h.start();

      expect(h.snapshot().status).toBe('error');
      expect(h.errors).toHaveLength(1);
      expect(h.errors[0]).toBeInstanceOf(TypeError);
      expect((h.errors[0] as Error).message).toContain(`\`${field}\``);
      expect(h.listCalls).toHaveLength(0);
    });
  });
});
