/**
 * Importing a plugin's entrypoint: TypeScript without a build step (tsx's loader, registered once per process), and
 * `synapse-to-task` resolved to this very copy of the package wherever the plugin lives, so `ToTaskAction` in the
 * plugin is the class the job runner knows.
 */
import { register as registerHooks } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';

/** The specifier a plugin imports the library by. */
export const packageName = 'synapse-to-task';

/** This package's entry module (`dist/src/index.js` when built, `src/index.ts` when run from source). */
export const packageEntryUrl: string = new URL(
  `../index${extname(fileURLToPath(import.meta.url)) === '.ts' ? '.ts' : '.js'}`,
  import.meta.url,
).href;

/**
 * A module loader hook (run by Node on its loader thread): the bare specifier `synapse-to-task` resolves to
 * `data.entry`; everything else resolves as usual. Inline, so no file has to be found next to the compiled code.
 */
const aliasHooks = `
let entry = '';
export function initialize(data) { entry = data.entry; }
export async function resolve(specifier, context, nextResolve) {
  if (specifier === ${JSON.stringify(packageName)} && entry) return { url: entry, shortCircuit: true };
  return nextResolve(specifier, context);
}
`;

/** Registering twice would stack hooks; once per process is enough. */
let registered = false;

function registerLoaders(): void {
  if (registered) return;
  registered = true;
  registerTsx();
  // Registered after tsx, so it runs first: the alias wins over a copy installed beside the plugin.
  registerHooks(`data:text/javascript,${encodeURIComponent(aliasHooks)}`, {
    parentURL: import.meta.url,
    data: { entry: packageEntryUrl },
  });
}

/**
 * Imports a plugin module by absolute path (`.ts`, `.mts`, `.js`, `.mjs`) and returns its namespace.
 *
 * @example
 * const namespace = await importPluginModule('/plugins/detector/plugin/to_task.ts');
 */
export async function importPluginModule(file: string): Promise<Record<string, unknown>> {
  registerLoaders();
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}
