import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { AzureError } from '../../src/azure/errors.ts';
import { waitForOperation } from '../../src/azure/lro.ts';
import { fakeClock } from '../../src/clock.ts';
import { startAzurite } from '../support/azurite.ts';
import { type FakeAzure, startFakeAzure } from '../support/fake-azure/index.ts';
import {
  checkShape,
  codeVersionBody,
  environmentVersionBody,
  modelVersionBody,
  onlineDeploymentBody,
  onlineEndpointBody,
} from '../support/fake-azure/shapes.ts';

// Request bodies of the official examples (azure-rest-api-specs, 2025-12-01), verbatim.
const EXAMPLES = {
  endpoint: {
    identity: { type: 'SystemAssigned', userAssignedIdentities: { string: {} } },
    kind: 'string',
    location: 'string',
    properties: {
      description: 'string',
      authMode: 'AMLToken',
      compute: 'string',
      properties: { string: 'string' },
      traffic: { string: 1 },
    },
    sku: { name: 'string', capacity: 1, family: 'string', size: 'string', tier: 'Free' },
    tags: {},
  },
  managedDeployment: {
    properties: {
      description: 'string',
      properties: { string: 'string' },
      codeConfiguration: { codeId: 'string', scoringScript: 'string' },
      environmentId: 'string',
      environmentVariables: { string: 'string' },
      scaleSettings: { scaleType: 'Default' },
      requestSettings: { maxQueueWait: 'PT5M', requestTimeout: 'PT5M', maxConcurrentRequestsPerInstance: 1 },
      appInsightsEnabled: false,
      livenessProbe: {
        failureThreshold: 1,
        successThreshold: 1,
        timeout: 'PT5M',
        period: 'PT5M',
        initialDelay: 'PT5M',
      },
      instanceType: 'string',
      model: 'string',
      endpointComputeType: 'Managed',
      modelMountPath: 'string',
      readinessProbe: {
        failureThreshold: 30,
        successThreshold: 1,
        timeout: 'PT2S',
        period: 'PT10S',
        initialDelay: 'PT1S',
      },
      startupProbe: {
        failureThreshold: 3,
        successThreshold: 1,
        timeout: 'PT2S',
        period: 'PT10S',
        initialDelay: 'PT30S',
      },
    },
    tags: {},
    location: 'string',
    kind: 'string',
    identity: { type: 'SystemAssigned', userAssignedIdentities: { string: {} } },
    sku: { name: 'string', tier: 'Free', size: 'string', family: 'string', capacity: 1 },
  },
  kubernetesDeployment: {
    properties: {
      description: 'string',
      properties: { string: 'string' },
      codeConfiguration: { codeId: 'string', scoringScript: 'string' },
      environmentId: 'string',
      environmentVariables: { string: 'string' },
      scaleSettings: { scaleType: 'Default' },
      requestSettings: { maxQueueWait: 'PT5M', requestTimeout: 'PT5M', maxConcurrentRequestsPerInstance: 1 },
      modelMountPath: 'string',
      appInsightsEnabled: false,
      livenessProbe: {
        failureThreshold: 1,
        successThreshold: 1,
        timeout: 'PT5M',
        period: 'PT5M',
        initialDelay: 'PT5M',
      },
      instanceType: 'string',
      model: 'string',
      endpointComputeType: 'Kubernetes',
      containerResourceRequirements: {
        containerResourceRequests: { cpu: '"1"', memory: '"2Gi"', gpu: '"1"' },
        containerResourceLimits: { cpu: '"1"', memory: '"2Gi"', gpu: '"1"' },
      },
    },
    tags: {},
    location: 'string',
    kind: 'string',
    identity: { type: 'SystemAssigned', userAssignedIdentities: { string: {} } },
    sku: { name: 'string', tier: 'Free', size: 'string', family: 'string', capacity: 1 },
  },
  modelVersion: {
    properties: {
      description: 'string',
      tags: { string: 'string' },
      properties: { string: 'string' },
      isAnonymous: false,
      flavors: { string: { data: { string: 'string' } } },
      modelType: 'CustomModel',
      modelUri: 'string',
    },
  },
  codeVersion: {
    properties: {
      description: 'string',
      codeUri: 'https://blobStorage/folderName',
      isAnonymous: false,
      properties: { string: 'string' },
      tags: { string: 'string' },
    },
  },
  environmentVersion: {
    properties: {
      description: 'string',
      tags: { string: 'string' },
      properties: { string: 'string' },
      isAnonymous: false,
      image: 'docker.io/tensorflow/serving:latest',
      condaFile: 'string',
      build: {
        contextUri:
          'https://storage-account.blob.core.windows.net/azureml/DockerBuildContext/95ddede6b9b8c4e90472db3acd0a8d28/',
        dockerfilePath: 'prod/Dockerfile',
      },
      inferenceConfig: {
        livenessRoute: { path: 'string', port: 1 },
        readinessRoute: { path: 'string', port: 1 },
        scoringRoute: { path: 'string', port: 1 },
      },
    },
  },
};

test('every field of the official example bodies is on the allow-lists', () => {
  assert.deepEqual(checkShape(EXAMPLES.endpoint, onlineEndpointBody), []);
  assert.deepEqual(checkShape(EXAMPLES.managedDeployment, onlineDeploymentBody), []);
  assert.deepEqual(checkShape(EXAMPLES.kubernetesDeployment, onlineDeploymentBody), []);
  assert.deepEqual(checkShape(EXAMPLES.modelVersion, modelVersionBody), []);
  assert.deepEqual(checkShape(EXAMPLES.codeVersion, codeVersionBody), []);
  assert.deepEqual(checkShape(EXAMPLES.environmentVersion, environmentVersionBody), []);
});

async function setup(t: import('node:test').TestContext, options: Parameters<typeof startFakeAzure>[0] = {}) {
  const clock = fakeClock();
  const fake = await startFakeAzure({ clock, settings: { provisioningDelayMs: 1000 }, ...options });
  t.after(() => fake.close());
  return { clock, fake, client: fake.client() };
}

async function rejection(promise: Promise<unknown>): Promise<AzureError> {
  const error = await promise.catch((e: unknown) => e);
  assert.ok(error instanceof AzureError, `expected a rejection, got ${JSON.stringify(error)}`);
  return error;
}

test('wrongly cased or unknown field names are rejected with 400; enum values are case-insensitive', async (t) => {
  const { fake, client } = await setup(t);
  const ep = `${fake.workspacePath}/onlineEndpoints/ep1`;
  const cased = await rejection(
    client.put(ep, { body: { location: 'eastus2', properties: { AuthMode: 'Key' } } }),
  );
  assert.equal(cased.status, 400);
  assert.equal(cased.code, 'InvalidRequestContent');
  assert.match(cased.message, /properties\.AuthMode: unknown field \(the API spells it 'authMode'\)/);

  const snake = await rejection(
    client.put(`${ep}/deployments/blue`, {
      body: {
        location: 'eastus2',
        properties: { endpointComputeType: 'Managed', instance_type: 'Standard_DS3_v2' },
      },
    }),
  );
  assert.match(
    snake.message,
    /properties\.instance_type: unknown field \(the API spells it 'instanceType'\)/,
  );

  const badEnum = await rejection(
    client.put(ep, { body: { location: 'eastus2', properties: { authMode: 'aml-token' } } }),
  );
  assert.match(badEnum.message, /'aml-token' is not one of Key, AMLToken, AADToken/);

  const res = await client.put(ep, {
    body: { location: 'eastus2', properties: { authMode: 'amltoken', publicNetworkAccess: 'enabled' } },
  });
  assert.equal(res.status, 201);
  const props = (res.body as { properties: Record<string, unknown> }).properties;
  assert.equal(props.authMode, 'AMLToken');
  assert.equal(props.publicNetworkAccess, 'Enabled');

  const dropped = await rejection(
    client.put(`${fake.workspacePath}/models/m/versions/1`, { body: { properties: { model_uri: 'x' } } }),
  );
  assert.match(
    dropped.message,
    /properties\.model_uri: unknown field \(the API spells it 'modelUri'\).*properties\.modelUri: required/,
  );
  assert.equal(fake.inspect('/models/m').status, 404, 'nothing was stored');
});

test('the SDK 1.4.0 deployment body is accepted once the dropped privateNetworkConnection is removed', async (t) => {
  const { clock, fake, client } = await setup(t);
  const ep = `${fake.workspacePath}/onlineEndpoints/my-endpoint`;
  const created = await client.put(ep, {
    body: {
      identity: { type: 'SystemAssigned' },
      location: 'eastus2',
      properties: { authMode: 'Key', mirrorTraffic: {}, properties: {}, traffic: {} },
      tags: {},
    },
  });
  await waitForOperation(created, { client, resourceUrl: ep, deadline: clock.now() + 60_000 });
  for (const [kind, name, body] of [
    [
      'models',
      'MODEL',
      {
        properties: {
          modelUri: 'azureml://datastores/workspaceblobstore/paths/m',
          modelType: 'custom_model',
        },
      },
    ],
    [
      'codes',
      'CODE',
      { properties: { codeUri: 'https://acct.blob.core.windows.net/c/src', isAnonymous: true } },
    ],
    [
      'environments',
      'ENV',
      { properties: { image: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest' } },
    ],
  ] as const) {
    await client.put(`${fake.workspacePath}/${kind}/${name}/versions/1`, { body });
  }
  const body = {
    location: 'eastus2',
    properties: {
      appInsightsEnabled: true,
      codeConfiguration: { codeId: `${fake.workspacePath}/codes/CODE/versions/1`, scoringScript: 'score.py' },
      endpointComputeType: 'Managed',
      environmentId: `${fake.workspacePath}/environments/ENV/versions/1`,
      environmentVariables: { LOG_LEVEL: 'debug', WORKER_COUNT: '2' },
      instanceType: 'Standard_DS3_v2',
      livenessProbe: {
        failureThreshold: 30,
        initialDelay: 'PT30S',
        period: 'PT10S',
        successThreshold: 1,
        timeout: 'PT2S',
      },
      model: `${fake.workspacePath}/models/MODEL/versions/1`,
      privateNetworkConnection: false,
      properties: {},
      readinessProbe: { failureThreshold: 3, initialDelay: 'PT10S', period: 'PT5S', timeout: 'PT3S' },
      requestSettings: {
        maxConcurrentRequestsPerInstance: 2,
        maxQueueWait: 'PT0.5S',
        requestTimeout: 'PT1M30S',
      },
      scaleSettings: { scaleType: 'Default' },
    },
    sku: { capacity: 2, name: 'Default' },
    tags: { release: '2024.1' },
  };
  const old = await rejection(client.put(`${ep}/deployments/blue`, { body }));
  assert.match(old.message, /properties\.privateNetworkConnection: unknown field/);
  delete (body.properties as Record<string, unknown>).privateNetworkConnection;
  assert.equal((await client.put(`${ep}/deployments/blue`, { body })).status, 201);

  const missing = structuredClone(body);
  missing.properties.model = `${fake.workspacePath}/models/MODEL/versions/9`;
  const notThere = await rejection(client.put(`${ep}/deployments/green`, { body: missing }));
  assert.match(notThere.message, /properties\.model refers to .*MODEL\/versions\/9/);
});

async function endpointWithDeployments(
  fake: FakeAzure,
  clock: { now(): number },
  names: string[],
  compute?: string,
) {
  const client = fake.client();
  const ep = `${fake.workspacePath}/onlineEndpoints/ep1`;
  const properties = { authMode: 'Key', ...(compute ? { compute } : {}) };
  const res = await client.put(ep, { body: { location: 'eastus2', properties } });
  await waitForOperation(res, { client, resourceUrl: ep, deadline: clock.now() + 60_000 });
  for (const name of names) {
    const d = await client.put(`${ep}/deployments/${name}`, {
      body: { location: 'eastus2', properties: { endpointComputeType: compute ? 'Kubernetes' : 'Managed' } },
    });
    await waitForOperation(d, {
      client,
      resourceUrl: `${ep}/deployments/${name}`,
      deadline: clock.now() + 60_000,
    });
  }
  return { client, ep, properties };
}

test('traffic updates are validated as the service does', async (t) => {
  const { clock, fake } = await setup(t);
  const { client, ep, properties } = await endpointWithDeployments(fake, clock, ['blue', 'green']);
  const put = (traffic: Record<string, number>, mirrorTraffic: Record<string, number> = {}) =>
    client.put(ep, { body: { location: 'eastus2', properties: { ...properties, traffic, mirrorTraffic } } });

  assert.match((await rejection(put({ blue: 90 }))).message, /add up to 0 or 100; they add up to 90/);
  assert.match(
    (await rejection(put({ blue: 50, red: 50 }))).message,
    /deployment 'red', which does not exist/,
  );
  assert.match(
    (await rejection(put({ blue: 100 }, { green: 60 }))).message,
    /Mirror traffic may not exceed 50/,
  );
  assert.match(
    (await rejection(put({ blue: 100 }, { blue: 10 }))).message,
    /live traffic and mirror traffic at the same time/,
  );

  const ok = await put({ blue: 90, green: 10 }, {});
  await waitForOperation(ok, { client, resourceUrl: ep, deadline: clock.now() + 60_000 });
  const body = fake.inspect('/onlineEndpoints/ep1').body as {
    properties: { traffic: Record<string, number> };
  };
  assert.deepEqual(body.properties.traffic, { blue: 90, green: 10 });

  const busy = await rejection(client.delete(`${ep}/deployments/blue`));
  assert.match(busy.message, /receives 90% of the traffic/);

  // A PUT replaces the whole endpoint: leaving traffic out zeroes it (callers must send the current map).
  const blank = await client.put(ep, { body: { location: 'eastus2', properties } });
  await waitForOperation(blank, { client, resourceUrl: ep, deadline: clock.now() + 60_000 });
  const after = fake.inspect('/onlineEndpoints/ep1').body as {
    properties: { traffic: Record<string, number> };
  };
  assert.deepEqual(after.properties.traffic, {});
});

test('Kubernetes endpoints take no mirror traffic and managed deployments no container resources', async (t) => {
  const { clock, fake } = await setup(t);
  const compute = `${fake.workspacePath}/computes/aks1`;
  const { client, ep, properties } = await endpointWithDeployments(fake, clock, ['blue', 'green'], compute);
  const mirror = await rejection(
    client.put(ep, {
      body: {
        location: 'eastus2',
        properties: { ...properties, traffic: { blue: 100 }, mirrorTraffic: { green: 10 } },
      },
    }),
  );
  assert.match(mirror.message, /not supported on Kubernetes/);
  const wrongType = await rejection(
    client.put(`${ep}/deployments/red`, {
      body: { location: 'eastus2', properties: { endpointComputeType: 'Managed' } },
    }),
  );
  assert.match(
    wrongType.message,
    /is a Kubernetes endpoint; properties\.endpointComputeType must be 'Kubernetes'/,
  );

  const managed = `${fake.workspacePath}/onlineEndpoints/ep2`;
  const res = await client.put(managed, { body: { location: 'eastus2', properties: { authMode: 'Key' } } });
  await waitForOperation(res, { client, resourceUrl: managed, deadline: clock.now() + 60_000 });
  const resources = await rejection(
    client.put(`${managed}/deployments/blue`, {
      body: {
        location: 'eastus2',
        properties: {
          endpointComputeType: 'Managed',
          containerResourceRequirements: { containerResourceRequests: { cpu: '1' } },
        },
      },
    }),
  );
  assert.match(resources.message, /for Kubernetes deployments only/);
});

test('model containers report latestVersion and nextVersion; keys, token and logs follow the auth mode', async (t) => {
  const { clock, fake } = await setup(t);
  const client = fake.client();
  for (const v of ['1', '2', '10', 'beta']) {
    await client.put(`${fake.workspacePath}/models/m/versions/${v}`, {
      body: { properties: { modelUri: `azureml://datastores/d/paths/${v}` } },
    });
  }
  const container = await client.get<{ properties: { latestVersion: string; nextVersion: string } }>(
    `${fake.workspacePath}/models/m`,
  );
  assert.equal(container.body.properties.latestVersion, 'beta');
  assert.equal(container.body.properties.nextVersion, '11');

  const { ep } = await endpointWithDeployments(fake, clock, ['blue']);
  const keys = await client.post<{ primaryKey: string }>(`${ep}/listKeys`);
  assert.ok(keys.body.primaryKey.length > 20);
  assert.match((await rejection(client.post(`${ep}/token`))).message, /token is for AMLToken auth mode/);

  fake.setLogs('ep1', 'blue', { InferenceServer: 'one\ntwo\nthree' });
  const logs = await client.post<{ content: string }>(`${ep}/deployments/blue/getLogs`, {
    body: { containerType: 'InferenceServer', tail: 2 },
    idempotent: true,
  });
  assert.equal(logs.body.content, 'two\nthree');
  assert.match(
    (await rejection(client.post(`${ep}/deployments/blue/getLogs`, { body: { lines: 2 } }))).message,
    /lines: unknown field/,
  );
});

test('startPendingUpload hands out a SAS URL that Azurite accepts; listSecrets gives the account key', async (t) => {
  const azurite = await startAzurite({});
  t.after(() => azurite.close());
  // With AZURITE_BLOB_URL (set by .ci/run for the whole suite) the running one is reused and left running.
  const shared = await startAzurite({ AZURITE_BLOB_URL: `${azurite.blobEndpoint}/` });
  assert.equal(shared.blobEndpoint, azurite.blobEndpoint);
  await shared.close();
  const { fake, client } = await setup(t, { blobEndpoint: azurite.blobEndpoint });
  const res = await client.post<{
    blobReferenceForConsumption: { blobUri: string; credential: { credentialType: string; sasUri: string } };
    pendingUploadType: string;
  }>(`${fake.workspacePath}/codes/score/versions/1/startPendingUpload`, {
    body: { pendingUploadId: 'upload-1', pendingUploadType: 'TemporaryBlobReference' },
  });
  const ref = res.body.blobReferenceForConsumption;
  assert.equal(ref.credential.credentialType, 'SAS');
  assert.equal(ref.blobUri, `${azurite.blobEndpoint}/${fake.containerName}/LocalUpload/upload-1`);
  const sas = new URL(ref.credential.sasUri);
  const blobUrl = `${ref.blobUri}/score.py${sas.search}`;
  const put = await fetch(blobUrl, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob' },
    body: 'def run(raw): return raw\n',
  });
  assert.equal(put.status, 201, await put.text());
  const get = await fetch(blobUrl);
  assert.equal(await get.text(), 'def run(raw): return raw\n');

  const tampered = blobUrl.replace(/sig=[^&]+/, 'sig=AAAA');
  assert.equal((await fetch(tampered)).status, 403, 'Azurite checks the signature');

  const stores = await client.get<{
    value: { name: string; properties: { accountName: string; containerName: string } }[];
  }>(`${fake.workspacePath}/datastores`, { query: { isDefault: true } });
  assert.equal(stores.body.value[0]?.name, 'workspaceblobstore');
  assert.equal(stores.body.value[0]?.properties.containerName, fake.containerName);
  const secrets = await client.post<{ secretsType: string; key: string }>(
    `${fake.workspacePath}/datastores/workspaceblobstore/listSecrets`,
  );
  assert.deepEqual(secrets.body, { secretsType: 'AccountKey', key: azurite.accountKey });
});

test('the token endpoint checks secrets and assertions and records what it saw', async (t) => {
  const { clock, fake } = await setup(t);
  const exchange = async (fields: Record<string, string>) => {
    const res = await fetch(fake.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: fake.clientId,
        grant_type: 'client_credentials',
        scope: fake.armScope,
        ...fields,
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const ok = await exchange({ client_secret: fake.clientSecret });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.token_type, 'Bearer');

  const wrong = await exchange({ client_secret: 'nope' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body.error_description ?? '', /^AADSTS7000215:/);

  const jwtBearer = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
  const idToken = fake.mintIdToken({ lifetimeSeconds: 300 });
  assert.equal((await exchange({ client_assertion_type: jwtBearer, client_assertion: idToken })).status, 200);
  clock.advance(301_000);
  const stale = await exchange({ client_assertion_type: jwtBearer, client_assertion: idToken });
  assert.equal(stale.status, 400);
  assert.match(
    stale.body.error_description ?? '',
    /^AADSTS700024: Client assertion is not within its valid time range/,
  );
  assert.deepEqual(fake.tokens.assertions, [idToken, idToken]);

  const unsigned = await exchange({
    client_assertion_type: jwtBearer,
    client_assertion: `${idToken.slice(0, -4)}AAAA`,
  });
  assert.equal(unsigned.status, 400);

  const client = fake.client();
  const noAuth = await rejection(
    fake
      .client({
        credential: {
          ...client,
          kind: 'client-secret',
          description: 'none',
          getToken: async () => ({ token: 'made-up', expiresOnMs: Infinity }),
          prefetch: async () => {},
        },
      })
      .get(fake.workspacePath),
  );
  assert.equal(noAuth.code, 'InvalidAuthenticationToken');
});

test('the fake az prints get-access-token JSON, or the AADSTS700024 of an expired azure/login session', async (t) => {
  const { clock, fake } = await setup(t);
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'az',
        ['account', 'get-access-token', '--resource', fake.url, '--output', 'json'],
        { env },
        (error, stdout, stderr) =>
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
      );
    });
  const env = fake.azEnv({ idTokenLifetimeSeconds: 300 });
  const ok = await run(env);
  assert.equal(ok.code, 0, ok.stderr);
  const out = JSON.parse(ok.stdout) as Record<string, unknown>;
  assert.equal(out.expires_on, Math.floor(clock.now() / 1000) + 3600);
  assert.equal(out.tokenType, 'Bearer');
  assert.ok(fake.tokens.issued.some((i) => i.token === out.accessToken && i.scope === fake.armScope));

  clock.advance(10 * 60_000);
  const expired = await run(env);
  assert.equal(expired.code, 1);
  assert.match(expired.stderr, /AADSTS700024/);
});
