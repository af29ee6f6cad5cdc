import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadDeploymentConfig } from '../../src/config/load-deployment-config.ts';
import { UsageError } from '../../src/errors.ts';
import { configErrorOf, FIXTURES, SCORE_PY, tempTree } from './helpers.ts';

const MANAGED = path.join(FIXTURES, 'v2/managed');
const V1 = path.join(FIXTURES, 'v1');

test('v2: endpoint and deployment files', () => {
  const loaded = loadDeploymentConfig({
    endpointFile: path.join(MANAGED, 'endpoint.yml'),
    deploymentFile: path.join(MANAGED, 'deployment.yml'),
  });
  assert.equal(loaded.endpoint?.name, 'my-endpoint');
  assert.equal(loaded.endpoint?.authMode, 'aml_token');
  assert.equal(loaded.deployment.name, 'blue');
  assert.equal(loaded.deployment.endpointName, 'my-endpoint');
  assert.equal(loaded.targetHint, undefined);
  assert.deepEqual(loaded.notes, []);
});

test('a deployment file alone names its endpoint; nothing at all is an empty config', () => {
  const loaded = loadDeploymentConfig({ deploymentFile: path.join(MANAGED, 'deployment.yml') });
  assert.equal(loaded.endpoint, undefined);
  assert.equal(loaded.deployment.endpointName, 'my-endpoint');
  assert.deepEqual(loadDeploymentConfig({}), { deployment: {}, notes: [] });
});

test('v1: inference config + deployment config merge into one deployment', () => {
  const loaded = loadDeploymentConfig({
    inferenceConfig: path.join(V1, 'deploy-local/inferenceconfig.json'),
    deploymentConfig: path.join(V1, 'deploy-local/re-deploymentconfig.json'),
  });
  assert.deepEqual(loaded.endpoint, { computeKind: 'managed', authMode: 'key' });
  assert.equal(loaded.deployment.instanceType, 'Standard_DS1_v2');
  assert.equal(loaded.deployment.code?.scoringScript, 'score.py');
  assert.deepEqual(loaded.deployment.environmentVariables, { EXAMPLE_ENV_VAR: 'EXAMPLE_VALUE' });
  assert.equal(loaded.deployment.model, undefined, 'the v1 model comes from outside the files');
  assert.ok(loaded.notes.length > 0);
});

test('v1 local: target hint and port; an inference config alone leaves the target open', () => {
  const local = loadDeploymentConfig({
    inferenceConfig: path.join(V1, 'deploy-local/inferenceconfig.json'),
    deploymentConfig: path.join(V1, 'deploy-local/deploymentconfig-local.json'),
  });
  assert.equal(local.targetHint, 'local');
  assert.equal(local.localPort, 32267);
  const alone = loadDeploymentConfig({ inferenceConfig: path.join(V1, 'mlopspython/inference_config.yml') });
  assert.equal(alone.targetHint, undefined);
  assert.deepEqual(alone.deployment.environment, { kind: 'latest', name: 'diabetes_regression' });
});

test('v1 AKS: the compute name reaches the result', () => {
  const loaded = loadDeploymentConfig({
    deploymentConfig: path.join(FIXTURES, 'v1/notebooks-cli/deploy.json'),
  });
  assert.equal(loaded.computeName, '<name of your compute target for deployment>');
  assert.equal(loaded.deployment.computeKind, 'kubernetes');
});

test('v2 and v1 files together are a usage error naming the inputs', () => {
  assert.throws(
    () =>
      loadDeploymentConfig({
        endpointFile: path.join(MANAGED, 'endpoint.yml'),
        inferenceConfig: path.join(V1, 'deploy-local/inferenceconfig.json'),
      }),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message ===
        'endpoint-file, inference-config: use either endpoint-file + deployment-file (az ml v2 YAML) or inference-config + deployment-config (v1 JSON), not both',
  );
});

test("the deployment's endpoint_name must match the endpoint file (reported on the deployment's line)", async (t) => {
  const dir = await tempTree(t, {
    'endpoint.yml': 'name: my-endpoint\n',
    'deployment.yml': 'name: blue\ninstance_type: x\nendpoint_name: other-endpoint\n',
    'k8s-deployment.yml': 'name: blue\nendpoint_name: my-endpoint\ntype: kubernetes\n',
    'src/score.py': SCORE_PY,
  });
  const endpointFile = path.join(dir, 'endpoint.yml');
  const deploymentFile = path.join(dir, 'deployment.yml');
  assert.equal(
    configErrorOf(() => loadDeploymentConfig({ endpointFile, deploymentFile })).message,
    `${deploymentFile}:3: endpoint_name: 'other-endpoint' does not match the name 'my-endpoint' in ${endpointFile}`,
  );
  const k8s = path.join(dir, 'k8s-deployment.yml');
  assert.equal(
    configErrorOf(() => loadDeploymentConfig({ endpointFile, deploymentFile: k8s })).message,
    `${k8s}:3: type: a Kubernetes deployment needs a Kubernetes endpoint (compute: azureml:...), but ${endpointFile} describes a managed one`,
  );
});
