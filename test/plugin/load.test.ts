/**
 * Plugin loading: `config.yaml` → entrypoint module (TypeScript or JavaScript) → the named export, and every way it
 * can go wrong, each a one-line `PluginLoadError` naming the file or field.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToTaskAction } from '../../src/action.js';
import { HttpSynapseClient } from '../../src/client/http.js';
import {
  createPluginAction,
  loadPlugin,
  PluginLoadError,
  type PluginLoadErrorCode,
} from '../../src/plugin/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { FakeClient } from '../support/fakeClient.js';

const config = 'actions:\n  to_task:\n    entrypoint: plugin.to_task.ToTask\n    method: job\n';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'to-task-plugin-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function plugin(files: Record<string, string>): Promise<string> {
  const root = join(dir, `p${++counter}`);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  await mkdir(root, { recursive: true });
  return root;
}

async function loadError(pluginDir: string): Promise<PluginLoadError> {
  const error = await loadPlugin(pluginDir).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PluginLoadError);
  return error as PluginLoadError;
}

const hooksBody = `
  convertDataFromFile(primaryUrl, primaryName, dataUrl, dataName) { return { from: 'file', primaryName, dataName }; }
  convertDataFromInference(inference) { return { from: 'inference', inference }; }
`;
const hooksObject = `{
  convertDataFromFile(primaryUrl, primaryName, dataUrl, dataName) { return { from: 'file', primaryName, dataName }; },
  convertDataFromInference(inference) { return { from: 'inference', inference }; },
}`;

describe('loadPlugin', () => {
  it('loads a TypeScript plugin without a build step', async () => {
    const pluginDir = await plugin({
      'config.yaml': config,
      'plugin/to_task.ts': `
        interface Payload { from: string; score: number }
        const score = (value: number): number => value * 2;
        export const ToTask = {
          convertDataFromFile(): Payload { return { from: 'file', score: score(2) }; },
          convertDataFromInference(): Payload { return { from: 'inference', score: score(3) }; },
        };
      `,
    });
    const loaded = await loadPlugin(pluginDir);

    expect(loaded).toMatchObject({
      dir: pluginDir,
      entrypoint: 'plugin.to_task.ToTask',
      exportName: 'ToTask',
      file: join(pluginDir, 'plugin', 'to_task.ts'),
      kind: 'object',
      config: { toTask: { entrypoint: 'plugin.to_task.ToTask', method: 'job' } },
    });
    const hooks = loaded.plugin as unknown as { convertDataFromFile(): unknown };
    expect(hooks.convertDataFromFile()).toEqual({ from: 'file', score: 4 });
  });

  it('loads an .mjs plugin exporting a plain class', async () => {
    const pluginDir = await plugin({
      'config.yaml': config,
      'plugin/to_task.mjs': `export class ToTask {${hooksBody}}\n`,
    });
    const loaded = await loadPlugin(pluginDir);

    expect(loaded.kind).toBe('class');
    expect(loaded.file).toBe(join(pluginDir, 'plugin', 'to_task.mjs'));
  });

  it('prefers .ts over .mts, .js and .mjs, and reads deeper entrypoint paths', async () => {
    const pluginDir = await plugin({
      'config.yaml':
        'actions:\n  to_task:\n    entrypoint: plugin.actions.annotate.Annotate\n    method: job\n',
      'plugin/actions/annotate.ts': `export const Annotate = ${hooksObject};\n`,
      'plugin/actions/annotate.mjs': 'throw new Error("the .ts file wins");\n',
    });
    const loaded = await loadPlugin(pluginDir);

    expect(loaded.file).toBe(join(pluginDir, 'plugin', 'actions', 'annotate.ts'));
    expect(loaded.exportName).toBe('Annotate');
  });

  it('defaults method to job and keeps the rest of the config', async () => {
    const pluginDir = await plugin({
      'config.yaml':
        'name: Detector\ncode: det\nversion: 1.2.0\nactions:\n  to_task:\n    entrypoint: plugin.to_task.ToTask\n',
      'plugin/to_task.js': `export const ToTask = ${hooksObject};\n`,
    });
    const { config: loaded } = await loadPlugin(pluginDir);

    expect(loaded).toMatchObject({
      name: 'Detector',
      code: 'det',
      version: '1.2.0',
      toTask: { method: 'job' },
    });
  });

  it('loads the example plugin: a ToTaskAction subclass importing synapse-to-task', async () => {
    const loaded = await loadPlugin('examples/plugin');

    expect(loaded.kind).toBe('action-subclass');
    expect(loaded.exportName).toBe('ToTask');
    expect(typeof loaded.plugin).toBe('function');
  });

  it('builds a working action for a ToTaskAction subclass, also of another copy of the package', async () => {
    const sandbox = await startSandbox({ tasks: 3 });
    try {
      const client = new HttpSynapseClient({ baseUrl: sandbox.url, accessToken: sandbox.token });
      const action = createPluginAction(await loadPlugin('examples/plugin'), {
        client,
        params: { name: 'x', project: 1, agent: 3, target_specification_name: 'annotation' },
      });
      expect(action).toBeInstanceOf(ToTaskAction);
      const result = await action.run();

      expect(result).toMatchObject({ status: 'SUCCEEDED', success_count: 3 });
      expect(sandbox.recorded.writes.get(1001)?.lastPayload).toMatchObject({
        source: 'file',
        image: 'img_0001.jpg',
      });
    } finally {
      await sandbox.close();
    }
  });

  it('builds actions for plain objects and plain classes', async () => {
    const client = new FakeClient();
    const object = await loadPlugin(
      await plugin({
        'config.yaml': config,
        'plugin/to_task.mjs': `export const ToTask = ${hooksObject};\n`,
      }),
    );
    const klass = await loadPlugin(
      await plugin({ 'config.yaml': config, 'plugin/to_task.mjs': `export class ToTask {${hooksBody}}\n` }),
    );
    for (const loaded of [object, klass]) {
      const action = createPluginAction(loaded, { client, params: {} });
      expect(action).toBeInstanceOf(ToTaskAction);
      expect(action.convertDataFromInference({ a: 1 })).toEqual({ from: 'inference', inference: { a: 1 } });
    }
  });
});

describe('loadPlugin errors', () => {
  const cases: [string, () => Promise<string>, PluginLoadErrorCode, RegExp][] = [
    [
      'missing directory',
      async () => join(dir, 'absent'),
      'plugin_dir_not_found',
      /^Plugin directory not found: /,
    ],
    [
      'missing config.yaml',
      () => plugin({ 'plugin/to_task.ts': 'export const ToTask = 1;' }),
      'config_not_found',
      /^Plugin config not found: .*\/config\.yaml$/,
    ],
    [
      'config.yaml that is not YAML',
      () => plugin({ 'config.yaml': 'actions: [unclosed\n' }),
      'config_invalid',
      /^Invalid plugin config \(.*config\.yaml\): not valid YAML \(line \d+\): /,
    ],
    [
      'config.yaml without actions',
      () => plugin({ 'config.yaml': 'name: x\n' }),
      'config_invalid',
      /^Invalid plugin config \(.*\): actions: required$/,
    ],
    [
      'config.yaml that is a list',
      () => plugin({ 'config.yaml': '- a\n- b\n' }),
      'config_invalid',
      /: expected a mapping with `actions`, got a list$/,
    ],
    [
      'no to_task action',
      () => plugin({ 'config.yaml': 'actions:\n  deployment:\n    entrypoint: plugin.serve.D\n' }),
      'action_missing',
      /^Plugin config \(.*\): no to_task action in `actions` \(declared: deployment\)$/,
    ],
    [
      'to_task without an entrypoint',
      () => plugin({ 'config.yaml': 'actions:\n  to_task:\n    method: job\n' }),
      'config_invalid',
      /: actions\.to_task\.entrypoint: required$/,
    ],
    [
      'an entrypoint without an export name',
      () => plugin({ 'config.yaml': 'actions:\n  to_task:\n    entrypoint: to_task\n' }),
      'config_invalid',
      /: actions\.to_task\.entrypoint: expected a module path and an export name, like plugin\.to_task\.ToTask, got "to_task"$/,
    ],
    [
      'a method other than job',
      () =>
        plugin({
          'config.yaml': 'actions:\n  to_task:\n    entrypoint: plugin.to_task.ToTask\n    method: task\n',
        }),
      'config_invalid',
      /: actions\.to_task\.method: expected 'job', got "task"$/,
    ],
    [
      'to_task that is not a mapping',
      () => plugin({ 'config.yaml': 'actions:\n  to_task: plugin.to_task.ToTask\n' }),
      'config_invalid',
      /: actions\.to_task: expected a mapping with entrypoint and method, got "plugin\.to_task\.ToTask"$/,
    ],
    [
      'a missing entrypoint module',
      () => plugin({ 'config.yaml': config, 'plugin/other.ts': '' }),
      'entrypoint_not_found',
      /^Entrypoint module plugin\.to_task of plugin\.to_task\.ToTask not found in .*: tried plugin\/to_task\.ts, plugin\/to_task\.mts, plugin\/to_task\.js, plugin\/to_task\.mjs$/,
    ],
    [
      'a missing export',
      () =>
        plugin({
          'config.yaml': config,
          'plugin/to_task.ts': 'export const toTask = 1;\nexport default 2;\n',
        }),
      'export_missing',
      /^Entrypoint plugin\/to_task\.ts has no export named ToTask \(exports found: (toTask, default|default, toTask)\)$/,
    ],
    [
      'a module that throws',
      () =>
        plugin({
          'config.yaml': config,
          'plugin/to_task.mjs':
            "throw new TypeError('bad config at https://user:pw@example.com/x\\nmore');\n",
        }),
      'entrypoint_failed',
      /^Entrypoint plugin\/to_task\.mjs failed to load: TypeError: bad config at \[URL\]$/,
    ],
    [
      'a module with a syntax error',
      () => plugin({ 'config.yaml': config, 'plugin/to_task.ts': 'export const ToTask = {;\n' }),
      'entrypoint_failed',
      /^Entrypoint plugin\/to_task\.ts failed to load: \w+: /,
    ],
    [
      'an export that is a number',
      () => plugin({ 'config.yaml': config, 'plugin/to_task.mjs': 'export const ToTask = 42;\n' }),
      'export_invalid',
      /^Export ToTask of plugin\/to_task\.mjs is not a to_task plugin: .*; got number$/,
    ],
    [
      'a class without the hooks',
      () =>
        plugin({
          'config.yaml': config,
          'plugin/to_task.mjs': 'export class ToTask { convertDataFromFile() {} }\n',
        }),
      'export_invalid',
      /got a class or function without convertDataFromInference$/,
    ],
  ];

  it.each(cases)('%s', async (_name, make, code, message) => {
    const error = await loadError(await make());

    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });
});
