// Batch endpoints on the local target, through the CLI: examples/batch (a scikit-learn model behind a batch
// scoring script, mini_batch_size 2) is checked and recorded by deploy-model, and a job over its 3 CSV files
// writes a predictions.csv equal to what the model itself predicts; a file that makes run() raise fails the job
// naming that file; a script whose init() raises fails deploy-model and keeps the previous default; the job
// reuses the interpreter the deployment recorded; delete-service and the pipeline take batch endpoints too.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const python = '/usr/bin/python3';
const skip =
  spawnSync(python, ['-c', 'import sklearn, joblib'], { stdio: 'ignore' }).status === 0
    ? false
    : 'scikit-learn is not installed for /usr/bin/python3 (apt-get install python3-sklearn python3-joblib)';

async function example(t: TestContext): Promise<string> {
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/batch'), dir, { recursive: true });
  return dir;
}

const deploy = (dir: string, ...extra: string[]) =>
  cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      ...extra,
    ],
    { cwd: dir },
  );

const job = (dir: string, ...extra: string[]) =>
  cli(
    ['smoke-test-service', '--target=local', '--endpoint-name=sklearn-batch', '--batch-input=data', ...extra],
    {
      cwd: dir,
    },
  );

/** What the model itself predicts for each row of the example's files, as the scoring script writes it. */
function modelPredictions(dir: string): string[] {
  const script = `
import csv, glob, os, joblib
model = joblib.load(os.path.join("model", "sklearn_regression_model.pkl"))
for path in sorted(glob.glob(os.path.join("data", "*.csv"))):
    rows = list(csv.reader(open(path, newline="")))[1:]
    for i, p in enumerate(model.predict([[float(v) for v in r] for r in rows])):
        print("%s,%d,%r" % (os.path.basename(path), i, float(p)))
`;
  const r = spawnSync(python, ['-c', script], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

test('a sklearn batch deployment over 3 CSV files with mini_batch_size 2 writes what the model predicts', {
  skip,
}, async (t) => {
  const dir = await example(t);
  const first = await deploy(dir, `--python=${python}`);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.outputs['state'], 'Healthy');
  assert.deepEqual(JSON.parse(first.outputs['traffic']!), { classic: 100 });
  assert.match(first.stderr, /init\(\) succeeded/);
  const again = await deploy(dir, `--python=${python}`);
  assert.equal(again.outputs['changed'], 'false', again.stderr);

  // No --python: the job runs on the interpreter deploy-model checked the script with.
  const r = await job(dir, '--expect-output-file=expected-predictions.csv', '--expect-rows=12');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['job-state'], 'Completed');
  assert.match(r.stderr, /3 file\(s\) in 2 mini-batch\(es\) of up to 2/);
  const written = (await readFile(path.join(r.outputs['batch-output']!, 'predictions.csv'), 'utf8'))
    .trim()
    .split('\n');
  assert.deepEqual([...written].sort(), modelPredictions(dir).sort());
});

test('a file that makes run() raise fails the job naming that file, with the traceback', {
  skip,
}, async (t) => {
  const dir = await example(t);
  assert.equal((await deploy(dir, `--python=${python}`)).code, 0);
  await writeFile(path.join(dir, 'data', 'part-4-broken.csv'), 'age,sex\nnot,a number\n');
  const summary = path.join(dir, 'summary.md');
  const r = await job(dir, `--summary-file=${summary}`);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.outputs['job-state'], 'Failed');
  const md = await readFile(summary, 'utf8');
  assert.match(md, /part-4-broken\.csv/);
  assert.match(md, /ValueError: could not convert string to float/);
  assert.match(md, /score\.py", line \d+, in run/, 'the traceback points into the scoring script');
  assert.ok(!/batch_driver\.py/.test(md), "the driver's own frames are left out");
});

test('a scoring script whose init() raises fails deploy-model and keeps the previous default', {
  skip,
}, async (t) => {
  const dir = await example(t);
  assert.equal((await deploy(dir, `--python=${python}`)).code, 0);
  await writeFile(
    path.join(dir, 'code', 'score.py'),
    'def init():\n    raise RuntimeError("no model here")\n\ndef run(mini_batch):\n    return []\n',
  );
  const r = await deploy(dir, `--python=${python}`, '--deployment-name=broken');
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.outputs['state'], 'Failed');
  assert.match(r.stderr, /init\(\) failed: RuntimeError: no model here/);
  assert.deepEqual(JSON.parse(r.outputs['traffic']!), { classic: 100 });
  const still = await job(dir);
  assert.equal(still.code, 0, still.stderr);
  assert.match(still.stderr, /on sklearn-batch\/classic/);
});

test('delete-service on a local batch endpoint: the default deployment only with force', {
  skip,
}, async (t) => {
  const dir = await example(t);
  assert.equal((await deploy(dir, `--python=${python}`)).code, 0);
  assert.equal(
    (await deploy(dir, `--python=${python}`, '--deployment-name=other', '--traffic=none')).code,
    0,
  );
  const del = (...extra: string[]) =>
    cli(['delete-service', '--target=local', '--endpoint-name=sklearn-batch', ...extra], { cwd: dir });
  const refused = await del('--deployment-name=classic');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /default deployment.*force: true/);
  const other = await del('--deployment-name=other');
  assert.deepEqual(JSON.parse(other.outputs['deleted']!), ['deployment:sklearn-batch/other']);
  const forced = await del('--deployment-name=classic', '--force');
  assert.deepEqual(JSON.parse(forced.outputs['deleted']!), ['deployment:sklearn-batch/classic']);
  const endpoint = await del();
  assert.deepEqual(JSON.parse(endpoint.outputs['deleted']!), ['endpoint:sklearn-batch']);
  const none = await job(dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no local batch endpoint 'sklearn-batch'/);
});

test('the pipeline on the local target with batch-input: deploy, job, delete', { skip }, async (t) => {
  const dir = await example(t);
  const r = await cli(
    [
      'pipeline',
      '--target=local',
      `--python=${python}`,
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--batch-input=data',
      '--expect-output-file=expected-predictions.csv',
      '--delete-after',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['state'], 'Healthy');
  assert.equal(r.outputs['job-state'], 'Completed');
  assert.equal(r.outputs['passed'], 'true');
  assert.deepEqual(JSON.parse(r.outputs['deleted']!), [
    'deployment:sklearn-batch/classic',
    'endpoint:sklearn-batch',
  ]);
});

test('a no-code MLflow model on a batch endpoint: each prediction as row,prediction,file, as the model predicts', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/mlflow-sklearn'), dir, { recursive: true });
  await cp(path.join(root, 'examples/batch/data'), path.join(dir, 'data'), { recursive: true });
  const deployed = await cli(
    [
      'deploy-model',
      '--target=local',
      `--python=${python}`,
      '--endpoint-file=batch-endpoint.yml',
      '--deployment-file=batch-deployment.yml',
    ],
    { cwd: dir },
  );
  assert.equal(deployed.code, 0, deployed.stderr);
  const r = await cli(
    [
      'smoke-test-service',
      '--target=local',
      '--endpoint-name=mlflow-sklearn-batch',
      '--batch-input=data',
      '--expect-rows=12',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const script = `
import csv, glob, os, pickle
model = pickle.load(open(os.path.join("sklearn-diabetes", "model", "model.pkl"), "rb"))
for path in sorted(glob.glob(os.path.join("data", "*.csv"))):
    rows = list(csv.reader(open(path, newline="")))[1:]
    for i, p in enumerate(model.predict([[float(v) for v in r] for r in rows])):
        print("%d,%s,%s" % (i, float(p), os.path.basename(path)))
`;
  const expected = spawnSync(python, ['-c', script], { cwd: dir, encoding: 'utf8' });
  assert.equal(expected.status, 0, expected.stderr);
  const written = (await readFile(path.join(r.outputs['batch-output']!, 'predictions.csv'), 'utf8'))
    .trim()
    .split('\n');
  assert.deepEqual([...written].sort(), expected.stdout.trim().split('\n').sort());
});

test('a local job that outlives timeout-minutes is stopped and reported Canceled (stdlib only)', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    path.join(dir, 'score.py'),
    'import time\n\ndef init():\n    pass\n\ndef run(mini_batch):\n    time.sleep(60)\n    return mini_batch\n',
  );
  await writeFile(
    path.join(dir, 'deployment.yml'),
    'name: slow\nendpoint_name: slow-batch\ntype: model\ncode_configuration:\n  code: ./\n  scoring_script: score.py\nmodel:\n  path: ./score.py\nretry_settings:\n  timeout: 120\n',
  );
  await writeFile(path.join(dir, 'input.csv'), 'a\n1\n');
  const deployed = await cli(['deploy-model', '--target=local', '--deployment-file=deployment.yml'], {
    cwd: dir,
  });
  assert.equal(deployed.code, 0, deployed.stderr);
  const started = Date.now();
  const r = await cli(
    [
      'smoke-test-service',
      '--target=local',
      '--endpoint-name=slow-batch',
      '--batch-input=input.csv',
      '--timeout-minutes=0.02',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.outputs['job-state'], 'Canceled');
  assert.match(r.stderr, /did not finish within timeout-minutes \(0\.02\) and was stopped/);
  assert.ok(Date.now() - started < 20_000, 'stopped, not waited out');
});
