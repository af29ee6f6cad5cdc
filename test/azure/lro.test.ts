import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArmClient } from '../../src/azure/arm-client.ts';
import { OperationTimeoutError } from '../../src/azure/errors.ts';
import { adaptivePollDelayMs, type OperationProgress, waitForOperation } from '../../src/azure/lro.ts';
import { fakeClock } from '../../src/clock.ts';
import { type FakeAzure, type FakeSettings, startFakeAzure } from '../support/fake-azure/index.ts';

const MINUTE = 60_000;

async function setup(t: import('node:test').TestContext, settings: Partial<FakeSettings> = {}) {
  const clock = fakeClock();
  const fake = await startFakeAzure({ clock, settings: { provisioningDelayMs: 30_000, ...settings } });
  t.after(() => fake.close());
  return { clock, fake, client: fake.client() };
}

const endpointPath = (fake: FakeAzure, name = 'ep1') => `${fake.workspacePath}/onlineEndpoints/${name}`;
const deploymentPath = (fake: FakeAzure, name = 'blue') => `${endpointPath(fake)}/deployments/${name}`;
const endpointBody = (traffic: Record<string, number> = {}) => ({
  location: 'eastus2',
  properties: { authMode: 'Key', traffic },
});
const deploymentBody = {
  location: 'eastus2',
  properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' },
};

/** Creates ep1 and waits for it. */
async function readyEndpoint(client: ArmClient, fake: FakeAzure, clock: { now(): number }) {
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
}

function pollPaths(fake: FakeAzure): string[] {
  return fake.requests
    .filter((r) => r.method === 'GET')
    .map((r) =>
      r.path.includes('mfeOperationsStatus')
        ? 'status'
        : r.path.includes('mfeOperationResults')
          ? 'result'
          : 'resource',
    );
}

test('Azure-AsyncOperation: polls the status URL, then GETs the resource once', async (t) => {
  const { clock, fake, client } = await setup(t);
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  assert.equal(res.status, 201);
  assert.ok(res.headers['azure-asyncoperation']);
  const progress: OperationProgress[] = [];
  const result = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
    onProgress: (p) => progress.push(p),
  });
  assert.equal(result.status, 'Succeeded');
  assert.equal(
    (result.resource as { properties: { provisioningState: string } }).properties.provisioningState,
    'Succeeded',
  );
  assert.deepEqual(
    progress.map((p) => `${p.source}:${p.state}`),
    ['resource:Creating', 'operation:InProgress', 'operation:Succeeded'],
  );
  const polls = pollPaths(fake);
  assert.equal(polls.at(-1), 'resource');
  assert.ok(polls.slice(0, -1).every((p) => p === 'status'));
  assert.equal(result.reads, polls.length);
  assert.ok(result.elapsedMs >= 30_000 && result.elapsedMs <= 35_000, `${result.elapsedMs}`);
});

test('Location: 202 until done; DELETE ends when the resource answers 404', async (t) => {
  const { clock, fake, client } = await setup(t);
  await readyEndpoint(client, fake, clock);
  const created = await client.put(deploymentPath(fake), { body: deploymentBody });
  await waitForOperation(created, {
    client,
    resourceUrl: deploymentPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  fake.requests.length = 0;

  const res = await client.delete(deploymentPath(fake));
  assert.equal(res.status, 202);
  assert.ok(res.headers.location);
  const progress: string[] = [];
  const result = await waitForOperation(res, {
    client,
    resourceUrl: deploymentPath(fake),
    deadline: clock.now() + 10 * MINUTE,
    onProgress: (p) => progress.push(`${p.source}:${p.state}`),
  });
  assert.equal(result.status, 'Succeeded');
  assert.equal(result.resource, undefined);
  assert.deepEqual(progress, ['location:InProgress', 'location:Succeeded', 'resource:Deleted']);
  const polls = pollPaths(fake);
  assert.ok(polls.slice(0, -1).every((p) => p === 'result'));
  assert.equal(fake.inspect(deploymentPath(fake)).status, 404);
});

test('properties.properties.AzureAsyncOperationUri is followed when a 200 update has no header', async (t) => {
  const { clock, fake, client } = await setup(t);
  await readyEndpoint(client, fake, clock);
  fake.requests.length = 0;
  const res = await client.put(endpointPath(fake), { body: { ...endpointBody(), tags: { v: '2' } } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['azure-asyncoperation'], undefined);
  const result = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  assert.equal(result.status, 'Succeeded');
  const polls = pollPaths(fake);
  assert.ok(polls.includes('status'), 'the status URL from the body was polled');
  assert.equal(polls.at(-1), 'resource');
});

test('provisioningState of the resource is polled when there is no status URL at all', async (t) => {
  const { clock, fake, client } = await setup(t, { asyncOperationUriInBody: false });
  await readyEndpoint(client, fake, clock);
  fake.requests.length = 0;
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  const progress: string[] = [];
  const result = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
    onProgress: (p) => progress.push(`${p.source}:${p.state}`),
  });
  assert.equal(result.status, 'Succeeded');
  assert.deepEqual(progress, ['resource:Updating', 'resource:Succeeded']);
  assert.ok(pollPaths(fake).every((p) => p === 'resource'));
});

test('a Failed operation returns its error details and the failed resource', async (t) => {
  const { clock, fake, client } = await setup(t);
  await readyEndpoint(client, fake, clock);
  fake.script({
    resource: 'deployment',
    name: 'blue',
    result: 'Failed',
    delayMs: 90_000,
    error: {
      code: 'BadArgument',
      message: 'Deployment failed',
      details: [{ code: 'ImageBuildFailure', message: 'conda env create failed: PackagesNotFoundError' }],
    },
  });
  const res = await client.put(deploymentPath(fake), { body: deploymentBody });
  const result = await waitForOperation(res, {
    client,
    resourceUrl: deploymentPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  assert.equal(result.status, 'Failed');
  assert.equal(result.error?.code, 'BadArgument');
  assert.equal(result.error?.details?.[0]?.code, 'ImageBuildFailure');
  assert.equal(
    (result.resource as { properties: { provisioningState: string } }).properties.provisioningState,
    'Failed',
  );
});

test('a Canceled operation and a failed Location operation are terminal too', async (t) => {
  const { clock, fake, client } = await setup(t);
  fake.script({ resource: 'endpoint', result: 'Canceled', operation: 'create' });
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  const canceled = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  assert.equal(canceled.status, 'Canceled');
  assert.equal(canceled.error?.code, 'EndpointOperationFailed');

  fake.script({
    resource: 'endpoint',
    result: 'Failed',
    operation: 'delete',
    error: { code: 'DeleteFailed', message: 'locked' },
  });
  const del = await client.delete(endpointPath(fake));
  const failed = await waitForOperation(del, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  assert.equal(failed.status, 'Failed');
  assert.deepEqual(
    { code: failed.error?.code, message: failed.error?.message },
    { code: 'DeleteFailed', message: 'locked' },
  );
});

test('the deadline stops the wait with the state it was in, and no poll goes past it', async (t) => {
  const { clock, fake, client } = await setup(t, { provisioningDelayMs: 30 * MINUTE });
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  const deadline = clock.now() + 5 * MINUTE;
  const error = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline,
    description: "endpoint 'ep1'",
  }).catch((e: unknown) => e);
  assert.ok(error instanceof OperationTimeoutError);
  assert.equal(error.lastState, 'InProgress');
  assert.match(
    error.message,
    /Timed out after 5 min waiting for PUT of endpoint 'ep1': the operation status was still InProgress/,
  );
  assert.ok(fake.requests.every((r) => r.at <= deadline));
  assert.equal(fake.requests.at(-1)?.at, deadline, 'the last poll is at the deadline');
});

test('Retry-After on polls sets the interval', async (t) => {
  const { clock, fake, client } = await setup(t, { pollRetryAfterSeconds: 7 });
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  clock.slept.length = 0;
  await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  // First wait: adaptive (the PUT answer had no Retry-After); then what the polls asked for.
  assert.deepEqual(clock.slept, [1000, 7000, 7000, 7000, 7000, 7000]);
});

test('the adaptive schedule starts fast, settles near 5 s, and sees the end at most one interval late', async (t) => {
  assert.deepEqual(
    Array.from({ length: 8 }, (_, i) => adaptivePollDelayMs(i)),
    [1000, 1000, 2000, 2000, 3000, 4000, 5200, 5200],
  );
  const { clock, fake, client } = await setup(t, { provisioningDelayMs: 20 * MINUTE });
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  const started = clock.now();
  const result = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 30 * MINUTE,
  });
  const late = clock.now() - (started + 20 * MINUTE);
  assert.ok(late >= 0 && late < 5200, `${late} ms late`);
  const perMinute = result.reads / ((clock.now() - started) / MINUTE);
  assert.ok(perMinute <= 12, `${perMinute} reads/min`);
});

test('transient failures of a poll are retried by the client and the wait goes on', async (t) => {
  const { clock, fake, client } = await setup(t);
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  fake.fail({ method: 'GET', path: /mfeOperationsStatus/, status: 503 });
  fake.fail({ method: 'GET', path: /mfeOperationsStatus/, body: 'reset' });
  fake.fail({ method: 'GET', path: /mfeOperationsStatus/, status: 429, headers: { 'retry-after': '2' } });
  const result = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  assert.equal(result.status, 'Succeeded');
  assert.equal(fake.requests.filter((r) => r.fault).length, 3);
});

test('answers that are already final need no polling', async (t) => {
  const { clock, fake, client } = await setup(t);
  const gone = await client.delete(`${fake.workspacePath}/onlineEndpoints/never-existed`);
  assert.equal(gone.status, 204);
  const result = await waitForOperation(gone, {
    client,
    resourceUrl: endpointPath(fake, 'never-existed'),
    deadline: clock.now() + MINUTE,
  });
  assert.deepEqual({ status: result.status, reads: result.reads }, { status: 'Succeeded', reads: 0 });

  const model = await client.put(`${fake.workspacePath}/models/m/versions/1`, {
    body: { properties: { modelUri: 'azureml://datastores/d/paths/m' } },
  });
  const sync = await waitForOperation(model, {
    client,
    resourceUrl: `${fake.workspacePath}/models/m/versions/1`,
    deadline: clock.now() + MINUTE,
  });
  assert.equal(sync.status, 'Succeeded');
  assert.equal(sync.reads, 0);
});

test('the fake answers Retry-After on the 202 that starts a DELETE, and the first poll waits exactly that', async (t) => {
  const defaults = await setup(t);
  await readyEndpoint(defaults.client, defaults.fake, defaults.clock);
  const accepted = await defaults.client.delete(endpointPath(defaults.fake));
  assert.equal(accepted.status, 202);
  assert.equal(accepted.headers['retry-after'], '1', 'by default, as the spec declares');

  const { clock, fake, client } = await setup(t, { acceptedRetryAfterSeconds: 9 });
  await readyEndpoint(client, fake, clock);
  const res = await client.delete(endpointPath(fake));
  clock.slept.length = 0;
  const result = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  assert.equal(result.status, 'Succeeded');
  // Then the adaptive schedule (the fake's polls carry no Retry-After by default).
  assert.deepEqual(clock.slept.slice(0, 2), [9000, 1000]);
});

test('x-ms-retry-after-ms on an operation poll sets the next interval', async (t) => {
  const { clock, fake, client } = await setup(t);
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  fake.fail({
    method: 'GET',
    path: /mfeOperationsStatus/,
    status: 200,
    headers: { 'x-ms-retry-after-ms': '3500' },
    body: { status: 'InProgress' },
    times: 2,
  });
  clock.slept.length = 0;
  await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  assert.deepEqual(clock.slept.slice(0, 4), [1000, 3500, 3500, 2000]);
});

test('a 409 "operation in progress" on a poll is waited out for its Retry-After, and the wait goes on', async (t) => {
  const { clock, fake, client } = await setup(t);
  const res = await client.put(endpointPath(fake), { body: endpointBody() });
  fake.fail({
    method: 'GET',
    path: /mfeOperationsStatus/,
    status: 409,
    headers: { 'retry-after': '12' },
    body: { error: { code: 'OperationInProgress', message: 'Another operation is in progress.' } },
  });
  clock.slept.length = 0;
  const result = await waitForOperation(res, {
    client,
    resourceUrl: endpointPath(fake),
    deadline: clock.now() + 10 * MINUTE,
  });
  assert.equal(result.status, 'Succeeded');
  assert.deepEqual(clock.slept.slice(0, 2), [1000, 12_000]);
});
