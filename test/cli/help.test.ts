// `azureml-deploy --help` and `<action> --help`: the inputs and outputs of the definitions action.yml is
// generated from, exit 0, nothing run, and only the asked action's modules loaded.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ACTION_LOADERS, ACTION_NAMES } from '../../src/actions/all-actions.ts';
import type { InputDefs, OutputDefs } from '../../src/actions/shared/define-inputs.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('the top-level help lists every action and demo', async (t) => {
  const dir = await tempDir(t);
  for (const flag of ['--help', '-h', 'help']) {
    const r = await cli([flag], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    for (const name of [...ACTION_NAMES, 'demo']) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
    assert.match(r.stdout, /<action> --help/);
  }
});

for (const name of ACTION_NAMES) {
  test(`${name} --help prints every input with its description and default, and the outputs`, async (t) => {
    const dir = await tempDir(t);
    const def = await ACTION_LOADERS[name]!();
    const r = await cli([name, '--help'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const text = r.stdout;
    assert.match(text, new RegExp(`^usage: azureml-deploy ${name} `));
    // Descriptions are wrapped: compare with whitespace folded.
    const flat = text.replace(/\s+/g, ' ');
    for (const [input, d] of Object.entries(def.inputs as InputDefs)) {
      const line = text.split('\n').find((l) => l.startsWith(`  --${input} `));
      assert.ok(line, `--${input} listed`);
      if (d.default !== undefined) assert.ok(line.includes(`default: ${d.default}`), line);
      if (d.required) assert.match(line, /required/);
      if (d.secret) assert.match(line, /secret/);
      assert.ok(flat.includes(d.description.replace(/\s+/g, ' ')), `${input}: description shown`);
    }
    for (const [output, d] of Object.entries(def.outputs as OutputDefs)) {
      assert.match(text, new RegExp(`^  ${output}$`, 'm'));
      assert.ok(flat.includes(d.description.replace(/\s+/g, ' ')), `output ${output}: description shown`);
    }
    assert.equal(existsSync(path.join(dir, '.azureml-local')), false);
  });
}

test('--help and -h anywhere win over the other flags, and nothing is run or validated', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'broken.yml'), 'name: [oops\n');
  const deploy = await cli(
    ['deploy-model', '--deployment-file', 'broken.yml', '--target', 'local', '--no-such-flag', '-h'],
    { cwd: dir },
  );
  assert.equal(deploy.code, 0, deploy.stderr);
  assert.match(deploy.stdout, /^ {2}--deployment-file <value>/m);
  assert.match(deploy.stdout, /^ {2}--timeout-minutes <value> {3}\(default: 30\)/m);
  assert.equal(deploy.stderr, '');
  const viaHelp = await cli(['help', 'register-model'], { cwd: dir });
  assert.equal(viaHelp.code, 0);
  assert.match(viaHelp.stdout, /^usage: azureml-deploy register-model /);
  assert.deepEqual(await readdir(dir), ['broken.yml'], 'nothing written');
});

test('demo --help describes the demo and runs nothing', async (t) => {
  const dir = await tempDir(t);
  for (const flag of ['--help', '-h']) {
    const r = await cli(['demo', flag], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: azureml-deploy demo \[--keep\]/);
    assert.match(r.stdout, /--keep/);
    assert.equal(r.stderr, '', 'no demo started');
  }
});

/** The repository's src/ modules a fresh CLI process loads for `args`. */
function modulesLoadedFor(args: string[]): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { runCli } = await import(${JSON.stringify(path.join(root, 'src/cli/main.ts'))});
    const quiet = { write: () => true };
    const code = await runCli(${JSON.stringify(args)}, { streams: { stdout: quiet, stderr: quiet }, env: {}, cwd: process.cwd() });
    process.stdout.write(JSON.stringify({ code, loaded }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { code, loaded } = JSON.parse(r.stdout) as { code: number; loaded: string[] };
  assert.equal(code, 0);
  const src = `file://${path.join(root, 'src')}/`;
  return loaded.filter((u) => u.startsWith(src)).map((u) => u.slice(src.length));
}

test('help stays lazy: the top-level help loads no action, an action help only that action', () => {
  const top = modulesLoadedFor(['--help']);
  assert.ok(top.includes('cli/main.ts'), 'the hook saw the CLI load');
  assert.deepEqual(
    top.filter((m) => /^actions\/[^/]+\/main\.ts$/.test(m)),
    [],
    'no action definition loaded',
  );
  for (const name of ['register-model', 'delete-service']) {
    const loaded = modulesLoadedFor([name, '--help']);
    const actionMains = loaded.filter((m) => /^actions\/[^/]+\/main\.ts$/.test(m));
    assert.deepEqual(actionMains, [`actions/${name}/main.ts`]);
    assert.deepEqual(
      loaded.filter((m) => m.startsWith('azure/')),
      [],
      'the Azure stack stays unloaded',
    );
  }
  const demo = modulesLoadedFor(['demo', '--help']);
  assert.deepEqual(
    demo.filter((m) => m.startsWith('actions/') && m.endsWith('/main.ts')),
    [],
    'demo --help loads no pipeline',
  );
});
