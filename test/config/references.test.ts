import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  parseCodeRef,
  parseEnvironmentRef,
  parseModelRef,
  readModelRef,
  validateResourceName,
} from '../../src/config/references.ts';
import { ConfigError, UsageError } from '../../src/errors.ts';
import { tempTree } from './helpers.ts';

const ARM_MODEL =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/models/m/versions/9';
const file = { file: 'deployment.yml', line: 4, field: 'model', dir: '/tmp' };

test('model references as az ml YAML writes them', () => {
  assert.deepEqual(parseModelRef('azureml:my-model:3', file), {
    kind: 'version',
    name: 'my-model',
    version: '3',
  });
  assert.deepEqual(parseModelRef('azureml:my-model@latest', file), { kind: 'latest', name: 'my-model' });
  // `:latest` is a literal version named "latest" (az ml does not resolve it).
  assert.deepEqual(parseModelRef('azureml:my-model:latest', file), {
    kind: 'version',
    name: 'my-model',
    version: 'latest',
  });
  assert.deepEqual(parseModelRef(`azureml:${ARM_MODEL}`, file), { kind: 'arm-id', id: ARM_MODEL });
  assert.deepEqual(parseModelRef('azureml://registries/azureml/models/x/versions/4', file), {
    kind: 'registry',
    uri: 'azureml://registries/azureml/models/x/versions/4',
  });
});

test('a bad model reference in a file is a ConfigError at its line', () => {
  assert.throws(() => parseModelRef('azureml:my-model', file), {
    name: 'ConfigError',
    message:
      "deployment.yml:4: model: 'azureml:my-model' needs a version: azureml:my-model:VERSION or azureml:my-model@latest",
  });
  assert.throws(() => parseModelRef('azureml:my-model@prod', file), {
    message: "deployment.yml:4: model: label 'prod' is not supported (only @latest)",
  });
  // YAML needs the azureml: prefix (a schema error in az ml).
  const err = (() => {
    try {
      parseModelRef('my-model:3', file);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof ConfigError);
  assert.match(err.message, /^deployment\.yml:4: model: 'my-model:3' is not a model reference/);
  assert.throws(
    () => parseModelRef('azureml:/subscriptions/x/environments/e', file),
    /is not the ARM id of a model version/,
  );
});

test('inputs also take NAME:VERSION, NAME@latest, a bare ARM id and an existing path', async (t) => {
  const dir = await tempTree(t, { 'model/m.pkl': 'x' });
  const input = { input: 'model', cwd: dir };
  assert.deepEqual(parseModelRef('my-model:3', input), { kind: 'version', name: 'my-model', version: '3' });
  assert.deepEqual(parseModelRef('my-model@latest', input), { kind: 'latest', name: 'my-model' });
  assert.deepEqual(parseModelRef(ARM_MODEL, input), { kind: 'arm-id', id: ARM_MODEL });
  assert.deepEqual(parseModelRef('model', input), { kind: 'path', path: path.join(dir, 'model') });
  assert.deepEqual(parseModelRef('./model/m.pkl', input), {
    kind: 'path',
    path: path.join(dir, 'model/m.pkl'),
  });
});

test('an input that is neither a reference nor an existing path says so, naming the input', async (t) => {
  const dir = await tempTree(t, {});
  try {
    parseModelRef('./missing-model', { input: 'model', cwd: dir });
    assert.fail('expected a UsageError');
  } catch (err) {
    assert.ok(err instanceof UsageError);
    assert.equal(err.input, 'model');
    assert.equal(
      err.message,
      `model: './missing-model' is neither a model reference (NAME:VERSION, NAME@latest, azureml:...) nor an existing file or folder (${path.join(dir, 'missing-model')})`,
    );
  }
});

test('environment references: curated names stay literal, inputs without azureml: are images', () => {
  assert.deepEqual(parseEnvironmentRef('azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:1', file), {
    kind: 'curated',
    id: 'azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:1',
  });
  assert.deepEqual(parseEnvironmentRef('azureml:AzureML-minimal@latest', file), {
    kind: 'curated',
    id: 'azureml:AzureML-minimal@latest',
  });
  assert.deepEqual(parseEnvironmentRef('azureml:my-env:2', file), {
    kind: 'version',
    name: 'my-env',
    version: '2',
  });
  assert.deepEqual(parseEnvironmentRef('azureml://registries/azureml/environments/x/labels/latest', file), {
    kind: 'registry',
    uri: 'azureml://registries/azureml/environments/x/labels/latest',
  });
  assert.deepEqual(parseEnvironmentRef('python:3.11-slim', { input: 'environment' }), {
    kind: 'inline',
    image: 'python:3.11-slim',
  });
  assert.throws(() => parseEnvironmentRef('python:3.11', file), /is not an environment reference/);
  assert.throws(() => parseEnvironmentRef('azureml:my-env', { input: 'environment' }), {
    name: 'UsageError',
    message: "environment: 'azureml:my-env' needs a version: azureml:my-env:VERSION or azureml:my-env@latest",
  });
});

test('code references: versions, ARM ids with or without the prefix, registries, local paths', async (t) => {
  const dir = await tempTree(t, { 'src/score.py': '' });
  const armCode =
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/codes/c/versions/1';
  const inFile = { file: 'd.yml', dir };
  assert.deepEqual(parseCodeRef('azureml:my-code:2', inFile), {
    kind: 'version',
    name: 'my-code',
    version: '2',
  });
  assert.deepEqual(parseCodeRef(armCode, inFile), { kind: 'arm-id', id: armCode });
  assert.deepEqual(parseCodeRef(`azureml:${armCode}`, inFile), { kind: 'arm-id', id: armCode });
  assert.deepEqual(parseCodeRef('./src', inFile), { kind: 'path', path: path.join(dir, 'src') });
  assert.throws(() => parseCodeRef('azureml:my-code', inFile), {
    message: "d.yml: 'azureml:my-code' needs a version: code references are azureml:NAME:VERSION",
  });
  assert.throws(() => parseCodeRef('azureml:my-code@latest', inFile), {
    message: 'd.yml: code has no labels: use azureml:my-code:VERSION',
  });
  assert.throws(() => parseCodeRef('nope', { input: 'code-path', cwd: dir }), {
    name: 'UsageError',
    message: `code-path: 'nope' is neither a code reference (azureml:NAME:VERSION, ...) nor an existing folder (${path.join(dir, 'nope')})`,
  });
  assert.deepEqual(parseCodeRef('src', { input: 'code-path', cwd: dir }), {
    kind: 'path',
    path: path.join(dir, 'src'),
  });
});

test('readModelRef reports instead of throwing (for schemas)', () => {
  assert.deepEqual(readModelRef('', 'file', '/'), { ok: false, error: 'must not be empty' });
});

test('endpoint and deployment names: 3-32 characters, a letter first, no trailing or double dash', () => {
  assert.equal(validateResourceName('endpoint', 'my-endpoint'), undefined);
  assert.equal(validateResourceName('deployment', 'Blue'), undefined);
  assert.equal(
    validateResourceName('endpoint', 'ab'),
    "'ab' is not a valid endpoint name: it must be 3-32 characters long",
  );
  assert.equal(
    validateResourceName('endpoint', 'a'.repeat(33)),
    `'${'a'.repeat(33)}' is not a valid endpoint name: it must be 3-32 characters long`,
  );
  assert.equal(
    validateResourceName('deployment', '1blue'),
    "'1blue' is not a valid deployment name: it must start with a letter, contain only letters, digits and '-', and end with a letter or digit",
  );
  assert.match(validateResourceName('deployment', 'blue-') ?? '', /end with a letter or digit/);
  assert.match(validateResourceName('deployment', 'blue_green') ?? '', /only letters, digits and '-'/);
  assert.equal(
    validateResourceName('endpoint', 'my--ep'),
    "'my--ep' is not a valid endpoint name: it must not contain '--'",
  );
});
