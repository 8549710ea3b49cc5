/**
 * Ctrl-C while a job runs: the first SIGINT stops taking new tasks and lets the tasks in flight finish, the second
 * aborts them, a third quits at once. SIGTERM aborts the tasks in flight straight away. Either way the job still ends
 * with a `STOPPED` result, which the CLI prints before exiting 130 (SIGINT) or 143 (SIGTERM).
 */
import { exitCodes } from './exitCodes.js';

/** What can be cancelled: a `ToTaskAction`. */
export interface Cancellable {
  cancel(options?: { abort?: boolean }): void;
}

/** Options of {@link Interrupts}. */
export interface InterruptsOptions {
  /** Prints a notice (through the progress display, so the bar is not garbled). */
  say: (text: string) => void;
  /** Ends the process when there is nothing to cancel or the user insists; default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * The process's SIGINT / SIGTERM handling while the CLI runs jobs.
 *
 * @example
 * const interrupts = new Interrupts({ say: (text) => display.line(text) }).install();
 * interrupts.watch(action);
 * const result = await action.run();
 * interrupts.dispose();
 * process.exitCode = interrupts.signal ? 130 : 0;
 */
export class Interrupts {
  #say: (text: string) => void;
  readonly #exit: (code: number) => void;
  /** The job Ctrl-C cancels; null between jobs, when Ctrl-C quits at once. */
  #target: Cancellable | null = null;
  #sigints = 0;
  #signal: 'SIGINT' | 'SIGTERM' | undefined;
  readonly #onSigint = () => this.#interrupt('SIGINT');
  readonly #onSigterm = () => this.#interrupt('SIGTERM');

  constructor(options: InterruptsOptions) {
    this.#say = options.say;
    this.#exit = options.exit ?? ((code) => process.exit(code));
  }

  /** The first signal received, if any. */
  get signal(): 'SIGINT' | 'SIGTERM' | undefined {
    return this.#signal;
  }

  /** Starts listening to SIGINT and SIGTERM. */
  install(): this {
    process.on('SIGINT', this.#onSigint);
    process.on('SIGTERM', this.#onSigterm);
    return this;
  }

  /** Stops listening. */
  dispose(): void {
    process.off('SIGINT', this.#onSigint);
    process.off('SIGTERM', this.#onSigterm);
  }

  /** The job a signal now cancels (null: a signal quits at once), and where notices go. */
  watch(target: Cancellable | null, say?: (text: string) => void): void {
    this.#target = target;
    if (say) this.#say = say;
  }

  #interrupt(signal: 'SIGINT' | 'SIGTERM'): void {
    this.#signal ??= signal;
    const code = signal === 'SIGINT' ? exitCodes.interrupted : exitCodes.terminated;
    const target = this.#target;
    if (target === null) {
      this.#say(signal === 'SIGINT' ? 'Interrupted.' : 'Terminated.');
      this.#exit(code);
      return;
    }
    if (signal === 'SIGTERM') {
      this.#say('Terminating: aborting the tasks in flight…');
      target.cancel({ abort: true });
      return;
    }
    this.#sigints += 1;
    if (this.#sigints === 1) {
      this.#say('Cancelling… (Ctrl-C again to abort in-flight tasks)');
      target.cancel();
    } else if (this.#sigints === 2) {
      this.#say('Aborting the tasks in flight… (Ctrl-C again to quit at once)');
      target.cancel({ abort: true });
    } else {
      this.#say('Quitting.');
      this.#exit(code);
    }
  }
}
