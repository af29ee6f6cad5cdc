// Batch endpoint and batch deployment YAML as deploy-model reads it: recognised by `$schema`, `type` or the
// keys only batch files have (never taken for an online deployment that lacks instance_type), both layouts of
// the job settings, file:line errors and unknown-key warnings as the online loaders give them.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadDeploymentConfig } from '../../src/config/load-deployment-config.ts';
import { readSourceFile } from '../../src/config/source-file.ts';
import type { ConfigNote } from '../../src/config/spec.ts';
import { declaredKind, loadBatchDeployment } from '../../src/config/v2-batch.ts';
import { configErrorOf, SCORE_PY, tempTree } from './helpers.ts';

const FILES = { 'src/score.py': SCORE_PY, 'model/m.pkl': 'x' };

const NEWER = `$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json
name: Blue
endpoint_name: my-batch
type: model
model: azureml:my-model:3
code_configuration:
  code: ./src
  scoring_script: score.py
environment: azureml:my-env:1
compute: azureml:cpu-cluster
resources:
  instance_count: 2
settings:
  max_concurrency_per_instance: 4
  mini_batch_size: 5
  output_action: append_row
  output_file_name: out.csv
  retry_settings:
    max_retries: 2
    timeout: 45
  error_threshold: 10
  logging_level: warning
  environment_variables:
    MODE: fast
`;

const OLDER = `$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json
name: blue
endpoint_name: my-batch
model: azureml:my-model:3
code_configuration:
  code: ./src
  scoring_script: score.py
environment: azureml:my-env:1
compute: azureml:cpu-cluster
resources:
  instance_count: 2
max_concurrency_per_instance: 4
mini_batch_size: 5
output_action: APPEND_ROW
output_file_name: out.csv
retry_settings:
  max_retries: 2
  timeout: 45
error_threshold: 10
logging_level: warning
environment_variables:
  MODE: fast
`;

test('both layouts of a batch deployment (settings: and the older top-level keys) read the same', async (t) => {
  const dir = await tempTree(t, { ...FILES, 'newer.yml': NEWER, 'older.yml': OLDER });
  const notes: ConfigNote[] = [];
  const newer = loadBatchDeployment(path.join(dir, 'newer.yml'), notes);
  const older = loadBatchDeployment(path.join(dir, 'older.yml'), notes);
  assert.deepEqual(notes, []);
  const { origin: _a, ...a } = newer;
  const { origin: _b, ...b } = older;
  assert.deepEqual(a, b);
  assert.deepEqual(a, {
    name: 'blue',
    endpointName: 'my-batch',
    tags: {},
    properties: {},
    model: { kind: 'version', name: 'my-model', version: '3' },
    code: { code: { kind: 'path', path: path.join(dir, 'src') }, scoringScript: 'score.py' },
    environment: { kind: 'version', name: 'my-env', version: '1' },
    environmentVariables: { MODE: 'fast' },
    compute: 'cpu-cluster',
    resources: { instanceCount: 2 },
    settings: {
      maxConcurrencyPerInstance: 4,
      miniBatchSize: 5,
      outputAction: 'append_row',
      outputFileName: 'out.csv',
      errorThreshold: 10,
      loggingLevel: 'warning',
      retrySettings: { maxRetries: 2, timeoutSeconds: 45 },
    },
  });
});

test('a batch deployment without $schema is still batch, by type or by its keys; online files stay online', async (t) => {
  const dir = await tempTree(t, {
    'typed.yml': 'name: b\nendpoint_name: e\ntype: model\n',
    'keys.yml': 'name: b\nendpoint_name: e\ncompute: azureml:c\nmini_batch_size: 3\n',
    'resources.yml': 'name: b\nendpoint_name: e\nresources:\n  instance_count: 1\n',
    'managed.yml': 'name: b\nendpoint_name: e\ninstance_type: Standard_DS3_v2\n',
    'k8s.yml': 'name: b\nendpoint_name: e\ntype: kubernetes\nresources:\n  requests:\n    cpu: "1"\n',
    'plain.yml': 'name: b\nendpoint_name: e\n',
    'batch-endpoint.yml': 'name: e\ndefaults:\n  deployment_name: b\n',
    'online-endpoint.yml': 'name: e\ntraffic:\n  b: 100\n',
  });
  const kind = (file: string, which: 'endpoint' | 'deployment' = 'deployment') =>
    declaredKind(readSourceFile(path.join(dir, file)), which);
  assert.equal(kind('typed.yml'), 'batch');
  assert.equal(kind('keys.yml'), 'batch');
  assert.equal(kind('resources.yml'), 'batch');
  assert.equal(kind('managed.yml'), 'online');
  assert.equal(kind('k8s.yml'), 'online');
  assert.equal(kind('plain.yml'), undefined);
  assert.equal(kind('batch-endpoint.yml', 'endpoint'), 'batch');
  assert.equal(kind('online-endpoint.yml', 'endpoint'), 'online');
});

test('deploy-model takes the batch pair as a batch config, never as an online one needing instance_type', async (t) => {
  const dir = await tempTree(t, {
    ...FILES,
    'endpoint.yml':
      '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: my-batch\ndefaults:\n  deployment_name: blue\n',
    'deployment.yml': NEWER,
  });
  const loaded = loadDeploymentConfig({
    endpointFile: path.join(dir, 'endpoint.yml'),
    deploymentFile: path.join(dir, 'deployment.yml'),
  });
  assert.equal(loaded.endpointKind, 'batch');
  assert.deepEqual(loaded.endpoint, { name: 'my-batch' });
  assert.equal(loaded.deployment.name, 'blue');
  assert.equal(loaded.deployment.instanceCount, 2);
  assert.equal(loaded.batch?.endpoint?.authMode, 'aad_token', 'the az ml default for batch endpoints');
  assert.equal(loaded.batch?.endpoint?.defaultDeployment, 'blue');
  assert.equal(loaded.batch?.deployment?.compute, 'cpu-cluster');
});

test('batch problems are file:line errors naming the field', async (t) => {
  const dir = await tempTree(t, {
    ...FILES,
    'zero.yml': NEWER.replace('mini_batch_size: 5', 'mini_batch_size: 0'),
    'summary.yml': NEWER.replace('output_action: append_row', 'output_action: summary_only'),
    'both.yml': `${NEWER}mini_batch_size: 6\n`,
    'pipeline.yml': NEWER.replace('type: model', 'type: pipeline'),
    'compute.yml': NEWER.replace('compute: azureml:cpu-cluster', 'compute: azureml:bad name'),
  });
  const error = (file: string) => configErrorOf(() => loadBatchDeployment(path.join(dir, file)));
  assert.match(error('zero.yml').message, /zero\.yml:15: settings\.mini_batch_size: must be at least 1/);
  assert.match(
    error('summary.yml').message,
    /summary\.yml:17: settings\.output_file_name: goes with output_action append_row only/,
  );
  assert.match(
    error('both.yml').message,
    /both\.yml:15: settings\.mini_batch_size: differs from the top-level mini_batch_size/,
  );
  assert.match(
    error('pipeline.yml').message,
    /pipeline\.yml:4: type: only model batch deployments are supported/,
  );
  assert.match(error('compute.yml').message, /compute\.yml:10: compute: must be azureml:<compute name>/);
});

test('unknown and ignored keys of batch files are warnings with their line', async (t) => {
  const dir = await tempTree(t, {
    ...FILES,
    'deployment.yml': `${NEWER}instance_type: Standard_DS3_v2\nresources_typo: 1\n`.replace(
      'resources:\n  instance_count: 2\n',
      'resources:\n  instance_count: 2\n  shm_size: 2g\n',
    ),
  });
  const notes: { message: string; line?: number; level: string }[] = [];
  loadBatchDeployment(path.join(dir, 'deployment.yml'), notes as never);
  const text = notes.map((n) => `${n.line}: ${n.message}`);
  assert.ok(
    text.some((l) => /^13: resources\.shm_size: .*not part of the batch deployment API/.test(l)),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => /^26: instance_type: unknown key/.test(l)),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => /^27: resources_typo: unknown key/.test(l)),
    text.join('\n'),
  );
});

test('an online endpoint file with a batch deployment file is refused, naming the file', async (t) => {
  const dir = await tempTree(t, {
    ...FILES,
    'endpoint.yml':
      '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: my-batch\n',
    'deployment.yml': NEWER,
  });
  const err = configErrorOf(() =>
    loadDeploymentConfig({
      endpointFile: path.join(dir, 'endpoint.yml'),
      deploymentFile: path.join(dir, 'deployment.yml'),
    }),
  );
  assert.match(
    err.message,
    /endpoint\.yml: describes an online endpoint, but .*deployment\.yml is a batch one/,
  );
});
