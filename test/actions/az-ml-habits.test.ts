// az ml habits through the CLI (issue 14): --endpoint-name / --deployment-name fill and override the YAML,
// --set dotted.path=value overrides checked like the file, ignored keys in the summary and fatal with --strict.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { type FakeAzure, startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');

let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

async function demo(t: TestContext): Promise<string> {
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  return dir;
}

async function fakeAzure(t: TestContext): Promise<FakeAzure> {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 50 },
  });
  t.after(() => fake.close());
  return fake;
}

/** The demo deployment YAML with its first lines replaced. */
async function rewriteDeployment(dir: string, edit: (text: string) => string): Promise<void> {
  const file = path.join(dir, 'deployment.yml');
  await writeFile(file, edit(await readFile(file, 'utf8')));
}

const writes = (fake: FakeAzure) =>
  fake.requests.filter(
    (r) => r.method !== 'GET' && r.path.startsWith('/subscriptions/') && !r.path.includes('/listKeys'),
  ).length;

type DeploymentBody = {
  properties: { instanceType: string; environmentVariables?: Record<string, string> };
  sku?: { capacity?: number };
};

test('endpoint-name and deployment-name fill a deployment YAML without endpoint_name (local target)', async (t) => {
  const dir = await demo(t);
  await rewriteDeployment(dir, (s) => s.replace(/^endpoint_name: .*\n/m, '').replace(/^name: blue\n/m, ''));
  t.after(() => cli(['delete-service', '--target=local', '--endpoint-name=habits-ep'], { cwd: dir }));
  const r = await cli(
    [
      'deploy-model',
      '--target=local',
      '--deployment-file=deployment.yml',
      '--endpoint-name=habits-ep',
      '--deployment-name=green',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['endpoint-name'], 'habits-ep');
  assert.equal(r.outputs['deployment-name'], 'green');
  assert.equal(r.outputs['state'], 'Healthy');

  // Without the input the file must name its endpoint, as az ml says.
  const missing = await cli(['deploy-model', '--target=local', '--deployment-file=deployment.yml'], {
    cwd: dir,
  });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /deployment\.yml:\d+: (endpoint_name|name): is required/);
});

test("a placeholder endpoint_name is replaced by endpoint-name, also against the endpoint file's name", async (t) => {
  const fake = await fakeAzure(t);
  const dir = await demo(t);
  await rewriteDeployment(dir, (s) => s.replace(/^endpoint_name: .*$/m, 'endpoint_name: <ENDPOINT_NAME>'));
  const base = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    ...azureArgs(fake),
  ];

  const without = await cli(base, { cwd: dir });
  assert.equal(without.code, 2);
  assert.match(
    without.stderr,
    /deployment\.yml:3: endpoint_name: '<ENDPOINT_NAME>' is not a valid endpoint name/,
  );
  assert.equal(writes(fake), 0);

  const r = await cli([...base, '--endpoint-name=habits-azure'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['endpoint-name'], 'habits-azure');
  assert.ok(
    fake.requests.some((q) => q.method === 'PUT' && q.path.endsWith('/onlineEndpoints/habits-azure')),
  );
  assert.ok(
    !fake.requests.some((q) => q.path.includes('/onlineEndpoints/azureml-deploy-demo')),
    "the endpoint file's own name is replaced too",
  );

  // A real name that differs from the endpoint file's: the input wins over both files.
  await rewriteDeployment(dir, (s) =>
    s.replace(/^endpoint_name: .*$/m, 'endpoint_name: some-other-endpoint'),
  );
  const again = await cli([...base, '--endpoint-name=habits-azure'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.outputs['endpoint-name'], 'habits-azure');
});

test('set overrides the deployment YAML as az ml --set does, repeated or several after one flag', async (t) => {
  const fake = await fakeAzure(t);
  const dir = await demo(t);
  const r = await cli(
    [
      'deploy-model',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--set',
      'instance_count=2',
      'environment_variables.MODE=fast',
      '--set=instance_type=Standard_DS2_v2',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const put = fake.requests.find((q) => q.method === 'PUT' && /\/deployments\/blue$/.test(q.path));
  const body = put!.body as DeploymentBody;
  assert.equal(body.sku?.capacity, 2);
  assert.equal(body.properties.instanceType, 'Standard_DS2_v2');
  assert.equal(body.properties.environmentVariables?.['MODE'], 'fast');
});

test('a bad set value is refused before any write, naming the input and the path', async (t) => {
  const fake = await fakeAzure(t);
  const dir = await demo(t);
  const base = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    ...azureArgs(fake),
  ];
  for (const [set, message] of [
    ['instance_count=0', /deploy-model failed: set: instance_count=0: must be at least 1 \(got 0\)\n/],
    ['instance_count=two', /set: instance_count=two: expected a number/],
    [
      'code_configuration.scoring_script=nope.py',
      /set: code_configuration\.scoring_script=nope\.py: file not found: .*nope\.py/,
    ],
    [
      'instance_type.size=big',
      /set: instance_type\.size=big: instance_type is a value in .*deployment\.yml, not a mapping/,
    ],
    ['=2', /input 'set' has '=2', which is not dotted\.path=value/],
  ] as const) {
    const r = await cli([...base, `--set=${set}`], { cwd: dir });
    assert.equal(r.code, 2, `${set}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(writes(fake), 0, 'nothing was written');

  const v1 = await cli(
    ['deploy-model', '--target=local', '--inference-config=x.json', '--set=instance_count=2'],
    { cwd: dir },
  );
  assert.equal(v1.code, 2);
  assert.match(v1.stderr, /set: changes fields of an az ml v2 deployment YAML/);
});

test('ignored keys: warned once each with a suggestion, listed in the job summary; strict fails before anything', async (t) => {
  const dir = await demo(t);
  await rewriteDeployment(
    dir,
    (s) =>
      `${s}instance_cuont: 2\ndata_collector:\n  collections:\n    model_inputs:\n      enabled: 'True'\n`,
  );
  const summary = path.join(dir, 'summary.md');
  const args = [
    'deploy-model',
    '--target=local',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    '--set=request_settings.request_timeot_ms=5000',
  ];
  const r = await cli([...args, '--dry-run', `--summary-file=${summary}`], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^warning: deployment\.yml:14: instance_cuont: unknown key, ignored; did you mean 'instance_count'\?/m,
  );
  assert.doesNotMatch(r.stderr, /instance_cuont: instance_cuont/);
  assert.match(r.stderr, /deployment\.yml:15: data_collector: is not supported by this tool; ignored/);
  assert.match(
    r.stderr,
    /set: request_settings\.request_timeot_ms=5000: unknown key, ignored; did you mean 'request_timeout_ms'\?/,
  );
  const md = await readFile(summary, 'utf8');
  assert.match(md, /Ignored keys of the config files/);
  assert.match(md, /\| deployment\.yml:14 \| instance_cuont \| unknown key \| instance_count \|/);
  assert.match(md, /\| deployment\.yml:15 \| data_collector \| not supported by this tool \|/);
  assert.match(md, /\| set \| request_settings\.request_timeot_ms \| unknown key \| request_timeout_ms \|/);

  const strict = await cli([...args, '--strict'], { cwd: dir });
  assert.equal(strict.code, 2, strict.stderr);
  assert.match(
    strict.stderr,
    /strict: is true and 3 keys of the config files are ignored: deployment\.yml:14: instance_cuont: unknown key, ignored; did you mean 'instance_count'\?; .*data_collector/,
  );
  assert.equal(existsSync(path.join(dir, '.azureml-local', 'endpoints')), false, 'nothing was started');
  assert.equal(strict.outputs['state'], undefined);
});

test('an inline model with no name is registered as <endpoint>-<deployment>-model on both targets', async (t) => {
  const dir = await demo(t);
  t.after(() =>
    cli(['delete-service', '--target=local', '--endpoint-name=azureml-deploy-demo'], { cwd: dir }),
  );
  const local = await cli(
    ['deploy-model', '--target=local', '--endpoint-file=endpoint.yml', '--deployment-file=deployment.yml'],
    { cwd: dir },
  );
  assert.equal(local.code, 0, local.stderr);
  assert.equal(JSON.parse(local.outputs['plan']!).model.ref, 'azureml:azureml-deploy-demo-blue-model:1');
  assert.ok(existsSync(path.join(dir, '.azureml-local/models/azureml-deploy-demo-blue-model/1/model')));

  const fake = await fakeAzure(t);
  const azure = await cli(
    [
      'deploy-model',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--deployment-name=green',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(azure.code, 0, azure.stderr);
  assert.ok(
    fake.requests.some(
      (q) => q.method === 'PUT' && q.path.endsWith('/models/azureml-deploy-demo-green-model/versions/1'),
    ),
  );
});

test('the local dry-run plan names what changed', async (t) => {
  const dir = await demo(t);
  t.after(() =>
    cli(['delete-service', '--target=local', '--endpoint-name=azureml-deploy-demo'], { cwd: dir }),
  );
  const args = [
    'deploy-model',
    '--target=local',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
  ];
  assert.equal((await cli(args, { cwd: dir })).code, 0);
  await writeFile(path.join(dir, 'model', 'weights.json'), '{"w": [1, 2]}\n');
  const r = await cli([...args, '--dry-run'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    JSON.parse(r.outputs['plan']!).deployment.reason,
    /^model: azureml:azureml-deploy-demo-blue-model:1 → a new version \(azureml-deploy-demo-blue-model from /,
  );
});

test('the official sample with the az ml flags: --endpoint-name, --name, --set', async (t) => {
  const fake = await fakeAzure(t);
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/sklearn'), dir, { recursive: true });
  const r = await cli(
    [
      'deploy-model',
      '--endpoint-file',
      'endpoint.yml',
      '--deployment-file',
      'blue-deployment.yml',
      '--endpoint-name',
      'my-sample-ep',
      '--name',
      'green',
      '--set',
      'instance_count=2',
      'environment_variables.MODE=fast',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['endpoint-name'], 'my-sample-ep');
  assert.equal(r.outputs['deployment-name'], 'green');
  const put = fake.requests.find(
    (q) => q.method === 'PUT' && q.path.endsWith('/onlineEndpoints/my-sample-ep/deployments/green'),
  );
  const body = put!.body as DeploymentBody;
  assert.equal(body.sku?.capacity, 2);
  assert.equal(body.properties.environmentVariables?.['MODE'], 'fast');
});
