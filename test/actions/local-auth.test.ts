// Key auth on the local target through the CLI (issue 16, item 14), with real python3 hosts: the demo endpoint
// says auth_mode: key, so POST /score needs the endpoint's key; smoke-test-service looks it up by endpoint-name
// (masked everywhere), a smoke test by scoring-uri that forgets the key fails, the key survives redeploys.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { endpointKeyPath } from '../../src/targets/local/endpoint-key.ts';
import { cli } from '../support/cli.ts';
import { localEndpointKey } from '../support/local-key.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const ENDPOINT = 'azureml-deploy-demo';

async function post(uri: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(uri, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, text: await res.text() };
}

async function statePid(dir: string): Promise<number> {
  const file = path.join(dir, '.azureml-local/endpoints', ENDPOINT, 'deployments/blue/state.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { pid: number }).pid;
}

const deployArgs = [
  'deploy-model',
  '--target=local',
  '--endpoint-file=endpoint.yml',
  '--deployment-file=deployment.yml',
];

test('key auth: 401 without the key, the smoke test looks it up (masked), the key survives redeploys', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  t.after(() => cli(['delete-service', '--target=local', `--endpoint-name=${ENDPOINT}`], { cwd: dir }));
  const sample = await readFile(path.join(dir, 'sample-request.json'), 'utf8');

  const deployed = await cli(deployArgs, { cwd: dir });
  assert.equal(deployed.code, 0, deployed.stderr);
  const uri = deployed.outputs['scoring-uri']!;
  const key = await localEndpointKey(dir, ENDPOINT);
  assert.ok(key.length >= 43, 'at least 32 random bytes');
  assert.equal((await stat(endpointKeyPath(path.join(dir, '.azureml-local'), ENDPOINT))).mode & 0o777, 0o600);
  assert.ok(!deployed.stdout.includes(key) && !deployed.stderr.includes(key), 'deploy-model never prints it');

  const denied = await post(uri, sample);
  assert.equal(denied.status, 401);
  assert.match((JSON.parse(denied.text) as { message: string }).message, /Authorization: Bearer/);
  assert.equal((await post(uri, sample, { authorization: `Bearer ${key}` })).status, 200);

  // By endpoint-name: the target looks the key up, as the Azure target does with listKeys.
  // Outside the code folder (the demo's code is its whole folder, so a file there is a code change).
  const summary = path.join(await tempDir(t), 'summary.md');
  const smoke = await cli(
    [
      'smoke-test-service',
      '--target=local',
      `--endpoint-name=${ENDPOINT}`,
      '--request-file=sample-request.json',
      '--expect-json=expected-response.json',
      `--summary-file=${summary}`,
    ],
    { cwd: dir },
  );
  assert.equal(smoke.code, 0, smoke.stderr);
  assert.equal(smoke.outputs['passed'], 'true');
  const transcript = await readFile(smoke.outputs['transcript-file']!, 'utf8');
  for (const [where, text] of Object.entries({
    stdout: smoke.stdout,
    stderr: smoke.stderr,
    summary: await readFile(summary, 'utf8'),
    transcript,
  })) {
    assert.ok(!text.includes(key), `the key is in the ${where}`);
  }

  // auth: none sends no key, so the local endpoint refuses it as Azure would.
  const none = await cli(
    [
      'smoke-test-service',
      '--target=local',
      `--endpoint-name=${ENDPOINT}`,
      '--request-file=sample-request.json',
      '--auth=none',
      '--ready-timeout-seconds=0',
    ],
    { cwd: dir },
  );
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /401/);

  // By scoring-uri without api-key: a smoke test that forgets auth fails here first, with the 401.
  const forgot = await cli(
    [
      'smoke-test-service',
      `--scoring-uri=${uri}`,
      '--request-file=sample-request.json',
      '--ready-timeout-seconds=0',
    ],
    { cwd: dir },
  );
  assert.equal(forgot.code, 1, forgot.stderr);
  assert.equal(forgot.outputs['passed'], 'false');
  assert.match(forgot.stderr, /401/);
  const withKey = await cli(
    ['smoke-test-service', `--scoring-uri=${uri}`, '--request-file=sample-request.json', `--api-key=${key}`],
    { cwd: dir },
  );
  assert.equal(withKey.code, 0, withKey.stderr);
  assert.ok(!withKey.stdout.includes(key) && !withKey.stderr.includes(key));

  // Unchanged: the same host and key. Changed (a new variable): a new host, the same key.
  const pid = await statePid(dir);
  const same = await cli(deployArgs, { cwd: dir });
  assert.equal(same.outputs['changed'], 'false', same.stderr);
  const changed = await cli([...deployArgs, '--environment-variables=MODE=other'], { cwd: dir });
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(changed.outputs['changed'], 'true');
  assert.notEqual(await statePid(dir), pid, 'a new host serves');
  assert.equal(await localEndpointKey(dir, ENDPOINT), key, 'the key is the same after a redeploy');
  const newUri = changed.outputs['scoring-uri']!;
  assert.equal((await post(newUri, sample)).status, 401, 'the new host requires the key too');
  assert.equal((await post(newUri, sample, { authorization: `Bearer ${key}` })).status, 200);

  // Deleting the endpoint takes its key with it.
  const del = await cli(['delete-service', '--target=local', `--endpoint-name=${ENDPOINT}`], { cwd: dir });
  assert.equal(del.code, 0, del.stderr);
  assert.equal(existsSync(endpointKeyPath(path.join(dir, '.azureml-local'), ENDPOINT)), false);
});

test('auth_mode aad_token cannot be checked locally: a warning, no key, the endpoint answers', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  await writeFile(
    path.join(dir, 'endpoint.yml'),
    (await readFile(path.join(dir, 'endpoint.yml'), 'utf8')).replace(
      'auth_mode: key',
      'auth_mode: aad_token',
    ),
  );
  t.after(() => cli(['delete-service', '--target=local', `--endpoint-name=${ENDPOINT}`], { cwd: dir }));
  const r = await cli(deployArgs, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /aad_token is not enforced locally/);
  assert.equal(existsSync(endpointKeyPath(path.join(dir, '.azureml-local'), ENDPOINT)), false);
  const sample = await readFile(path.join(dir, 'sample-request.json'), 'utf8');
  assert.equal((await post(r.outputs['scoring-uri']!, sample)).status, 200);
});
