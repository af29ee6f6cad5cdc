// The actions publish their report to GitHub: on a pull request, two steps (deploy, then smoke test) build
// one PR comment with a section each, created once and then updated. GitHub's API is nock; the service is real.

import assert from 'node:assert/strict';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import nock from 'nock';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const API = 'https://api.github.com';
const COMMENTS = '/repos/contoso/models/issues/7/comments';
const TOKEN = 'ghs_prcommenttoken0123456789';

test('deploy-model then smoke-test-service on a PR: one comment, two sections, the token never printed', async (t) => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  t.after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  const event = path.join(dir, 'event.json');
  await writeFile(event, JSON.stringify({ number: 7, pull_request: { number: 7, head: { sha: 'abc' } } }));
  const env = {
    GITHUB_REPOSITORY: 'contoso/models',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_API_URL: API,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42',
  };
  t.after(() => cli(['delete-service', '--target=local', '--endpoint-name=pr-7'], { cwd: dir }));

  const comments: { id: number; body: string }[] = [];
  const scope = nock(API)
    .get(COMMENTS)
    .query(true)
    .reply(200, () => comments)
    .post(COMMENTS, (body: { body: string }) => {
      comments.push({ id: 1, body: body.body });
      return true;
    })
    .reply(201, () => comments[0])
    .get(COMMENTS)
    .query(true)
    .reply(200, () => comments)
    .patch('/repos/contoso/models/issues/comments/1', (body: { body: string }) => {
      comments[0]!.body = body.body;
      return true;
    })
    .reply(200, () => comments[0]);

  const deploy = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-name=pr-{pr}',
      '--deployment-file=deployment.yml',
      `--github-token=${TOKEN}`,
    ],
    { cwd: dir, env },
  );
  assert.equal(deploy.code, 0, deploy.stderr);
  assert.equal(comments.length, 1);
  assert.match(comments[0]!.body, /<!-- azureml-deploy:endpoint=pr-7 -->/);
  assert.match(comments[0]!.body, /Deploy pr-7\/blue: succeeded/);

  const smoke = await cli(
    [
      'smoke-test-service',
      '--target=local',
      '--endpoint-name=pr-7',
      '--request-file=sample-request.json',
      `--github-token=${TOKEN}`,
    ],
    { cwd: dir, env },
  );
  assert.equal(smoke.code, 0, smoke.stderr);
  assert.ok(scope.isDone(), `GitHub calls not made: ${scope.pendingMocks().join(', ')}`);
  assert.equal(comments.length, 1, 'updated in place, never a second comment');
  assert.match(comments[0]!.body, /Deploy pr-7\/blue: succeeded/);
  assert.match(comments[0]!.body, /Smoke test pr-7\/blue \(local\): succeeded/);
  for (const out of [deploy, smoke]) assert.ok(!(out.stdout + out.stderr).includes(TOKEN));
});
