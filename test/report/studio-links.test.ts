import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  studioEndpointUrl,
  studioHostFor,
  studioWorkspaceUrl,
  workspaceArmId,
} from '../../src/report/studio-links.ts';

const ws = {
  subscriptionId: '00000000-1111-2222-3333-444444444444',
  resourceGroup: 'ml-rg',
  workspaceName: 'ml-ws',
};
const WSID =
  '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws';

test('the workspace ARM id as studio takes it', () => {
  assert.equal(workspaceArmId(ws), WSID);
});

test('online and batch endpoint pages and the workspace home, as az ml prints them', () => {
  assert.equal(
    studioEndpointUrl(ws, 'diabetes-ep'),
    `https://ml.azure.com/endpoints/realtime/diabetes-ep/detail?wsid=${WSID}`,
  );
  assert.equal(
    studioEndpointUrl(ws, 'diabetes-ep', 'online'),
    `https://ml.azure.com/endpoints/realtime/diabetes-ep/detail?wsid=${WSID}`,
  );
  assert.equal(
    studioEndpointUrl(ws, 'nightly-batch', 'batch'),
    `https://ml.azure.com/endpoints/batch/nightly-batch/detail?wsid=${WSID}`,
  );
  assert.equal(studioWorkspaceUrl(ws), `https://ml.azure.com/?wsid=${WSID}`);
});

test('the tenant is added as tid, and the result is a valid URL whose wsid reads back', () => {
  const url = studioEndpointUrl({ ...ws, tenantId: '72f988bf-0000-4000-8000-00000000aaaa' }, 'ep');
  assert.equal(
    url,
    `https://ml.azure.com/endpoints/realtime/ep/detail?wsid=${WSID}&tid=72f988bf-0000-4000-8000-00000000aaaa`,
  );
  const parsed = new URL(url);
  assert.equal(parsed.searchParams.get('wsid'), WSID);
  assert.equal(parsed.searchParams.get('tid'), '72f988bf-0000-4000-8000-00000000aaaa');
});

test('characters that would break the link are encoded', () => {
  const odd = { ...ws, resourceGroup: 'rg(prod)&x' };
  const url = new URL(studioWorkspaceUrl(odd));
  assert.equal(url.searchParams.get('wsid'), workspaceArmId(odd));
  assert.equal([...url.searchParams.keys()].join(','), 'wsid');
});

test('sovereign clouds get their own studio; anything else (tests, proxies) the public one', () => {
  assert.equal(studioHostFor('https://management.usgovcloudapi.net'), 'https://ml.azure.us');
  assert.equal(studioHostFor('https://management.chinacloudapi.cn/'), 'https://studio.ml.azure.cn');
  assert.equal(studioHostFor('https://management.azure.com'), 'https://ml.azure.com');
  assert.equal(studioHostFor('http://127.0.0.1:4567'), 'https://ml.azure.com');
  assert.equal(studioHostFor(undefined), 'https://ml.azure.com');
  assert.equal(
    studioEndpointUrl({ ...ws, armEndpoint: 'https://management.usgovcloudapi.net' }, 'ep'),
    `https://ml.azure.us/endpoints/realtime/ep/detail?wsid=${WSID}`,
  );
});
