// Writes before validation (issue 16, item 12): with an inline local model, a traffic map that cannot add up
// exits 2 before the model is uploaded and registered. Through the CLI against the fake Azure, which records
// every request: none of them may be a write.

import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { type FakeAzure, startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
let azurite: AzuriteBlob;
let fake: FakeAzure;
before(async () => {
  azurite = await startAzurite();
  fake = await startFakeAzure({ blobEndpoint: azurite.blobEndpoint, settings: { provisioningDelayMs: 100 } });
});
after(async () => {
  await fake.close();
  await azurite.close();
});

/** ARM writes (anything but a GET, token requests aside) and blob writes the run sent. */
function writes(fake: FakeAzure, since: number): string[] {
  return fake.requests
    .slice(since)
    .filter((r) => r.method !== 'GET' && r.path.startsWith('/subscriptions/'))
    .map((r) => `${r.method} ${r.path}`);
}

const cases: { name: string; args: string[]; endpointYaml?: string; error: RegExp }[] = [
  { name: 'traffic blue=50', args: ['--traffic=blue=50'], error: /traffic.*add up to 50/s },
  {
    name: 'traffic blue=50,ghost=50',
    args: ['--traffic=blue=50,ghost=50'],
    error: /traffic.*ghost: no such deployment/s,
  },
  { name: 'mirror-traffic blue=60', args: ['--mirror-traffic=blue=60'], error: /mirror-traffic/ },
  {
    name: 'an endpoint YAML whose traffic names a deployment that does not exist',
    args: [],
    endpointYaml: 'traffic:\n  blue: 50\n  ghost: 50\n',
    error: /ghost: no such deployment/,
  },
];

for (const c of cases) {
  test(`inline model, ${c.name}: exit 2 before the model is uploaded (no write at all)`, async (t) => {
    const dir = await tempDir(t);
    await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
    const endpointName = `early-${cases.indexOf(c)}`;
    await writeFile(
      path.join(dir, 'endpoint.yml'),
      `$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: ${endpointName}\nauth_mode: key\n${c.endpointYaml ?? ''}`,
    );
    const deploymentYaml = path.join(dir, 'deployment.yml');
    await writeFile(
      deploymentYaml,
      (await readFile(deploymentYaml, 'utf8')).replace(
        /^endpoint_name: .*$/m,
        `endpoint_name: ${endpointName}`,
      ),
    );
    // Content of its own, so no earlier case's registered version could be reused: a model to upload.
    await writeFile(path.join(dir, 'model', 'case.txt'), c.name);
    const since = fake.requests.length;
    const r = await cli(
      [
        'deploy-model',
        '--endpoint-file=endpoint.yml',
        '--deployment-file=deployment.yml',
        ...c.args,
        ...azureArgs(fake),
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, c.error);
    assert.deepEqual(writes(fake, since), [], 'nothing was written');
  });
}
