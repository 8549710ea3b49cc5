/**
 * Builds the package once before the tests, so the CLI tests run the real binary (`dist/src/cli/bin.js`) as a child
 * process. `TO_TASK_SKIP_BUILD=1` skips the build only while `dist/` is current: when a file under `machines/` or
 * `src/` is newer than `dist/src/cli/bin.js` (or that file is missing), it builds anyway and says so.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The path of the newest file under `dir`, and its modification time. */
function newestFile(dir: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const { mtimeMs } = statSync(path);
    if (newest === undefined || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}

/** Why `dist/` cannot be trusted, or undefined when it is newer than every source file. */
function staleReason(root: string): string | undefined {
  let builtAt: number;
  try {
    builtAt = statSync(join(root, 'dist/src/cli/bin.js')).mtimeMs;
  } catch {
    return 'dist/src/cli/bin.js is missing';
  }
  for (const dir of ['machines', 'src']) {
    const newest = newestFile(join(root, dir));
    if (newest && newest.mtimeMs > builtAt) return `${newest.path.slice(root.length)} is newer than dist/`;
  }
  return undefined;
}

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (process.env.TO_TASK_SKIP_BUILD === '1') {
    const reason = staleReason(root);
    if (reason === undefined) return;
    process.stderr.write(`TO_TASK_SKIP_BUILD=1 ignored: ${reason}; building.\n`);
  }
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`npm run build failed before the tests:\n${output}`);
  }
}
