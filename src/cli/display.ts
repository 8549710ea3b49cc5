/**
 * The live view of a running job on stderr: a progress bar (counts, success / failed, rate, ETA) and an in-place
 * pre-processor status line on a terminal; plain, throttled lines otherwise (CI logs, pipes). Every line is redacted.
 */
import { SingleBar } from 'cli-progress';
import type { ToTaskAction } from '../action.js';
import { redact } from '../client/redact.js';
import type { ToTaskEventListeners } from '../events.js';
import { formatBytes, formatRate, formatSeconds, plural } from './format.js';

/** Where the display writes: stderr, or any stream with `write`. */
export interface DisplayStream extends NodeJS.WritableStream {
  isTTY?: boolean;
}

/** Options of {@link JobDisplay}. */
export interface JobDisplayOptions {
  stream: DisplayStream;
  /** Draw a live bar and rewrite status lines in place; default: whether `stream` is a terminal. */
  tty?: boolean;
  /** Strings never to print (token, host, tenant). */
  secrets?: readonly string[];
  /** Milliseconds between plain progress lines (the last one is always printed). Default 1000. */
  plainIntervalMs?: number;
  /** Clock for throttling and the live wait counter; default `Date.now`. */
  now?: () => number;
}

type Listener<Name extends keyof ToTaskEventListeners> = Parameters<ToTaskEventListeners[Name]>[0];

function describeResources(params: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (typeof value !== 'number') continue;
    parts.push(key === 'memory' ? `memory ${formatBytes(value)}` : `${key.replace(/^num_/, '')} ${value}`);
  }
  return parts.join(', ');
}

/**
 * Shows one job's events on a stream.
 *
 * @example
 * const display = new JobDisplay({ stream: process.stderr, secrets: [token] });
 * const detach = display.attach(action);
 * const result = await action.run();
 * detach();
 */
export class JobDisplay {
  readonly #stream: DisplayStream;
  readonly #tty: boolean;
  readonly #secrets: readonly string[];
  readonly #plainIntervalMs: number;
  readonly #now: () => number;
  /** The bar, once tasks are discovered (terminal only). */
  #bar: SingleBar | null = null;
  /** An in-place status line is showing (terminal only): the next line must start below it. */
  #statusOpen = false;
  /** Ticks the pre-processor wait counter between polls (terminal only). */
  #ticker: NodeJS.Timeout | null = null;
  /** When the last plain progress line was printed, and for how many tasks done. */
  #lastPlainAt = Number.NEGATIVE_INFINITY;
  #lastPlainDone = -1;
  #lastProgress: Listener<'progress'> | null = null;
  #total = 0;
  /** When the deployment was dispatched, for the wait's length. */
  #dispatchedAt: number | null = null;

  constructor(options: JobDisplayOptions) {
    this.#stream = options.stream;
    this.#tty = options.tty ?? options.stream.isTTY === true;
    this.#secrets = options.secrets ?? [];
    this.#plainIntervalMs = options.plainIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether the display draws a live bar. */
  get tty(): boolean {
    return this.#tty;
  }

  /** Prints a line of its own, below whatever is live. */
  line(text: string): void {
    this.#stopTicker();
    this.#endStatus();
    const shown = redact(text, this.#secrets);
    if (this.#bar) {
      // The bar's line is cleared and the text takes it; the bar redraws below, where the cursor is saved again
      // (the bar restores the saved position when it stops).
      this.#stream.write(`\r\x1b[2K${shown}\n\x1b7`);
      this.#bar.render();
    } else {
      this.#stream.write(`${shown}\n`);
    }
  }

  /** Shows `action`'s events until the returned function is called (or the job finishes). */
  attach(action: ToTaskAction): () => void {
    const listeners: { [Name in keyof ToTaskEventListeners]?: ToTaskEventListeners[Name] } = {
      'job.started': (event) =>
        this.line(`Job "${event.name}": method ${event.method}, project ${event.project}`),
      'job.phase': (event) => this.#phase(event.phase),
      'preProcessor.detecting': (event) =>
        this.#status(`Pre-processor ${event.pluginCode}: detecting (agent ${event.agent})…`, true),
      'preProcessor.dispatching': (event) => {
        this.#dispatchedAt = this.#now();
        this.#status(
          `Pre-processor: not running; dispatching (${describeResources(
            event.params as unknown as Record<string, unknown>,
          )})`,
          true,
        );
      },
      'preProcessor.waiting': (event) => this.#waiting(event),
      'preProcessor.ready': (event) => {
        this.#stopTicker();
        this.#status(this.#readyText(event), true);
      },
      'preProcessor.failed': (event) => {
        this.#stopTicker();
        this.line(`Pre-processor failed: ${event.message}`);
      },
      'tasks.discovered': (event) => this.#discovered(event.total),
      progress: (event) => this.#progress(event),
      'report.failed': (event) =>
        this.line(`Reporting to the platform failed (the job goes on): ${event.message}`),
      'job.finished': () => this.finish(),
    };
    for (const [name, listener] of Object.entries(listeners)) {
      action.on(name as keyof ToTaskEventListeners, listener as never);
    }
    return () => {
      for (const [name, listener] of Object.entries(listeners)) {
        action.off(name as keyof ToTaskEventListeners, listener as never);
      }
      this.finish();
    };
  }

  /** Stops the bar and the ticker, leaving the last figures on screen. Idempotent. */
  finish(): void {
    this.#stopTicker();
    if (this.#bar) {
      if (this.#lastProgress) this.#bar.update(this.#lastProgress.done, this.#payload(this.#lastProgress));
      this.#bar.stop();
      this.#bar = null;
    } else if (!this.#tty && this.#lastProgress && this.#lastPlainDone !== this.#lastProgress.done) {
      this.#plainLine(this.#lastProgress);
    }
    this.#endStatus();
  }

  #readyText(event: Listener<'preProcessor.ready'>): string {
    if (!event.dispatched) return 'Pre-processor ready: already RUNNING, nothing to deploy';
    const after =
      this.#dispatchedAt === null ? '' : ` after ${formatSeconds((this.#now() - this.#dispatchedAt) / 1000)}`;
    return `Pre-processor ready: RUNNING${after} (${plural(event.polls, 'poll')})`;
  }

  #phase(phase: Listener<'job.phase'>['phase']): void {
    if (phase === 'loading') this.line('Loading the project…');
    else if (phase === 'annotating') this.#status('Discovering tasks…', false);
    else if (phase === 'draining') this.line('No new task starts; waiting for the tasks in flight…');
  }

  #waiting(event: Listener<'preProcessor.waiting'>): void {
    const describe = (elapsed: number) =>
      `Pre-processor: waiting ${formatSeconds(elapsed)}/${formatSeconds(event.timeoutSeconds)} ${
        event.lastStatus ?? 'no status yet'
      } (poll ${event.polls})`;
    if (!this.#tty) {
      this.line(describe(event.elapsedSeconds));
      return;
    }
    this.#status(describe(event.elapsedSeconds), false);
    this.#stopTicker();
    const seenAt = this.#now();
    this.#ticker = setInterval(() => {
      const elapsed = Math.min(event.timeoutSeconds, event.elapsedSeconds + (this.#now() - seenAt) / 1000);
      this.#status(describe(elapsed), false);
    }, 250);
    this.#ticker.unref();
  }

  #discovered(total: number): void {
    this.#stopTicker();
    const first = this.#total === 0;
    this.#total = total;
    if (!this.#tty) {
      if (first) this.line(`Annotating ${plural(total, 'task')}…`);
      return;
    }
    if (this.#bar) {
      this.#bar.setTotal(total);
      return;
    }
    this.#clearStatus();
    this.#bar = new SingleBar({
      stream: this.#stream,
      format:
        'Annotating {bar} {value}/{total} | ok {success} | failed {failed} | {rate} tasks/s | ETA {etaText}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      barsize: 30,
      hideCursor: true,
      gracefulExit: false,
      linewrap: false,
      // Lines printed while the bar is live take its place; it redraws below them on the next frame.
      forceRedraw: true,
      fps: 10,
    });
    this.#bar.start(total, 0, { success: 0, failed: 0, rate: '0', etaText: '—' });
  }

  #payload(event: Listener<'progress'>) {
    return {
      success: event.success,
      failed: event.failed,
      rate: formatRate(event.tasksPerSecond),
      etaText: formatSeconds(event.etaSeconds),
    };
  }

  #progress(event: Listener<'progress'>): void {
    this.#lastProgress = event;
    if (this.#bar) {
      if (event.total !== this.#total) {
        this.#total = event.total;
        this.#bar.setTotal(event.total);
      }
      this.#bar.update(event.done, this.#payload(event));
      return;
    }
    if (this.#tty) return;
    const now = this.#now();
    if (event.done >= event.total || now - this.#lastPlainAt >= this.#plainIntervalMs) this.#plainLine(event);
  }

  #plainLine(event: Listener<'progress'>): void {
    this.#lastPlainAt = this.#now();
    this.#lastPlainDone = event.done;
    this.line(
      `Progress: ${event.done}/${event.total} (ok ${event.success}, failed ${event.failed}) ${formatRate(
        event.tasksPerSecond,
      )} tasks/s, ETA ${formatSeconds(event.etaSeconds)}`,
    );
  }

  /** A status that replaces the previous one in place on a terminal; `done` ends it with a newline. */
  #status(text: string, done: boolean): void {
    if (!this.#tty) {
      this.line(text);
      return;
    }
    // A pseudo-terminal may report 0 columns: then assume a usual width.
    const columns = (this.#stream as { columns?: number }).columns || 120;
    const shown = redact(text, this.#secrets);
    this.#stream.write(`\r\x1b[2K${shown.length > columns - 1 ? `${shown.slice(0, columns - 2)}…` : shown}`);
    this.#statusOpen = true;
    if (done) this.#endStatus();
  }

  /** Removes the in-place status line (the bar takes its place). */
  #clearStatus(): void {
    if (!this.#statusOpen) return;
    this.#statusOpen = false;
    this.#stream.write('\r\x1b[2K');
  }

  #endStatus(): void {
    if (!this.#statusOpen) return;
    this.#statusOpen = false;
    this.#stream.write('\n');
  }

  #stopTicker(): void {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
  }
}
