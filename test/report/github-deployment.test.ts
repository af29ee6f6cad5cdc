import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import nock from 'nock';
import { SecretSet } from '../../src/io/redact.ts';
import { recordingLog } from '../../src/log.ts';
import type { GitHubContext } from '../../src/report/github-context.ts';
import { setLatestDeploymentStatus, startGitHubDeployment } from '../../src/report/github-deployment.ts';
import { type PublishAction, publishReport } from '../../src/report/publish.ts';
import { Report } from '../../src/report/report.ts';
import { useStrictNock } from '../support/nock-strict.ts';
import { tempDir } from '../support/tmp.ts';

const API = 'https://api.github.test';
const TOKEN = 'ghs_deploy_token_5678';
const DEPLOYMENTS = '/repos/contoso/models/deployments';
const RUN_URL = 'https://github.com/contoso/models/actions/runs/99';

useStrictNock();

/** The runner's env for a pull_request run of PR 7 whose head commit is `headsha`. */
async function prEnv(t: TestContext): Promise<NodeJS.ProcessEnv> {
  const dir = await tempDir(t);
  const eventPath = path.join(dir, 'event.json');
  await writeFile(eventPath, JSON.stringify({ pull_request: { number: 7, head: { sha: 'headsha' } } }));
  return {
    GITHUB_REPOSITORY: 'contoso/models',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SHA: 'mergesha',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: API,
    GITHUB_RUN_ID: '99',
  };
}

/** Records every status posted to deployment `id`, in order. */
function expectStatuses(scope: nock.Scope, id: number, count: number, seen: Record<string, unknown>[]): void {
  for (let i = 0; i < count; i++) {
    scope
      .post(`${DEPLOYMENTS}/${id}/statuses`, (body: Record<string, unknown>) => {
        seen.push(body);
        return true;
      })
      .reply(201, { id: 9000 + i });
  }
}

function finishedReport(action: 'deploy-model' | 'delete-service', failed: boolean): Report {
  const report = new Report(() => 0);
  const s = report.section(action, `${action} pr-7-abc123`);
  if (failed) report.fail(s, 'boom');
  else report.finish(s, 'succeeded');
  return report;
}

async function publish(
  env: NodeJS.ProcessEnv,
  action: PublishAction,
  state: 'success' | 'failure',
  report: Report,
  log = recordingLog(),
) {
  return publishReport(report, {
    action,
    endpointName: 'pr-7-abc123',
    scoringUri: 'https://pr-7-abc123.westeurope.inference.ml.azure.com/score',
    state,
    options: { prComment: 'false', githubDeployment: 'preview-pr-7', uploadArtifacts: 'never', token: TOKEN },
    files: [],
    secrets: new SecretSet(),
    log,
    env,
  });
}

test('a successful deploy: Deployment for the PR head, in_progress, then success with the scoring URI', async (t) => {
  const seen: Record<string, unknown>[] = [];
  let created: Record<string, unknown> | undefined;
  const scope = nock(API)
    .matchHeader('authorization', `token ${TOKEN}`)
    .post(DEPLOYMENTS, (body: Record<string, unknown>) => {
      created = body;
      return true;
    })
    .reply(201, { id: 42 });
  expectStatuses(scope, 42, 2, seen);
  const log = recordingLog();
  const result = await publish(
    await prEnv(t),
    'deploy-model',
    'success',
    finishedReport('deploy-model', false),
    log,
  );
  scope.done();
  assert.equal(result.deploymentId, 42);
  assert.deepEqual(created, {
    ref: 'headsha',
    environment: 'preview-pr-7',
    auto_merge: false,
    required_contexts: [],
    transient_environment: true,
    description: 'Azure ML endpoint pr-7-abc123',
  });
  assert.deepEqual(
    seen.map((s) => s['state']),
    ['in_progress', 'success'],
  );
  assert.equal(seen[0]!['log_url'], RUN_URL);
  assert.equal(seen[0]!['environment_url'], undefined);
  assert.equal(seen[1]!['environment_url'], 'https://pr-7-abc123.westeurope.inference.ml.azure.com/score');
  assert.equal(seen[1]!['log_url'], RUN_URL);
  assert.equal(log.records.filter((r) => r.level === 'warn').length, 0);
});

test('a failed deploy ends the Deployment in failure, without an environment URL', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const scope = nock(API).post(DEPLOYMENTS).reply(201, { id: 43 });
  expectStatuses(scope, 43, 2, seen);
  await publish(await prEnv(t), 'deploy-model', 'failure', finishedReport('deploy-model', true));
  scope.done();
  assert.deepEqual(
    seen.map((s) => s['state']),
    ['in_progress', 'failure'],
  );
  assert.equal(seen[1]!['environment_url'], undefined);
});

test('delete-service marks the latest Deployment of the environment inactive', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const scope = nock(API)
    .get(DEPLOYMENTS)
    .query({ environment: 'preview-pr-7', per_page: '1' })
    .reply(200, [{ id: 44 }]);
  expectStatuses(scope, 44, 1, seen);
  const result = await publish(
    await prEnv(t),
    'delete-service',
    'success',
    finishedReport('delete-service', false),
  );
  scope.done();
  assert.equal(result.deploymentId, 44);
  assert.deepEqual(
    seen.map((s) => s['state']),
    ['inactive'],
  );
  assert.equal(seen[0]!['description'], 'endpoint pr-7-abc123 deleted');
});

test('a pipeline that deleted its preview at the end: success, then inactive on the same Deployment', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const scope = nock(API).post(DEPLOYMENTS).reply(201, { id: 45 });
  expectStatuses(scope, 45, 3, seen);
  const report = new Report(() => 0);
  report.finish(report.section('deploy-model', 'deploy'), 'succeeded');
  report.finish(report.section('delete-service', 'delete'), 'succeeded');
  await publish(await prEnv(t), 'pipeline', 'success', report);
  scope.done();
  assert.deepEqual(
    seen.map((s) => s['state']),
    ['in_progress', 'success', 'inactive'],
  );
});

test('no Deployment for an environment yet: delete-service posts nothing', async (t) => {
  const scope = nock(API).get(DEPLOYMENTS).query(true).reply(200, []);
  const result = await publish(
    await prEnv(t),
    'delete-service',
    'success',
    finishedReport('delete-service', false),
  );
  scope.done();
  assert.equal(result.deploymentId, undefined);
});

test('403 and 404 are warnings that name deployments: write; nothing throws', async () => {
  const context: GitHubContext = {
    owner: 'contoso',
    repo: 'models',
    repository: 'contoso/models',
    sha: 'abc',
    serverUrl: 'https://github.com',
    apiUrl: API,
  };
  const scope = nock(API)
    .post(DEPLOYMENTS)
    .reply(403, { message: 'Resource not accessible by integration' })
    .get(DEPLOYMENTS)
    .query(true)
    .reply(404, { message: 'Not Found' });
  const log = recordingLog();
  const started = await startGitHubDeployment({ context, environment: 'prod', log, token: TOKEN });
  const marked = await setLatestDeploymentStatus({
    context,
    environment: 'prod',
    state: 'inactive',
    log,
    token: TOKEN,
  });
  scope.done();
  assert.equal(started, undefined);
  assert.equal(marked, undefined);
  const warnings = log.records.filter((r) => r.level === 'warn').map((r) => r.message);
  assert.equal(warnings.length, 2);
  assert.match(
    warnings[0]!,
    /could not create a GitHub Deployment: GitHub refused \(403.*deployments: write/,
  );
  assert.match(warnings[1]!, /404.*deployments: write/);
  assert.doesNotMatch(log.text(), new RegExp(TOKEN));
});
