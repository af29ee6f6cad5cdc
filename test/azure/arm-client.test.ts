import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { Agent } from 'undici';
import {
  type ApiVersionFallback,
  DEFAULT_API_VERSION,
  FALLBACK_API_VERSIONS,
} from '../../src/azure/api-versions.ts';
import type { ArmClientOptions } from '../../src/azure/arm-client.ts';
import { ArmClient } from '../../src/azure/arm-client.ts';
import { AzureConnectionError, AzureError, OperationTimeoutError } from '../../src/azure/errors.ts';
import { backoffDelay, retryAfterMs, TRANSIENT_BACKOFF } from '../../src/azure/retry-policy.ts';
import { fakeClock } from '../../src/clock.ts';
import { recordingLog } from '../../src/log.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';

async function setup(t: import('node:test').TestContext, overrides: Partial<ArmClientOptions> = {}) {
  const clock = fakeClock();
  const fake = await startFakeAzure({ clock, settings: { provisioningDelayMs: 60_000 } });
  t.after(() => fake.close());
  const attempts: string[] = [];
  const client = fake.client({
    onRequest: (e) =>
      attempts.push(`${e.method} ${new URL(e.url).pathname.replace(fake.workspacePath, '')} #${e.attempt}`),
    ...overrides,
  });
  return { clock, fake, client, attempts };
}

const endpointBody = (location = 'eastus2') => ({ location, properties: { authMode: 'Key' } });

test('every request carries the bearer token, api-version and one client request id across retries', async (t) => {
  const { fake, client } = await setup(t);
  fake.fail({ method: 'GET', path: /\/workspaces\/[^/]+$/, status: 503 });
  const res = await client.get(fake.workspacePath);
  assert.equal(res.status, 200);
  assert.equal(res.requestId, res.headers['x-ms-request-id']);
  const [first, second] = fake.requests;
  assert.ok(first && second);
  assert.equal(first.query['api-version'], DEFAULT_API_VERSION);
  assert.match(first.headers.authorization ?? '', /^Bearer fake-at\./);
  assert.match(first.headers['x-ms-client-request-id'] ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(second.headers['x-ms-client-request-id'], first.headers['x-ms-client-request-id']);

  await client.get(`${fake.workspacePath}/models`, { apiVersion: '2025-06-01' });
  assert.equal(fake.requests.at(-1)?.query['api-version'], '2025-06-01');
});

test('429 waits exactly Retry-After seconds', async (t) => {
  const { clock, fake, client } = await setup(t);
  fake.fail({ path: '/workspaces/', status: 429, headers: { 'retry-after': '7' }, times: 2 });
  await client.get(fake.workspacePath);
  assert.deepEqual(clock.slept, [7000, 7000]);
});

test('Retry-After as an HTTP date waits until that date', async (t) => {
  const { clock, fake, client } = await setup(t);
  const at = new Date(clock.now() + 12_000).toUTCString();
  fake.fail({ path: '/workspaces/', status: 503, headers: { 'retry-after': at } });
  await client.get(fake.workspacePath);
  assert.deepEqual(clock.slept, [12_000]);
});

test('5xx without Retry-After backs off exponentially with full jitter', async (t) => {
  const { clock, fake, client, attempts } = await setup(t, { random: () => 0.5 });
  fake.fail({ path: '/workspaces/', status: 500, times: 2 });
  fake.fail({ path: '/workspaces/', status: 502 });
  fake.fail({ path: '/workspaces/', status: 504 });
  fake.fail({ path: '/workspaces/', status: 408 });
  await client.get(fake.workspacePath);
  assert.deepEqual(clock.slept, [500, 1000, 2000, 4000, 8000]);
  assert.equal(attempts.length, 6);
  // Full jitter: anywhere from 0 up to the capped exponential ceiling.
  assert.equal(
    backoffDelay(10, TRANSIENT_BACKOFF, () => 0.999),
    29_970,
  );
  assert.equal(
    backoffDelay(3, TRANSIENT_BACKOFF, () => 0),
    0,
  );
});

test('retries stop after maxRetries with the last error', async (t) => {
  const { fake, client, attempts } = await setup(t, { maxRetries: 2 });
  fake.fail({
    path: '/workspaces/',
    status: 503,
    times: 10,
    body: { error: { code: 'ServiceUnavailable', message: 'busy' } },
  });
  const error = await client.get(fake.workspacePath).catch((e: unknown) => e);
  assert.ok(error instanceof AzureError);
  assert.equal(error.status, 503);
  assert.match(error.message, /Gave up after 3 attempts/);
  assert.equal(attempts.length, 3);
});

test('retrying never runs past the deadline', async (t) => {
  const { clock, fake, client } = await setup(t);
  fake.fail({ path: '/workspaces/', status: 503, times: 100 });
  const deadline = clock.now() + 10_000;
  const error = await client.get(fake.workspacePath, { deadline }).catch((e: unknown) => e);
  assert.ok(error instanceof AzureError);
  assert.match(error.message, /deadline/);
  assert.ok(clock.now() <= deadline);

  fake.clearFaults();
  fake.fail({ path: '/workspaces/', status: 429, headers: { 'retry-after': '3600' } });
  const throttled = await client
    .get(fake.workspacePath, { deadline: clock.now() + 60_000 })
    .catch((e: unknown) => e);
  assert.ok(throttled instanceof AzureError);
  assert.equal(throttled.kind, 'throttled');
  assert.match(throttled.message, /retry after 3600 s, past the deadline/);

  await assert.rejects(client.get(fake.workspacePath, { deadline: clock.now() - 1 }), OperationTimeoutError);
});

test('a reset connection is retried for idempotent requests only', async (t) => {
  const { fake, client, attempts } = await setup(t);
  await client.put(`${fake.workspacePath}/onlineEndpoints/ep1`, { body: endpointBody() });

  fake.fail({ method: 'GET', path: '/onlineEndpoints/ep1', body: 'reset' });
  const res = await client.get(`${fake.workspacePath}/onlineEndpoints/ep1`);
  assert.equal(res.status, 200);

  fake.fail({ method: 'POST', path: '/listKeys', body: 'reset' });
  const error = await client
    .post(`${fake.workspacePath}/onlineEndpoints/ep1/listKeys`)
    .catch((e: unknown) => e);
  assert.ok(error instanceof AzureConnectionError);
  assert.match(error.message, /Not retried: the request may have been processed/);

  fake.fail({ method: 'POST', path: '/listKeys', body: 'reset' });
  const keys = await client.post(`${fake.workspacePath}/onlineEndpoints/ep1/listKeys`, { idempotent: true });
  assert.equal(keys.status, 200);
  assert.equal(attempts.filter((a) => a.includes('listKeys')).length, 3);
});

test('a refused connection is retried (nothing was sent) and then reported', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  const clock = fakeClock();
  const dispatcher = new Agent();
  t.after(() => dispatcher.close());
  let attempts = 0;
  const client = new ArmClient({
    baseUrl: `http://127.0.0.1:${port}`,
    credential: {
      kind: 'client-secret',
      description: 'static',
      getToken: async () => ({ token: 't', expiresOnMs: Infinity }),
      prefetch: async () => {},
    },
    dispatcher,
    clock,
    random: () => 0.5,
    maxRetries: 3,
    onRequest: () => attempts++,
  });
  const error = await client.post('/subscriptions/x/providers/y/listKeys').catch((e: unknown) => e);
  assert.ok(error instanceof AzureConnectionError);
  assert.match(error.message, /ECONNREFUSED/);
  assert.match(error.message, /Gave up after 4 attempts/);
  assert.equal(attempts, 4);
  assert.deepEqual(clock.slept, [500, 1000, 2000]);
});

test('non-idempotent POSTs retry only answers that mean "not processed"', async (t) => {
  const { fake, client } = await setup(t);
  await client.put(`${fake.workspacePath}/onlineEndpoints/ep1`, { body: endpointBody() });
  fake.fail({ method: 'POST', path: '/listKeys', status: 500 });
  await assert.rejects(
    client.post(`${fake.workspacePath}/onlineEndpoints/ep1/listKeys`),
    (e: unknown) => e instanceof AzureError && e.status === 500,
  );
  fake.fail({ method: 'POST', path: '/listKeys', status: 503 });
  assert.equal((await client.post(`${fake.workspacePath}/onlineEndpoints/ep1/listKeys`)).status, 200);
});

test('409 "another operation in progress" is waited out with backoff until the resource is free', async (t) => {
  const { clock, fake, client } = await setup(t, { random: () => 0.5 });
  // The endpoint takes 60 s to create; a deployment PUT meanwhile gets 409 "... in Creating provisioning state".
  await client.put(`${fake.workspacePath}/onlineEndpoints/ep1`, { body: endpointBody() });
  const started = clock.now();
  const res = await client.put(`${fake.workspacePath}/onlineEndpoints/ep1/deployments/blue`, {
    body: {
      location: 'eastus2',
      properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' },
    },
  });
  assert.equal(res.status, 201);
  const conflicts = fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/blue')).length - 1;
  assert.ok(conflicts >= 3, `${conflicts} conflicts`);
  assert.deepEqual(clock.slept.slice(0, 4), [2500, 5000, 10_000, 15_000]);
  assert.ok(clock.now() - started >= 60_000);

  // Past the deadline the conflict is the error, with advice.
  await client.put(`${fake.workspacePath}/onlineEndpoints/ep2`, { body: endpointBody() });
  const error = await client
    .put(`${fake.workspacePath}/onlineEndpoints/ep2/deployments/blue`, {
      body: { location: 'eastus2', properties: { endpointComputeType: 'Managed' } },
      deadline: clock.now() + 20_000,
    })
    .catch((e: unknown) => e);
  assert.ok(error instanceof AzureError);
  assert.equal(error.status, 409);
  assert.match(error.message, /Another operation on this resource was still running/);
});

test('a PUT carrying traffic maps is not resent after a 409 "in progress": its maps may be stale', async (t) => {
  const { clock, fake, client } = await setup(t);
  const ep = `${fake.workspacePath}/onlineEndpoints/ep1`;
  await client.put(ep, { body: endpointBody() }); // Creating for 60 s
  const error = await client
    .put(ep, {
      body: { location: 'eastus2', properties: { authMode: 'Key', traffic: {}, mirrorTraffic: {} } },
    })
    .catch((e: unknown) => e);
  assert.ok(error instanceof AzureError);
  assert.equal(error.status, 409);
  assert.match(error.message, /Not resent: the body carries traffic maps/);
  assert.equal(fake.requests.filter((r) => r.method === 'PUT').length, 2, 'sent once, not again');
  assert.deepEqual(clock.slept, []);
  // A caller that knows its body is still right may ask for the resend.
  const res = await client.put(ep, {
    body: { location: 'eastus2', properties: { authMode: 'Key', traffic: {} } },
    resendOnConflict: true,
  });
  assert.equal(res.status, 200);
});

test('a 409 that is not about a running operation fails at once', async (t) => {
  const { clock, fake, client } = await setup(t);
  const path = `${fake.workspacePath}/models/m/versions/1`;
  await client.put(path, { body: { properties: { modelUri: 'azureml://datastores/ds/paths/a' } } });
  const error = await client
    .put(path, { body: { properties: { modelUri: 'azureml://datastores/ds/paths/b' } } })
    .catch((e: unknown) => e);
  assert.ok(error instanceof AzureError);
  assert.equal(error.status, 409);
  assert.match(error.message, /immutable/);
  assert.deepEqual(clock.slept, []);
});

test('listAll follows nextLink pages; $orderBy + $top give the latest version', async (t) => {
  const { fake, client } = await setup(t);
  for (let v = 1; v <= 23; v++) {
    await client.put(`${fake.workspacePath}/models/m/versions/${v}`, {
      body: { properties: { modelUri: `azureml://datastores/ds/paths/m/${v}`, modelType: 'custom_model' } },
    });
  }
  const before = fake.reads();
  const all = await client.listAll<{ name: string }>(`${fake.workspacePath}/models/m/versions`, {
    query: { $orderBy: 'createdtime desc' },
  });
  assert.equal(fake.reads() - before, 3);
  assert.deepEqual(
    all.map((v) => v.name),
    Array.from({ length: 23 }, (_, i) => String(23 - i)),
  );
  const pages = fake.requests.slice(-3);
  assert.ok(pages.every((r) => r.query['api-version'] === DEFAULT_API_VERSION));
  assert.deepEqual(
    pages.map((r) => r.query.$skip),
    [undefined, '10', '20'],
  );

  const latest = await client.get<{ value: { name: string }[]; nextLink?: string }>(
    `${fake.workspacePath}/models/m/versions`,
    { query: { $orderBy: 'createdtime desc', $top: 1 } },
  );
  assert.deepEqual(
    latest.body.value.map((v) => v.name),
    ['23'],
  );
  assert.equal(latest.body.nextLink, undefined);
});

test('secret values in answers are registered for masking', async (t) => {
  const secrets: string[] = [];
  const { fake, client } = await setup(t, { registerSecret: (v) => secrets.push(v) });
  await client.put(`${fake.workspacePath}/onlineEndpoints/ep1`, { body: endpointBody() });
  const keys = await client.post<{ primaryKey: string; secondaryKey: string }>(
    `${fake.workspacePath}/onlineEndpoints/ep1/listKeys`,
  );
  assert.ok(secrets.includes(keys.body.primaryKey) && secrets.includes(keys.body.secondaryKey));
  const upload = await client.post<{ blobReferenceForConsumption: { credential: { sasUri: string } } }>(
    `${fake.workspacePath}/codes/c/versions/1/startPendingUpload`,
    { body: { pendingUploadType: 'TemporaryBlobReference' } },
  );
  assert.ok(secrets.includes(upload.body.blobReferenceForConsumption.credential.sasUri));
});

test('404 can be allowed as an answer; the token never goes to another host', async (t) => {
  const { fake, client } = await setup(t);
  const res = await client.get(`${fake.workspacePath}/onlineEndpoints/nope`, { allowStatus: [404] });
  assert.equal(res.status, 404);
  await assert.rejects(
    client.get('https://evil.example.com/subscriptions/x'),
    /refusing to send the ARM token/,
  );
  assert.equal(fake.requests.length, 1);
});

test('POST without a body still sends Content-Length: 0 (ARM answers 411 otherwise)', async (t) => {
  const { fake, client } = await setup(t);
  await client.post(`${fake.workspacePath}/datastores/workspaceblobstore/listSecrets`);
  assert.equal(fake.requests.at(-1)?.headers['content-length'], '0');
});

test('Retry-After parsing', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(retryAfterMs({ 'retry-after': '5' }, now), 5000);
  assert.equal(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '5' }, now), 250);
  assert.equal(retryAfterMs({ 'retry-after': new Date(now + 9000).toUTCString() }, now), 9000);
  assert.equal(retryAfterMs({ 'retry-after': new Date(now - 9000).toUTCString() }, now), 0);
  assert.equal(retryAfterMs({ 'retry-after': 'soon' }, now), undefined);
  assert.equal(retryAfterMs({}, now), undefined);
});

test('a deadline far in the future does not abort requests at once', async (t) => {
  const { fake, client } = await setup(t);
  const res = await client.get(fake.workspacePath, { deadline: Date.UTC(2100, 0, 1) });
  assert.equal(res.status, 200);
});

test('409 "operation in progress" waits exactly the Retry-After Azure gives, not the conflict backoff', async (t) => {
  const { clock, fake, client } = await setup(t);
  const busy = {
    error: {
      code: 'Conflict',
      message: 'Cannot update endpoint ep1 because it is in Updating provisioning state.',
    },
  };
  fake.fail({
    method: 'PUT',
    path: '/onlineEndpoints/ep1',
    status: 409,
    headers: { 'retry-after': '20' },
    body: busy,
    times: 2,
  });
  fake.fail({
    method: 'PUT',
    path: '/onlineEndpoints/ep1',
    status: 409,
    headers: { 'x-ms-retry-after-ms': '1500' },
    body: busy,
  });
  const res = await client.put(`${fake.workspacePath}/onlineEndpoints/ep1`, { body: endpointBody() });
  assert.equal(res.status, 201);
  assert.deepEqual(clock.slept, [20_000, 20_000, 1500]);
});

test('x-ms-retry-after-ms wins over Retry-After and is honoured on throttling', async (t) => {
  const { clock, fake, client } = await setup(t);
  fake.fail({
    path: '/workspaces/',
    status: 429,
    headers: { 'x-ms-retry-after-ms': '2500', 'retry-after': '30' },
  });
  fake.fail({ path: '/workspaces/', status: 503, headers: { 'x-ms-retry-after-ms': '750' } });
  await client.get(fake.workspacePath);
  assert.deepEqual(clock.slept, [2500, 750]);
  assert.equal(retryAfterMs({ 'x-ms-retry-after-ms': '1200', 'retry-after': '9' }, 0), 1200);
});

test('api-version fallback: the default rejected, the next stable version used for the rest of the run', async (t) => {
  const clock = fakeClock();
  const fake = await startFakeAzure({
    clock,
    apiVersions: FALLBACK_API_VERSIONS.slice(),
    apiVersionErrorCode: 'InvalidApiVersionParameter',
  });
  t.after(() => fake.close());
  const log = recordingLog();
  const told: ApiVersionFallback[] = [];
  const client = fake.client({ log, onApiVersionFallback: (f) => told.push(f) });
  assert.equal(client.apiVersion, DEFAULT_API_VERSION);
  assert.equal((await client.get(fake.workspacePath)).status, 200);
  await client.get(`${fake.workspacePath}/models`);
  assert.deepEqual(
    fake.requests.map((r) => r.query['api-version']),
    [DEFAULT_API_VERSION, '2025-12-01', '2025-12-01'],
  );
  assert.equal(client.apiVersion, '2025-12-01');
  const fallback = { rejected: DEFAULT_API_VERSION, code: 'InvalidApiVersionParameter', used: '2025-12-01' };
  assert.deepEqual(client.apiVersionFallback, fallback);
  assert.deepEqual(told, [fallback]);
  const warnings = log.records.filter((r) => r.level === 'warn').map((r) => r.message);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0] ?? '',
    /rejected api-version 2026-07-01 \(InvalidApiVersionParameter\); using 2025-12-01/,
  );
  assert.equal(clock.slept.length, 0, 'a rejected api-version is not a reason to wait');
});

test('api-version fallback goes down the list; an existence check does not read InvalidResourceType as "not found"', async (t) => {
  const fake = await startFakeAzure({
    clock: fakeClock(),
    apiVersions: ['2025-06-01'],
    apiVersionErrorCode: 'InvalidResourceType',
  });
  t.after(() => fake.close());
  const client = fake.client();
  const res = await client.get(`${fake.workspacePath}/onlineEndpoints/nope`, { allowStatus: [404] });
  assert.equal(res.status, 404);
  assert.equal((res.body as { error: { code: string } }).error.code, 'ResourceNotFound');
  assert.deepEqual(
    fake.requests.map((r) => r.query['api-version']),
    [DEFAULT_API_VERSION, '2025-12-01', '2025-09-01', '2025-06-01'],
  );
  assert.equal(client.apiVersionFallback?.used, '2025-06-01');
});

test('an explicit api-version is never replaced; when no version works, the first rejection is the error', async (t) => {
  const fake = await startFakeAzure({ clock: fakeClock(), apiVersions: ['2023-10-01'] });
  t.after(() => fake.close());
  for (const options of [
    { apiVersion: '2025-09-01' },
    { apiVersion: DEFAULT_API_VERSION, apiVersionExplicit: true },
  ]) {
    const before = fake.requests.length;
    const client = fake.client(options);
    const error = await client.get(fake.workspacePath).catch((e: unknown) => e);
    assert.ok(error instanceof AzureError);
    assert.equal(error.code, 'NoRegisteredProviderFound');
    assert.equal(fake.requests.length - before, 1, 'tried once, with the chosen version');
    assert.equal(client.apiVersionFallback, undefined);
  }

  const before = fake.requests.length;
  const client = fake.client();
  const error = await client.get(fake.workspacePath).catch((e: unknown) => e);
  assert.ok(error instanceof AzureError);
  assert.match(error.serviceMessage, /API version '2026-07-01'/);
  assert.match(
    error.message,
    /older api-versions 2025-12-01, 2025-09-01, 2025-06-01, 2024-10-01 were rejected too/,
  );
  assert.equal(fake.requests.length - before, 1 + FALLBACK_API_VERSIONS.length);
  assert.equal(client.apiVersion, DEFAULT_API_VERSION);
  // A version in the request itself (a nextLink, a status URL, a caller's choice) is never replaced.
  const pinned = fake.requests.length;
  await client.get(`${fake.workspacePath}?api-version=2026-07-01`).catch(() => undefined);
  await client.get(fake.workspacePath, { apiVersion: '2026-07-01' }).catch(() => undefined);
  assert.equal(fake.requests.length - pinned, 2);
});
