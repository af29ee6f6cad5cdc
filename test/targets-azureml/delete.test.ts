import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrafficMap } from '../../src/azure/bodies/types.ts';
import { AzureError } from '../../src/azure/errors.ts';
import type { AzureWorkspace } from '../../src/azure/workspace.ts';
import type { fakeClock } from '../../src/clock.ts';
import type { DeploymentSpec } from '../../src/config/spec.ts';
import { ActionFailure, UsageError } from '../../src/errors.ts';
import { applyPlan } from '../../src/targets/azureml/apply.ts';
import {
  type DeleteRequest,
  deleteFromWorkspace,
  MissingResourceError,
} from '../../src/targets/azureml/delete.ts';
import { selectStaleEndpoints } from '../../src/targets/azureml/delete-sweep.ts';
import { trafficWithout } from '../../src/targets/azureml/delete-traffic.ts';
import { planDeployment } from '../../src/targets/azureml/plan.ts';
import type { TrafficStrategy } from '../../src/targets/azureml/traffic.ts';
import { managedSpec, seedAsset, startWorkspace, type TestWorkspace } from './helpers.ts';

const EP = 'ep-test';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const spec = (name: string, overrides: Partial<DeploymentSpec> = {}) => managedSpec(name, EP, overrides);

async function workspaceWithAssets(t: Parameters<typeof startWorkspace>[0]): Promise<TestWorkspace> {
  const tw = await startWorkspace(t);
  await seedAsset(tw, 'models', 'm', '1', { modelUri: 'azureml://datastores/d/paths/m' });
  await seedAsset(tw, 'codes', 'score', '1', { codeUri: 'https://acct.blob.core.windows.net/c/score' });
  await seedAsset(tw, 'environments', 'env', '1', {
    image: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest',
  });
  return tw;
}

/** Sets the scene through the real rollout code: deploys `name` with the given traffic strategy. */
async function deploy(
  tw: TestWorkspace,
  name: string,
  traffic: TrafficStrategy,
  mirrorTraffic?: TrafficMap,
): Promise<void> {
  const plan = await planDeployment(tw.ws, {
    endpoint: { name: EP },
    deployment: spec(name),
    traffic,
    ...(mirrorTraffic ? { mirrorTraffic } : {}),
  });
  const result = await applyPlan(tw.ws, plan, { deadline: tw.clock.now() + 30 * MINUTE });
  assert.equal(result.ok, true, result.error);
}

/** blue=40, green=35, red=25 on EP. */
async function threeServing(tw: TestWorkspace): Promise<void> {
  await deploy(tw, 'blue', { kind: 'all' });
  await deploy(tw, 'green', { kind: 'none' });
  await deploy(tw, 'red', { kind: 'explicit', map: { blue: 40, green: 35, red: 25 } });
  assert.deepEqual(maps(tw).traffic, { blue: 40, green: 35, red: 25 });
}

function maps(tw: TestWorkspace): { traffic: TrafficMap; mirrorTraffic: TrafficMap } {
  const p = (tw.fake.inspect(`/onlineEndpoints/${EP}`).body as { properties: Record<string, TrafficMap> })
    .properties;
  return { traffic: p.traffic ?? {}, mirrorTraffic: p.mirrorTraffic ?? {} };
}

function status(tw: TestWorkspace, path: string): number {
  return tw.fake.inspect(path).status;
}

function run(tw: TestWorkspace, request: Partial<DeleteRequest>, ws: AzureWorkspace = tw.ws) {
  const progress: string[] = [];
  const promise = deleteFromWorkspace(
    ws,
    { ignoreMissing: true, wait: true, ...request },
    {
      deadline: tw.clock.now() + 30 * MINUTE,
      now: () => tw.clock.now(),
      onProgress: (line) => progress.push(line),
    },
  );
  return { promise, progress };
}

function advance(tw: TestWorkspace, ms: number): void {
  (tw.clock as ReturnType<typeof fakeClock>).advance(ms);
}

const shortWrites = (tw: TestWorkspace) =>
  tw.writes().map((w) => `${w.method} ${w.path.slice(tw.ws.path.length)}`);

test('a deployment with live traffic is refused before any write, naming deployment-name', async (t) => {
  const tw = await workspaceWithAssets(t);
  await deploy(tw, 'blue', { kind: 'all' });
  await deploy(tw, 'green', { kind: 'none' });
  tw.resetWrites();
  await assert.rejects(
    run(tw, {
      endpointName: EP,
      deploymentName: 'blue',
      model: { name: 'm', version: '1', action: 'delete' },
    }).promise,
    (err: unknown) =>
      err instanceof UsageError &&
      err.input === 'deployment-name' &&
      /100% of the live traffic/.test(err.message) &&
      /force: true/.test(err.message),
  );
  assert.deepEqual(tw.writes(), [], 'nothing was written, not even the model');
  assert.equal(status(tw, `/onlineEndpoints/${EP}/deployments/blue`), 200);
  assert.equal(status(tw, '/models/m/versions/1'), 200);
});

test('a deployment with only mirror traffic is refused too; forced, only its mirror entry goes', async (t) => {
  const tw = await workspaceWithAssets(t);
  await deploy(tw, 'blue', { kind: 'all' });
  await deploy(tw, 'green', { kind: 'none' }, { green: 10 });
  assert.deepEqual(maps(tw), { traffic: { blue: 100 }, mirrorTraffic: { green: 10 } });
  tw.resetWrites();
  await assert.rejects(
    run(tw, { endpointName: EP, deploymentName: 'green' }).promise,
    (err: unknown) => err instanceof UsageError && /10% mirror traffic/.test(err.message),
  );
  assert.deepEqual(tw.writes(), []);

  const { promise } = run(tw, { endpointName: EP, deploymentName: 'green', force: true });
  const result = await promise;
  assert.deepEqual(result.deleted, [`deployment:${EP}/green`]);
  assert.deepEqual(maps(tw), { traffic: { blue: 100 }, mirrorTraffic: {} });
  assert.equal(status(tw, `/onlineEndpoints/${EP}/deployments/green`), 404);
});

test('forced: the traffic moves to the others in proportion (adding to 100) before the deployment is deleted', async (t) => {
  const tw = await workspaceWithAssets(t);
  await threeServing(tw);
  tw.resetWrites();
  const { promise, progress } = run(tw, { endpointName: EP, deploymentName: 'blue', force: true });
  const result = await promise;

  assert.deepEqual(result.deleted, [`deployment:${EP}/blue`]);
  assert.deepEqual(result.missing, []);
  assert.deepEqual(shortWrites(tw), [
    `PUT /onlineEndpoints/${EP}`,
    `DELETE /onlineEndpoints/${EP}/deployments/blue`,
  ]);
  // blue's 40% split 35:25 over green and red: 23.33 + 16.67 -> 58 and 42 (largest remainder).
  const [put, del] = tw.writes() as [(typeof tw.fake.requests)[number], (typeof tw.fake.requests)[number]];
  const putTraffic = (put.body as { properties: { traffic: TrafficMap } }).properties.traffic;
  assert.deepEqual(putTraffic, { green: 58, red: 42 });
  assert.equal(
    Object.values(putTraffic).reduce((a, b) => a + b, 0),
    100,
  );
  // The DELETE came only after the endpoint update had finished (the fake takes 2 s of its clock).
  assert.ok(del.at >= put.at + tw.fake.settings.provisioningDelayMs, 'endpoint update waited for first');
  assert.equal(status(tw, `/onlineEndpoints/${EP}/deployments/blue`), 404);
  assert.deepEqual(maps(tw).traffic, { green: 58, red: 42 });
  assert.ok(
    result.steps.some((s) => s.includes('blue=40,green=35,red=25 -> green=58,red=42')),
    result.steps.join('\n'),
  );
  assert.ok(
    progress.some((line) => /Deleting|InProgress/.test(line)),
    'the wait reported progress',
  );
});

test('forced, but nothing else serves: refused, delete the endpoint instead', async (t) => {
  const tw = await workspaceWithAssets(t);
  await deploy(tw, 'blue', { kind: 'all' });
  await deploy(tw, 'green', { kind: 'none' });
  tw.resetWrites();
  await assert.rejects(
    run(tw, { endpointName: EP, deploymentName: 'blue', force: true }).promise,
    (err: unknown) =>
      err instanceof UsageError &&
      err.input === 'deployment-name' &&
      /delete the endpoint instead/.test(err.message),
  );
  assert.deepEqual(tw.writes(), []);
  assert.deepEqual(maps(tw).traffic, { blue: 100 });
});

test('a deployment without traffic is deleted with no endpoint write', async (t) => {
  const tw = await workspaceWithAssets(t);
  await deploy(tw, 'blue', { kind: 'all' });
  await deploy(tw, 'green', { kind: 'none' });
  tw.resetWrites();
  const result = await run(tw, { endpointName: EP, deploymentName: 'green' }).promise;
  assert.deepEqual(result.deleted, [`deployment:${EP}/green`]);
  assert.deepEqual(result.deleting, []);
  assert.deepEqual(shortWrites(tw), [`DELETE /onlineEndpoints/${EP}/deployments/green`]);
  assert.equal(status(tw, `/onlineEndpoints/${EP}/deployments/green`), 404);
  assert.equal(status(tw, `/onlineEndpoints/${EP}/deployments/blue`), 200);
  assert.deepEqual(maps(tw).traffic, { blue: 100 });
});

test('an endpoint is deleted with its deployments and waited for until it is gone', async (t) => {
  const tw = await workspaceWithAssets(t);
  await deploy(tw, 'blue', { kind: 'all' });
  await deploy(tw, 'green', { kind: 'none' });
  tw.resetWrites();
  const result = await run(tw, { endpointName: EP }).promise;
  assert.deepEqual(result.deleted, [`deployment:${EP}/blue`, `deployment:${EP}/green`, `endpoint:${EP}`]);
  assert.deepEqual(shortWrites(tw), [`DELETE /onlineEndpoints/${EP}`]);
  assert.equal(status(tw, `/onlineEndpoints/${EP}`), 404);
  assert.ok(tw.fake.reads(/mfeOperationResults/) > 0, 'the Location was polled');
});

test('a failed endpoint deletion is an ActionFailure with Azure\u2019s reason', async (t) => {
  const tw = await workspaceWithAssets(t);
  await deploy(tw, 'blue', { kind: 'all' });
  tw.fake.script({
    resource: 'endpoint',
    operation: 'delete',
    result: 'Failed',
    error: { code: 'InternalServerError', message: 'scripted: could not release the compute' },
  });
  await assert.rejects(
    run(tw, { endpointName: EP }).promise,
    (err: unknown) =>
      err instanceof ActionFailure &&
      /ended Failed: scripted: could not release the compute/.test(err.message),
  );
});

test('missing: success with ignore-missing, else an error naming what and which workspace', async (t) => {
  const tw = await workspaceWithAssets(t);
  await deploy(tw, 'blue', { kind: 'all' });
  tw.resetWrites();

  const ok = await run(tw, { endpointName: 'gone-ep', model: { name: 'm', version: '9', action: 'delete' } })
    .promise;
  assert.deepEqual(ok.deleted, []);
  assert.deepEqual(ok.missing, ['endpoint:gone-ep', 'model:m:9']);
  const alsoOk = await run(tw, { endpointName: EP, deploymentName: 'nope' }).promise;
  assert.deepEqual(alsoOk.missing, [`deployment:${EP}/nope`]);
  const viaEndpoint = await run(tw, { endpointName: 'gone-ep', deploymentName: 'blue' }).promise;
  assert.deepEqual(viaEndpoint.missing, ['deployment:gone-ep/blue']);

  let caught: unknown;
  try {
    await run(tw, { endpointName: EP, deploymentName: 'nope', ignoreMissing: false }).promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof MissingResourceError, String(caught));
  assert.match(caught.message, /online deployment 'nope' of endpoint 'ep-test' does not exist/);
  assert.match(caught.message, /workspace 'my-aml-workspace' \(resource group 'test-rg'/);
  assert.match(caught.message, /ignore-missing: true/);
  assert.deepEqual(caught.result.missing, [`deployment:${EP}/nope`]);

  await assert.rejects(
    run(tw, { endpointName: 'gone-ep', ignoreMissing: false }).promise,
    (err: unknown) =>
      err instanceof MissingResourceError && /online endpoint 'gone-ep' does not exist/.test(err.message),
  );
  assert.equal(status(tw, `/onlineEndpoints/${EP}/deployments/blue`), 200, 'nothing else was touched');
});

test('a wrong workspace is an error, not "already gone"', async (t) => {
  const tw = await workspaceWithAssets(t);
  const wrong: AzureWorkspace = { ...tw.ws, path: tw.ws.path.replace(/my-aml-workspace$/, 'no-such-ws') };
  await assert.rejects(
    run(tw, { endpointName: EP }, wrong).promise,
    (err: unknown) => err instanceof AzureError && err.status === 404 && /no-such-ws/.test(err.message),
  );
});

test('a model version is archived (other properties kept) or deleted', async (t) => {
  const tw = await startWorkspace(t);
  await seedAsset(tw, 'models', 'm', '1', {
    modelUri: 'azureml://datastores/d/paths/m1',
    modelType: 'custom_model',
    tags: { team: 'ml' },
    properties: { 'azureml-deploy.content-hash': 'sha256:abc' },
  });
  await seedAsset(tw, 'models', 'm', '2', { modelUri: 'azureml://datastores/d/paths/m2' });
  tw.resetWrites();

  const archived = await run(tw, { model: { name: 'm', version: '1', action: 'archive' } }).promise;
  assert.deepEqual(archived.deleted, ['model:m:1']);
  assert.ok(archived.steps.some((s) => /archived/.test(s)));
  const v1 = tw.fake.inspect('/models/m/versions/1').body as { properties: Record<string, unknown> };
  assert.equal(v1.properties.isArchived, true);
  assert.equal(v1.properties.modelUri, 'azureml://datastores/d/paths/m1');
  assert.deepEqual(v1.properties.tags, { team: 'ml' });
  assert.deepEqual(v1.properties.properties, { 'azureml-deploy.content-hash': 'sha256:abc' });

  const deleted = await run(tw, { model: { name: 'm', version: '2', action: 'delete' } }).promise;
  assert.deepEqual(deleted.deleted, ['model:m:2']);
  assert.equal(status(tw, '/models/m/versions/2'), 404);
  assert.equal(status(tw, '/models/m/versions/1'), 200, 'the archived version still exists');
  assert.deepEqual(shortWrites(tw), ['PUT /models/m/versions/1', 'DELETE /models/m/versions/2']);
});

test('sweep: endpoints with the prefix older than the age are deleted, others kept (paged list)', async (t) => {
  const tw = await startWorkspace(t, { settings: { pageSize: 2 } });
  const create = async (name: string) => {
    await tw.ws.client.put(`${tw.ws.path}/onlineEndpoints/${name}`, {
      body: { location: 'eastus2', properties: { authMode: 'Key' } },
    });
  };
  await create('pr-1-old');
  await create('main-old');
  await create('pr-4-old');
  advance(tw, 30 * HOUR);
  await create('pr-2-new');
  await create('pr-3-new');
  advance(tw, MINUTE);
  tw.resetWrites();

  const result = await run(tw, { sweep: { prefix: 'pr-', olderThanHours: 24 } }).promise;
  assert.deepEqual(result.deleted.sort(), ['endpoint:pr-1-old', 'endpoint:pr-4-old']);
  assert.deepEqual(shortWrites(tw).sort(), [
    'DELETE /onlineEndpoints/pr-1-old',
    'DELETE /onlineEndpoints/pr-4-old',
  ]);
  for (const gone of ['pr-1-old', 'pr-4-old']) assert.equal(status(tw, `/onlineEndpoints/${gone}`), 404);
  for (const kept of ['main-old', 'pr-2-new', 'pr-3-new'])
    assert.equal(status(tw, `/onlineEndpoints/${kept}`), 200);
  assert.ok(
    tw.fake.requests.some((r) => r.method === 'GET' && r.query.$skip === '4'),
    'followed nextLink',
  );
  assert.ok(
    result.steps.some((s) => /^sweep: 2 endpoint\(s\) named pr-\*/.test(s)),
    result.steps.join('\n'),
  );

  const again = await run(tw, { sweep: { prefix: 'pr-', olderThanHours: 24 } }).promise;
  assert.deepEqual(again.deleted, []);
  assert.ok(again.steps.some((s) => /no endpoint named pr-\* is older than 24 h/.test(s)));
});

test('wait=false starts the DELETEs without polling and reports them as deleting', async (t) => {
  const tw = await workspaceWithAssets(t);
  await deploy(tw, 'blue', { kind: 'all' });
  const pollsBefore = tw.fake.reads(/mfeOperation/);
  tw.resetWrites();
  const result = await run(tw, { endpointName: EP, wait: false }).promise;
  assert.deepEqual(result.deleting, [`deployment:${EP}/blue`, `endpoint:${EP}`]);
  assert.deepEqual(result.deleted, result.deleting);
  assert.ok(result.steps.some((s) => /deleting \(not waited for\)/.test(s)));
  assert.equal(tw.fake.reads(/mfeOperation/), pollsBefore, 'no operation was polled');
  const ep = tw.fake.inspect(`/onlineEndpoints/${EP}`).body as { properties: { provisioningState: string } };
  assert.equal(ep.properties.provisioningState, 'Deleting');
  advance(tw, tw.fake.settings.provisioningDelayMs);
  assert.equal(status(tw, `/onlineEndpoints/${EP}`), 404);
});

test('request checks come first: bad combinations are UsageErrors naming the input', async (t) => {
  const tw = await startWorkspace(t);
  const rejects = (request: Partial<DeleteRequest>, input: string) =>
    assert.rejects(
      run(tw, request).promise,
      (err: unknown) => err instanceof UsageError && err.input === input,
    );
  await rejects({ deploymentName: 'blue' }, 'deployment-name');
  await rejects({ sweep: { prefix: ' ', olderThanHours: 1 } }, 'endpoint-prefix');
  await rejects({ sweep: { prefix: 'pr-', olderThanHours: -1 } }, 'older-than-hours');
  await rejects({}, 'endpoint-name');
  assert.deepEqual(tw.writes(), []);
  assert.equal(tw.fake.requests.length, 0, 'not even a read');
});

test('trafficWithout keeps whole percents adding to 100 and leaves zero entries alone', () => {
  const after = trafficWithout('ep', 'a', {
    traffic: { a: 1, b: 33, c: 33, d: 33, e: 0 },
    mirrorTraffic: { e: 10 },
  });
  assert.deepEqual(after.traffic, { b: 34, c: 33, d: 33, e: 0 });
  assert.deepEqual(after.mirrorTraffic, { e: 10 });
  const sums: number[] = [];
  for (const [x, y, z] of [
    [10, 45, 45],
    [97, 2, 1],
    [1, 98, 1],
    [33, 34, 33],
  ] as const) {
    const out = trafficWithout('ep', 'x', { traffic: { x, y, z }, mirrorTraffic: {} }).traffic;
    sums.push(Object.values(out).reduce((a, b) => a + b, 0));
    assert.equal('x' in out, false);
  }
  assert.deepEqual(sums, [100, 100, 100, 100]);
});

test('selectStaleEndpoints: prefix (any case) and age from systemData.createdAt; no date, no sweep', () => {
  const now = Date.UTC(2026, 0, 2);
  const ep = (name: string, createdAt?: string) => ({
    name,
    properties: {},
    ...(createdAt ? { systemData: { createdAt } } : {}),
  });
  const { stale, kept } = selectStaleEndpoints(
    [
      ep('PR-7', '2025-12-31T00:00:00Z'),
      ep('pr-8', '2026-01-01T23:00:00Z'),
      ep('pr-9'),
      ep('prod', '2020-01-01T00:00:00Z'),
    ],
    { prefix: 'pr-', olderThanHours: 24 },
    now,
  );
  assert.deepEqual(
    stale.map((s) => s.name),
    ['PR-7'],
  );
  assert.equal(kept.length, 2);
});
