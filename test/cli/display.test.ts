/**
 * The progress display on its own: plain lines for logs and pipes, a live bar and in-place status on a terminal,
 * and secrets scrubbed from every line.
 */
import { PassThrough } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ToTaskAction } from '../../src/action.js';
import { JobDisplay } from '../../src/cli/display.js';
import { formatSummary } from '../../src/cli/summary.js';

function fakeStream(tty: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  stream.isTTY = tty;
  stream.columns = 100;
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

/** An action stand-in: only `on` / `off` are used by the display. */
function fakeAction() {
  const emitter = new EventEmitter();
  const action = {
    on: (name: string, listener: (...args: unknown[]) => void) => emitter.on(name, listener),
    off: (name: string, listener: (...args: unknown[]) => void) => emitter.off(name, listener),
  } as unknown as ToTaskAction;
  return { action, emit: (type: string, event: object = {}) => emitter.emit(type, { type, ...event }) };
}

const progress = (done: number, total: number, failed = 0) => ({
  done,
  total,
  success: done - failed,
  failed,
  elapsedSeconds: done / 10,
  tasksPerSecond: 10,
  etaSeconds: (total - done) / 10,
});

describe('JobDisplay', () => {
  it('prints plain lines without a terminal: phases, the pre-processor wait, throttled progress', async () => {
    const { stream, text } = fakeStream(false);
    let now = 0;
    const display = new JobDisplay({ stream, now: () => now, secrets: ['s3cret-token'] });
    const { action, emit } = fakeAction();
    const detach = display.attach(action);

    emit('job.started', { name: 'Pre-label', method: 'inference', project: 1 });
    emit('job.phase', { phase: 'loading' });
    emit('preProcessor.detecting', { pluginCode: 'det', agent: 3 });
    emit('preProcessor.dispatching', {
      pluginCode: 'det',
      agent: 3,
      params: { num_cpus: 2, num_gpus: 0.5, memory: 1073741824 },
    });
    emit('preProcessor.waiting', {
      elapsedSeconds: 20,
      timeoutSeconds: 180,
      lastStatus: 'DEPLOYING',
      polls: 2,
    });
    now = 21_000;
    emit('preProcessor.ready', { dispatched: true, polls: 3 });
    emit('tasks.discovered', { total: 10, discovered: 10 });
    for (let done = 1; done <= 10; done++) {
      now += 100;
      emit('progress', progress(done, 10, done === 4 ? 1 : 0));
    }
    emit('report.failed', { message: 'PATCH failed with token s3cret-token' });
    emit('job.finished', {});
    detach();
    await new Promise((resolve) => setImmediate(resolve));

    expect(text().split('\n')).toEqual([
      'Job "Pre-label": method inference, project 1',
      'Loading the project…',
      'Pre-processor det: detecting (agent 3)…',
      'Pre-processor: not running; dispatching (cpus 2, gpus 0.5, memory 1 GiB)',
      'Pre-processor: waiting 20s/3m00s DEPLOYING (poll 2)',
      'Pre-processor ready: RUNNING after 21s (3 polls)',
      'Annotating 10 tasks…',
      'Progress: 1/10 (ok 1, failed 0) 10.0 tasks/s, ETA 1s',
      'Progress: 10/10 (ok 10, failed 0) 10.0 tasks/s, ETA 0s',
      'Reporting to the platform failed (the job goes on): PATCH failed with token [REDACTED]',
      '',
    ]);
  });

  it('draws a live bar and rewrites the wait in place on a terminal', async () => {
    const { stream, text } = fakeStream(true);
    const display = new JobDisplay({ stream });
    const { action, emit } = fakeAction();
    display.attach(action);

    emit('preProcessor.waiting', {
      elapsedSeconds: 1,
      timeoutSeconds: 180,
      lastStatus: 'NOT_STARTED',
      polls: 1,
    });
    emit('preProcessor.waiting', {
      elapsedSeconds: 2,
      timeoutSeconds: 180,
      lastStatus: 'DEPLOYING',
      polls: 2,
    });
    emit('preProcessor.ready', { dispatched: true, polls: 3 });
    emit('tasks.discovered', { total: 4, discovered: 4 });
    emit('progress', progress(2, 4));
    display.line('Cancelling… (Ctrl-C again to abort in-flight tasks)');
    emit('progress', progress(4, 4));
    emit('job.finished', {});
    await new Promise((resolve) => setImmediate(resolve));

    const output = text();
    // The wait is one line rewritten in place (carriage return + erase line), ended when ready.
    expect(output).toContain('\r\x1b[2KPre-processor: waiting 1s/3m00s NOT_STARTED (poll 1)');
    expect(output).toContain('\r\x1b[2KPre-processor: waiting 2s/3m00s DEPLOYING (poll 2)');
    expect(output).toContain('\r\x1b[2KPre-processor ready: RUNNING (3 polls)\n');
    expect(output).toMatch(/Annotating █+░* 2\/4 \| ok 2 \| failed 0 \| 10\.0 tasks\/s \| ETA 0s/);
    expect(output).toMatch(/Annotating █+ 4\/4 \| ok 4 \| failed 0/);
    expect(output).toContain('\r\x1b[2KCancelling… (Ctrl-C again to abort in-flight tasks)\n');
    expect(output.endsWith('\n')).toBe(true);
  });

  describe('the wait counter on a terminal', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it.each([
      ['preProcessor.ready', { dispatched: true, polls: 3 }],
      ['preProcessor.failed', { message: 'Pre-processor did not become ready within timeout' }],
    ])('ticks between polls and stops at %s', (type, event) => {
      vi.useFakeTimers();
      const { stream, text } = fakeStream(true);
      let now = 0;
      const display = new JobDisplay({ stream, now: () => now });
      const { action, emit } = fakeAction();
      display.attach(action);

      emit('preProcessor.waiting', {
        elapsedSeconds: 11,
        timeoutSeconds: 180,
        lastStatus: 'DEPLOYING',
        polls: 2,
      });
      now = 1_000;
      vi.advanceTimersByTime(1_000);
      expect(text()).toContain('Pre-processor: waiting 12s/3m00s DEPLOYING (poll 2)');
      emit(type, event);
      emit('job.phase', { phase: 'annotating' });
      const ended = text().length;
      now = 5_000;
      vi.advanceTimersByTime(4_000);

      expect(vi.getTimerCount()).toBe(0);
      expect(text().slice(ended)).toBe('');
      expect(text().endsWith('\r\x1b[2KDiscovering tasks…')).toBe(true);
      display.finish();
    });
  });
});

describe('formatSummary', () => {
  it('shows the status, the counts and the first failures, redacted', () => {
    const failures = Array.from({ length: 7 }, (_, i) => ({
      task_id: 1001 + i,
      error: `Could not fetch task (ClientError 500) at https://h/x?sig=abc token tkn-secret-1`,
    }));
    const text = formatSummary(
      {
        status: 'SUCCEEDED',
        message: 'Annotated 13 of 20 tasks (7 failed)',
        total_tasks: 20,
        success_count: 13,
        failed_count: 7,
        skipped_count: 0,
        failures,
      },
      { elapsedMs: 3120, secrets: ['tkn-secret-1'], moreHint: 'run with --json for all of them' },
    );

    expect(text.split('\n')).toEqual([
      'SUCCEEDED: Annotated 13 of 20 tasks (7 failed)',
      '  20 tasks: 13 succeeded, 7 failed, 0 not started (3.1s)',
      '  Failures (first 5 of 7):',
      '    task 1001: Could not fetch task (ClientError 500) at [URL] token [REDACTED]',
      '    task 1002: Could not fetch task (ClientError 500) at [URL] token [REDACTED]',
      '    task 1003: Could not fetch task (ClientError 500) at [URL] token [REDACTED]',
      '    task 1004: Could not fetch task (ClientError 500) at [URL] token [REDACTED]',
      '    task 1005: Could not fetch task (ClientError 500) at [URL] token [REDACTED]',
      '    … and 2 more (run with --json for all of them)',
    ]);
  });
});
