// A no-code MLflow model (examples/mlflow-sklearn: an mlflow_model, no code_configuration, no environment)
// deployed on the local target through the CLI answers its sample request with the model's own predictions.
// Needs scikit-learn for /usr/bin/python3 (apt-get install python3-sklearn); skipped otherwise.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { cli } from '../support/cli.ts';
import { localAuthHeader } from '../support/local-key.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `scikit-learn is not importable by ${PYTHON}`;

function close(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  for (const [i, v] of actual.entries())
    assert.ok(Math.abs(v - expected[i]!) < 1e-6 * Math.abs(expected[i]!), `${v} vs ${expected[i]}`);
}

test('the no-code sklearn MLflow sample answers its sample request on the local target', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/mlflow-sklearn'), dir, { recursive: true });
  const endpoint = 'mlflow-sklearn-endpoint';
  t.after(() => cli(['delete-service', '--target=local', `--endpoint-name=${endpoint}`], { cwd: dir }));
  const args = [
    'deploy-model',
    '--target=local',
    `--python=${PYTHON}`,
    '--endpoint-file=endpoint.yml',
    '--deployment-file=sklearn-deployment.yml',
  ];
  const r = await cli(args, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['state'], 'Healthy');
  const res = await fetch(r.outputs['scoring-uri']!, {
    method: 'POST',
    // auth_mode: key in the sample's endpoint.yml: the key from the endpoint's local state.
    headers: { 'content-type': 'application/json', ...(await localAuthHeader(dir, endpoint)) },
    body: await readFile(path.join(dir, 'sample-request.json'), 'utf8'),
  });
  assert.equal(res.status, 200);
  close(
    (await res.json()) as number[],
    JSON.parse(await readFile(path.join(dir, 'expected-predictions.json'), 'utf8')) as number[],
  );

  // The same model and settings: nothing to restart.
  const again = await cli(args, { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.outputs['changed'], 'false');

  // The smoke test through the CLI, as a user would run it.
  const smoke = await cli(
    [
      'smoke-test-service',
      '--target=local',
      `--endpoint-name=${endpoint}`,
      '--request-file=sample-request.json',
      '--expect=$ length 2',
    ],
    { cwd: dir },
  );
  assert.equal(smoke.code, 0, smoke.stderr);
});

test('without code, a model that is not an mlflow_model is refused before anything starts', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/mlflow-sklearn'), dir, { recursive: true });
  const file = path.join(dir, 'sklearn-deployment.yml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('type: mlflow_model', 'type: custom_model'));
  const r = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=sklearn-deployment.yml',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /code-path: the local target runs an entry script: .*only an mlflow_model/);

  await writeFile(file, (await readFile(file, 'utf8')).replace('type: custom_model', 'type: mlflow_model'));
  const docker = await cli(
    [
      'deploy-model',
      '--target=local',
      '--local-runtime=docker',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=sklearn-deployment.yml',
    ],
    { cwd: dir },
  );
  assert.equal(docker.code, 2);
  assert.match(docker.stderr, /local-runtime: a no-code mlflow_model deployment runs on the bundled host/);
});
