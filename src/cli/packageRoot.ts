/**
 * Where this package lives: for its version, its examples and the command lines the CLI prints.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageName = 'synapse-to-task';

/**
 * The directory of this package's `package.json` (the repository root, or `node_modules/synapse-to-task`).
 *
 * @example
 * join(packageRoot(), 'examples', 'plugin');
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === packageName) return dir;
      } catch {
        // Not ours or not readable: keep climbing.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the ${packageName} package root`);
    dir = parent;
  }
}

/** This package's version. */
export function packageVersion(): string {
  const json = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return json.version ?? '0.0.0';
}

/** A path as the user would type it from the current directory. */
export function shownPath(path: string, cwd = process.cwd()): string {
  const shown = relative(cwd, path);
  return shown === '' ? '.' : shown.startsWith('..') && shown.split('/').length > 4 ? path : shown;
}

/**
 * How the user runs this CLI, for the command lines it prints: `node dist/src/cli/bin.js` from a checkout, else the
 * name it was called by (`to-task`).
 */
export function cliInvocation(argv1 = process.argv[1]): string {
  if (argv1 === undefined) return 'to-task';
  const name = basename(argv1);
  if (name === 'bin.js') return `node ${shownPath(argv1)}`;
  if (name === 'bin.ts') return `npx tsx ${shownPath(argv1)}`;
  return name;
}
