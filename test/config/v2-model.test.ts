import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ConfigNote } from '../../src/config/spec.ts';
import { loadV2Environment } from '../../src/config/v2-environment.ts';
import { loadV2Model } from '../../src/config/v2-model.ts';
import { configErrorOf, FIXTURES, tempTree } from './helpers.ts';

test('the model example (azureml-yaml example 4)', () => {
  const file = path.join(FIXTURES, 'v2/managed/model.yml');
  assert.deepEqual(loadV2Model(file), {
    name: 'my-model',
    version: '1',
    type: 'custom_model',
    path: path.join(FIXTURES, 'v2/managed/model'),
    description: 'sklearn regression model',
    tags: { framework: 'sklearn' },
    properties: {},
    origin: { file },
  });
});

async function modelFile(
  t: Parameters<typeof tempTree>[0],
  yaml: string,
  files: Record<string, string> = {},
) {
  return path.join(await tempTree(t, { 'model.yml': yaml, ...files }), 'model.yml');
}

test('version goes through str() (1.10 is "1.1"), type through lower(), URIs are kept', async (t) => {
  const file = await modelFile(
    t,
    'name: m\nversion: 1.10\ntype: MLFLOW_MODEL\npath: azureml://jobs/abc/outputs/artifacts/paths/model/\n',
  );
  const spec = loadV2Model(file);
  assert.equal(spec.version, '1.1');
  assert.equal(spec.type, 'mlflow_model');
  assert.equal(spec.path, 'azureml://jobs/abc/outputs/artifacts/paths/model/');
  const runs = await modelFile(t, 'name: m\npath: runs:/1234/model\n');
  assert.equal(loadV2Model(runs).path, 'runs:/1234/model');
  assert.equal(loadV2Model(runs).type, 'custom_model', 'the default');
});

test('path is required and a local one must exist; an mlflow_model must be a folder', async (t) => {
  const noPath = await modelFile(t, 'name: m\n');
  assert.equal(configErrorOf(() => loadV2Model(noPath)).message, `${noPath}:1: path: is required`);
  const missing = await modelFile(t, 'name: m\npath: ./weights\n');
  assert.equal(
    configErrorOf(() => loadV2Model(missing)).message,
    `${missing}:2: path: no such file or folder: ${path.join(path.dirname(missing), 'weights')}`,
  );
  const mlflowFile = await modelFile(t, 'name: m\ntype: mlflow_model\npath: m.pkl\n', { 'm.pkl': 'x' });
  assert.equal(
    configErrorOf(() => loadV2Model(mlflowFile)).message,
    `${mlflowFile}:3: path: an mlflow_model must be a folder (with an MLmodel file)`,
  );
});

test('a wrong model type lists the allowed values', async (t) => {
  const file = await modelFile(t, 'name: m\npath: azureml://x\ntype: CustomModel\n');
  assert.equal(
    configErrorOf(() => loadV2Model(file)).message,
    `${file}:3: type: must be one of custom_model, mlflow_model, triton_model (got 'CustomModel')`,
  );
});

test('model read-only keys are silent, stage is unknown, flavors is noted', async (t) => {
  const file = await modelFile(
    t,
    'name: m\npath: https://x/y\nid: azureml:m:1\ncreation_context: {}\nstage: Production\nflavors:\n  python_function: {}\n',
  );
  const notes: ConfigNote[] = [];
  loadV2Model(file, notes);
  assert.deepEqual(
    notes.map((n) => [n.level, n.line, n.field]),
    [
      ['warning', 5, 'stage'],
      ['info', 6, 'flavors'],
    ],
  );
});

test('the environment example (azureml-yaml example 5) with its conda file', () => {
  const file = path.join(FIXTURES, 'v2/managed/environment.yml');
  const env = loadV2Environment(file);
  assert.equal(env.name, 'my-env');
  assert.equal(env.version, '1');
  assert.equal(env.image, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest');
  assert.equal(env.condaFile?.path, path.join(FIXTURES, 'v2/managed/env/conda.yml'));
  assert.deepEqual((env.condaFile?.content as Record<string, unknown> | undefined)?.['channels'], [
    'conda-forge',
  ]);
});

test('an environment file that is really a conda file is refused with the fix', async (t) => {
  const dir = await tempTree(t, { 'env.yml': 'name: e\nimage: x\ndependencies:\n  - python\n' });
  const file = path.join(dir, 'env.yml');
  assert.equal(
    configErrorOf(() => loadV2Environment(file)).message,
    `${file}:3: dependencies: this looks like a conda file: put it in conda_file`,
  );
});
