import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { DeploymentSpec, EndpointSpec } from '../../src/config/spec.ts';
import { UsageError } from '../../src/errors.ts';
import { type ApplyOptions, applyPlan, type DeployProgress } from '../../src/targets/azureml/apply.ts';
import {
  type DesiredDeployment,
  describePlan,
  planDeployment,
  summarizePlan,
} from '../../src/targets/azureml/plan.ts';
import { restoreTraffic } from '../../src/targets/azureml/restore-traffic.ts';
import { scoringCredentials } from '../../src/targets/azureml/scoring-credentials.ts';
import { tempDir } from '../support/tmp.ts';
import { managedSpec, seedAsset, startWorkspace, type TestWorkspace } from './helpers.ts';

const EP = 'ep-test';
const MINUTE = 60_000;

const spec = (name: string, overrides: Partial<DeploymentSpec> = {}) => managedSpec(name, EP, overrides);

function desired(
  deployment: DeploymentSpec,
  rest: Partial<Omit<DesiredDeployment, 'deployment'>> = {},
): DesiredDeployment {
  return { endpoint: rest.endpoint ?? { name: EP }, deployment, ...rest };
}

async function workspaceWithAssets(t: Parameters<typeof startWorkspace>[0]): Promise<TestWorkspace> {
  const tw = await startWorkspace(t);
  await seedAsset(tw, 'models', 'm', '1', { modelUri: 'azureml://datastores/d/paths/m' });
  await seedAsset(tw, 'codes', 'score', '1', { codeUri: 'https://acct.blob.core.windows.net/c/score' });
  await seedAsset(tw, 'environments', 'env', '1', {
    image: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest',
  });
  tw.resetWrites();
  return tw;
}

async function deploy(tw: TestWorkspace, want: DesiredDeployment, opts: Partial<ApplyOptions> = {}) {
  const plan = await planDeployment(tw.ws, want);
  const progress: DeployProgress[] = [];
  const result = await applyPlan(tw.ws, plan, {
    deadline: tw.clock.now() + 30 * MINUTE,
    onProgress: (p) => progress.push(p),
    ...opts,
  });
  return { plan, result, progress };
}

function endpointJson(tw: TestWorkspace): { properties: { traffic: object; mirrorTraffic: object } } {
  return tw.fake.inspect(`/onlineEndpoints/${EP}`).body as {
    properties: { traffic: object; mirrorTraffic: object };
  };
}

function trafficText(tw: TestWorkspace): string {
  const p = endpointJson(tw).properties;
  return JSON.stringify({ traffic: p.traffic, mirrorTraffic: p.mirrorTraffic });
}

/** blue serving 100% (the usual starting point of a rollout). */
async function blueServing(tw: TestWorkspace): Promise<void> {
  const { result } = await deploy(tw, desired(spec('blue')));
  assert.equal(result.ok, true, result.error);
  tw.resetWrites();
}

test('first deploy with local code: assets, endpoint created, deployment created and 100% live', async (t) => {
  const tw = await startWorkspace(t, { azurite: true });
  await seedAsset(tw, 'models', 'm', '1', { modelUri: 'azureml://datastores/d/paths/m' });
  tw.resetWrites();
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'src'));
  await writeFile(
    path.join(dir, 'src', 'score.py'),
    'def init():\n    pass\n\ndef run(raw):\n    return raw\n',
  );
  const want = desired(
    spec('blue', {
      code: { code: { kind: 'path', path: path.join(dir, 'src') }, scoringScript: 'score.py' },
      environment: { kind: 'inline', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest' },
    }),
    { endpoint: { name: EP, authMode: 'key', tags: { team: 'ml' }, properties: {} } },
  );
  const { plan, result, progress } = await deploy(tw, want);
  assert.equal(plan.endpoint.action, 'create');
  assert.equal(plan.deployment.action, 'create');
  assert.equal(result.ok, true, result.error);
  assert.equal(result.changed, true);
  assert.equal(result.state, 'Healthy');
  assert.equal(result.provisioningState, 'Succeeded');
  assert.deepEqual(result.traffic, { blue: 100 });
  assert.deepEqual(result.previousTraffic, {});
  assert.equal(result.scoringUri, `https://${EP}.eastus2.inference.ml.azure.com/score`);
  assert.equal(result.swaggerUri, `https://${EP}.eastus2.inference.ml.azure.com/swagger.json`);
  assert.deepEqual((endpointJson(tw).properties as { traffic: object }).traffic, { blue: 100 });

  const writes = tw
    .writes()
    .map((w) => `${w.method} ${w.path.slice(tw.ws.path.length).replace(/[0-9a-f]{32}/g, 'H')}`);
  assert.deepEqual(writes, [
    'POST /codes/src/versions/H/startPendingUpload',
    'PUT /codes/src/versions/H',
    'PUT /environments/CliV2AnonymousEnvironment/versions/H',
    `PUT /onlineEndpoints/${EP}`,
    `PUT /onlineEndpoints/${EP}/deployments/blue`,
    `PUT /onlineEndpoints/${EP}`,
  ]);
  // The new endpoint is created without traffic; the traffic PUT comes after the deployment succeeded.
  const endpointPuts = tw.fake.requests.filter(
    (r) => r.method === 'PUT' && r.path.endsWith(`/onlineEndpoints/${EP}`),
  );
  const firstBody = endpointPuts[0]!.body as {
    identity: unknown;
    properties: Record<string, unknown>;
    tags: unknown;
  };
  assert.deepEqual(firstBody.identity, { type: 'SystemAssigned' });
  assert.deepEqual(firstBody.properties.traffic, {});
  assert.equal(firstBody.properties.authMode, 'Key');
  assert.deepEqual(firstBody.tags, { team: 'ml' });
  assert.deepEqual((endpointPuts[1]!.body as { properties: { traffic: object } }).properties.traffic, {
    blue: 100,
  });

  // One progress line per state change, with the elapsed time.
  const states = progress.filter((p) => p.step === 'deployment' && p.state).map((p) => p.message);
  assert.ok(
    states.some((m) => /deployment blue: (Creating|InProgress) \(\d+ s\)/.test(m)),
    states.join('\n'),
  );
  assert.ok(
    states.some((m) => /deployment blue: Succeeded \(\d+ s\)/.test(m)),
    states.join('\n'),
  );
});

test('a re-run with the same spec plans nothing and writes nothing (zero PUT/POST/DELETE)', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  const { plan, result } = await deploy(tw, desired(spec('blue')));
  assert.equal(plan.changed, false, describePlan(plan).join('\n'));
  assert.equal(plan.endpoint.action, 'none');
  assert.equal(plan.deployment.action, 'none');
  assert.equal(result.ok, true);
  assert.equal(result.changed, false);
  assert.equal(result.state, 'Healthy');
  assert.deepEqual(tw.writes(), []);
  assert.match(describePlan(plan).join('\n'), /nothing to do/);
});

test('dry run: planning a whole new rollout makes no writes and says what would happen', async (t) => {
  const tw = await startWorkspace(t);
  await seedAsset(tw, 'models', 'm', '1', { modelUri: 'azureml://datastores/d/paths/m' });
  tw.resetWrites();
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'score.py'), 'def init(): pass\n');
  const plan = await planDeployment(
    tw.ws,
    desired(
      spec('blue', {
        code: { code: { kind: 'path', path: dir }, scoringScript: 'score.py' },
        environment: {
          kind: 'inline',
          image: 'img:1',
          condaFile: { content: { dependencies: ['python=3.10'] } },
        },
      }),
    ),
  );
  assert.deepEqual(tw.writes(), []);
  const summary = summarizePlan(plan);
  assert.equal(summary.endpoint.action, 'create');
  assert.equal(summary.deployment.action, 'create');
  assert.deepEqual(summary.traffic.after, { blue: 100 });
  assert.deepEqual(
    summary.assets.map((a) => `${a.asset} ${a.action}`),
    ['code create', 'environment create', 'model use'],
  );
  assert.doesNotThrow(() => JSON.stringify(summary));
  const text = describePlan(plan).join('\n');
  assert.match(text, /create managed endpoint ep-test/);
  assert.match(text, /shift traffic \(none\) -> blue=100/);
});

test('blue-green with a passing smoke gate: green tested through its header, then 100% moved', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  const gated: unknown[] = [];
  const { plan, result } = await deploy(tw, desired(spec('green'), { traffic: { kind: 'blue-green' } }), {
    smokeGate: async (target) => {
      gated.push(target);
      // At gate time the new deployment is up but has no traffic yet.
      assert.deepEqual((endpointJson(tw).properties as { traffic: object }).traffic, { blue: 100 });
      return true;
    },
  });
  assert.equal(plan.traffic.gated, true);
  assert.equal(result.ok, true, result.error);
  assert.deepEqual(gated, [
    {
      endpointName: EP,
      deploymentName: 'green',
      scoringUri: `https://${EP}.eastus2.inference.ml.azure.com/score`,
    },
  ]);
  assert.deepEqual(result.traffic, { green: 100 });
  assert.deepEqual(result.previousTraffic, { blue: 100 });
  assert.ok(result.steps.includes('smoke test of green passed'));
  assert.ok(tw.fake.inspect(`/onlineEndpoints/${EP}/deployments/blue`).status === 200, 'blue stays, at 0%');
});

test('blue-green with a failing smoke gate: traffic map byte-identical, failed deployment kept or deleted', async (t) => {
  for (const deleteFailedDeployment of [false, true]) {
    const tw = await workspaceWithAssets(t);
    await blueServing(tw);
    const before = trafficText(tw);
    const { result } = await deploy(tw, desired(spec('green'), { traffic: { kind: 'blue-green' } }), {
      smokeGate: async () => false,
      deleteFailedDeployment,
    });
    assert.equal(result.ok, false);
    assert.equal(result.failedStep, 'smoke');
    assert.equal(result.state, 'Unhealthy');
    assert.match(result.error ?? '', /smoke test of deployment green failed/);
    assert.equal(trafficText(tw), before, 'the traffic and mirror maps are exactly as before');
    assert.deepEqual(result.traffic, { blue: 100 });
    assert.ok(result.logs?.inferenceServer, 'the container log tail is captured');
    assert.equal(result.deletedFailedDeployment, deleteFailedDeployment);
    const green = tw.fake.inspect(`/onlineEndpoints/${EP}/deployments/green`).status;
    assert.equal(green, deleteFailedDeployment ? 404 : 200);
  }
});

test('a traffic shift Azure acknowledges but does not apply is "not actually live"', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  const before = trafficText(tw);
  const plan = await planDeployment(tw.ws, desired(spec('green')));
  // The traffic PUT answers "Succeeded" with the endpoint as it was, and changes nothing.
  tw.fake.fail({
    method: 'PUT',
    path: new RegExp(`/onlineEndpoints/${EP}$`),
    status: 200,
    body: tw.fake.inspect(`/onlineEndpoints/${EP}`).body,
  });
  const result = await applyPlan(tw.ws, plan, { deadline: tw.clock.now() + 30 * MINUTE });
  assert.equal(result.ok, false);
  assert.equal(result.failedStep, 'verify');
  assert.match(
    result.error ?? '',
    /not actually live: endpoint ep-test carries traffic blue=100 .* not the intended green=100/,
  );
  assert.equal(trafficText(tw), before);
});

test('a traffic update that ends Failed is rolled back: maps byte-identical to before', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  assert.equal((await deploy(tw, desired(spec('red'), { traffic: { kind: 'none' } }))).result.ok, true);
  assert.equal(
    (await deploy(tw, desired(spec('red'), { traffic: { kind: 'none' }, mirrorTraffic: { red: 10 } }))).result
      .ok,
    true,
  );
  const before = trafficText(tw);
  assert.equal(before, '{"traffic":{"blue":100},"mirrorTraffic":{"red":10}}');
  tw.resetWrites();
  tw.fake.script({
    resource: 'endpoint',
    operation: 'update',
    result: 'Failed',
    error: { code: 'EndpointUpdateFailed', message: 'Traffic update failed.' },
  });
  const { result } = await deploy(tw, desired(spec('green')));
  assert.equal(result.ok, false);
  assert.equal(result.failedStep, 'traffic');
  assert.equal(result.rolledBack, true);
  assert.equal(trafficText(tw), before);
  const endpointPuts = tw
    .writes()
    .filter((w) => w.method === 'PUT' && w.path.endsWith(`/onlineEndpoints/${EP}`));
  assert.equal(endpointPuts.length, 2, 'the shift, then the restore');
});

test('updating the serving deployment keeps the other deployments\u2019 traffic and mirror maps', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  for (const name of ['green', 'red']) {
    assert.equal((await deploy(tw, desired(spec(name), { traffic: { kind: 'none' } }))).result.ok, true);
  }
  const split = await deploy(
    tw,
    desired(spec('green'), {
      traffic: { kind: 'explicit', map: { blue: 90, green: 10 } },
      mirrorTraffic: { red: 20 },
    }),
  );
  assert.equal(split.result.ok, true, split.result.error);
  const before = trafficText(tw);
  tw.resetWrites();

  const { plan, result } = await deploy(
    tw,
    desired(spec('blue', { environmentVariables: { LOG_LEVEL: 'debug' } }), {
      endpoint: { name: EP, tags: { owner: 'ml-team' } },
      traffic: { kind: 'none' },
    }),
  );
  assert.deepEqual(plan.deployment.changes, ['environment_variables: +LOG_LEVEL (values not shown)']);
  assert.deepEqual(plan.endpoint.changes, ['tags: {} → {"owner":"ml-team"}']);
  assert.equal(result.ok, true, result.error);
  assert.equal(trafficText(tw), before);
  const endpointPut = tw.fake.requests.findLast(
    (r) => r.method === 'PUT' && r.path.endsWith(`/onlineEndpoints/${EP}`),
  );
  const props = (endpointPut!.body as { properties: Record<string, unknown> }).properties;
  assert.deepEqual(props.traffic, { blue: 90, green: 10 }, 'the endpoint update carries the live traffic');
  assert.deepEqual(props.mirrorTraffic, { red: 20 });
  assert.equal(
    'AzureAsyncOperationUri' in (props.properties as object) ||
      'azureml.onlineendpointid' in (props.properties as object),
    false,
    'service-added properties are not sent back',
  );
});

test('canary=10 gives the new deployment 10% and leaves 90% on the serving one', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  let gate = 0;
  const { result } = await deploy(tw, desired(spec('green'), { traffic: { kind: 'canary', percent: 10 } }), {
    smokeGate: async () => ++gate > 0,
  });
  assert.equal(result.ok, true, result.error);
  assert.equal(gate, 1);
  assert.deepEqual(result.traffic, { blue: 90, green: 10 });
  // Same again: nothing to do, no gate.
  tw.resetWrites();
  const again = await deploy(tw, desired(spec('green'), { traffic: { kind: 'canary', percent: 10 } }), {
    smokeGate: async () => ++gate > 0,
  });
  assert.equal(again.result.changed, false);
  assert.equal(gate, 1);
  assert.deepEqual(tw.writes(), []);
});

test('mirror limits and gated refusals are checked before anything is written', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  const refused = async (want: DesiredDeployment, pattern: RegExp) => {
    await assert.rejects(
      planDeployment(tw.ws, want),
      (err: unknown) => err instanceof UsageError && pattern.test(err.message),
    );
  };
  await refused(
    desired(spec('green'), { traffic: { kind: 'none' }, mirrorTraffic: { green: 60 } }),
    /at most 50%/,
  );
  await refused(
    desired(spec('green'), { mirrorTraffic: { green: 10 } }),
    /live traffic .* and mirror traffic at once/,
  );
  await refused(
    desired(spec('blue', { environmentVariables: { X: '1' } }), { traffic: { kind: 'blue-green' } }),
    /already serves 100% of the traffic/,
  );
  await refused(
    desired(spec('blue', { instanceType: 'Standard_F2s_v2' })),
    /instance type of a deployment cannot change/,
  );
  await refused(
    desired(spec('green', { computeKind: 'kubernetes' }), {
      endpoint: { name: EP, computeKind: 'kubernetes' },
    }),
    /exists as a managed endpoint/,
  );
  assert.deepEqual(tw.writes(), []);
});

test('a Kubernetes endpoint: compute ARM id, Kubernetes deployment body, no mirror traffic', async (t) => {
  const tw = await workspaceWithAssets(t);
  const endpoint: Partial<EndpointSpec> & { name: string } = {
    name: EP,
    computeKind: 'kubernetes',
    authMode: 'aml_token',
    compute: 'k8s-compute',
    tags: {},
    properties: {},
  };
  const k8s = spec('blue', {
    computeKind: 'kubernetes',
    instanceType: 'defaultinstancetype',
    instanceCount: 2,
    resources: { requests: { cpu: '0.5', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi', gpu: '1' } },
    requestSettings: { requestTimeoutMs: 3000 },
  });
  await assert.rejects(
    planDeployment(tw.ws, desired(k8s, { endpoint: { ...endpoint, compute: undefined } as typeof endpoint })),
    /needs its attached compute/,
  );
  await assert.rejects(
    planDeployment(tw.ws, desired(k8s, { endpoint, mirrorTraffic: { blue: 10 } })),
    /Kubernetes/,
  );
  const { result } = await deploy(tw, desired(k8s, { endpoint }));
  assert.equal(result.ok, true, result.error);
  const epPut = tw.fake.requests.find((r) => r.method === 'PUT' && r.path.endsWith(`/onlineEndpoints/${EP}`));
  assert.equal(
    (epPut!.body as { properties: { compute: string } }).properties.compute,
    `${tw.ws.path}/computes/k8s-compute`,
  );
  const dPut = tw.fake.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/deployments/blue'));
  const body = dPut!.body as { properties: Record<string, unknown>; sku: unknown };
  assert.equal(body.properties.endpointComputeType, 'Kubernetes');
  assert.deepEqual(body.properties.containerResourceRequirements, {
    containerResourceRequests: { cpu: '0.5', memory: '1Gi' },
    containerResourceLimits: { cpu: '1', memory: '2Gi', gpu: '1' },
  });
  assert.deepEqual(body.properties.requestSettings, { requestTimeout: 'PT3S' });
  assert.deepEqual(body.sku, { name: 'Default', capacity: 2 });
  assert.equal('privateNetworkConnection' in body.properties, false);
});

test('a deployment that ends Failed returns the log tails and the error in one sentence', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  const before = trafficText(tw);
  tw.fake.script({
    resource: 'deployment',
    name: 'green',
    result: 'Failed',
    error: {
      code: 'DeploymentFailed',
      message: 'Deployment failed.',
      details: [{ code: 'ResourceNotReady', message: 'User container has crashed or terminated.' }],
    },
  });
  tw.fake.setLogs(EP, 'green', {
    InferenceServer: Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join('\n'),
    StorageInitializer: 'downloaded model',
  });
  const { result } = await deploy(tw, desired(spec('green')));
  assert.equal(result.ok, false);
  assert.equal(result.failedStep, 'deployment');
  assert.equal(result.state, 'Failed');
  assert.equal(result.provisioningState, 'Failed');
  assert.equal(
    result.error,
    'The deployment ended Failed: DeploymentFailed: Deployment failed. - ResourceNotReady: User container has crashed or terminated.',
  );
  const tail = result.logs?.inferenceServer?.split('\n') ?? [];
  assert.equal(tail.length, 200, 'the last 200 lines');
  assert.equal(tail.at(-1), 'line 300');
  assert.equal(result.logs?.storageInitializer, 'downloaded model');
  assert.equal(trafficText(tw), before, 'traffic never moved');
  const getLogs = tw.fake.requests.filter((r) => r.path.endsWith('/getLogs')).map((r) => r.body);
  assert.deepEqual(getLogs, [
    { containerType: 'InferenceServer', tail: 200 },
    { containerType: 'StorageInitializer', tail: 200 },
  ]);
});

test('a quota failure maps to Unschedulable', async (t) => {
  const tw = await workspaceWithAssets(t);
  tw.fake.script({
    resource: 'deployment',
    result: 'Failed',
    error: {
      code: 'OutOfQuota',
      message: 'Not enough quota available for Standard_DS3_v2 in SubscriptionId x.',
    },
  });
  const { result } = await deploy(tw, desired(spec('blue')));
  assert.equal(result.ok, false);
  assert.equal(result.state, 'Unschedulable');
});

test('a deployment still creating at the deadline times out as Transitioning, traffic untouched', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  const before = trafficText(tw);
  tw.fake.script({ resource: 'deployment', name: 'green', delayMs: 10 * 60 * MINUTE });
  const { result, progress } = await deploy(tw, desired(spec('green')), {
    deadline: tw.clock.now() + 5 * MINUTE,
  });
  assert.equal(result.ok, false);
  assert.equal(result.state, 'Transitioning');
  assert.equal(result.failedStep, 'deployment');
  assert.match(result.error ?? '', /Timed out after 5 min waiting for PUT of online deployment 'green'/);
  assert.equal(trafficText(tw), before);
  assert.ok(progress.some((p) => p.step === 'deployment' && p.state === 'InProgress'));
});

test('an endpoint busy with another update is waited for, and a 409 "in progress" is waited out', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  const plan = await planDeployment(tw.ws, desired(spec('green'), { traffic: { kind: 'none' } }));
  // Someone else updates the endpoint (tags) right after we planned.
  tw.fake.script({ resource: 'endpoint', operation: 'update', delayMs: 3 * MINUTE });
  const current = tw.fake.inspect(`/onlineEndpoints/${EP}`).body as Record<string, unknown>;
  await tw.ws.client.put(`${tw.ws.path}/onlineEndpoints/${EP}`, {
    body: { ...current, tags: { by: 'someone' } },
  });
  const fault = tw.fake.fail({
    method: 'PUT',
    path: /\/deployments\/green$/,
    status: 409,
    body: {
      error: {
        code: 'Conflict',
        message: `Cannot create a deployment in endpoint ${EP} because it is in Updating provisioning state.`,
      },
    },
    times: 2,
  });
  const progress: DeployProgress[] = [];
  const result = await applyPlan(tw.ws, plan, {
    deadline: tw.clock.now() + 30 * MINUTE,
    onProgress: (p) => progress.push(p),
  });
  assert.equal(result.ok, true, result.error);
  assert.equal(fault.hits, 2);
  assert.ok(
    progress.some((p) => p.step === 'endpoint' && p.state === 'InProgress'),
    'waited for the endpoint',
  );
  assert.equal(tw.fake.inspect(`/onlineEndpoints/${EP}/deployments/green`).status, 200);
});

test('restoreTraffic puts the maps back after a cancelled shift, byte-identically', async (t) => {
  const tw = await workspaceWithAssets(t);
  await blueServing(tw);
  const before = trafficText(tw);
  const plan = await planDeployment(tw.ws, desired(spec('green')));
  const controller = new AbortController();
  await assert.rejects(
    applyPlan(tw.ws, plan, {
      deadline: tw.clock.now() + 30 * MINUTE,
      signal: controller.signal,
      onProgress: (p) => {
        // SIGINT arrives while the traffic update is in flight.
        if (p.step === 'traffic' && p.state === 'Updating') controller.abort(new Error('SIGINT'));
      },
    }),
    /SIGINT/,
  );
  assert.equal(
    (tw.fake.inspect(`/onlineEndpoints/${EP}`).body as { properties: { provisioningState: string } })
      .properties.provisioningState,
    'Updating',
  );
  const messages: string[] = [];
  const restored = await restoreTraffic(tw.ws, EP, plan.previous, { onProgress: (m) => messages.push(m) });
  assert.equal(restored.restored, true);
  assert.equal(trafficText(tw), before);
  assert.deepEqual(restored.traffic, { blue: 100 });
  assert.ok(messages.some((m) => /restoring traffic/.test(m)));
  // Called again (the post: step after the signal handler): nothing left to do, nothing written.
  tw.resetWrites();
  assert.equal((await restoreTraffic(tw.ws, EP, plan.previous)).restored, false);
  assert.deepEqual(tw.writes(), []);
});

test('scoringCredentials follows the auth mode: listKeys, token, or an Entra token for ml.azure.com', async (t) => {
  const tw = await workspaceWithAssets(t);
  for (const [authMode, expected] of [
    ['key', 'Key'],
    ['aml_token', 'AMLToken'],
    ['aad_token', 'AADToken'],
  ] as const) {
    const name = `ep-${authMode.replace('_', '')}`;
    const want = desired({ ...spec('blue'), endpointName: name }, { endpoint: { name, authMode } });
    const { result } = await deploy(tw, want);
    assert.equal(result.ok, true, result.error);
    const creds = await scoringCredentials(tw.ws, name);
    assert.equal(creds.authMode, expected);
    assert.equal(creds.scoringUri, `https://${name}.eastus2.inference.ml.azure.com/score`);
    const header = creds.headers().authorization ?? '';
    assert.match(header, /^Bearer \S{8,}/);
    assert.equal(
      JSON.stringify(creds).includes(header.slice(7)),
      false,
      'the secret is not a plain property',
    );
    if (authMode === 'key') {
      const keys = await tw.ws.client.post<{ primaryKey: string }>(
        `${tw.ws.path}/onlineEndpoints/${name}/listKeys`,
      );
      assert.equal(header, `Bearer ${keys.body.primaryKey}`);
    }
    if (authMode === 'aml_token') assert.match(header, /^Bearer aml-token\./);
    if (authMode !== 'key') assert.ok((creds.expiresOnMs ?? 0) > tw.clock.now());
  }
});
