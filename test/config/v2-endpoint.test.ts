import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ConfigNote } from '../../src/config/spec.ts';
import { loadV2Endpoint } from '../../src/config/v2-endpoint.ts';
import { configErrorOf, FIXTURES, tempTree } from './helpers.ts';

test('the managed endpoint example (azureml-yaml example 3)', () => {
  const file = path.join(FIXTURES, 'v2/managed/endpoint.yml');
  assert.deepEqual(loadV2Endpoint(file), {
    name: 'my-endpoint',
    computeKind: 'managed',
    authMode: 'aml_token',
    description: 'scoring endpoint',
    tags: { team: 'ml' },
    properties: {},
    origin: { file },
  });
});

test('a truthy compute makes a Kubernetes endpoint; traffic drops 0 entries', () => {
  const file = path.join(FIXTURES, 'v2/kubernetes/endpoint.yml');
  assert.deepEqual(loadV2Endpoint(file), {
    name: 'my-k8s-endpoint',
    computeKind: 'kubernetes',
    authMode: 'aml_token',
    compute: 'k8s-compute',
    traffic: { blue: 90, green: 10 },
    tags: {},
    properties: {},
    origin: { file },
  });
});

async function endpointFile(t: Parameters<typeof tempTree>[0], yaml: string) {
  return path.join(await tempTree(t, { 'endpoint.yml': yaml }), 'endpoint.yml');
}

test('auth_mode is normalised with camel_to_snake', async (t) => {
  const cases: [string, string][] = [
    ['key', 'key'],
    ['Key', 'key'],
    ['KEY', 'key'],
    ['AMLToken', 'aml_token'],
    ['amlToken', 'aml_token'],
    ['AmlToken', 'aml_token'],
    ['AML_TOKEN', 'aml_token'],
    ['aml_token', 'aml_token'],
    ['aad_token', 'aad_token'],
    ['AADToken', 'aad_token'],
  ];
  for (const [written, mode] of cases) {
    const file = await endpointFile(t, `name: my-endpoint\nauth_mode: ${written}\n`);
    assert.equal(loadV2Endpoint(file).authMode, mode, written);
  }
  for (const written of ['amltoken', 'aml-token', 'tokens']) {
    const file = await endpointFile(t, `name: my-endpoint\nauth_mode: ${written}\n`);
    assert.equal(
      configErrorOf(() => loadV2Endpoint(file)).message,
      `${file}:2: auth_mode: must be one of key, aml_token, aad_token (got '${written}')`,
    );
  }
});

test('tags and properties go through str(); public_network_access through lower()', async (t) => {
  const file = await endpointFile(
    t,
    'name: My-Endpoint\npublic_network_access: Disabled\ntags:\n  flag: yes\n  n: 4\n  v: 1.10\nproperties:\n  at: 2024-01-01\n',
  );
  const spec = loadV2Endpoint(file);
  assert.equal(spec.name, 'my-endpoint');
  assert.equal(spec.publicNetworkAccess, 'disabled');
  assert.deepEqual(spec.tags, { flag: 'True', n: '4', v: '1.1' });
  assert.deepEqual(spec.properties, { at: '2024-01-01' });
});

test('traffic: ints, sum at most 100, zero entries removed', async (t) => {
  const over = await endpointFile(t, 'name: my-endpoint\ntraffic:\n  blue: 80\n  green: 30\n');
  assert.equal(
    configErrorOf(() => loadV2Endpoint(over)).message,
    `${over}:2: traffic: must add up to 100 or less (got 110)`,
  );
  const notInt = await endpointFile(t, 'name: my-endpoint\ntraffic:\n  blue: all\n');
  assert.equal(
    configErrorOf(() => loadV2Endpoint(notInt)).message,
    `${notInt}:3: traffic.blue: expected a number`,
  );
  const zero = await endpointFile(t, 'name: my-endpoint\ntraffic:\n  blue: 0\n  green: "100"\n');
  assert.deepEqual(loadV2Endpoint(zero).traffic, { green: 100 });
});

test('mirror traffic: at most 50%, not to a deployment that takes live traffic, not on Kubernetes', async (t) => {
  const ok = await endpointFile(
    t,
    'name: my-endpoint\ntraffic:\n  blue: 100\nmirror_traffic:\n  green: 10\n',
  );
  assert.deepEqual(loadV2Endpoint(ok).mirrorTraffic, { green: 10 });
  const both = await endpointFile(
    t,
    'name: my-endpoint\ntraffic:\n  blue: 100\nmirror_traffic:\n  blue: 10\n',
  );
  assert.equal(
    configErrorOf(() => loadV2Endpoint(both)).message,
    `${both}:4: mirror_traffic: deployment 'blue' cannot take live and mirrored traffic at once`,
  );
  const k8s = await endpointFile(
    t,
    'name: my-endpoint\ncompute: azureml:k8s\nmirror_traffic:\n  green: 10\n',
  );
  assert.equal(
    configErrorOf(() => loadV2Endpoint(k8s)).message,
    `${k8s}:3: mirror_traffic: is not supported on Kubernetes endpoints`,
  );
});

test('compute must carry the azureml: prefix; an ARM id is kept', async (t) => {
  const bare = await endpointFile(t, 'name: my-endpoint\ncompute: my-aks\n');
  assert.equal(
    configErrorOf(() => loadV2Endpoint(bare)).message,
    `${bare}:2: compute: must be azureml:<compute name> or azureml:<compute ARM id> (got 'my-aks')`,
  );
  const id =
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/k8s';
  const arm = await endpointFile(t, `name: my-endpoint\ncompute: azureml:${id}\nauth_mode: key\n`);
  assert.equal(loadV2Endpoint(arm).compute, id);
});

test('aad_token is refused on Kubernetes endpoints', async (t) => {
  const file = await endpointFile(t, 'name: my-endpoint\ncompute: azureml:k8s\nauth_mode: aad_token\n');
  assert.equal(
    configErrorOf(() => loadV2Endpoint(file)).message,
    `${file}:3: auth_mode: aad_token is not supported on Kubernetes endpoints (use key or aml_token)`,
  );
});

test('identity: type normalised, one user-assigned identity kept by resource id', async (t) => {
  const file = await endpointFile(
    t,
    'name: my-endpoint\nidentity:\n  type: UserAssigned\n  user_assigned_identities:\n    - resource_id: /subscriptions/s/id1\n      client_id: abc\n',
  );
  assert.deepEqual(loadV2Endpoint(file).identity, {
    type: 'user_assigned',
    userAssignedIdentities: ['/subscriptions/s/id1'],
  });
  const noType = await endpointFile(t, 'name: my-endpoint\nidentity:\n  principal_id: x\n');
  assert.equal(
    configErrorOf(() => loadV2Endpoint(noType)).message,
    `${noType}:2: identity.type: is required`,
  );
});

test('a missing or bad name', async (t) => {
  const missing = await endpointFile(t, 'auth_mode: key\n');
  assert.equal(configErrorOf(() => loadV2Endpoint(missing)).message, `${missing}:1: name: is required`);
  const bad = await endpointFile(t, 'name: my--endpoint\n');
  assert.equal(
    configErrorOf(() => loadV2Endpoint(bad)).message,
    `${bad}:1: name: 'my--endpoint' is not a valid endpoint name: it must not contain '--'`,
  );
  const list = await endpointFile(t, '- name: x\n');
  assert.equal(
    configErrorOf(() => loadV2Endpoint(list)).message,
    `${list}:1: expected a mapping of keys to values`,
  );
});

test('unknown keys warn; location gets an info note; read-only keys and kind are silent', async (t) => {
  const file = await endpointFile(
    t,
    'name: my-endpoint\nlocation: westeurope\nscoring_uri: https://x\nkind: managed\nauth: key\n',
  );
  const notes: ConfigNote[] = [];
  loadV2Endpoint(file, notes);
  assert.deepEqual(
    notes.map((n) => [n.level, n.line, n.field, n.message]),
    [
      ['info', 2, 'location', "location: is ignored: endpoints are created in the workspace's region"],
      ['warning', 5, 'auth', 'auth: unknown key, ignored'],
    ],
  );
});
