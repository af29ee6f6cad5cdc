// deploy-model on target azureml through the CLI against the fake Azure (Azurite behind its datastore and
// code uploads): first deploy, unchanged re-run, and a failed blue-green rollout that is rolled back.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { azureArgs, startScoringService } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { type FakeAzure, type FakeAzureOptions, startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

/** A fake Azure (fast transitions, Azurite behind it) and a copy of the demo example to deploy from. */
async function demoOnFake(t: TestContext, options: Partial<FakeAzureOptions> = {}) {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
    ...options,
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  return { fake, dir };
}

const writes = (fake: FakeAzure) =>
  fake.requests.filter(
    (r) => r.method !== 'GET' && r.path.startsWith('/subscriptions/') && !r.path.includes('/listKeys'),
  ).length;

test('deploy-model to a managed endpoint: create at 100%, then an unchanged re-run writes nothing', async (t) => {
  const { fake, dir } = await demoOnFake(t);
  const args = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    ...azureArgs(fake),
  ];
  const first = await cli(args, { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.outputs['state'], 'Healthy');
  assert.equal(first.outputs['provisioning-state'], 'Succeeded');
  assert.deepEqual(JSON.parse(first.outputs['traffic']!), { blue: 100 });
  assert.deepEqual(JSON.parse(first.outputs['previous-traffic']!), {});
  assert.equal(first.outputs['changed'], 'true');
  assert.match(first.outputs['scoring-uri']!, /^https:\/\/azureml-deploy-demo\..*\/score$/);
  const deploymentPut = fake.requests.find((r) => r.method === 'PUT' && /\/deployments\/blue$/.test(r.path));
  assert.equal(
    (deploymentPut!.body as { properties: { instanceType: string } }).properties.instanceType,
    'Standard_DS1_v2',
  );

  // The local state folder and git's folder inside `code: ./` are not code: they must not make a new asset.
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(path.join(dir, '.azureml-local'), { recursive: true });
  await writeFile(path.join(dir, '.azureml-local', 'hash-cache.json'), '{}');
  await mkdir(path.join(dir, '.git'), { recursive: true });
  await writeFile(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  const before = writes(fake);
  const again = await cli(args, { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.outputs['changed'], 'false');
  assert.equal(writes(fake) - before, 0, 'an unchanged re-run writes nothing');
});

test('a failed blue-green rollout: exit 1, container logs in logs-file, traffic left exactly as it was', async (t) => {
  const { fake, dir } = await demoOnFake(t);
  const first = await cli(
    ['deploy-model', '--endpoint-file=endpoint.yml', '--deployment-file=deployment.yml', ...azureArgs(fake)],
    { cwd: dir },
  );
  assert.equal(first.code, 0, first.stderr);
  fake.script({
    resource: 'deployment',
    name: 'green',
    result: 'Failed',
    error: { code: 'ResourceNotReady', message: 'User container has crashed or terminated.' },
  });
  fake.setLogs('azureml-deploy-demo', 'green', {
    InferenceServer: 'Traceback (most recent call last):\nValueError: bad weights',
  });
  const summary = path.join(dir, 'summary.md');
  const r = await cli(
    [
      'deploy-model',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--deployment-name=green',
      '--traffic=blue-green',
      `--summary-file=${summary}`,
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.outputs['state'], 'Failed');
  assert.deepEqual(JSON.parse(r.outputs['traffic']!), { blue: 100 }, 'serving traffic untouched');
  const logs = r.outputs['logs-file'];
  assert.ok(logs && existsSync(logs));
  assert.match(await readFile(logs!, 'utf8'), /ValueError: bad weights/);
  const md = await readFile(summary, 'utf8');
  assert.match(md, /ValueError: bad weights/);
  assert.match(md, /User container has crashed/);
});

test('blue-green with the smoke gate, then smoke-test-service by endpoint name with the key looked up', async (t) => {
  const scoring = await startScoringService(t);
  const seen = scoring.calls;
  const { fake, dir } = await demoOnFake(t, { scoringUri: () => scoring.url });
  const base = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    ...azureArgs(fake),
  ];
  assert.equal((await cli(base, { cwd: dir })).code, 0);
  const green = await cli(
    [...base, '--deployment-name=green', '--traffic=blue-green', '--smoke-request-file=sample-request.json'],
    { cwd: dir },
  );
  assert.equal(green.code, 0, green.stderr);
  assert.deepEqual(JSON.parse(green.outputs['traffic']!), { green: 100 });
  assert.deepEqual(JSON.parse(green.outputs['previous-traffic']!), { blue: 100 });
  assert.ok(
    seen.some((s) => s.deployment === 'green'),
    'the gate called the new deployment through the header',
  );

  const smoke = await cli(
    [
      'smoke-test-service',
      '--endpoint-name=azureml-deploy-demo',
      '--deployment-name=green',
      '--request-file=sample-request.json',
      '--expect-json=expected-response.json',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(smoke.code, 0, smoke.stderr);
  assert.equal(smoke.outputs['passed'], 'true');
  const last = seen.at(-1)!;
  assert.equal(last.deployment, 'green');
  assert.match(last.auth ?? '', /^Bearer .+/);
  const key = last.auth!.slice('Bearer '.length);
  assert.ok(!(smoke.stdout + smoke.stderr).includes(key), 'the endpoint key is never printed');
});

test('the post: step of a cancelled run restores the traffic maps the killed rollout changed', async (t) => {
  const { createCliIO } = await import('../../src/cli/cli-io.ts');
  const { runAction } = await import('../../src/actions/shared/run-action.ts');
  const { deployModelAction } = await import('../../src/actions/deploy-model/main.ts');
  const { systemClock } = await import('../../src/clock.ts');
  const { fake, dir } = await demoOnFake(t);
  const base = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    ...azureArgs(fake),
  ];
  assert.equal((await cli(base, { cwd: dir })).code, 0);
  // A rollout that moved everything to green, then died before it could roll back.
  const green = await cli([...base, '--deployment-name=green', '--traffic=all'], { cwd: dir });
  assert.deepEqual(JSON.parse(green.outputs['traffic']!), { green: 100 });

  const inputs = Object.fromEntries(
    base.slice(1).map((a) => {
      const [k, ...v] = a.slice(2).split('=');
      return [k!, v.join('=')];
    }),
  );
  let stderr = '';
  const io = createCliIO({
    read: (n) => inputs[n],
    streams: { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } },
    env: {},
  });
  io.saveState(
    'restore-traffic',
    JSON.stringify({
      endpoint: 'azureml-deploy-demo',
      previous: { traffic: { blue: 100 }, mirrorTraffic: {} },
    }),
  );
  const result = await runAction(deployModelAction, io, { clock: systemClock, cwd: dir, env: {} }, 'post');
  assert.equal(result.exitCode, 0, stderr);
  assert.match(stderr, /traffic of azureml-deploy-demo restored to blue=100/);
  const endpoint = fake.requests
    .filter((r) => r.method === 'PUT' && /\/onlineEndpoints\/azureml-deploy-demo$/.test(r.path))
    .at(-1);
  assert.deepEqual(
    (endpoint!.body as { properties: { traffic: Record<string, number> } }).properties.traffic,
    { blue: 100 },
  );
});

test('the pipeline on Azure ML: register the model, deploy, smoke test through the looked-up key', async (t) => {
  const scoring = await startScoringService(t);
  const { fake, dir } = await demoOnFake(t, { scoringUri: () => scoring.url });
  const r = await cli(
    [
      'pipeline',
      '--model-name=demo-model',
      '--model-path=model',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--request-file=sample-request.json',
      '--expect-json=expected-response.json',
      '--delete-after',
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.outputs['deleted']!), [
    'deployment:azureml-deploy-demo/blue',
    'endpoint:azureml-deploy-demo',
  ]);
  assert.ok(
    fake.requests.some(
      (x) => x.method === 'DELETE' && /\/onlineEndpoints\/azureml-deploy-demo$/.test(x.path),
    ),
  );
  assert.equal(r.outputs['model-id'], 'azureml:demo-model:1');
  assert.equal(r.outputs['state'], 'Healthy');
  assert.equal(r.outputs['passed'], 'true');
  const dep = fake.requests.find((x) => x.method === 'PUT' && /\/deployments\/blue$/.test(x.path));
  assert.match(
    (dep!.body as { properties: { model: string } }).properties.model,
    /\/models\/demo-model\/versions\/1$/,
  );
});

test('delete-service on Azure ML: refuses a serving deployment, forces it, deletes the endpoint, tolerates gone', async (t) => {
  const { fake, dir } = await demoOnFake(t);
  const base = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    ...azureArgs(fake),
  ];
  assert.equal((await cli(base, { cwd: dir })).code, 0);
  assert.equal(
    (await cli([...base, '--deployment-name=green', '--traffic=blue=50,green=50'], { cwd: dir })).code,
    0,
  );
  const del = ['delete-service', '--endpoint-name=azureml-deploy-demo', ...azureArgs(fake)];

  const writes = () =>
    fake.requests.filter((x) => x.method !== 'GET' && x.path.startsWith('/subscriptions/')).length;
  const before = writes();
  const refused = await cli([...del, '--deployment-name=green'], { cwd: dir });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /deployment-name/);
  assert.equal(writes(), before, 'refused before any write');

  const forced = await cli([...del, '--deployment-name=green', '--force'], { cwd: dir });
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(JSON.parse(forced.outputs['deleted']!), ['deployment:azureml-deploy-demo/green']);
  const lastEndpointPut = fake.requests
    .filter((x) => x.method === 'PUT' && /\/onlineEndpoints\/azureml-deploy-demo$/.test(x.path))
    .at(-1);
  assert.deepEqual(
    (lastEndpointPut!.body as { properties: { traffic: Record<string, number> } }).properties.traffic,
    { blue: 100 },
  );

  const whole = await cli(del, { cwd: dir });
  assert.equal(whole.code, 0, whole.stderr);
  assert.deepEqual(JSON.parse(whole.outputs['deleted']!), [
    'deployment:azureml-deploy-demo/blue',
    'endpoint:azureml-deploy-demo',
  ]);
  const again = await cli(del, { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.outputs['deleted']!), []);
});

test('removing a setting from the deployment YAML is a change (the spec-hash tag sees it)', async (t) => {
  const { fake, dir } = await demoOnFake(t);
  const original = await readFile(path.join(dir, 'deployment.yml'), 'utf8');
  const { writeFile } = await import('node:fs/promises');
  // The code folder is `./`: keep the YAML files out of the code asset, so only the deployment settings change.
  await writeFile(path.join(dir, '.amlignore'), '*.yml\n');
  await writeFile(
    path.join(dir, 'deployment.yml'),
    `${original}request_settings:\n  request_timeout_ms: 90000\n`,
  );
  const args = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    ...azureArgs(fake),
  ];
  assert.equal((await cli(args, { cwd: dir })).code, 0);
  await writeFile(path.join(dir, 'deployment.yml'), original);
  const removed = await cli(args, { cwd: dir });
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.outputs['changed'], 'true');
  assert.match(removed.outputs['plan']!, /settings removed/);
  const again = await cli(args, { cwd: dir });
  assert.equal(again.outputs['changed'], 'false');
});

test('the pipeline gates a new deployment on an endpoint that already serves traffic, with no traffic input', async (t) => {
  const scoring = await startScoringService(t);
  const { fake, dir } = await demoOnFake(t, { scoringUri: () => scoring.url });
  const base = [
    'pipeline',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    '--request-file=sample-request.json',
    ...azureArgs(fake),
  ];
  const first = await cli(base, { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.outputs['traffic']!), { blue: 100 });
  const green = await cli([...base, '--deployment-name=green'], { cwd: dir });
  assert.equal(green.code, 0, green.stderr);
  assert.match(green.stderr, /already serves traffic: green is smoke tested at 0 %/);
  assert.deepEqual(JSON.parse(green.outputs['traffic']!), { green: 100 });
  const firstGreen = scoring.calls.findIndex((c) => c.deployment === 'green');
  assert.ok(firstGreen >= 0, 'green was called through the header');
  // Re-running the serving deployment updates it in place (no gate refusal).
  const again = await cli([...base, '--deployment-name=green'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.outputs['changed'], 'false');
});
