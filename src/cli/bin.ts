#!/usr/bin/env node
/**
 * The `to-task` executable.
 */
import { errorTypeName } from '../../machines/errors.js';
import { redact } from '../client/redact.js';
import { main } from './main.js';

// A last line of defence: whatever escapes (a plugin's stray rejection), print one redacted line, not a stack.
const secrets = [process.env.SYNAPSE_ACCESS_TOKEN, process.env.SYNAPSE_HOST, process.env.SYNAPSE_TENANT];
const crash = (error: unknown) => {
  const message = redact(error instanceof Error ? error.message : String(error), secrets).split('\n', 1)[0];
  process.stderr.write(`Unexpected error (${errorTypeName(error)}): ${message}\n`);
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

const code = await main(process.argv);
// Flush what is buffered, then exit even if a keep-alive socket or a timer would hold the process open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
