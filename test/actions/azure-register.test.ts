// register-model on target azureml through the CLI: inputs only (arm-endpoint, authority-host, a service
// principal) point it at the fake Azure, whose default datastore is a real Azurite.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

test('register-model uploads once, registers, and reuses identical content on a re-run', async (t) => {
  const fake = await startFakeAzure({ blobEndpoint: azurite.blobEndpoint });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'model'));
  await writeFile(path.join(dir, 'model', 'weights.json'), '[1, 2, 3]');
  const args = [
    'register-model',
    '--model-name=diabetes',
    '--model-path=model',
    '--tags=framework=sklearn',
    ...azureArgs(fake),
  ];
  const first = await cli(args, {
    cwd: dir,
    env: { GITHUB_SHA: 'abc123', GITHUB_REPOSITORY: 'octo/models' },
  });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.outputs['model-id'], 'azureml:diabetes:1');
  assert.equal(first.outputs['reused'], 'false');
  assert.equal(first.outputs['bytes-uploaded'], '9');
  assert.equal(first.outputs['asset-id'], `${fake.workspacePath}/models/diabetes/versions/1`);
  assert.match(
    first.outputs['model-uri']!,
    /^azureml:\/\/subscriptions\/.+\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{64}\/model$/,
  );
  assert.ok(!(first.stdout + first.stderr).includes(fake.clientSecret), 'the client secret never printed');
  const put = fake.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/models/diabetes/versions/1'));
  const props = (
    put!.body as { properties: { properties: Record<string, string>; tags: Record<string, string> } }
  ).properties;
  assert.equal(props.tags['framework'], 'sklearn');
  assert.equal(props.properties['azureml-deploy.commit'], 'abc123');
  assert.equal(props.properties['azureml-deploy.content_hash'], first.outputs['content-hash']);

  const armWrites = () =>
    fake.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/subscriptions/')).length;
  const writesBefore = armWrites();
  const again = await cli(args, { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.outputs['reused'], 'true');
  assert.equal(again.outputs['model-version'], '1');
  assert.equal(again.outputs['bytes-uploaded'], '0');
  // Reuse costs reads only: no PUT/POST (not even listSecrets) on the second run.
  assert.equal(armWrites() - writesBefore, 0);
});

test('a missing model path fails before any Azure call', async (t) => {
  const fake = await startFakeAzure({ blobEndpoint: azurite.blobEndpoint });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  const r = await cli(['register-model', '--model-name=m', '--model-path=nope', ...azureArgs(fake)], {
    cwd: dir,
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /nope: model path does not exist/);
  assert.equal(fake.requests.length, 0, 'no request reached Azure');
});
