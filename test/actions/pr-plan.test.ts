// A production plan on pull requests (issue 14, item 9): dry-run on the official az ml sample (inline model,
// code and conda environment) hashes them locally and compares with the workspace with reads only, names each
// changed field with its old and new value, and posts the plan in the PR comment. Fake Azure; GitHub is nock.

import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nock from 'nock';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { type FakeAzure, startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const API = 'https://api.github.com';
const COMMENTS = '/repos/contoso/models/issues/9/comments';
const TOKEN = 'ghs_planprtoken0123456789abc';

let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

const writes = (fake: FakeAzure) =>
  fake.requests.filter(
    (r) => r.method !== 'GET' && r.path.startsWith('/subscriptions/') && !r.path.includes('/listKeys'),
  ).length;

test('dry-run of the official sample with an inline model writes nothing and its PR comment shows instance_count: 1 → 2', async (t) => {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 50 },
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/sklearn'), dir, { recursive: true });
  const args = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=blue-deployment.yml',
    ...azureArgs(fake),
  ];

  // A dry run against an empty workspace: the model would be registered, nothing is written or uploaded.
  const fresh = await cli([...args, '--dry-run'], { cwd: dir });
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal(writes(fake), 0, 'a dry run writes nothing');
  assert.ok(!fake.requests.some((r) => !r.path.startsWith('/subscriptions/') && r.method === 'PUT'));
  assert.match(
    fresh.stderr,
    /register model azureml:sklearn-example-blue-model:1 from .*model.* not uploaded in a dry run/,
  );

  // Deployed once for real, then the PR edits instance_count.
  const first = await cli(args, { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const file = path.join(dir, 'blue-deployment.yml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('instance_count: 1', 'instance_count: 2'));

  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  t.after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  const event = path.join(dir, 'event.json');
  await writeFile(event, JSON.stringify({ number: 9, pull_request: { number: 9, head: { sha: 'abc' } } }));
  const env = {
    GITHUB_REPOSITORY: 'contoso/models',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_API_URL: API,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42',
  };
  let comment = '';
  const scope = nock(API)
    .get(COMMENTS)
    .query(true)
    .reply(200, [])
    .post(COMMENTS, (body: { body: string }) => {
      comment = body.body;
      return true;
    })
    .reply(201, { id: 1 });

  const before = writes(fake);
  const plan = await cli([...args, '--dry-run', '--pr-comment=true', `--github-token=${TOKEN}`], {
    cwd: dir,
    env,
  });
  assert.equal(plan.code, 0, plan.stderr);
  assert.equal(writes(fake) - before, 0, 'the dry run made no write');
  assert.ok(scope.isDone(), `GitHub calls not made: ${scope.pendingMocks().join(', ')}`);
  assert.match(comment, /Deploy sklearn-example\/blue: planned/);
  assert.match(comment, /reuse model azureml:sklearn-example-blue-model:1 \(identical content\)/);
  assert.match(comment, /update deployment blue \(instance_count: 1 → 2\)/);
  assert.ok(!(plan.stdout + plan.stderr + comment).includes(TOKEN));
});
