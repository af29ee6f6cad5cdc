import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ConfigNote } from '../../src/config/spec.ts';
import { findWorkspaceConfig, loadWorkspaceConfig } from '../../src/config/workspace-config.ts';
import { configErrorOf, FIXTURES, tempTree } from './helpers.ts';

const WS = path.join(FIXTURES, 'workspace');

test('an Azure ML config.json gives the workspace', () => {
  assert.deepEqual(loadWorkspaceConfig(path.join(WS, 'snake/config.json')), {
    subscriptionId: '00000000-0000-0000-0000-000000000000',
    resourceGroup: 'ml-rg',
    workspaceName: 'ml-ws',
  });
});

test('camelCase spellings are accepted with a note each', () => {
  const notes: ConfigNote[] = [];
  assert.deepEqual(loadWorkspaceConfig(path.join(WS, 'camel/config.json'), notes), {
    subscriptionId: '22222222-2222-2222-2222-222222222222',
    resourceGroup: 'camel-rg',
    workspaceName: 'camel-ws',
  });
  assert.deepEqual(
    notes.map((n) => [n.level, n.line, n.field]),
    [
      ['info', 2, 'subscriptionId'],
      ['info', 3, 'resourceGroup'],
      ['info', 4, 'workspaceName'],
    ],
  );
});

test('a missing or empty key is a ConfigError naming it', async (t) => {
  const dir = await tempTree(t, {
    'missing.json': '{\n  "subscription_id": "s",\n  "resource_group": "rg"\n}\n',
    'empty.json': '{\n  "subscription_id": "s",\n  "resource_group": "",\n  "workspace_name": "w"\n}\n',
    'number.json': '{\n  "subscription_id": 42,\n  "resource_group": "rg",\n  "workspace_name": "w"\n}\n',
  });
  const missing = path.join(dir, 'missing.json');
  assert.equal(
    configErrorOf(() => loadWorkspaceConfig(missing)).message,
    `${missing}:1: workspace_name: is required`,
  );
  const empty = path.join(dir, 'empty.json');
  assert.equal(
    configErrorOf(() => loadWorkspaceConfig(empty)).message,
    `${empty}:3: resource_group: must not be empty`,
  );
  const number = path.join(dir, 'number.json');
  assert.equal(
    configErrorOf(() => loadWorkspaceConfig(number)).message,
    `${number}:2: subscription_id: expected a string`,
  );
});

test('findWorkspaceConfig prefers .azureml/config.json, then a workspace config.json, else nothing', async (t) => {
  assert.equal(
    findWorkspaceConfig(path.join(WS, 'dot-azureml')),
    path.join(WS, 'dot-azureml/.azureml/config.json'),
  );
  assert.equal(findWorkspaceConfig(path.join(WS, 'snake')), path.join(WS, 'snake/config.json'));
  // A project's own config.json without workspace keys is not taken for one.
  assert.equal(findWorkspaceConfig(path.join(WS, 'unrelated')), undefined);
  assert.equal(findWorkspaceConfig(await tempTree(t, {})), undefined);
});
