/**
 * Why a plugin could not be loaded. Messages are one line, name the file or field at fault relative to the plugin
 * directory, and carry no stack trace: the CLI prints them as they are.
 */

/** What went wrong while loading a plugin. */
export type PluginLoadErrorCode =
  | 'plugin_dir_not_found'
  | 'config_not_found'
  | 'config_invalid'
  | 'action_missing'
  | 'entrypoint_not_found'
  | 'entrypoint_failed'
  | 'export_missing'
  | 'export_invalid';

/**
 * A plugin directory that cannot be used: `code` says which step failed, `pluginDir` is the directory as given.
 *
 * @example
 * try {
 *   await loadPlugin('examples/plugin');
 * } catch (error) {
 *   if (error instanceof PluginLoadError) console.error(error.message); // no stack, one line
 * }
 */
export class PluginLoadError extends Error {
  override name = 'PluginLoadError';
  readonly code: PluginLoadErrorCode;
  readonly pluginDir: string;

  constructor(
    code: PluginLoadErrorCode,
    pluginDir: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.pluginDir = pluginDir;
  }
}
