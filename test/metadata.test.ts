// Each action.yml is generated from its action definition; this keeps the committed files equal to what
// the code reads and writes, and checks them against the action metadata schema.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { renderAllActionYml } from '../scripts/action-metadata.ts';
import { checkActionYml } from '../scripts/check-action-yml.ts';
import { loadAllActions } from '../src/actions/all-actions.ts';

const root = path.resolve(import.meta.dirname, '..');

test('every committed action.yml equals the one generated from the code (run `npm run build` when not)', async () => {
  for (const { file, text } of await renderAllActionYml()) {
    const committed = await readFile(path.join(root, file), 'utf8');
    assert.equal(committed, text, `${file} is out of date: run npm run build`);
  }
});

test('there is an action.yml for each action and no other', async () => {
  const entries = await readdir(root, { withFileTypes: true });
  const withActionYml: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
    const files = await readdir(path.join(root, e.name));
    if (files.includes('action.yml')) withActionYml.push(e.name);
  }
  assert.deepEqual(
    withActionYml.sort(),
    (await loadAllActions())
      .map((a) => a.name)
      .filter((n) => n !== 'pipeline')
      .sort(),
  );
});

test("inputs, defaults and outputs in action.yml are exactly the definitions'", async () => {
  for (const def of await loadAllActions()) {
    const file = def.name === 'pipeline' ? 'action.yml' : `${def.name}/action.yml`;
    const doc = parse(await readFile(path.join(root, file), 'utf8'));
    assert.deepEqual(Object.keys(doc.inputs).sort(), Object.keys(def.inputs).sort(), `${file} inputs`);
    assert.deepEqual(Object.keys(doc.outputs).sort(), Object.keys(def.outputs).sort(), `${file} outputs`);
    for (const [name, d] of Object.entries(
      def.inputs as Record<string, { default?: string; runnerDefault?: string }>,
    )) {
      assert.equal(doc.inputs[name].default, d.default ?? d.runnerDefault, `${file} default of ${name}`);
    }
    assert.equal(doc.runs.using, 'node24');
    assert.match(doc.runs.main, new RegExp(`dist/${def.name}/index\\.js$`));
  }
});

test('every action.yml passes the metadata schema check', async () => {
  for (const { file } of await renderAllActionYml()) {
    assert.deepEqual(await checkActionYml(path.join(root, file)), [], file);
  }
});

test('the schema check rejects unknown keys and a wrong runtime', async (t) => {
  const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'amld-meta-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bad = path.join(dir, 'action.yml');
  await writeFile(
    bad,
    'name: x\ndescription: y\ninputs:\n  a:\n    description: z\n    requird: true\nruns:\n  using: node16\n  main: index.js\n',
  );
  const problems = await checkActionYml(bad);
  assert.ok(
    problems.some((p) => /inputs\.a/.test(p)),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => /runs\.using/.test(p)),
    problems.join('\n'),
  );
});

test('each action README carries the current inputs and outputs tables', async () => {
  const { readmeFile, updateReadme } = await import('../scripts/action-metadata.ts');
  for (const def of await loadAllActions()) {
    const file = readmeFile(def);
    const text = await readFile(path.join(root, file), 'utf8');
    assert.equal(text, updateReadme(text, def, file), `${file} is out of date: run npm run build`);
  }
});
