import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { aciInstanceType } from '../../src/config/aci-instance-type.ts';
import type { ConfigNote } from '../../src/config/spec.ts';
import { loadV1DeploymentConfig } from '../../src/config/v1-deployment.ts';
import { configErrorOf, FIXTURES, tempTree } from './helpers.ts';

const V1 = path.join(FIXTURES, 'v1');

test('ACI sizing: every published row, and the gaps filled by the first row that covers both', () => {
  const rows: [number, number, string | undefined][] = [
    // published rows (upper bounds)
    [1, 1.2, 'Standard_DS1_v2'],
    [2, 1.7, 'Standard_F2s_v2'],
    [2, 4.7, 'Standard_DS2_v2'],
    [2, 13.7, 'Standard_E2s_v3'],
    [4, 5.7, 'Standard_F4s_v2'],
    [4, 11.7, 'Standard_DS3_v2'],
    [4, 16, 'Standard_E4s_v3'],
    // the gaps (azureml-v1-config §6.3 examples)
    [0.5, 2, 'Standard_DS2_v2'],
    [1.5, 1, 'Standard_F2s_v2'],
    // v1 defaults
    [0.1, 0.5, 'Standard_DS1_v2'],
    // beyond the table
    [4.5, 1, undefined],
    [1, 17, undefined],
  ];
  for (const [cpu, memory, type] of rows)
    assert.equal(aciInstanceType(cpu, memory), type, `${cpu} / ${memory}`);
});

test('ACI (CLI reference / deploy-local example) → managed, instance type from the table, key auth, one instance', () => {
  const notes: ConfigNote[] = [];
  const config = loadV1DeploymentConfig(path.join(V1, 'deploy-local/re-deploymentconfig.json'), notes);
  assert.deepEqual(config, {
    computeType: 'aci',
    endpoint: { computeKind: 'managed', authMode: 'key' },
    deployment: {
      computeKind: 'managed',
      instanceType: 'Standard_DS1_v2',
      instanceCount: 1,
      appInsightsEnabled: false,
    },
  });
  assert.ok(notes.some((n) => /→ instance_type Standard_DS1_v2/.test(n.message)));
  assert.ok(notes.every((n) => n.level === 'info'));
});

async function configFile(
  t: Parameters<typeof tempTree>[0],
  text: string,
  files: Record<string, string> = {},
) {
  return path.join(await tempTree(t, { 'deploymentconfig.json': text, ...files }), 'deploymentconfig.json');
}

test('ACI with v1 defaults (0.1 CPU, 0.5 GB) maps to Standard_DS1_v2; no auth becomes key with a warning', async (t) => {
  const file = await configFile(t, '{"computeType": "ACI"}');
  const notes: ConfigNote[] = [];
  const config = loadV1DeploymentConfig(file, notes);
  assert.equal(config.deployment.instanceType, 'Standard_DS1_v2');
  assert.equal(config.endpoint?.authMode, 'key');
  assert.ok(notes.some((n) => /v1's ACI defaults are 0\.1 \/ 0\.5/.test(n.message)));
  assert.ok(notes.some((n) => n.level === 'warning' && /no anonymous mode/.test(n.message)));
});

test('MLOpsPython ACI YAML (cpu 2, 4 GB) → Standard_DS2_v2', () => {
  assert.equal(
    loadV1DeploymentConfig(path.join(V1, 'mlopspython/deployment_config_aci.yml')).deployment.instanceType,
    'Standard_DS2_v2',
  );
});

test('ACI above 4 cores / 16 GB: no instance type, a warning asking for the instance-type input', async (t) => {
  const file = await configFile(
    t,
    '{"computeType": "ACI", "containerResourceRequirements": {"cpu": 8, "memoryInGB": 32}}',
  );
  const notes: ConfigNote[] = [];
  const config = loadV1DeploymentConfig(file, notes);
  assert.equal(config.deployment.instanceType, undefined);
  assert.ok(notes.some((n) => n.level === 'warning' && /give the instance-type input/.test(n.message)));
});

test('ACI validation (§3.2): positive resources, SSL needs its files, key vault and vnet settings go together', async (t) => {
  const zeroCpu = await configFile(
    t,
    '{\n  "computeType": "ACI",\n  "containerResourceRequirements": {"cpu": 0}\n}',
  );
  assert.equal(
    configErrorOf(() => loadV1DeploymentConfig(zeroCpu)).message,
    `${zeroCpu}:3: containerResourceRequirements.cpu: must be greater than 0`,
  );
  const ssl = await configFile(
    t,
    '{\n  "computeType": "ACI",\n  "sslEnabled": true,\n  "sslCertificate": "cert.pem"\n}',
  );
  assert.equal(
    configErrorOf(() => loadV1DeploymentConfig(ssl)).message,
    `${ssl}:3: sslEnabled: true needs sslCertificate, sslKey and cname (missing: sslKey, cname)`,
  );
  const sslFiles = await configFile(
    t,
    '{\n  "computeType": "ACI",\n  "sslEnabled": true,\n  "sslCertificate": "cert.pem",\n  "sslKey": "key.pem",\n  "cname": "x.example.com"\n}',
    { 'cert.pem': '-' },
  );
  assert.equal(
    configErrorOf(() => loadV1DeploymentConfig(sslFiles)).message,
    `${sslFiles}:5: sslKey: file not found: ${path.join(path.dirname(sslFiles), 'key.pem')}`,
  );
  const vault = await configFile(
    t,
    '{\n  "computeType": "ACI",\n  "vaultBaseUrl": "https://v",\n  "keyName": "k"\n}',
  );
  assert.equal(
    configErrorOf(() => loadV1DeploymentConfig(vault)).message,
    `${vault}:3: vaultBaseUrl: vaultBaseUrl, keyName, keyVersion go together: give all or none (missing: keyVersion)`,
  );
  const vnet = await configFile(t, '{\n  "computeType": "ACI",\n  "subnetName": "s"\n}');
  assert.equal(
    configErrorOf(() => loadV1DeploymentConfig(vnet)).message,
    `${vnet}:3: subnetName: vnetName, subnetName go together: give all or none (missing: vnetName)`,
  );
});

test('AKS (CLI reference example) → Kubernetes with the v1 defaults that v2 would change written explicitly', () => {
  const notes: ConfigNote[] = [];
  const config = loadV1DeploymentConfig(path.join(V1, 'cli-reference/deploymentconfig-aks.json'), notes);
  assert.deepEqual(config, {
    computeType: 'aks',
    endpoint: { computeKind: 'kubernetes', authMode: 'key' },
    deployment: {
      computeKind: 'kubernetes',
      resources: { requests: { cpu: '0.5', memory: '1Gi' } },
      scaleSettings: {
        type: 'target_utilization',
        minInstances: 1,
        maxInstances: 3,
        pollingIntervalSeconds: 1,
        targetUtilizationPercentage: 70,
      },
      requestSettings: { requestTimeoutMs: 60000, maxConcurrentRequestsPerInstance: 1, maxQueueWaitMs: 500 },
      livenessProbe: {
        initialDelaySeconds: 310,
        periodSeconds: 10,
        timeoutSeconds: 2,
        successThreshold: 1,
        failureThreshold: 3,
      },
      appInsightsEnabled: false,
    },
  });
  assert.ok(notes.some((n) => /request_timeout_ms 60000/.test(n.message)));
  assert.ok(notes.some((n) => /initial_delay 310, failure_threshold 3/.test(n.message)));
  assert.ok(notes.some((n) => n.level === 'warning' && n.field === 'dataCollection.storageEnabled'));
});

test('a minimal AKS file (MachineLearningNotebooks deploy.json): defaults, maxReplicas 10, ComputeTarget honoured with a warning', () => {
  const notes: ConfigNote[] = [];
  const file = path.join(V1, 'notebooks-cli/deploy.json');
  const config = loadV1DeploymentConfig(file, notes);
  assert.equal(config.computeName, '<name of your compute target for deployment>');
  assert.equal(config.endpoint?.compute, config.computeName);
  assert.deepEqual(config.deployment.resources, { requests: { cpu: '0.1', memory: '512Mi' } });
  assert.deepEqual(config.deployment.scaleSettings, {
    type: 'target_utilization',
    minInstances: 1,
    maxInstances: 10,
    pollingIntervalSeconds: 1,
    targetUtilizationPercentage: 70,
  });
  assert.ok(notes.some((n) => /maxReplicas 10 written explicitly \(v2's default is 1\)/.test(n.message)));
  const misspelling = notes.find((n) => n.field === 'ComputeTarget');
  assert.equal(misspelling?.level, 'warning');
  assert.equal(misspelling?.line, 1);
});

test('MLOpsPython AKS YAML: True booleans, sslEnabled noted as not per service', () => {
  const notes: ConfigNote[] = [];
  const config = loadV1DeploymentConfig(path.join(V1, 'mlopspython/deployment_config_aks.yml'), notes);
  assert.equal(config.deployment.appInsightsEnabled, true);
  assert.deepEqual(config.deployment.requestSettings, {
    requestTimeoutMs: 5000,
    maxConcurrentRequestsPerInstance: 2,
    maxQueueWaitMs: 5000,
  });
  assert.deepEqual(config.deployment.resources, { requests: { cpu: '0.5', memory: '2Gi' } });
  assert.equal(
    (config.deployment.scaleSettings as { pollingIntervalSeconds?: number }).pollingIntervalSeconds,
    10,
  );
  assert.deepEqual(
    notes.filter((n) => n.field === 'sslEnabled').map((n) => [n.level, n.line]),
    [['info', 16]],
  );
});

test('AKS: numReplicas → instance_count with default scaling; token auth → aml_token; GPUs go under limits', async (t) => {
  const file = await configFile(
    t,
    JSON.stringify({
      computeType: 'AKS',
      numReplicas: 3,
      authEnabled: false,
      tokenAuthEnabled: true,
      gpuCores: 1,
      containerResourceRequirements: { cpu: 1, memoryInGB: 1.5, cpuLimit: 2 },
      livenessProbeRequirements: { initialDelaySeconds: 30, failureThreshold: 5 },
    }),
  );
  const config = loadV1DeploymentConfig(file);
  assert.deepEqual(config.deployment.scaleSettings, { type: 'default' });
  assert.equal(config.deployment.instanceCount, 3);
  assert.equal(config.endpoint?.authMode, 'aml_token');
  assert.deepEqual(config.deployment.resources, {
    requests: { cpu: '1', memory: '1536Mi' },
    limits: { cpu: '2', memory: '1536Mi', gpu: '1' },
  });
  assert.deepEqual(config.deployment.livenessProbe, {
    initialDelaySeconds: 30,
    periodSeconds: 10,
    timeoutSeconds: 2,
    successThreshold: 1,
    failureThreshold: 5,
  });
});

test('AKS validation (§3.2): each rule names its field', async (t) => {
  const cases: [object, string][] = [
    [
      { authEnabled: true, tokenAuthEnabled: true },
      'tokenAuthEnabled: cannot be true together with authEnabled: true',
    ],
    [
      { autoScaler: { autoscaleEnabled: true }, numReplicas: 2 },
      'numReplicas: cannot be combined with autoScaler.autoscaleEnabled: true',
    ],
    [{ autoScaler: { autoscaleEnabled: false } }, 'autoScaler.autoscaleEnabled: false needs numReplicas'],
    [
      { autoScaler: { minReplicas: 2 } },
      'autoScaler.minReplicas: is only allowed with autoScaler.autoscaleEnabled: true',
    ],
    [
      { autoScaler: { autoscaleEnabled: true, minReplicas: 5, maxReplicas: 2 } },
      'autoScaler.minReplicas: must not be greater than maxReplicas (2)',
    ],
    [
      { containerResourceRequirements: { cpu: 1, cpuLimit: 0.5 } },
      'containerResourceRequirements.cpuLimit: must be at least the cpu request (1)',
    ],
    [
      { containerResourceRequirements: { memoryInGB: 2, memoryInGBLimit: 1 } },
      'containerResourceRequirements.memoryInGBLimit: must be at least the memoryInGB request (2)',
    ],
    [{ gpuCores: -1 }, 'gpuCores: must be a whole number, 0 or more'],
    [{ gpuCores: 1.5 }, 'gpuCores: must be a whole number, 0 or more'],
    [{ scoringTimeoutMs: 0 }, 'scoringTimeoutMs: must be greater than 0'],
    [{ maxQueueWaitMs: -5 }, 'maxQueueWaitMs: must be greater than 0'],
    [
      { livenessProbeRequirements: { periodSeconds: 0 } },
      'livenessProbeRequirements.periodSeconds: must be greater than 0',
    ],
    [{ numReplicas: 1.5 }, 'numReplicas: expected a whole number'],
  ];
  for (const [fields, message] of cases) {
    const file = await configFile(t, JSON.stringify({ computeType: 'AKS', ...fields }, null, 2));
    const err = configErrorOf(() => loadV1DeploymentConfig(file));
    assert.equal(err.message.replace(/^[^:]+:\d+: /, ''), message, JSON.stringify(fields));
    assert.ok(err.message.startsWith(`${file}:`));
  }
});

test('computeType: required, case-insensitive, AKSENDPOINT and unknown types refused', async (t) => {
  const missing = await configFile(t, '{"port": 1}');
  assert.equal(
    configErrorOf(() => loadV1DeploymentConfig(missing)).message,
    `${missing}:1: computeType: is required`,
  );
  const endpoint = await configFile(t, '{"computeType": "AKSENDPOINT"}');
  assert.equal(
    configErrorOf(() => loadV1DeploymentConfig(endpoint)).message,
    `${endpoint}:1: computeType: AKSENDPOINT (AKS endpoints with versions) is not supported: use computeType AKS (a Kubernetes online deployment)`,
  );
  const mir = await configFile(t, '{"computeType": "mir"}');
  assert.equal(
    configErrorOf(() => loadV1DeploymentConfig(mir)).message,
    `${mir}:1: computeType: must be one of local, ACI, AKS (got 'mir')`,
  );
});

test('local → the local target and its port', () => {
  assert.deepEqual(loadV1DeploymentConfig(path.join(V1, 'deploy-local/deploymentconfig-local.json')), {
    computeType: 'local',
    deployment: {},
    targetHint: 'local',
    localPort: 32267,
  });
  assert.deepEqual(loadV1DeploymentConfig(path.join(V1, 'cli-reference/deploymentconfig-local-upper.json')), {
    computeType: 'local',
    deployment: {},
    targetHint: 'local',
  });
});

test('misspellings of §3.3 are honoured with a warning; keys are never echoed', async (t) => {
  const file = await configFile(
    t,
    JSON.stringify(
      {
        computeType: 'AKS',
        autoscaler: { autoscaleEnabled: true, maxReplicas: 4 },
        containerResourceRequirements: { cpu: 1, memoryInGB: 1, gpu: 2, cpu_limit: 2 },
        memory_in_gb_limit: 3,
        primaryKey: 'super-secret-key-value',
        sslCName: 'x.example.com',
      },
      null,
      2,
    ),
  );
  const notes: ConfigNote[] = [];
  const config = loadV1DeploymentConfig(file, notes);
  assert.equal((config.deployment.scaleSettings as { maxInstances?: number }).maxInstances, 4);
  assert.deepEqual(config.deployment.resources?.limits, { cpu: '2', memory: '3Gi', gpu: '2' });
  const warned = notes.filter((n) => n.level === 'warning').map((n) => n.field);
  for (const field of [
    'autoscaler',
    'containerResourceRequirements.gpu',
    'containerResourceRequirements.cpu_limit',
    'memory_in_gb_limit',
    'primaryKey',
    'sslCName',
  ]) {
    assert.ok(warned.includes(field), field);
  }
  assert.ok(!JSON.stringify(notes).includes('super-secret-key-value'));
});

test('keys read for another compute type are ignored with a warning; unknown keys too', async (t) => {
  const file = await configFile(
    t,
    '{\n  "computeType": "ACI",\n  "numReplicas": "three",\n  "colour": "blue"\n}',
  );
  const notes: ConfigNote[] = [];
  loadV1DeploymentConfig(file, notes);
  assert.deepEqual(
    notes.filter((n) => n.level === 'warning').map((n) => [n.line, n.message]),
    [
      [3, 'numReplicas: is not used for computeType ACI (v1 ignored it too); ignored'],
      [4, 'colour: unknown key, ignored (v1 ignored it too)'],
      [
        2,
        "authEnabled is absent (v1's ACI default is no auth): managed endpoints have no anonymous mode, so key auth is used",
      ],
    ],
  );
});
