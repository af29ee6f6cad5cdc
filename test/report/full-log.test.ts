// "Full log:" in the job summary and the PR comment: a link to the uploaded artifact, or a plain "not
// uploaded" with the reason; only a local run (nothing published) names the path on this machine.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import nock from 'nock';
import { SecretSet } from '../../src/io/redact.ts';
import { recordingLog } from '../../src/log.ts';
import { parseSections } from '../../src/report/pr-comment.ts';
import { artifactUrl, publishReport } from '../../src/report/publish.ts';
import { addFacts, fact, Report } from '../../src/report/report.ts';
import { renderSummary } from '../../src/report/summary.ts';
import { useStrictNock } from '../support/nock-strict.ts';
import { tempDir } from '../support/tmp.ts';

const API = 'https://api.github.test';
const COMMENTS = '/repos/contoso/models/issues/7/comments';

useStrictNock();

async function setup(t: TestContext): Promise<{ env: NodeJS.ProcessEnv; logFile: string; report: Report }> {
  const dir = await tempDir(t);
  const eventPath = path.join(dir, 'event.json');
  await writeFile(eventPath, JSON.stringify({ pull_request: { number: 7, head: { sha: 'headsha' } } }));
  const logFile = path.join(dir, 'azureml-local', 'logs', 'ep1', 'blue.log');
  await writeFile(path.join(dir, 'container.log'), 'x');
  const report = new Report(() => 0);
  const s = report.section('deploy-model', 'Deploy ep1/blue');
  addFacts(s, fact('Endpoint', 'ep1'), fact('State', 'Failed'));
  report.fail(s, 'init() failed: ValueError: bad', 'Traceback\nValueError: bad', logFile);
  return {
    env: {
      GITHUB_REPOSITORY: 'contoso/models',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_API_URL: API,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '99',
      GITHUB_RUN_ATTEMPT: '1',
      ACTIONS_RUNTIME_TOKEN: 'runtime-token',
      RUNNER_TEMP: dir,
    },
    logFile: path.join(dir, 'container.log'),
    report,
  };
}

test('uploaded: the summary and the PR comment link the artifact instead of a runner path', async (t) => {
  const { env, logFile, report } = await setup(t);
  let commentBody = '';
  const scope = nock(API)
    .get(COMMENTS)
    .query(true)
    .reply(200, [])
    .post(COMMENTS, (b: { body: string }) => {
      commentBody = b.body;
      return true;
    })
    .reply(201, { id: 1, html_url: 'https://github.com/contoso/models/pull/7#issuecomment-1' });
  await publishReport(report, {
    action: 'deploy-model',
    endpointName: 'ep1',
    state: 'failure',
    options: { prComment: 'auto', uploadArtifacts: 'on-failure', token: 'ghs_token_1234' },
    files: [logFile],
    secrets: new SecretSet(),
    log: recordingLog(),
    env,
    upload: async () => ({ id: 5 }),
  });
  scope.done();
  const url = 'https://github.com/contoso/models/actions/runs/99/artifacts/5';
  assert.deepEqual(report.artifact, { uploaded: true, name: 'azureml-deploy-deploy-model-ep1-1', url });
  const line = `Full log: \`blue.log\` in [artifact \`azureml-deploy-deploy-model-ep1-1\`](${url})`;
  const md = renderSummary(report);
  assert.ok(md.includes(line), md);
  assert.ok(!md.includes('azureml-local/logs'), 'no path on the runner');
  assert.ok(parseSections(commentBody).get('deploy-model')?.includes(line), commentBody);
});

test('not uploaded: the summary says so and why', async (t) => {
  const { env, logFile, report } = await setup(t);
  await publishReport(report, {
    action: 'deploy-model',
    endpointName: 'ep1',
    state: 'failure',
    options: { prComment: 'false', uploadArtifacts: 'never' },
    files: [logFile],
    secrets: new SecretSet(),
    log: recordingLog(),
    env,
  });
  assert.deepEqual(report.artifact, { uploaded: false, reason: 'upload-artifacts: never' });
  assert.match(
    renderSummary(report),
    /Full log: `blue\.log` was not uploaded as an artifact \(upload-artifacts: never\); on the runner it was `.*blue\.log`/,
  );

  // A run: step (no ACTIONS_RUNTIME_TOKEN) cannot upload: said plainly too.
  const fromRun = await setup(t);
  const { ACTIONS_RUNTIME_TOKEN: _, ...runEnv } = fromRun.env;
  await publishReport(fromRun.report, {
    action: 'deploy-model',
    endpointName: 'ep1',
    state: 'failure',
    options: { prComment: 'false', uploadArtifacts: 'on-failure' },
    files: [fromRun.logFile],
    secrets: new SecretSet(),
    log: recordingLog(),
    env: runEnv,
  });
  assert.match(
    renderSummary(fromRun.report),
    /was not uploaded as an artifact \(artifacts are uploaded only by an action step/,
  );
});

test('a local run publishes nothing: the path on this machine is what the reader can open', async (t) => {
  const { logFile, report } = await setup(t);
  await publishReport(report, {
    action: 'deploy-model',
    endpointName: 'ep1',
    state: 'failure',
    options: { prComment: 'auto', uploadArtifacts: 'on-failure' },
    files: [logFile],
    secrets: new SecretSet(),
    log: recordingLog(),
    env: {},
  });
  assert.equal(report.artifact, undefined);
  assert.match(renderSummary(report), /Full log: `.*azureml-local\/logs\/ep1\/blue\.log`\n/);
});

test('the artifact URL is the one upload-artifact reports, else the run page', () => {
  const ctx = { serverUrl: 'https://github.com', repository: 'o/r', runId: '7' } as Parameters<
    typeof artifactUrl
  >[0];
  assert.equal(artifactUrl(ctx, 12), 'https://github.com/o/r/actions/runs/7/artifacts/12');
  assert.equal(artifactUrl(ctx, undefined), 'https://github.com/o/r/actions/runs/7#artifacts');
  assert.equal(artifactUrl(undefined, 12), undefined);
});
