// Batch endpoints on target azureml, through the CLI against the fake Azure (Azurite behind its datastore):
// the batch YAML as-is reaches Healthy, an unchanged re-run writes nothing, a failing deployment keeps the
// previous default, a job over a local folder of CSV files completes and its predictions are downloaded,
// delete-service refuses the default deployment unless forced, and the pipeline runs register → deploy → job.

import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { defaultScorer, type FakeAzure, startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

async function batchOnFake(t: TestContext) {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/batch'), dir, { recursive: true });
  return { fake, dir };
}

const deployArgs = (fake: FakeAzure) => [
  'deploy-model',
  '--endpoint-file=endpoint.yml',
  '--deployment-file=deployment.yml',
  ...azureArgs(fake),
];

const writes = (fake: FakeAzure) =>
  fake.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/subscriptions/')).length;

const endpointJson = (fake: FakeAzure) =>
  fake.inspect('/batchEndpoints/sklearn-batch').body as {
    properties: { defaults?: { deploymentName?: string } };
  };

test('a batch endpoint and model deployment from the az ml YAML reach Healthy; the unchanged re-run writes nothing', async (t) => {
  const { fake, dir } = await batchOnFake(t);
  const dry = await cli([...deployArgs(fake), '--dry-run'], { cwd: dir });
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(writes(fake), 0, 'a dry run writes nothing, the inline model included');
  const plan = JSON.parse(dry.outputs['plan']!) as {
    endpoint: { action: string };
    defaultDeployment: unknown;
  };
  assert.equal(plan.endpoint.action, 'create');
  assert.deepEqual(plan.defaultDeployment, { before: null, after: 'classic' });
  assert.match(
    dry.stderr,
    /register model azureml:sklearn-batch-classic-model:1 .*not uploaded in a dry run/,
  );
  const first = await cli(deployArgs(fake), { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.outputs['state'], 'Healthy');
  assert.equal(first.outputs['changed'], 'true');
  assert.deepEqual(
    JSON.parse(first.outputs['traffic']!),
    { classic: 100 },
    'the first deployment is the default',
  );
  assert.match(first.outputs['scoring-uri']!, /\/inference\/sklearn-batch\/jobs$/);
  assert.equal(endpointJson(fake).properties.defaults?.deploymentName, 'classic');

  const put = fake.requests.find(
    (r) => r.method === 'PUT' && /\/batchEndpoints\/sklearn-batch\/deployments\/classic$/.test(r.path),
  );
  const body = put!.body as { properties: Record<string, unknown> };
  assert.deepEqual(
    { ...body.properties, model: undefined, codeConfiguration: undefined, environmentId: undefined },
    {
      properties: {},
      environmentVariables: {},
      compute: `${fake.workspacePath}/computes/batch-cluster`,
      resources: { instanceCount: 1, properties: {} },
      maxConcurrencyPerInstance: 1,
      miniBatchSize: 2,
      outputAction: 'AppendRow',
      outputFileName: 'predictions.csv',
      retrySettings: { maxRetries: 1, timeout: 'PT1M' },
      errorThreshold: 0,
      loggingLevel: 'Info',
      model: undefined,
      codeConfiguration: undefined,
      environmentId: undefined,
    },
  );
  assert.deepEqual(Object.keys(body.properties.model as object).sort(), ['assetId', 'referenceType']);
  const endpointPut = fake.requests.find(
    (r) => r.method === 'PUT' && /\/batchEndpoints\/sklearn-batch$/.test(r.path),
  );
  assert.deepEqual((endpointPut!.body as { properties: unknown }).properties, {
    authMode: 'AADToken',
    description: 'Batch scoring of the scikit-learn diabetes regression',
    properties: {},
  });

  const before = writes(fake);
  const again = await cli(deployArgs(fake), { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.outputs['changed'], 'false');
  assert.equal(writes(fake) - before, 0, 'an unchanged re-run writes nothing');
});

test('a failing batch deployment keeps the previous default; traffic: none leaves it too', async (t) => {
  const { fake, dir } = await batchOnFake(t);
  assert.equal((await cli(deployArgs(fake), { cwd: dir })).code, 0);
  fake.script({
    resource: 'deployment',
    name: 'broken',
    result: 'Failed',
    error: { code: 'BadArgument', message: 'The compute batch-cluster does not exist.' },
  });
  const summary = path.join(dir, 'summary.md');
  const failed = await cli([...deployArgs(fake), '--deployment-name=broken', `--summary-file=${summary}`], {
    cwd: dir,
  });
  assert.equal(failed.code, 1, failed.stderr);
  assert.equal(failed.outputs['state'], 'Failed');
  assert.deepEqual(JSON.parse(failed.outputs['traffic']!), { classic: 100 });
  assert.equal(endpointJson(fake).properties.defaults?.deploymentName, 'classic', 'the default stays');
  assert.match(
    await readFile(summary, 'utf8'),
    /compute batch-cluster does not exist[\s\S]*default deployment is still classic/,
  );

  const side = await cli([...deployArgs(fake), '--deployment-name=side', '--traffic=none'], { cwd: dir });
  assert.equal(side.code, 0, side.stderr);
  assert.equal(endpointJson(fake).properties.defaults?.deploymentName, 'classic');
  const wrong = await cli([...deployArgs(fake), '--deployment-name=side', '--traffic=canary=10'], {
    cwd: dir,
  });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /traffic.*no traffic split/);
});

test('a job over a local folder of CSV files completes and its predictions are downloaded; a failed job fails the step', async (t) => {
  const { fake, dir } = await batchOnFake(t);
  assert.equal((await cli(deployArgs(fake), { cwd: dir })).code, 0);
  // What the fake's job writes for the example's files (one line per row), as the expected output file.
  const expected: string[] = [];
  for (const name of ['part-1.csv', 'part-2.csv', 'part-3.csv']) {
    expected.push(...defaultScorer({ name, text: await readFile(path.join(dir, 'data', name), 'utf8') }));
  }
  await writeFile(path.join(dir, 'fake-expected.csv'), `${[...expected].reverse().join('\n')}\n`);
  fake.batch.scriptJob({ result: 'Completed', delayMs: 2500 });
  const job = await cli(
    [
      'smoke-test-service',
      '--endpoint-name=sklearn-batch',
      '--batch-input=data',
      '--expect-output-file=fake-expected.csv',
      '--expect-rows=12',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(job.code, 0, job.stderr);
  assert.equal(job.outputs['job-state'], 'Completed');
  const out = job.outputs['batch-output']!;
  assert.equal(path.basename(out), job.outputs['job-name']);
  assert.deepEqual((await readFile(path.join(out, 'predictions.csv'), 'utf8')).trim().split('\n'), expected);
  assert.match(job.stderr, /batch job batchjob-.*: Running/);

  const invoke = fake.batch.invokes[0]!;
  assert.match(invoke.headers.authorization ?? '', /^Bearer /);
  assert.equal(
    invoke.headers['azureml-model-deployment'],
    undefined,
    'the default deployment needs no header',
  );
  assert.deepEqual(invoke.body, {
    properties: {
      inputData: {
        UriFolder: {
          jobInputType: 'UriFolder',
          uri: (invoke.body as { properties: { inputData: { UriFolder: { uri: string } } } }).properties
            .inputData.UriFolder.uri,
        },
      },
    },
  });
  assert.match(
    (invoke.body as { properties: { inputData: { UriFolder: { uri: string } } } }).properties.inputData
      .UriFolder.uri,
    /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{64}\/data\/$/,
  );

  fake.batch.scriptJob({
    result: 'Failed',
    error: { code: 'UserError', message: 'run() raised in mini-batch 1' },
  });
  const summary = path.join(dir, 'summary.md');
  const failed = await cli(
    [
      'smoke-test-service',
      '--endpoint-name=sklearn-batch',
      '--deployment-name=classic',
      '--batch-input=data',
      `--summary-file=${summary}`,
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(failed.code, 1, failed.stderr);
  assert.equal(failed.outputs['job-state'], 'Failed');
  assert.equal(fake.batch.invokes[1]!.headers['azureml-model-deployment'], 'classic');
  assert.match(await readFile(summary, 'utf8'), /run\(\) raised in mini-batch 1/);
});

test('delete-service: the default batch deployment only with force; the endpoint with its deployments', async (t) => {
  const { fake, dir } = await batchOnFake(t);
  assert.equal((await cli(deployArgs(fake), { cwd: dir })).code, 0);
  const refused = await cli(
    ['delete-service', '--endpoint-name=sklearn-batch', '--deployment-name=classic', ...azureArgs(fake)],
    { cwd: dir },
  );
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /default deployment.*force/);
  const forced = await cli(
    [
      'delete-service',
      '--endpoint-name=sklearn-batch',
      '--deployment-name=classic',
      '--force',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(JSON.parse(forced.outputs['deleted']!), ['deployment:sklearn-batch/classic']);
  const gone = await cli(['delete-service', '--endpoint-name=sklearn-batch', ...azureArgs(fake)], {
    cwd: dir,
  });
  assert.equal(gone.code, 0, gone.stderr);
  assert.deepEqual(JSON.parse(gone.outputs['deleted']!), ['endpoint:sklearn-batch']);
  assert.equal(fake.inspect('/batchEndpoints/sklearn-batch').status, 404);
});

test('the pipeline with batch-input: register, deploy, run the job on the new deployment, delete after', async (t) => {
  const { fake, dir } = await batchOnFake(t);
  const r = await cli(
    [
      ...deployArgs(fake).map((a) => (a === 'deploy-model' ? 'pipeline' : a)),
      '--batch-input=data',
      '--expect-rows=12',
      '--delete-after',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['state'], 'Healthy');
  assert.equal(r.outputs['job-state'], 'Completed');
  assert.deepEqual(JSON.parse(r.outputs['deleted']!), [
    'deployment:sklearn-batch/classic',
    'endpoint:sklearn-batch',
  ]);
  assert.equal(fake.batch.invokes[0]!.headers['azureml-model-deployment'], 'classic');
});

test('an MLflow model deploys to a batch endpoint with no scoring script; another model without one is refused', async (t) => {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/mlflow-sklearn'), dir, { recursive: true });
  const args = [
    'deploy-model',
    '--endpoint-file=batch-endpoint.yml',
    '--deployment-file=batch-deployment.yml',
    ...azureArgs(fake),
  ];
  const r = await cli(args, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['state'], 'Healthy');
  const put = fake.requests.find(
    (q) => q.method === 'PUT' && /\/deployments\/sklearn-batch-deployment$/.test(q.path),
  );
  const props = (put!.body as { properties: Record<string, unknown> }).properties;
  assert.equal(props['codeConfiguration'], undefined);
  assert.equal(props['environmentId'], undefined);
  assert.match(r.stderr, /no scoring script: a no-code deployment, for MLflow models/);

  const custom = await cli(
    [...args, '--deployment-name=custom', '--set=model.type=custom_model', '--set=model.name=custom-model'],
    { cwd: dir },
  );
  assert.equal(custom.code, 1, custom.stderr);
  assert.match(
    custom.stderr,
    /codeConfiguration is required: only MLflow models deploy without a scoring script/,
  );
});

test('a job on an azureml:// input uploads nothing; a job past timeout-minutes fails naming its last state', async (t) => {
  const { fake, dir } = await batchOnFake(t);
  assert.equal((await cli(deployArgs(fake), { cwd: dir })).code, 0);
  const first = await cli(
    ['smoke-test-service', '--endpoint-name=sklearn-batch', '--batch-input=data', ...azureArgs(fake)],
    {
      cwd: dir,
    },
  );
  assert.equal(first.code, 0, first.stderr);
  const uploaded = (
    fake.batch.invokes[0]!.body as { properties: { inputData: { UriFolder: { uri: string } } } }
  ).properties.inputData.UriFolder.uri;
  const byUri = await cli(
    [
      'smoke-test-service',
      '--endpoint-name=sklearn-batch',
      `--batch-input=${uploaded}`,
      '--expect-rows=12',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(byUri.code, 0, byUri.stderr);
  assert.ok(!/batch input .*uploaded|already in datastore/.test(byUri.stderr), 'a URI is sent as given');
  assert.deepEqual(fake.batch.invokes[1]!.body, fake.batch.invokes[0]!.body);

  fake.batch.scriptJob({ result: 'Completed', delayMs: 60_000 });
  const slow = await cli(
    [
      'smoke-test-service',
      '--endpoint-name=sklearn-batch',
      '--batch-input=data',
      '--timeout-minutes=0.05',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(slow.code, 1, slow.stderr);
  assert.match(slow.outputs['job-name']!, /^batchjob-/);
  assert.equal(slow.outputs['job-state'], 'Running');
  assert.match(
    slow.stderr,
    /is still Running after .* \(timeout-minutes 0\.05\); it keeps running on Azure ML/,
  );
});
