import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AzureError } from '../../src/azure/errors.ts';
import { fakeClock } from '../../src/clock.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';

async function setup(t: import('node:test').TestContext) {
  const fake = await startFakeAzure({ clock: fakeClock() });
  t.after(() => fake.close());
  return { fake, client: fake.client() };
}

async function failure(promise: Promise<unknown>): Promise<AzureError> {
  const error = await promise.catch((e: unknown) => e);
  assert.ok(error instanceof AzureError, `expected an AzureError, got ${String(error)}`);
  return error;
}

test('AuthorizationFailed names the identity, the action, the scope and the role to grant', async (t) => {
  const { fake, client } = await setup(t);
  const scope = fake.workspacePath;
  const action = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write';
  fake.fail({
    method: 'PUT',
    path: '/onlineEndpoints/',
    status: 403,
    headers: { 'x-ms-request-id': 'req-123', 'x-ms-correlation-request-id': 'corr-9' },
    body: {
      error: {
        code: 'AuthorizationFailed',
        message: `The client '${fake.clientId}' with object id 'aaaa-bbbb' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      },
    },
  });
  const error = await failure(
    client.put(`${scope}/onlineEndpoints/ep1`, {
      body: { location: 'eastus2', properties: { authMode: 'Key' } },
    }),
  );
  assert.equal(error.kind, 'authorization');
  assert.equal(error.code, 'AuthorizationFailed');
  assert.equal(error.requestId, 'req-123');
  assert.equal(error.correlationId, 'corr-9');
  assert.match(error.message, new RegExp(`client id '${fake.clientId}' \\(object id 'aaaa-bbbb'\\)`));
  assert.ok(error.message.includes(`Grant it AzureML Data Scientist (or a role with ${action}) on ${scope}`));
  assert.match(error.message, /request id req-123/);
});

test('not found says which resource in which workspace', async (t) => {
  const { fake, client } = await setup(t);
  await client.put(`${fake.workspacePath}/onlineEndpoints/my-ep`, {
    body: { location: 'eastus2', properties: { authMode: 'Key' } },
  });
  const deployment = await failure(
    client.get(`${fake.workspacePath}/onlineEndpoints/my-ep/deployments/blue`),
  );
  assert.equal(deployment.kind, 'not-found');
  assert.match(
    deployment.message,
    /online deployment 'blue' of endpoint 'my-ep' was not found in workspace 'my-aml-workspace' \(resource group 'test-rg'/,
  );

  const model = await failure(client.get(`${fake.workspacePath}/models/sk/versions/3`));
  assert.match(model.message, /model 'sk' version '3' was not found in workspace 'my-aml-workspace'/);

  const wrongWorkspace = fake.workspacePath.replace(/my-aml-workspace$/, 'other-ws');
  const ws = await failure(client.get(wrongWorkspace));
  assert.match(
    ws.message,
    /workspace 'other-ws' was not found in resource group 'test-rg'.*Check workspace-name/,
  );

  const wrongGroup = fake.workspacePath.replace('/test-rg/', '/nope-rg/');
  const rg = await failure(client.get(wrongGroup));
  assert.equal(rg.code, 'ResourceGroupNotFound');
  assert.match(
    rg.message,
    /resource group 'nope-rg' was not found in subscription .*Check resource-group and subscription-id/,
  );
});

test('quota errors say which quota and where to ask for more', async (t) => {
  const { fake, client } = await setup(t);
  fake.fail({
    method: 'PUT',
    path: '/deployments/',
    status: 400,
    body: {
      error: {
        code: 'BadArgument',
        message: 'Deployment failed.',
        details: [
          {
            code: 'OutOfQuota',
            message:
              'Not enough quota available for Standard_DS3_v2 in SubscriptionId 0000. Current usage/limit: 4/10. Additional needed: 8',
          },
        ],
      },
    },
  });
  fake.fail({
    method: 'PUT',
    path: '/deployments/',
    status: 400,
    body: { error: { code: 'QuotaExceeded', message: 'Quota exceeded for the VM family.' } },
  });
  const path = `${fake.workspacePath}/onlineEndpoints/e/deployments/blue`;
  const body = { body: { location: 'eastus2', properties: { endpointComputeType: 'Managed' } } };
  const inDetails = await failure(client.put(path, body));
  assert.equal(inDetails.kind, 'quota');
  assert.match(inDetails.message, /Current usage\/limit: 4\/10/);
  assert.match(
    inDetails.message,
    /Request more quota for the VM family of Standard_DS3_v2 in the workspace's region/,
  );
  const direct = await failure(client.put(path, body));
  assert.equal(direct.kind, 'quota');
  assert.match(direct.message, /https:\/\/aka\.ms\/azureml-quota/);
});

test('an expired token and a non-JSON error page are reported as such', async (t) => {
  const clock = fakeClock();
  const fake = await startFakeAzure({ clock, settings: { tokenLifetimeSeconds: 60 } });
  t.after(() => fake.close());
  // A credential that never renews: the fake rejects its token once it has expired.
  const issued = fake.tokens.issue(fake.armScope);
  const client = fake.client({
    credential: {
      kind: 'client-secret',
      description: 'stale',
      getToken: async () => ({ token: issued.token, expiresOnMs: issued.expiresAt }),
      prefetch: async () => {},
    },
  });
  assert.equal((await client.get(fake.workspacePath)).status, 200);
  clock.advance(61_000);
  const expired = await failure(client.get(fake.workspacePath));
  assert.equal(expired.code, 'ExpiredAuthenticationToken');
  assert.equal(expired.kind, 'authentication');
  assert.match(expired.message, /access token was rejected/);

  fake.fail({ path: '/workspaces/', status: 400, body: '<html>Bad gateway config</html>' });
  const html = await failure(client.get(fake.workspacePath));
  assert.equal(html.code, 'HttpStatus400');
  assert.match(html.message, /Bad gateway config/);
});

test('a 404 on PUT keeps the service message: the missing thing is a parent or a reference', async (t) => {
  const { fake, client } = await setup(t);
  const error = await failure(
    client.put(`${fake.workspacePath}/onlineEndpoints/nope/deployments/blue`, {
      body: { location: 'eastus2', properties: { endpointComputeType: 'Managed' } },
    }),
  );
  assert.match(error.message, /Online endpoint 'nope' was not found in workspace 'my-aml-workspace'/);
  assert.match(error.message, /Something online deployment 'blue' of endpoint 'nope' refers to/);
});
