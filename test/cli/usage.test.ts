/**
 * Exit code 2: bad usage, invalid params (the field named), missing settings, plugins that cannot be loaded. Each
 * is one clear line on stderr, nothing on stdout (even with --json), and no stack trace.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePlugin, fileParams, pluginRunArgs, runCli } from './helpers.js';

const connection = ['--host', 'http://127.0.0.1:9/', '--token', 'usage-token-abcdef'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'to-task-usage-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

function expectUsageError(run: { code: number | null; stdout: string; stderr: string }) {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).not.toContain('usage-token-abcdef');
}

describe.concurrent('to-task run: usage errors exit 2', () => {
  it('names the invalid field of the params file', async () => {
    const params = await file('bad.json', JSON.stringify({ name: 'x', project: 'abc', agent: 3 }));
    const run = await runCli(pluginRunArgs(examplePlugin, params, ['--json', ...connection]));

    expectUsageError(run);
    expect(run.stderr).toContain(`Invalid params in ${params}:`);
    expect(run.stderr).toContain('project: expected an integer id, received string "abc"');
  });

  it('names the fields an inference job needs', async () => {
    const params = await file('inference.yaml', 'name: x\nproject: 1\nagent: 3\nmethod: inference\n');
    const run = await runCli(pluginRunArgs(examplePlugin, params, connection));

    expectUsageError(run);
    expect(run.stderr).toContain("pre_processor: required when method is 'inference'");
    expect(run.stderr).toContain("model: required when method is 'inference'");
  });

  it('reports a params file that is missing or not parseable', async () => {
    const missing = await runCli(pluginRunArgs(examplePlugin, 'nope.json', connection));
    expectUsageError(missing);
    expect(missing.stderr).toContain('Params file not found: nope.json');

    const broken = await file('broken.json', '{ "name": ');
    const notJson = await runCli(pluginRunArgs(examplePlugin, broken, connection));
    expectUsageError(notJson);
    expect(notJson.stderr).toContain(`Params file ${broken} is not valid JSON`);
  });

  it('requires a host and a token', async () => {
    const noHost = await runCli(pluginRunArgs(examplePlugin, fileParams));
    expectUsageError(noHost);
    expect(noHost.stderr).toContain('Missing the platform address: pass --host <url> or set SYNAPSE_HOST');

    const noToken = await runCli(pluginRunArgs(examplePlugin, fileParams), {
      env: { SYNAPSE_HOST: 'http://127.0.0.1:9/' },
    });
    expectUsageError(noToken);
    expect(noToken.stderr).toContain('Missing the access token: set SYNAPSE_ACCESS_TOKEN');
  });

  it('rejects a host that is not an http(s) URL without quoting it', async () => {
    const run = await runCli(
      pluginRunArgs(examplePlugin, fileParams, ['--host', 'ftp://u:secretpw1@x/', '--token', 't0ken-value']),
    );
    expectUsageError(run);
    expect(run.stderr).toContain('Invalid connection settings');
    expect(run.stderr).not.toContain('secretpw1');
  });

  it.each([
    ['--concurrency', '0'],
    ['--concurrency', 'many'],
    ['--concurrency', '2.5'],
    ['--poll-interval', '-1'],
    ['--poll-interval', 'soon'],
    ['--timeout', '0'],
    ['--job-id', '../../etc'],
  ])('rejects %s %s, naming the flag', async (flag, value) => {
    const run = await runCli(pluginRunArgs(examplePlugin, fileParams, [...connection, flag, value]));
    expectUsageError(run);
    expect(run.stderr).toContain(`option '${flag} <`);
    expect(run.stderr).toContain(`argument '${value}' is invalid`);
  });

  it('requires --plugin and --params, and rejects unknown options and commands', async () => {
    const noPlugin = await runCli(['run', '--params', fileParams, ...connection]);
    expectUsageError(noPlugin);
    expect(noPlugin.stderr).toContain("required option '--plugin <dir>' not specified");

    const unknown = await runCli(pluginRunArgs(examplePlugin, fileParams, ['--frobnicate']));
    expectUsageError(unknown);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");

    const command = await runCli(['frobnicate']);
    expectUsageError(command);
    expect(command.stderr).toContain("unknown command 'frobnicate'");
  });

  it('rejects a busy --inspect port, naming the flag', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = await runCli(
        pluginRunArgs(examplePlugin, fileParams, ['--json', ...connection, '--inspect', String(port)]),
      );
      expectUsageError(run);
      expect(run.stderr.trim()).toBe(
        `Error: Port ${port} is in use: pass --inspect <port> (--inspect alone picks a free one)`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('prints help and the version with exit 0', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--poll-interval <seconds>');
    expect(help.stdout).toContain('SYNAPSE_ACCESS_TOKEN');

    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe.concurrent('to-task run: plugins that cannot be loaded exit 2', () => {
  async function plugin(name: string, files: Record<string, string>): Promise<string> {
    const root = join(dir, name);
    for (const [path, text] of Object.entries(files)) await file(join(name, path), text);
    return root;
  }
  const config = 'actions:\n  to_task:\n    entrypoint: plugin.to_task.ToTask\n    method: job\n';

  it.each([
    ['a missing directory', async () => join(dir, 'absent'), /Plugin directory not found: .*absent/],
    [
      'no config.yaml',
      () => plugin('no-config', { 'plugin/to_task.ts': 'export const ToTask = {};' }),
      /Plugin config not found: .*no-config\/config\.yaml/,
    ],
    [
      'a config without a to_task action',
      () => plugin('no-action', { 'config.yaml': 'actions:\n  inference:\n    entrypoint: plugin.x.Y\n' }),
      /no to_task action in `actions` \(declared: inference\)/,
    ],
    [
      'a config with a bad entrypoint',
      () => plugin('bad-entry', { 'config.yaml': 'actions:\n  to_task:\n    entrypoint: 42\n' }),
      /actions\.to_task\.entrypoint: expected a string, got 42/,
    ],
    [
      'an entrypoint module that does not exist',
      () => plugin('no-module', { 'config.yaml': config }),
      /tried plugin\/to_task\.ts, plugin\/to_task\.mts, plugin\/to_task\.js, plugin\/to_task\.mjs/,
    ],
    [
      'a module without the export',
      () => plugin('no-export', { 'config.yaml': config, 'plugin/to_task.mjs': 'export const Other = 1;\n' }),
      /Entrypoint plugin\/to_task\.mjs has no export named ToTask \(exports found: Other\)/,
    ],
    [
      'a module that throws on import',
      () =>
        plugin('throws', {
          'config.yaml': config,
          'plugin/to_task.mjs': "throw new RangeError('model weights missing\\nsecond line');\n",
        }),
      /Entrypoint plugin\/to_task\.mjs failed to load: RangeError: model weights missing$/m,
    ],
    [
      'a TypeScript plugin that loads as CommonJS and imports synapse-to-task',
      () =>
        plugin('commonjs', {
          'config.yaml': config,
          'plugin/to_task.ts':
            "import { ToTaskAction } from 'synapse-to-task';\nexport class ToTask extends ToTaskAction {}\n",
          'package.json': '{ "type": "commonjs" }\n',
        }),
      /failed to load: .*\(it loads as CommonJS: rename it to plugin\/to_task\.mts or put a package\.json with "type": "module" in /,
    ],
    [
      'an export of the wrong shape',
      () =>
        plugin('shape', {
          'config.yaml': config,
          'plugin/to_task.mjs': 'export const ToTask = { convertDataFromFile() { return {}; } };\n',
        }),
      /Export ToTask of plugin\/to_task\.mjs is not a to_task plugin: .*got an object without convertDataFromInference/,
    ],
  ])('%s', async (_case, make, message) => {
    const pluginDir = await make();
    const run = await runCli(pluginRunArgs(pluginDir, fileParams, ['--json', ...connection]));

    expectUsageError(run);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
