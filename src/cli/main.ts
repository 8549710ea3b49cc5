/**
 * The `to-task` command line: `run`, `sandbox` and `demo`, parsed with commander. Every failure ends as one line on
 * stderr and an exit code; no stack trace and no secret is ever printed.
 */
import { Command, CommanderError, Option } from 'commander';
import { errorTypeName } from '../../machines/errors.js';
import { exitCodes, UsageError } from './exitCodes.js';
import { type CliIo, processIo } from './io.js';
import {
  concurrency,
  defaultSandboxPort,
  jobId,
  nonNegativeInteger,
  positiveInteger,
  positiveSeconds,
} from './options.js';
import { packageVersion } from './packageRoot.js';
import type { RunFlags } from './run.js';
import type { SandboxFlags } from './sandbox.js';
import { cliErrorLine, environmentSecrets, rememberSecrets, scrubCli } from './secrets.js';

const runHelp = `
Environment (used when the flag is absent):
  SYNAPSE_HOST            the platform's API root (--host)
  SYNAPSE_ACCESS_TOKEN    the access token (--token; prefer the variable: flags show in process lists)
  SYNAPSE_TENANT          the tenant code (--tenant)

Exit codes:
  0    SUCCEEDED          1    FAILED (job error, or every task failed)
  2    bad usage, invalid params (the field is named) or a plugin that cannot be loaded
  130  interrupted: Ctrl-C stops taking new tasks and lets the tasks in flight finish
       (Ctrl-C again aborts them); the STOPPED result is still printed

Example:
  to-task sandbox &    # then export the SYNAPSE_HOST / SYNAPSE_ACCESS_TOKEN it prints
  to-task run --plugin examples/plugin --params examples/params/inference.yaml --json > result.json`;

/** `--concurrency`, the same on `run` and `demo`. */
function concurrencyOption(): Option {
  return new Option('--concurrency <n>', 'tasks annotated at once (default 8, at most 1024)').argParser(
    concurrency,
  );
}

/**
 * The commander program. Each action stores its exit code in `exit.code`.
 *
 * @example
 * const exit = { code: 0 };
 * await createProgram(processIo(), exit).parseAsync(['node', 'to-task', 'demo']);
 */
export function createProgram(io: CliIo, exit: { code: number }): Command {
  const program = new Command('to-task')
    .description("Run Synapse's pre-annotation to_task action: fill tasks' data from data files or a model.")
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  program
    .command('run')
    .description('Run a to_task job of a plugin directory against the platform (or the sandbox).')
    .requiredOption('--plugin <dir>', 'plugin directory (config.yaml + plugin/to_task.{ts,mts,js,mjs})')
    .requiredOption('--params <file>', 'job parameters, .json or .yaml')
    .option('--host <url>', 'platform API root (default: $SYNAPSE_HOST)')
    .option('--token <token>', 'access token (default: $SYNAPSE_ACCESS_TOKEN)')
    .option('--tenant <code>', 'tenant code (default: $SYNAPSE_TENANT)')
    .addOption(concurrencyOption())
    .addOption(
      new Option('--poll-interval <seconds>', 'pre-processor poll interval (default 10)').argParser(
        positiveSeconds,
      ),
    )
    .addOption(
      new Option(
        '--timeout <seconds>',
        'pre-processor readiness timeout from dispatch (default 180)',
      ).argParser(positiveSeconds),
    )
    .addOption(
      new Option(
        '--hook-timeout <seconds>',
        'fail a task whose hook has not returned by then (default: no limit)',
      ).argParser(positiveSeconds),
    )
    .addOption(new Option('--job-id <id>', 'report progress and logs to this platform job').argParser(jobId))
    .option('--json', 'print only the result JSON on stdout (progress stays on stderr)')
    .addOption(
      new Option(
        '--inspect [port]',
        'serve the offline inspector on 127.0.0.1 while the job runs (no port or 0: a free one)',
      ).argParser(nonNegativeInteger),
    )
    .addHelpText('after', runHelp)
    .action(async (flags: RunFlags) => {
      const { runCommand } = await import('./run.js');
      exit.code = await runCommand(flags, io);
    });

  program
    .command('sandbox')
    .description('Run the local sandbox platform (seeded demo project, fault injection) until Ctrl-C.')
    .addOption(
      new Option('--port <port>', 'port to listen on; 0 picks a free one')
        .default(defaultSandboxPort)
        .argParser(nonNegativeInteger),
    )
    .option('--listen <address>', 'interface to listen on (default 127.0.0.1)')
    .option('--token <token>', 'the access token to require (default: random)')
    .addOption(
      new Option('--tasks <n>', 'tasks in the demo project (default 300)').argParser(nonNegativeInteger),
    )
    .option('--scenario <file>', 'faults to inject, a JSON scenario (see the README)')
    .addOption(
      new Option('--deploy-delay <ms>', 'milliseconds from dispatch to RUNNING (default 1500)').argParser(
        nonNegativeInteger,
      ),
    )
    .action(async (flags: SandboxFlags & { listen?: string }) => {
      const { listen, ...rest } = flags;
      const { sandboxCommand } = await import('./sandbox.js');
      exit.code = await sandboxCommand(listen === undefined ? rest : { ...rest, host: listen }, io);
    });

  program
    .command('demo')
    .description('Start the sandbox and run the example plugin by both methods (what `npm start` runs).')
    .addOption(new Option('--tasks <n>', 'tasks in the demo project (default 60)').argParser(positiveInteger))
    .addOption(
      new Option('--deploy-delay <ms>', 'milliseconds from dispatch to RUNNING (default 2000)').argParser(
        nonNegativeInteger,
      ),
    )
    .addOption(concurrencyOption())
    .action(async (flags: { tasks?: number; deployDelay?: number; concurrency?: number }) => {
      const { demoCommand } = await import('./demo.js');
      exit.code = await demoCommand(flags, io);
    });

  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and returns the exit code. Never throws.
 *
 * @example
 * process.exitCode = await main(process.argv);
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const exit = { code: exitCodes.succeeded as number };
  rememberSecrets(environmentSecrets(io.env));
  const program = createProgram(io, exit);
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return exitCodes.usage;
    }
    await program.parseAsync([...argv]);
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? exitCodes.succeeded
        : exitCodes.usage;
    }
    // The environment's and the flags' secrets are never printed, even in an error that quotes them by accident.
    if (error instanceof UsageError) {
      io.stderr.write(`Error: ${scrubCli(error.message)}\n`);
      return exitCodes.usage;
    }
    io.stderr.write(`Unexpected error (${errorTypeName(error)}): ${cliErrorLine(error)}\n`);
    return exitCodes.failed;
  }
}
