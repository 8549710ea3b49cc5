/**
 * Plugin loading: a plugin directory's `config.yaml` and its `to_task` entrypoint.
 */
export {
  type PluginConfig,
  PluginConfigError,
  parsePluginConfig,
  pluginConfigSchema,
  type ToTaskActionConfig,
} from './config.js';
export { PluginLoadError, type PluginLoadErrorCode } from './errors.js';
export { importPluginModule, packageEntryUrl, packageName } from './importModule.js';
export {
  createPluginAction,
  entrypointExtensions,
  type LoadedPlugin,
  loadPlugin,
  type PluginExportKind,
} from './load.js';
