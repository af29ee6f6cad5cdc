// The batch REST bodies, field by field against BatchEndpoint_CreateOrUpdate.json /
// BatchDeployment_CreateOrUpdate.json and the yaml reference §2.5/§2.6, and the invoke body azure-ai-ml sends.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { batchDeploymentBody } from '../../src/azure/bodies/batch-deployment.ts';
import { batchEndpointBody } from '../../src/azure/bodies/batch-endpoint.ts';
import { batchInvokeBody } from '../../src/azure/bodies/batch-job.ts';
import type { BatchDeploymentSpec } from '../../src/config/spec.ts';
import { remoteInputType } from '../../src/targets/azureml/batch-input.ts';
import {
  batchDeploymentBody as deploymentShape,
  batchEndpointBody as endpointShape,
} from '../support/fake-azure/batch.ts';
import { checkShape } from '../support/fake-azure/shapes.ts';

const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w';
const EXAMPLES = path.resolve(import.meta.dirname, '../fixtures/rest');

const spec: BatchDeploymentSpec & { compute: string } = {
  name: 'blue',
  endpointName: 'ep',
  tags: { team: 'a' },
  properties: {},
  code: { code: { kind: 'path', path: '/x' }, scoringScript: 'score.py' },
  environmentVariables: { MODE: 'fast' },
  compute: 'cpu-cluster',
  resources: { instanceCount: 2 },
  settings: {
    miniBatchSize: 5,
    maxConcurrencyPerInstance: 4,
    outputAction: 'append_row',
    outputFileName: 'out.csv',
    retrySettings: { maxRetries: 2, timeoutSeconds: 90 },
    errorThreshold: -1,
    loggingLevel: 'warning',
  },
};

test('the batch deployment body: model as an Id reference, compute as an ARM id, the settings as flat fields', () => {
  const body = batchDeploymentBody(
    spec,
    {
      model: `${WS}/models/m/versions/3`,
      codeId: `${WS}/codes/c/versions/1`,
      environmentId: `${WS}/environments/e/versions/1`,
    },
    { location: 'eastus2', workspacePath: WS },
  );
  assert.deepEqual(body, {
    location: 'eastus2',
    properties: {
      properties: {},
      environmentVariables: { MODE: 'fast' },
      compute: `${WS}/computes/cpu-cluster`,
      model: { referenceType: 'Id', assetId: `${WS}/models/m/versions/3` },
      codeConfiguration: { codeId: `${WS}/codes/c/versions/1`, scoringScript: 'score.py' },
      environmentId: `${WS}/environments/e/versions/1`,
      resources: { instanceCount: 2, properties: {} },
      maxConcurrencyPerInstance: 4,
      miniBatchSize: 5,
      outputAction: 'AppendRow',
      outputFileName: 'out.csv',
      retrySettings: { maxRetries: 2, timeout: 'PT1M30S' },
      errorThreshold: -1,
      loggingLevel: 'Warning',
    },
    tags: { team: 'a' },
  });
  assert.deepEqual(checkShape(body, deploymentShape), []);
});

test('a no-code MLflow deployment sends no codeConfiguration or environmentId; summary_only no file name', () => {
  const { code: _code, ...rest } = spec;
  const body = batchDeploymentBody(
    { ...rest, settings: { outputAction: 'summary_only' }, resources: undefined as never },
    { model: 'azureml://registries/azureml/models/m/versions/1' },
    { location: 'eastus2', workspacePath: WS },
  );
  assert.equal(body.properties.codeConfiguration, undefined);
  assert.equal(body.properties.environmentId, undefined);
  assert.equal(body.properties.outputAction, 'SummaryOnly');
  assert.equal(body.properties.resources, undefined);
  assert.deepEqual(body.properties.model, {
    referenceType: 'Id',
    assetId: 'azureml://registries/azureml/models/m/versions/1',
  });
});

test('the batch endpoint body: authMode in the API spelling, no identity, defaults only when given', async () => {
  const body = batchEndpointBody(
    { authMode: 'aad_token', tags: {}, properties: { a: '1' }, description: 'd' },
    { location: 'eastus2', defaultDeployment: 'blue' },
  );
  assert.deepEqual(body, {
    location: 'eastus2',
    properties: {
      authMode: 'AADToken',
      description: 'd',
      properties: { a: '1' },
      defaults: { deploymentName: 'blue' },
    },
    tags: {},
  });
  assert.equal(
    batchEndpointBody({ authMode: 'aad_token', tags: {}, properties: {} }, { location: 'x' }).properties
      .defaults,
    undefined,
  );
  // The official examples fit the fake's shapes, so the fake holds the client to the published contract.
  for (const [file, shape] of [
    ['BatchEndpoint_CreateOrUpdate.json', endpointShape],
    ['BatchDeployment_CreateOrUpdate.json', deploymentShape],
  ] as const) {
    const example = JSON.parse(await readFile(path.join(EXAMPLES, file), 'utf8')) as {
      parameters: { body: unknown };
    };
    assert.deepEqual(checkShape(example.parameters.body, shape), [], file);
  }
});

test('the invoke body is the SDK serialization of one data input; URIs are folders unless they name a file', () => {
  assert.deepEqual(batchInvokeBody({ type: 'UriFolder', uri: 'azureml://datastores/ws/paths/x/' }), {
    properties: {
      inputData: { UriFolder: { jobInputType: 'UriFolder', uri: 'azureml://datastores/ws/paths/x/' } },
    },
  });
  assert.equal(remoteInputType('azureml://datastores/ws/paths/data/'), 'UriFolder');
  assert.equal(remoteInputType('https://acct.blob.core.windows.net/c/data'), 'UriFolder');
  assert.equal(remoteInputType('https://acct.blob.core.windows.net/c/data/heart.csv'), 'UriFile');
});
