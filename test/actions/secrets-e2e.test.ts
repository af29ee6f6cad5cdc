// Secrets end to end through the CLI against the fake Azure (issue 16, item 4): a client secret with
// JSON-escapable characters, planted in a YAML environment_variables value, in an ARM error body and so in
// the error thrown from it, reaches no stdout, stderr, summary file, output or file the run writes.

import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

/** Unique enough that any form of the secret that keeps it (raw, JSON, URL-encoded) is found. */
const MARK = 'Qz7Wv3';
const SECRET = `pa"ss\\${MARK}/+w=é&x`;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

function assertNoSecret(where: string, text: string) {
  for (const form of [SECRET, JSON.stringify(SECRET).slice(1, -1), encodeURIComponent(SECRET), MARK]) {
    assert.ok(!text.includes(form), `${where} holds the secret (${form}):\n${text.slice(0, 2000)}`);
  }
  const b64 = Buffer.from(SECRET).toString('base64');
  assert.ok(!text.includes(b64.slice(4, -4)), `${where} holds the secret base64-encoded`);
}

test('a secret in environment_variables, an ARM error body and the thrown error is redacted everywhere', async (t) => {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
    clientSecret: SECRET,
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  const work = path.join(dir, 'work');
  const runnerTemp = path.join(dir, 'runner-temp');
  await mkdir(runnerTemp);
  await cp(path.join(root, 'examples/demo'), work, { recursive: true });
  // Kept out of the code folder, so the only copy the run may hold is what it writes itself.
  const deploymentFile = path.join(dir, 'deployment.yml');
  const yaml = (await readFile(path.join(work, 'deployment.yml'), 'utf8'))
    .replace('path: ./model', 'path: ./work/model')
    .replace('code: ./', 'code: ./work')
    .replace('conda_file: ./environment/conda.yaml', 'conda_file: ./work/environment/conda.yaml');
  await writeFile(
    deploymentFile,
    `${yaml}environment_variables:\n  DB_PASSWORD: ${JSON.stringify(SECRET)}\n`,
  );
  // The deployment PUT fails with the secret in the error body, raw and as the service would quote it.
  fake.fail({
    method: 'PUT',
    path: /\/deployments\/blue$/,
    status: 400,
    body: {
      error: {
        code: 'BadRequest',
        message: `Environment variable DB_PASSWORD=${SECRET} is not allowed (${JSON.stringify({ value: SECRET })})`,
        details: [{ code: 'Echo', message: `value: ${SECRET}` }],
      },
    },
  });
  const summary = path.join(dir, 'summary.md');
  const r = await cli(
    [
      'deploy-model',
      `--endpoint-file=${path.join(work, 'endpoint.yml')}`,
      `--deployment-file=${deploymentFile}`,
      `--summary-file=${summary}`,
      '--upload-artifacts=always',
      ...azureArgs(fake),
    ],
    { cwd: dir, env: { RUNNER_TEMP: runnerTemp } },
  );
  assert.notEqual(r.code, 0, 'the run fails on the faulted PUT');
  assert.ok(
    fake.requests.some((q) => q.fault),
    'the faulted PUT was sent (the secret did reach the error path)',
  );
  assert.match(r.stderr, /BadRequest|not allowed/, 'the error itself is reported');
  assertNoSecret('stdout', r.stdout);
  assertNoSecret('stderr', r.stderr);
  assertNoSecret('outputs', JSON.stringify(r.outputs));
  assertNoSecret('summary', await readFile(summary, 'utf8').catch(() => ''));
  // Everything the run wrote: logs and state under .azureml-local, staged artifacts under RUNNER_TEMP.
  const written = (await filesUnder(dir)).filter((f) => f !== deploymentFile);
  assert.ok(
    written.some((f) => f.includes('.azureml-local')),
    `the run wrote its files: ${written.join(', ')}`,
  );
  for (const file of written) {
    assertNoSecret(path.relative(dir, file), await readFile(file, 'utf8'));
  }
});
