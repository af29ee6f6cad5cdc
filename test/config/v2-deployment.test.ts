import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ConfigNote } from '../../src/config/spec.ts';
import { loadV2Deployment } from '../../src/config/v2-deployment.ts';
import { configErrorOf, FIXTURES, SCORE_PY, tempTree } from './helpers.ts';

const MANAGED = path.join(FIXTURES, 'v2/managed');
const K8S = path.join(FIXTURES, 'v2/kubernetes');

test('the managed deployment example (azureml-yaml example 1) becomes the normalized spec', () => {
  const notes: ConfigNote[] = [];
  const file = path.join(MANAGED, 'deployment.yml');
  assert.deepEqual(loadV2Deployment(file, notes), {
    name: 'blue',
    endpointName: 'my-endpoint',
    computeKind: 'managed',
    tags: { release: '2024.1' },
    properties: {},
    model: { kind: 'version', name: 'my-model', version: '1' },
    code: { code: { kind: 'path', path: path.join(MANAGED, 'src') }, scoringScript: 'score.py' },
    environment: { kind: 'version', name: 'my-env', version: '1' },
    environmentVariables: { WORKER_COUNT: '2', LOG_LEVEL: 'debug' },
    appInsightsEnabled: true,
    instanceType: 'Standard_DS3_v2',
    instanceCount: 2,
    scaleSettings: { type: 'default' },
    requestSettings: { requestTimeoutMs: 90000, maxConcurrentRequestsPerInstance: 2, maxQueueWaitMs: 500 },
    livenessProbe: {
      initialDelaySeconds: 30,
      periodSeconds: 10,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 30,
    },
    readinessProbe: { initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    origin: { file },
  });
  assert.deepEqual(notes, [], '$schema is dropped silently');
});

test('the Kubernetes deployment example (azureml-yaml example 2): string resources, nvidia.com/gpu renamed to gpu', () => {
  const file = path.join(K8S, 'deployment.yml');
  const spec = loadV2Deployment(file);
  assert.equal(spec.computeKind, 'kubernetes');
  assert.equal(spec.instanceType, 'defaultinstancetype');
  assert.equal(spec.instanceCount, 2);
  assert.deepEqual(spec.resources, {
    requests: { cpu: '0.5', memory: '1Gi' },
    limits: { cpu: '1', memory: '2Gi', gpu: '1' },
  });
  assert.deepEqual(spec.requestSettings, { requestTimeoutMs: 3000 });
  assert.equal(spec.scaleSettings, undefined);
});

test('Kubernetes target_utilization scale settings, ARM-id model and curated environment', () => {
  const spec = loadV2Deployment(path.join(K8S, 'deployment-autoscale.yml'));
  assert.deepEqual(spec.scaleSettings, {
    type: 'target_utilization',
    minInstances: 1,
    maxInstances: 5,
    pollingIntervalSeconds: 10,
    targetUtilizationPercentage: 70,
  });
  assert.equal(spec.model?.kind, 'arm-id');
  assert.deepEqual(spec.environment, {
    kind: 'curated',
    id: 'azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:1',
  });
  assert.equal(spec.instanceType, undefined, 'optional for Kubernetes');
});

test('inline model and environment: paths resolve against the YAML folder, the conda file is read and parsed', () => {
  const spec = loadV2Deployment(path.join(MANAGED, 'deployment-inline.yml'));
  assert.deepEqual(spec.model, { kind: 'path', path: path.join(MANAGED, 'model') });
  assert.deepEqual(spec.environment, {
    kind: 'inline',
    image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
    condaFile: {
      path: path.join(MANAGED, 'env/conda.yml'),
      content: {
        name: 'model-env',
        channels: ['conda-forge'],
        dependencies: [
          'python=3.9',
          'numpy=1.21.2',
          'pip',
          { pip: ['azureml-defaults==1.38.0', 'inference-schema[numpy-support]==1.3.0'] },
        ],
      },
    },
  });
  assert.equal(spec.egressPublicNetworkAccess, 'disabled', 'lower()');
  assert.deepEqual(spec.code?.code, { kind: 'path', path: path.join(MANAGED, 'src') });
});

test('environment: file:env.yml loads that environment YAML; code given as azureml:NAME:VERSION', () => {
  const spec = loadV2Deployment(path.join(MANAGED, 'deployment-env-file.yml'));
  assert.equal(spec.environment?.kind, 'inline');
  assert.equal(spec.environment?.kind === 'inline' && spec.environment.name, 'my-env');
  assert.equal(spec.environment?.kind === 'inline' && spec.environment.version, '1');
  assert.deepEqual(spec.model, { kind: 'latest', name: 'my-model' });
  assert.deepEqual(spec.code, {
    code: { kind: 'version', name: 'my-code', version: '3' },
    scoringScript: 'onlinescoring/score.py',
  });
});

/** A managed deployment file with `extra` lines appended (line numbers start at 6 for extra). */
const base = (extra: string) =>
  `name: blue\nendpoint_name: my-endpoint\ninstance_type: Standard_DS3_v2\ncode_configuration:\n  code: src\n  scoring_script: score.py\n${extra}`;

async function deploymentFile(
  t: Parameters<typeof tempTree>[0],
  yaml: string,
  files: Record<string, string> = {},
) {
  const dir = await tempTree(t, { 'deployment.yml': yaml, 'src/score.py': SCORE_PY, ...files });
  return path.join(dir, 'deployment.yml');
}

test('a wrong type names file, line and field: instance_count: expected a number', async (t) => {
  const file = await deploymentFile(
    t,
    'name: blue\nendpoint_name: my-endpoint\ninstance_type: Standard_DS3_v2\n\ninstance_count: two\n',
  );
  assert.equal(
    configErrorOf(() => loadV2Deployment(file)).message,
    `${file}:5: instance_count: expected a number`,
  );
});

test('integers accept numeric strings and truncate floats, as marshmallow does', async (t) => {
  const file = await deploymentFile(
    t,
    base("instance_count: '3'\nrequest_settings:\n  request_timeout_ms: 1500.9\n"),
  );
  const spec = loadV2Deployment(file);
  assert.equal(spec.instanceCount, 3);
  assert.deepEqual(spec.requestSettings, { requestTimeoutMs: 1500 });
});

test('broken YAML reports the line of the problem', async (t) => {
  const file = await deploymentFile(
    t,
    base('request_settings:\n  request_timeout_ms: 100\n max_queue_wait_ms: 5\n'),
  );
  assert.equal(
    configErrorOf(() => loadV2Deployment(file)).message,
    `${file}:9: syntax error: All mapping items must start at the same column`,
  );
});

test('a missing required field is reported on its parent mapping (or line 1)', async (t) => {
  const noType = await deploymentFile(t, '# managed\nname: blue\nendpoint_name: my-endpoint\n');
  assert.equal(
    configErrorOf(() => loadV2Deployment(noType)).message,
    `${noType}:1: instance_type: is required`,
  );
  const noCode = await deploymentFile(
    t,
    'name: blue\nendpoint_name: my-endpoint\ninstance_type: x\ncode_configuration:\n  scoring_script: score.py\n',
  );
  assert.equal(
    configErrorOf(() => loadV2Deployment(noCode)).message,
    `${noCode}:4: code_configuration.code: is required`,
  );
  const noScript = await deploymentFile(
    t,
    'name: blue\nendpoint_name: my-endpoint\ninstance_type: x\ncode_configuration:\n  code: src\n',
  );
  assert.equal(
    configErrorOf(() => loadV2Deployment(noScript)).message,
    `${noScript}:4: code_configuration.scoring_script: is required with code`,
  );
});

test('an unknown enum value lists the allowed ones and shows what was written', async (t) => {
  const scale = await deploymentFile(t, base('scale_settings:\n  type: auto\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(scale)).message,
    `${scale}:8: scale_settings.type: must be one of default, target_utilization (got 'auto')`,
  );
  // `off` is a YAML 1.1 boolean, so az ml fails it in an enum too; the message shows it as written.
  const egress = await deploymentFile(t, base('egress_public_network_access: off\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(egress)).message,
    `${egress}:7: egress_public_network_access: must be one of enabled, disabled (got off)`,
  );
});

test('scale_settings: camel_to_snake spellings, managed accepts only default, extra keys need target_utilization', async (t) => {
  const ok = await deploymentFile(t, base('scale_settings:\n  type: Default\n'));
  assert.deepEqual(loadV2Deployment(ok).scaleSettings, { type: 'default' });
  const managedTu = await deploymentFile(t, base('scale_settings:\n  type: TargetUtilization\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(managedTu)).message,
    `${managedTu}:8: scale_settings.type: managed deployments support only type default (scale them with instance_count)`,
  );
  const extra = await deploymentFile(t, base('scale_settings:\n  type: default\n  max_instances: 3\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(extra)).message,
    `${extra}:9: scale_settings.max_instances: is only allowed with type target_utilization`,
  );
});

test('a bad deployment name is reported with the rule', async (t) => {
  const file = await deploymentFile(t, 'name: blue_1\nendpoint_name: my-endpoint\ninstance_type: x\n');
  assert.equal(
    configErrorOf(() => loadV2Deployment(file)).message,
    `${file}:1: name: 'blue_1' is not a valid deployment name: it must start with a letter, contain only letters, digits and '-', and end with a letter or digit`,
  );
});

test('names are lower-cased as az ml does', async (t) => {
  const file = await deploymentFile(
    t,
    base('').replace('name: blue', 'name: Blue').replace('my-endpoint', 'My-Endpoint'),
  );
  const spec = loadV2Deployment(file);
  assert.equal(spec.name, 'blue');
  assert.equal(spec.endpointName, 'my-endpoint');
});

test('a local scoring script must exist under the code folder', async (t) => {
  const file = await deploymentFile(
    t,
    'name: blue\nendpoint_name: my-endpoint\ninstance_type: x\ncode_configuration:\n  code: src\n  scoring_script: missing.py\n',
  );
  assert.equal(
    configErrorOf(() => loadV2Deployment(file)).message,
    `${file}:6: code_configuration.scoring_script: file not found: ${path.join(path.dirname(file), 'src/missing.py')}`,
  );
  const outside = await deploymentFile(t, base('').replace('score.py', '../deployment.yml'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(outside)).message,
    `${outside}:6: code_configuration.scoring_script: must be inside the code folder`,
  );
  const noFolder = await deploymentFile(t, base('').replace('code: src', 'code: ./nope'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(noFolder)).message,
    `${noFolder}:5: code_configuration.code: folder not found: ${path.join(path.dirname(noFolder), 'nope')}`,
  );
  const asObject = await deploymentFile(t, base('').replace('code: src', 'code: {path: src}'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(asObject)).message,
    `${asObject}:5: code_configuration.code: expected a string: a local folder or azureml:NAME:VERSION`,
  );
});

test('environment variables go through str(); a null value is an error', async (t) => {
  const ok = await deploymentFile(
    t,
    base('environment_variables:\n  WORKERS: 2\n  DEBUG: on\n  RATE: 1.0\n  MODE: "x"\n'),
  );
  assert.deepEqual(loadV2Deployment(ok).environmentVariables, {
    WORKERS: '2',
    DEBUG: 'True',
    RATE: '1.0',
    MODE: 'x',
  });
  const nullValue = await deploymentFile(t, base('environment_variables:\n  WORKERS: 2\n  LOG_LEVEL:\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(nullValue)).message,
    `${nullValue}:9: environment_variables.LOG_LEVEL: has no value (write "" for an empty string)`,
  );
  const nullMap = await deploymentFile(t, base('environment_variables:\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(nullMap)).message,
    `${nullMap}:7: environment_variables: expected a mapping (the value is empty)`,
  );
});

const K8S_BASE = 'name: blue\ntype: kubernetes\nendpoint_name: my-endpoint\nresources:\n  requests:\n';

test('Kubernetes resources must be strings: a numeric cpu is rejected with the fix', async (t) => {
  const one = await deploymentFile(t, `${K8S_BASE}    cpu: 1\n`);
  assert.equal(
    configErrorOf(() => loadV2Deployment(one)).message,
    `${one}:6: resources.requests.cpu: must be a string like "1" (Kubernetes resources are strings)`,
  );
  const half = await deploymentFile(t, `${K8S_BASE}    memory: 1Gi\n    cpu: 0.5\n`);
  assert.equal(
    configErrorOf(() => loadV2Deployment(half)).message,
    `${half}:7: resources.requests.cpu: must be a string like "0.5" (Kubernetes resources are strings)`,
  );
});

test('registry references are refused on Kubernetes', async (t) => {
  const file = await deploymentFile(
    t,
    'name: blue\ntype: kubernetes\nendpoint_name: my-endpoint\nmodel: azureml://registries/azureml/models/x/versions/4\n',
  );
  assert.equal(
    configErrorOf(() => loadV2Deployment(file)).message,
    `${file}:4: model: registry references are not supported for Kubernetes deployments`,
  );
});

test('the first problem in document order is thrown, not the first in schema order', async (t) => {
  // Schema order would report `name` (checked first); the file has instance_count earlier.
  const file = await deploymentFile(
    t,
    'endpoint_name: my-endpoint\ninstance_type: x\ninstance_count: many\nname: b\n',
  );
  assert.equal(
    configErrorOf(() => loadV2Deployment(file)).message,
    `${file}:3: instance_count: expected a number`,
  );
});

test('unknown keys are warnings with file, line and field; $schema and read-only keys are silent', async (t) => {
  const file = await deploymentFile(
    t,
    base(
      'id: /subscriptions/x\nprovisioning_state: Succeeded\nstartup_probe:\n  period: 1\nrequest_settings:\n  request_timeout: 5\n',
    ),
  );
  const notes: ConfigNote[] = [];
  loadV2Deployment(file, notes);
  assert.deepEqual(notes, [
    {
      level: 'warning',
      message: 'startup_probe: unknown key, ignored',
      file,
      line: 9,
      field: 'startup_probe',
      ignoredKey: 'unknown',
    },
    {
      level: 'warning',
      message: "request_settings.request_timeout: unknown key, ignored; did you mean 'request_timeout_ms'?",
      file,
      line: 12,
      field: 'request_settings.request_timeout',
      ignoredKey: 'unknown',
      suggestion: 'request_timeout_ms',
    },
  ]);
});

test('type: Kubernetes is treated as managed, as az ml does, with a warning', async (t) => {
  const file = await deploymentFile(
    t,
    'name: blue\ntype: Kubernetes\nendpoint_name: my-endpoint\ninstance_type: x\nresources:\n  requests:\n    cpu: "1"\n',
  );
  const notes: ConfigNote[] = [];
  const spec = loadV2Deployment(file, notes);
  assert.equal(spec.computeKind, 'managed');
  assert.equal(spec.resources, undefined);
  assert.deepEqual(
    notes.map((n) => [n.level, n.line, n.field]),
    [
      ['warning', 2, 'type'],
      ['warning', 5, 'resources'],
    ],
  );
  assert.match(notes[0]?.message ?? '', /treated as a managed deployment, as az ml does/);
});

test('inline environment rules: image or build, not both; a missing conda file names the field', async (t) => {
  const both = await deploymentFile(t, base('environment:\n  image: python:3.11\n  build:\n    path: src\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(both)).message,
    `${both}:9: environment.build: give either image or build, not both`,
  );
  const neither = await deploymentFile(t, base('environment:\n  os_type: linux\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(neither)).message,
    `${neither}:7: environment: needs an image or a build context (build.path)`,
  );
  const noConda = await deploymentFile(
    t,
    base('environment:\n  image: python:3.11\n  conda_file: env/conda.yml\n'),
  );
  assert.equal(
    configErrorOf(() => loadV2Deployment(noConda)).message,
    `${noConda}:9: environment.conda_file: file not found: ${path.join(path.dirname(noConda), 'env/conda.yml')}`,
  );
  const build = await deploymentFile(
    t,
    base('environment:\n  build:\n    path: src\n    dockerfile_path: Dockerfile.gpu\n  os_type: Linux\n'),
  );
  assert.deepEqual(loadV2Deployment(build).environment, {
    kind: 'inline',
    build: { path: path.join(path.dirname(build), 'src'), dockerfilePath: 'Dockerfile.gpu' },
    osType: 'linux',
  });
});

test('a broken conda file is reported in the conda file, with its line', async (t) => {
  const file = await deploymentFile(
    t,
    base('environment:\n  image: python:3.11\n  conda_file: conda.yml\n'),
    {
      'conda.yml': 'name: x\ndependencies:\n  - python\n - pip\n',
    },
  );
  const err = configErrorOf(() => loadV2Deployment(file));
  assert.equal(err.file, path.join(path.dirname(file), 'conda.yml'));
  assert.equal(err.line, 4);
});

test('an inline model needs an existing local path', async (t) => {
  const missing = await deploymentFile(t, base('model:\n  path: ./model\n  type: MLflow_Model\n'));
  assert.equal(
    configErrorOf(() => loadV2Deployment(missing)).message,
    `${missing}:8: model.path: no such file or folder: ${path.join(path.dirname(missing), 'model')}`,
  );
  const named = await deploymentFile(t, base('model:\n  name: m\n  version: 1.10\n  path: model.pkl\n'), {
    'model.pkl': 'x',
  });
  assert.deepEqual(loadV2Deployment(named).model, {
    kind: 'path',
    path: path.join(path.dirname(named), 'model.pkl'),
    name: 'm',
    version: '1.1',
  });
});
