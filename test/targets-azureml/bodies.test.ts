import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  anonymousEnvironmentVersion,
  condaFileText,
  environmentVersionBody,
} from '../../src/azure/bodies/environment-version.ts';
import {
  isoDurationFromMicros,
  isoDurationFromMs,
  isoDurationFromSeconds,
  parseIsoDurationMs,
} from '../../src/azure/bodies/iso-duration.ts';
import { onlineDeploymentBody } from '../../src/azure/bodies/online-deployment.ts';
import { onlineEndpointBody } from '../../src/azure/bodies/online-endpoint.ts';
import { loadDeploymentConfig } from '../../src/config/load-deployment-config.ts';
import type { DeploymentSpec, EndpointSpec } from '../../src/config/spec.ts';
import { loadV2Environment } from '../../src/config/v2-environment.ts';
import { pyyamlDump } from '../../src/pyyaml/dump.ts';
import {
  checkShape,
  onlineDeploymentBody as deploymentShape,
  onlineEndpointBody as endpointShape,
  environmentVersionBody as environmentShape,
} from '../support/fake-azure/shapes.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'config');
const WS = '/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/WS';
const IDS = {
  codeId: `${WS}/codes/CODE/versions/1`,
  environmentId: `${WS}/environments/ENV/versions/1`,
  model: `${WS}/models/MODEL/versions/1`,
};

test('durations follow isodate (yaml reference §1.4), 0 dropped', () => {
  const ms: [number, string][] = [
    [500, 'PT0.5S'],
    [1234, 'PT1.234S'],
    [5000, 'PT5S'],
    [90000, 'PT1M30S'],
    [300000, 'PT5M'],
    [-500, '-PT0.5S'],
  ];
  for (const [value, iso] of ms) assert.equal(isoDurationFromMs(value), iso, `${value} ms`);
  const s: [number, string][] = [
    [3600, 'PT1H'],
    [86400, 'P1D'],
    [90061, 'P1DT1H1M1S'],
  ];
  for (const [value, iso] of s) assert.equal(isoDurationFromSeconds(value), iso, `${value} s`);
  assert.equal(isoDurationFromMs(0), undefined);
  assert.equal(isoDurationFromSeconds(undefined), undefined);
  assert.equal(isoDurationFromMicros(1), 'PT0.000001S');
  assert.equal(parseIsoDurationMs('PT1M30S'), 90000);
  assert.equal(parseIsoDurationMs('PT90S'), 90000);
  assert.equal(parseIsoDurationMs('P1DT1H1M1S'), 90061000);
  assert.equal(parseIsoDurationMs('PT0.5S'), 500);
  assert.equal(parseIsoDurationMs('banana'), undefined);
});

function loadDeployment(file: string): DeploymentSpec {
  return loadDeploymentConfig({ deploymentFile: path.join(fixtures, file) }).deployment as DeploymentSpec;
}

test('managed deployment body equals worked example 1 (minus privateNetworkConnection)', () => {
  const body = onlineDeploymentBody(loadDeployment('v2/managed/deployment.yml'), IDS, 'LOCATION');
  assert.deepEqual(body, {
    location: 'LOCATION',
    properties: {
      appInsightsEnabled: true,
      codeConfiguration: { codeId: IDS.codeId, scoringScript: 'score.py' },
      endpointComputeType: 'Managed',
      environmentId: IDS.environmentId,
      environmentVariables: { LOG_LEVEL: 'debug', WORKER_COUNT: '2' },
      instanceType: 'Standard_DS3_v2',
      livenessProbe: {
        failureThreshold: 30,
        initialDelay: 'PT30S',
        period: 'PT10S',
        successThreshold: 1,
        timeout: 'PT2S',
      },
      model: IDS.model,
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
  });
  assert.equal('privateNetworkConnection' in body.properties, false);
  assert.deepEqual(checkShape(body, deploymentShape), []);
});

test('Kubernetes deployment body equals worked example 2, with containerResourceRequirements', () => {
  const body = onlineDeploymentBody(loadDeployment('v2/kubernetes/deployment.yml'), IDS, 'LOCATION');
  assert.deepEqual(body, {
    location: 'LOCATION',
    properties: {
      appInsightsEnabled: false,
      codeConfiguration: { codeId: IDS.codeId, scoringScript: 'score.py' },
      containerResourceRequirements: {
        containerResourceLimits: { cpu: '1', gpu: '1', memory: '2Gi' },
        containerResourceRequests: { cpu: '0.5', memory: '1Gi' },
      },
      endpointComputeType: 'Kubernetes',
      environmentId: IDS.environmentId,
      environmentVariables: {},
      instanceType: 'defaultinstancetype',
      model: IDS.model,
      properties: {},
      requestSettings: { requestTimeout: 'PT3S' },
    },
    sku: { capacity: 2, name: 'Default' },
    tags: {},
  });
  assert.deepEqual(checkShape(body, deploymentShape), []);
});

test('Kubernetes target utilization scale settings use PascalCase scaleType and ISO polling interval', () => {
  const body = onlineDeploymentBody(
    loadDeployment('v2/kubernetes/deployment-autoscale.yml'),
    IDS,
    'LOCATION',
  );
  assert.deepEqual(body.properties.scaleSettings, {
    maxInstances: 5,
    minInstances: 1,
    pollingInterval: 'PT10S',
    scaleType: 'TargetUtilization',
    targetUtilizationPercentage: 70,
  });
  assert.deepEqual(body.sku, { name: 'Default' });
});

test('egress_public_network_access is sent in the 2026-07-01 PascalCase', () => {
  const spec = loadDeployment('v2/managed/deployment-inline.yml');
  const body = onlineDeploymentBody(spec, IDS, 'eastus');
  assert.equal(body.properties.egressPublicNetworkAccess, 'Disabled');
});

test('endpoint body equals worked example 3: identity SystemAssigned, empty maps, AMLToken', () => {
  const loaded = loadDeploymentConfig({ endpointFile: path.join(fixtures, 'v2/managed/endpoint.yml') });
  const body = onlineEndpointBody(loaded.endpoint as EndpointSpec, {
    location: 'LOCATION',
    workspacePath: WS,
  });
  assert.deepEqual(body, {
    identity: { type: 'SystemAssigned' },
    location: 'LOCATION',
    properties: {
      authMode: 'AMLToken',
      description: 'scoring endpoint',
      mirrorTraffic: {},
      properties: {},
      traffic: {},
    },
    tags: { team: 'ml' },
  });
  assert.deepEqual(checkShape(body, endpointShape), []);
});

test('Kubernetes endpoint body carries the compute ARM id and the traffic without 0 entries', () => {
  const loaded = loadDeploymentConfig({ endpointFile: path.join(fixtures, 'v2/kubernetes/endpoint.yml') });
  const body = onlineEndpointBody(loaded.endpoint as EndpointSpec, { location: 'eastus', workspacePath: WS });
  assert.equal(body.properties.compute, `${WS}/computes/k8s-compute`);
  assert.deepEqual(body.properties.traffic, { blue: 90, green: 10 });
  assert.equal(body.properties.authMode, 'AMLToken');
  const userAssigned = onlineEndpointBody(
    {
      name: 'ep',
      computeKind: 'managed',
      authMode: 'aad_token',
      tags: {},
      properties: {},
      publicNetworkAccess: 'disabled',
      identity: { type: 'user_assigned', userAssignedIdentities: ['/subscriptions/s/id1'] },
    },
    { location: 'eastus', workspacePath: WS, traffic: { blue: 0, green: 100 } },
  );
  assert.deepEqual(userAssigned.identity, {
    type: 'UserAssigned',
    userAssignedIdentities: { '/subscriptions/s/id1': {} },
  });
  assert.equal(userAssigned.properties.publicNetworkAccess, 'Disabled');
  assert.equal(userAssigned.properties.authMode, 'AADToken');
  assert.deepEqual(userAssigned.properties.traffic, { green: 100 });
});

test('environment body and anonymous version equal worked example 5 and the §7 formula', () => {
  const env = loadV2Environment(path.join(fixtures, 'v2/managed/environment.yml'));
  const body = environmentVersionBody(env, false);
  assert.deepEqual(body, {
    properties: {
      condaFile:
        'channels:\n- conda-forge\ndependencies:\n- python=3.9\n- numpy=1.21.2\n- pip\n- pip:\n  - azureml-defaults==1.38.0\n  - inference-schema[numpy-support]==1.3.0\nname: model-env\n',
      description: 'inference environment',
      image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
      isAnonymous: false,
      isArchived: false,
    },
  });
  assert.deepEqual(checkShape(body, environmentShape), []);
  assert.equal(
    anonymousEnvironmentVersion(env.image ?? '', body.properties.condaFile),
    '7d0efdd816dc12b1251c0a0d47df0189',
  );
});

test('v1 ACI and AKS configs become bodies with the official field names', () => {
  const aci = loadDeploymentConfig({
    inferenceConfig: path.join(root, 'examples/sklearn/inferenceconfig.json'),
    deploymentConfig: path.join(root, 'examples/sklearn/deploymentconfig-aci.json'),
  });
  const aciSpec = {
    name: 'blue',
    endpointName: 'ep',
    tags: {},
    properties: {},
    ...aci.deployment,
  } as DeploymentSpec;
  const aciBody = onlineDeploymentBody(aciSpec, IDS, 'eastus');
  assert.deepEqual(checkShape(aciBody, deploymentShape), []);
  assert.equal(aciBody.properties.endpointComputeType, 'Managed');
  assert.equal(aciBody.properties.instanceType, 'Standard_DS1_v2');
  assert.deepEqual(aciBody.sku, { name: 'Default', capacity: 1 });
  assert.deepEqual(aciBody.properties.codeConfiguration, { codeId: IDS.codeId, scoringScript: 'score.py' });
  assert.equal(aci.endpoint?.authMode, 'key');

  const aks = loadDeploymentConfig({
    inferenceConfig: path.join(fixtures, 'v1/mlopspython/inference_config.yml'),
    deploymentConfig: path.join(fixtures, 'v1/mlopspython/deployment_config_aks.yml'),
  });
  const aksSpec = {
    name: 'blue',
    endpointName: 'ep',
    tags: {},
    properties: {},
    ...aks.deployment,
  } as DeploymentSpec;
  const aksBody = onlineDeploymentBody(aksSpec, IDS, 'eastus');
  assert.deepEqual(checkShape(aksBody, deploymentShape), []);
  assert.equal(aksBody.properties.endpointComputeType, 'Kubernetes');
  assert.deepEqual(aksBody.properties.containerResourceRequirements, {
    containerResourceRequests: { cpu: '0.5', memory: '2Gi' },
  });
  assert.deepEqual(aksBody.properties.scaleSettings, {
    scaleType: 'TargetUtilization',
    minInstances: 1,
    maxInstances: 3,
    pollingInterval: 'PT10S',
    targetUtilizationPercentage: 70,
  });
  assert.deepEqual(aksBody.properties.requestSettings, {
    requestTimeout: 'PT5S',
    maxConcurrentRequestsPerInstance: 2,
    maxQueueWait: 'PT5S',
  });
  assert.deepEqual(aksBody.properties.livenessProbe, {
    initialDelay: 'PT5M10S',
    period: 'PT10S',
    timeout: 'PT2S',
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(aksBody.properties.appInsightsEnabled, true);
});

const PYYAML_ORACLE = 'import json,sys,yaml; print(json.dumps([yaml.dump(d) for d in json.load(sys.stdin)]))';

/** Why the PyYAML oracle cannot be asked (python3 or PyYAML missing), or undefined when it can. */
function pyyamlAbsence(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' });
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    return 'python3 is not available';
  if (probe.status !== 0 && /No module named '?yaml'?/.test(probe.stderr)) return 'PyYAML is not installed';
  return undefined;
}

test('the conda re-dump matches PyYAML when python3 has it', (t) => {
  const docs = [
    { name: 'e', channels: ['conda-forge'], dependencies: ['python=3.10', 'pip', { pip: ['a==1', 'b'] }] },
    { a: 'true', b: '1.0', c: '', d: 'x: y', e: "it's", f: 'multi\nline', g: 'é', h: [], i: {}, j: [[1, 2]] },
    { long: `${'word '.repeat(30)}end`, k: '- x', l: '#c', m: '2024-01-01', n: 'yes', o: 'emoji 😀' },
  ];
  const absent = pyyamlAbsence();
  if (absent) {
    t.skip(absent);
    return;
  }
  // python3 and PyYAML are here: from now on the oracle failing is a failure, with its stderr shown.
  const run = spawnSync('python3', ['-c', PYYAML_ORACLE], { input: JSON.stringify(docs), encoding: 'utf8' });
  if (run.stderr) t.diagnostic(`oracle stderr: ${run.stderr}`);
  assert.equal(run.error, undefined, `the PyYAML oracle could not run: ${run.error?.message}`);
  assert.equal(run.status, 0, `the PyYAML oracle failed (exit ${run.status}):\n${run.stderr}`);
  const expected = JSON.parse(run.stdout) as string[];
  for (const [i, doc] of docs.entries()) assert.equal(pyyamlDump(doc), expected[i], `document ${i}`);
  assert.equal(condaFileText({ b: 1, a: [true, null] }), 'a:\n- true\n- null\nb: 1\n');
});
