/**
 * Reading what the user gave: numeric flags (validated, the flag named in the error), the platform connection from
 * flags or the environment, and the params file (JSON or YAML).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { maxConcurrency, maxSeconds } from '../../machines/options.js';
import { errorLine } from '../client/redact.js';
import { UsageError } from './exitCodes.js';

/** `to-task sandbox`'s default port: stable, so the printed `export` lines stay valid across restarts. */
export const defaultSandboxPort = 8787;

/** Commander argument parser: a positive integer (`--tasks 60`). */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError('Expected a positive integer.');
  }
  return number;
}

/** Commander argument parser: a concurrency (`--concurrency 8`), at most {@link maxConcurrency}. */
export function concurrency(value: string): number {
  const number = positiveInteger(value);
  if (number > maxConcurrency) throw new InvalidArgumentError(`Expected at most ${maxConcurrency}.`);
  return number;
}

/** Commander argument parser: a non-negative integer (`--port 0`). */
export function nonNegativeInteger(value: string): number {
  const number = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(number)) {
    throw new InvalidArgumentError('Expected a non-negative integer.');
  }
  return number;
}

/** Commander argument parser: a positive number of seconds (`--poll-interval 0.5`). */
export function positiveSeconds(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError('Expected a positive number of seconds.');
  }
  if (number > maxSeconds) throw new InvalidArgumentError(`Expected at most ${maxSeconds} seconds.`);
  return number;
}

/** Commander argument parser: a platform job id (digits, letters, `-`, `_`): it becomes part of `jobs/{id}/`. */
export function jobId(value: string): string {
  if (!/^[\w-]{1,64}$/.test(value)) {
    throw new InvalidArgumentError('Expected a job id (letters, digits, "-" or "_").');
  }
  return value;
}

/** Where and as whom to reach the platform. */
export interface Connection {
  host: string;
  token: string;
  tenant?: string;
}

/**
 * The connection from flags, else `SYNAPSE_HOST`, `SYNAPSE_ACCESS_TOKEN` and `SYNAPSE_TENANT`. A missing host or
 * token is a {@link UsageError} saying how to give it.
 *
 * @example
 * resolveConnection({ host: undefined }, { SYNAPSE_HOST: 'http://127.0.0.1:8787/', SYNAPSE_ACCESS_TOKEN: 't' });
 */
export function resolveConnection(
  flags: { host?: string; token?: string; tenant?: string },
  env: NodeJS.ProcessEnv,
): Connection {
  const pick = (flag: string | undefined, name: string) => {
    const value = flag ?? env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const host = pick(flags.host, 'SYNAPSE_HOST');
  const token = pick(flags.token, 'SYNAPSE_ACCESS_TOKEN');
  const tenant = pick(flags.tenant, 'SYNAPSE_TENANT');
  if (host === undefined) {
    throw new UsageError('Missing the platform address: pass --host <url> or set SYNAPSE_HOST');
  }
  if (token === undefined) {
    throw new UsageError('Missing the access token: set SYNAPSE_ACCESS_TOKEN (or pass --token <token>)');
  }
  return tenant === undefined ? { host, token } : { host, token, tenant };
}

/**
 * Reads a params file: `.json` as JSON, anything else (`.yaml`, `.yml`) as YAML. Returns the raw value, to be
 * validated by `parseToTaskParams`.
 *
 * @example
 * const raw = await readParamsFile('examples/params/inference.yaml');
 */
export async function readParamsFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `Params file not found: ${path}`
        : `Cannot read params file ${path} (${code ?? 'error'})`,
    );
  }
  try {
    return extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `Params file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${errorLine(error)}`,
    );
  }
}
