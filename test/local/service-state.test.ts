// The on-disk state of local endpoints and deployments.

import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  deploymentStatePath,
  ensureEndpointState,
  type LocalDeploymentState,
  listDeploymentStates,
  listLocalEndpointNames,
  logFilePath,
  readDeploymentState,
  readEndpointState,
  removeDeploymentState,
  removeEndpointState,
  writeDeploymentState,
  writeEndpointState,
  writeJsonAtomic,
} from '../../src/targets/local/service-state.ts';
import { tempLocalDir } from './helpers.ts';

function state(endpointName: string, deploymentName: string, pid = 123): LocalDeploymentState {
  return {
    endpointName,
    deploymentName,
    pid,
    port: 8000,
    host: '127.0.0.1',
    runtime: 'host.py',
    command: ['python3', 'host.py'],
    startedAt: '2026-01-01T00:00:00.000Z',
    fingerprint: 'f',
    modelId: 'azureml:demo:1',
    modelDir: '/m',
    codeDir: '/c',
    scoringScript: 'score.py',
    logFile: '/l',
    scoringUri: 'http://127.0.0.1:8000/score',
    swaggerUri: 'http://127.0.0.1:8000/swagger.json',
  };
}

test('paths follow <localDir>/endpoints/<endpoint>/deployments/<deployment>/state.json and logs/<ep>-<dep>.log', () => {
  assert.equal(deploymentStatePath('/x', 'ep', 'blue'), '/x/endpoints/ep/deployments/blue/state.json');
  assert.equal(logFilePath('/x', 'ep', 'blue'), '/x/logs/ep-blue.log');
  for (const bad of ['', '..', '../up', 'a/b', 'a\\b', '.hidden']) {
    assert.throws(() => deploymentStatePath('/x', bad, 'blue'), /invalid local endpoint name/);
    assert.throws(() => deploymentStatePath('/x', 'ep', bad), /invalid local deployment name/);
  }
});

test('deployment states are written whole, read back, listed and removed', async (t) => {
  const dir = await tempLocalDir(t);
  assert.equal(await readDeploymentState(dir, 'ep', 'blue'), undefined);
  await writeDeploymentState(dir, state('ep', 'blue'));
  await writeDeploymentState(dir, state('ep', 'green'));
  await writeDeploymentState(dir, state('other', 'blue'));
  assert.deepEqual(await readDeploymentState(dir, 'ep', 'blue'), state('ep', 'blue'));
  // No temp files left next to the state.
  assert.deepEqual(await readdir(dirname(deploymentStatePath(dir, 'ep', 'blue'))), ['state.json']);

  await writeDeploymentState(dir, state('ep', 'blue', 456));
  assert.equal((await readDeploymentState(dir, 'ep', 'blue'))?.pid, 456);

  assert.deepEqual(
    (await listDeploymentStates(dir)).map((s) => `${s.endpointName}/${s.deploymentName}`),
    ['ep/blue', 'ep/green', 'other/blue'],
  );
  assert.deepEqual((await listDeploymentStates(dir, 'ep')).length, 2);
  assert.deepEqual(await listLocalEndpointNames(dir), ['ep', 'other']);

  assert.equal(await removeDeploymentState(dir, 'ep', 'blue'), true);
  assert.equal(await removeDeploymentState(dir, 'ep', 'blue'), false);
  assert.equal(await readDeploymentState(dir, 'ep', 'blue'), undefined);
  assert.equal(await removeEndpointState(dir, 'other'), true);
  assert.deepEqual(await listLocalEndpointNames(dir), ['ep']);
});

test('endpoint.json holds the traffic map; ensureEndpointState creates it once', async (t) => {
  const dir = await tempLocalDir(t);
  const created = await ensureEndpointState(dir, 'ep', new Date('2026-02-03T04:05:06Z'));
  assert.deepEqual(created, { name: 'ep', createdAt: '2026-02-03T04:05:06.000Z', traffic: {} });
  await writeEndpointState(dir, { ...created, traffic: { blue: 90, green: 10 } });
  const again = await ensureEndpointState(dir, 'ep', new Date('2030-01-01T00:00:00Z'));
  assert.deepEqual(again.traffic, { blue: 90, green: 10 });
  assert.equal(again.createdAt, '2026-02-03T04:05:06.000Z');
  assert.deepEqual(await readEndpointState(dir, 'ep'), again);
});

test('a corrupt state file is reported with its path', async (t) => {
  const dir = await tempLocalDir(t);
  const path = deploymentStatePath(dir, 'ep', 'blue');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '{"pid": 1,');
  await assert.rejects(
    readDeploymentState(dir, 'ep', 'blue'),
    new RegExp(`${path.replaceAll('.', '\\.')}: not valid JSON`),
  );
});

test('writeJsonAtomic replaces the file in one step and creates folders', async (t) => {
  const dir = await tempLocalDir(t);
  const path = join(dir, 'a/b/c.json');
  await writeJsonAtomic(path, { n: 1 });
  await writeJsonAtomic(path, { n: 2 });
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { n: 2 });
  assert.deepEqual(await readdir(join(dir, 'a/b')), ['c.json']);
});
