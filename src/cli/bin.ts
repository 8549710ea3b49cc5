#!/usr/bin/env node
/**
 * The `to-task` executable.
 */
import { errorTypeName } from '../../machines/errors.js';
import { main } from './main.js';
import { cliErrorLine, environmentSecrets, rememberSecrets } from './secrets.js';

// A last line of defence: whatever escapes (a plugin's stray rejection), print one redacted line, not a stack. The
// secrets include the `--host` / `--token` / `--tenant` values `to-task run` remembers once it has read them.
rememberSecrets(environmentSecrets(process.env));
const crash = (error: unknown) => {
  process.stderr.write(`Unexpected error (${errorTypeName(error)}): ${cliErrorLine(error)}\n`);
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

const code = await main(process.argv);
// Flush what is buffered, then exit even if a keep-alive socket or a timer would hold the process open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
