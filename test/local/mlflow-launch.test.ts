// The launch of a no-code MLflow model: always host.py --mlflow-model (even with azmlinfsrv on PATH), in the
// model version folder, with AZUREML_MODEL_DIR and MLFLOW_MODEL_FOLDER and no entry script; the MLflow mode is
// part of the fingerprint.

import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { planHostLaunch, resolveBundledHostPy } from '../../src/targets/local/find-host.ts';
import { deploymentFingerprint } from '../../src/targets/local/fingerprint.ts';

test('planHostLaunch: an MLflow model runs host.py --mlflow-model in its version folder', async (t) => {
  const dir = await mkdtemp(join(os.tmpdir(), 'amld-mlflow-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  for (const name of ['python3', 'azmlinfsrv']) {
    await writeFile(join(bin, name), '#!/bin/sh\nexit 0\n');
    await chmod(join(bin, name), 0o755);
  }
  const launch = planHostLaunch(
    {
      runtime: 'auto',
      endpointName: 'e1',
      deploymentName: 'blue',
      modelDir: '/models/m/1',
      modelName: 'm',
      modelVersion: '1',
      codeDir: '',
      scoringScript: '',
      mlflowModelFolder: 'model',
      environmentVariables: { FEATURE: 'x', MLFLOW_MODEL_FOLDER: 'not-this' },
      port: 8123,
      host: '127.0.0.1',
    },
    { env: { PATH: bin, AZUREML_ENTRY_SCRIPT: 'inherited.py' } },
  );
  assert.equal(launch.runtime, 'host.py');
  assert.equal(launch.command, join(bin, 'python3'));
  assert.deepEqual(launch.args, [
    '-u',
    resolveBundledHostPy(),
    '--mlflow-model',
    '--port',
    '8123',
    '--host',
    '127.0.0.1',
  ]);
  assert.equal(launch.cwd, '/models/m/1');
  assert.equal(launch.env['AZUREML_MODEL_DIR'], '/models/m/1');
  assert.equal(launch.env['MLFLOW_MODEL_FOLDER'], 'model');
  assert.equal(launch.env['AZUREML_ENTRY_SCRIPT'], undefined);
  assert.equal(launch.env['AML_APP_ROOT'], undefined);
  assert.equal(launch.env['FEATURE'], 'x');
});

test('fingerprint: the MLflow mode counts; entry-script fingerprints are unchanged by it', async (t) => {
  const dir = await mkdtemp(join(os.tmpdir(), 'amld-mlflow-fp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'MLmodel'), 'flavors: {}\n');
  const base = {
    modelId: 'azureml:m:1',
    modelContentHash: 'sha256:x',
    modelDir: dir,
    codeDir: dir,
    scoringScript: '',
    environmentVariables: {},
    runtime: 'auto',
  };
  const plain = await deploymentFingerprint(base);
  const mlflow = await deploymentFingerprint({ ...base, mlflowModelFolder: 'model' });
  assert.notEqual(plain, mlflow);
  assert.notEqual(mlflow, await deploymentFingerprint({ ...base, mlflowModelFolder: 'other' }));
  assert.equal(plain, await deploymentFingerprint({ ...base }));
});
