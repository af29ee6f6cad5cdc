// A transcript recorded against the fake Azure (test/fixtures/replay) replayed: the same pipeline run must go
// green against nothing but the recorded answers. Re-record it with
//   REPLAY_RERECORD=1 node --test test/azure/replay.test.ts
// (docs/live-testing.md: the same steps turn a live transcript into a test).

import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { setAmbientRecorder } from '../../src/azure/recorder.ts';
import { cli } from '../support/cli.ts';
import { startReplay } from '../support/replay.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(root, 'test/fixtures/replay/pipeline-azureml.jsonl');
// The fake's fixed workspace and service principal (test/support/fake-azure defaults).
const workspace = {
  subscription: '00000000-1111-2222-3333-444444444444',
  resourceGroup: 'test-rg',
  workspace: 'my-aml-workspace',
  tenant: '72f988bf-0000-4000-8000-00000000aaaa',
  client: '11111111-2222-4333-8444-555555555555',
};

function pipelineArgs(armUrl: string, clientSecret: string): string[] {
  return [
    'pipeline',
    '--model-name=demo-model',
    '--model-path=model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    '--request-file=sample-request.json',
    '--expect-json=expected-response.json',
    '--delete-after',
    `--arm-endpoint=${armUrl}`,
    `--authority-host=${armUrl}`,
    `--client-id=${workspace.client}`,
    `--tenant-id=${workspace.tenant}`,
    `--client-secret=${clientSecret}`,
    `--subscription-id=${workspace.subscription}`,
    `--resource-group=${workspace.resourceGroup}`,
    `--workspace-name=${workspace.workspace}`,
  ];
}

/** The demo example in a folder with a fixed name (the code asset is named after it). */
async function demoDir(t: TestContext): Promise<string> {
  const dir = path.join(await tempDir(t), 'demo');
  await mkdir(dir);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  return dir;
}

test('a pipeline transcript recorded against the fake replays green', async (t) => {
  const replay = await startReplay(t, fixture);
  const dir = await demoDir(t);
  const run = await cli(pipelineArgs(replay.url, 'replay-needs-no-secret'), { cwd: dir });
  assert.equal(run.code, 0, `${run.stderr}\nunanswered: ${replay.mismatches.join(', ')}`);
  assert.deepEqual(replay.mismatches, []);
  assert.equal(run.outputs['passed'], 'true');
  assert.equal(run.outputs['state'], 'Healthy');
  assert.deepEqual(JSON.parse(run.outputs['deleted']!), [
    'deployment:azureml-deploy-demo/blue',
    'endpoint:azureml-deploy-demo',
  ]);
  assert.ok(
    replay.served.some((r) => r.startsWith('POST ') && r.endsWith('/score')),
    'the smoke test was replayed',
  );
});

test('a replay in strict order refuses a request the transcript does not have next', async (t) => {
  const replay = await startReplay(t, fixture, { mode: 'order' });
  const res = await fetch(`${replay.url}/not/in/the/transcript`);
  assert.equal(res.status, 599);
  assert.deepEqual(replay.mismatches, ['GET /not/in/the/transcript']);
});

test('re-record the fixture', { skip: !process.env['REPLAY_RERECORD'] }, async (t) => {
  const { startAzurite } = await import('../support/azurite.ts');
  const { startScoringService } = await import('../support/azure-args.ts');
  const { startFakeAzure } = await import('../support/fake-azure/index.ts');
  const azurite = await startAzurite();
  t.after(() => azurite.close());
  const scoring = await startScoringService(t);
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
    scoringUri: () => scoring.url,
  });
  t.after(() => fake.close());
  const dir = await demoDir(t);
  const recordDir = path.join(await tempDir(t), 'transcripts');
  const run = await cli(pipelineArgs(fake.url, fake.clientSecret), {
    cwd: dir,
    env: { AZUREML_DEPLOY_RECORD: recordDir },
  });
  setAmbientRecorder(undefined);
  assert.equal(run.code, 0, run.stderr);
  const [file] = await readdir(recordDir);
  await writeFile(fixture, await readFile(path.join(recordDir, file!), 'utf8'));
});
