/**
 * Loading a to_task plugin from its directory (SPEC §4): `config.yaml` → `actions.to_task.entrypoint` →
 * `plugin/to_task.{ts,mts,js,mjs}` → the named export, checked to be usable by `createToTaskAction`.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { errorTypeName } from '../../machines/errors.js';
import {
  createToTaskAction,
  hasToTaskHooks,
  isToTaskActionClass,
  type ToTaskAction,
  type ToTaskActionOptions,
  type ToTaskPlugin,
} from '../action.js';
import { errorLine } from '../client/redact.js';
import { type PluginConfig, PluginConfigError, parsePluginConfig } from './config.js';
import { PluginLoadError } from './errors.js';
import { importPluginModule } from './importModule.js';

/** The file extensions an entrypoint module may have, in the order they are tried. */
export const entrypointExtensions = ['.ts', '.mts', '.js', '.mjs'] as const;

/** How a plugin's export is used. */
export type PluginExportKind = 'action-subclass' | 'class' | 'object';

/** A loaded plugin: what `createToTaskAction` takes, and where it came from. */
export interface LoadedPlugin {
  /** The plugin directory, absolute. */
  dir: string;
  /** The validated `config.yaml`. */
  config: PluginConfig;
  /** The entrypoint as declared (`plugin.to_task.ToTask`). */
  entrypoint: string;
  /** The module file that was imported, absolute. */
  file: string;
  /** The export's name (`ToTask`). */
  exportName: string;
  /** The export itself: pass it to `createToTaskAction` (or {@link createPluginAction}). */
  plugin: ToTaskPlugin;
  /** What the export is. */
  kind: PluginExportKind;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether Node (and tsx) load `file` as CommonJS: a `.ts` / `.js` file whose nearest `package.json` does not say
 * `"type": "module"`. Such a plugin cannot import `synapse-to-task` (an ES module) in Node 20.
 */
async function loadsAsCommonJs(file: string): Promise<boolean> {
  if (!/\.(ts|js)$/.test(file)) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      const json = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { type?: unknown };
      return json.type !== 'module';
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') return false;
    }
    if (dirname(dir) === dir) return true;
  }
}

/** `plugin/to_task.ts`, with `/` on every platform: what the user sees. */
function shown(dir: string, file: string): string {
  return relative(dir, file).split(sep).join('/');
}

function kindOf(value: unknown): PluginExportKind | string {
  if (isToTaskActionClass(value)) return 'action-subclass';
  if (typeof value === 'function') {
    return hasToTaskHooks(value.prototype)
      ? 'class'
      : `a ${value.prototype ? 'class or function' : 'function'} ${missingHooks(value.prototype)}`;
  }
  if (hasToTaskHooks(value)) return 'object';
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `${typeof value}`;
  return `an object ${missingHooks(value)}`;
}

function missingHooks(value: unknown): string {
  const missing = (['convertDataFromFile', 'convertDataFromInference'] as const).filter(
    (name) => typeof (value as Record<string, unknown> | undefined)?.[name] !== 'function',
  );
  return `without ${missing.join(' and ')}`;
}

function exportNames(namespace: Record<string, unknown>): string[] {
  const names = Object.keys(namespace);
  const fallback = namespace.default;
  // A CommonJS module's exports arrive as `default`: list what it exports too.
  if (typeof fallback === 'object' && fallback !== null && !Array.isArray(fallback)) {
    for (const name of Object.keys(fallback)) if (!names.includes(name)) names.push(name);
  }
  return names;
}

function exportOf(namespace: Record<string, unknown>, name: string): unknown {
  if (name in namespace) return namespace[name];
  const fallback = namespace.default;
  if (typeof fallback === 'object' && fallback !== null && name in fallback) {
    return (fallback as Record<string, unknown>)[name];
  }
  return undefined;
}

/**
 * Loads the to_task plugin of a directory: reads and validates `config.yaml`, resolves
 * `actions.to_task.entrypoint` (`plugin.to_task.ToTask` → `<dir>/plugin/to_task.{ts,mts,js,mjs}`, first that exists),
 * imports it (TypeScript without a build step) and returns its named export. Every failure is a
 * {@link PluginLoadError} with a one-line message naming the file or field at fault.
 *
 * A plugin that imports `synapse-to-task` gets this copy of the package, wherever its directory is.
 *
 * @example
 * const loaded = await loadPlugin('examples/plugin');
 * const action = createToTaskAction(loaded.plugin, { params, client });
 */
export async function loadPlugin(pluginDir: string): Promise<LoadedPlugin> {
  const dir = resolve(pluginDir);
  if (!(await isDirectory(dir))) {
    throw new PluginLoadError('plugin_dir_not_found', pluginDir, `Plugin directory not found: ${pluginDir}`);
  }
  const configFile = join(dir, 'config.yaml');
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch {
    throw new PluginLoadError(
      'config_not_found',
      pluginDir,
      `Plugin config not found: ${pluginDir}/config.yaml`,
    );
  }
  let config: PluginConfig;
  try {
    config = parsePluginConfig(text);
  } catch (error) {
    if (!(error instanceof PluginConfigError)) throw error;
    const code = error.kind === 'action_missing' ? 'action_missing' : 'config_invalid';
    const lead = error.kind === 'action_missing' ? 'Plugin config' : 'Invalid plugin config';
    throw new PluginLoadError(code, pluginDir, `${lead} (${pluginDir}/config.yaml): ${error.message}`);
  }

  const entrypoint = config.toTask.entrypoint;
  const parts = entrypoint.split('.');
  const exportName = parts.pop()!;
  const base = join(dir, ...parts);
  const candidates = entrypointExtensions.map((extension) => `${base}${extension}`);
  let file: string | undefined;
  for (const candidate of candidates) {
    if (await isFile(candidate)) {
      file = candidate;
      break;
    }
  }
  if (file === undefined) {
    throw new PluginLoadError(
      'entrypoint_not_found',
      pluginDir,
      `Entrypoint module ${parts.join('.')} of ${entrypoint} not found in ${pluginDir}: tried ${candidates
        .map((candidate) => shown(dir, candidate))
        .join(', ')}`,
    );
  }

  let namespace: Record<string, unknown>;
  try {
    namespace = await importPluginModule(file);
  } catch (error) {
    const hint = (await loadsAsCommonJs(file))
      ? ` (it loads as CommonJS: rename it to ${shown(dir, file).replace(/\.(ts|js)$/, '.m$1')} or put a package.json with "type": "module" in ${pluginDir})`
      : '';
    throw new PluginLoadError(
      'entrypoint_failed',
      pluginDir,
      `Entrypoint ${shown(dir, file)} failed to load: ${errorTypeName(error)}: ${errorLine(error, { maxLength: 300 })}${hint}`,
      { cause: error },
    );
  }

  const names = exportNames(namespace);
  if (!names.includes(exportName)) {
    throw new PluginLoadError(
      'export_missing',
      pluginDir,
      `Entrypoint ${shown(dir, file)} has no export named ${exportName} (exports found: ${
        names.length > 0 ? names.join(', ') : 'none'
      })`,
    );
  }
  const plugin = exportOf(namespace, exportName);
  const kind = kindOf(plugin);
  if (kind !== 'action-subclass' && kind !== 'class' && kind !== 'object') {
    throw new PluginLoadError(
      'export_invalid',
      pluginDir,
      `Export ${exportName} of ${shown(dir, file)} is not a to_task plugin: expected a ToTaskAction subclass, or a class or object with convertDataFromFile and convertDataFromInference methods; got ${kind}`,
    );
  }
  return { dir, config, entrypoint, file, exportName, plugin: plugin as ToTaskPlugin, kind };
}

/**
 * Builds the action for a loaded plugin, as `createToTaskAction` does; a `ToTaskAction` subclass from another copy
 * of the package is constructed with `options` and its hooks used, so it still runs on this copy's job runner.
 *
 * @example
 * const action = createPluginAction(await loadPlugin('examples/plugin'), { params, client });
 * const result = await action.run();
 */
export function createPluginAction(
  loaded: Pick<LoadedPlugin, 'plugin'>,
  options: ToTaskActionOptions,
): ToTaskAction {
  return createToTaskAction(loaded.plugin, options);
}
