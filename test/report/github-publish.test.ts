import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import nock from 'nock';
import { SecretSet } from '../../src/io/redact.ts';
import { recordingLog } from '../../src/log.ts';
import type { UploadFn } from '../../src/report/artifacts.ts';
import { parseSections } from '../../src/report/pr-comment.ts';
import { publishReport } from '../../src/report/publish.ts';
import { addFacts, fact, Report } from '../../src/report/report.ts';
import { useStrictNock } from '../support/nock-strict.ts';
import { tempDir } from '../support/tmp.ts';

const API = 'https://api.github.test';
const TOKEN = 'ghs_publish_token_9012';
const SECRET = 'endpoint-key-abcdef';
const COMMENTS = '/repos/contoso/models/issues/7/comments';

useStrictNock();

async function prEnv(t: TestContext, eventName = 'pull_request'): Promise<NodeJS.ProcessEnv> {
  const dir = await tempDir(t);
  const eventPath = path.join(dir, 'event.json');
  await writeFile(eventPath, JSON.stringify({ pull_request: { number: 7, head: { sha: 'headsha' } } }));
  return {
    GITHUB_REPOSITORY: 'contoso/models',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SHA: 'mergesha',
    GITHUB_API_URL: API,
    GITHUB_RUN_ID: '99',
    GITHUB_RUN_ATTEMPT: '2',
    ACTIONS_RUNTIME_TOKEN: 'runtime-token',
    RUNNER_TEMP: dir,
  };
}

function failedDeployReport(): Report {
  const report = new Report(() => 0);
  const s = report.section('deploy-model', 'Deploy pr-7-abc123/blue');
  addFacts(s, fact('Endpoint', 'pr-7-abc123'));
  report.fail(s, `init() failed: key ${SECRET} rejected`, `Traceback\nKeyError: ${SECRET}`);
  return report;
}

test('a failed deploy on a PR: redacted comment section, failure Deployment, redacted log artifact', async (t) => {
  const env = await prEnv(t);
  const logFile = path.join(env['RUNNER_TEMP']!, 'container.log');
  await writeFile(logFile, `booting\nAuthorization: Bearer ${SECRET}\n`);
  const secrets = new SecretSet();
  secrets.add(SECRET);
  let commentBody = '';
  const statuses: string[] = [];
  const scope = nock(API)
    .get(COMMENTS)
    .query(true)
    .reply(200, [])
    .post(COMMENTS, (b: { body: string }) => {
      commentBody = b.body;
      return true;
    })
    .reply(201, { id: 1, html_url: 'https://github.com/contoso/models/pull/7#issuecomment-1' })
    .post('/repos/contoso/models/deployments')
    .reply(201, { id: 42 });
  for (let i = 0; i < 2; i++) {
    scope
      .post('/repos/contoso/models/deployments/42/statuses', (b: { state: string }) => {
        statuses.push(b.state);
        return true;
      })
      .reply(201, {});
  }
  const uploaded: Record<string, string> = {};
  let artifactNameSeen = '';
  const upload: UploadFn = async (name, files) => {
    artifactNameSeen = name;
    for (const f of files) uploaded[path.basename(f)] = await readFile(f, 'utf8');
    return { id: 5 };
  };
  const log = recordingLog();

  const result = await publishReport(failedDeployReport(), {
    action: 'deploy-model',
    endpointName: 'pr-7-abc123',
    state: 'failure',
    options: { prComment: 'auto', githubDeployment: 'preview', uploadArtifacts: 'on-failure', token: TOKEN },
    files: [logFile],
    secrets,
    log,
    env,
    upload,
  });
  scope.done();

  assert.equal(result.comment?.outcome, 'created');
  assert.equal(result.deploymentId, 42);
  assert.deepEqual(statuses, ['in_progress', 'failure']);
  assert.equal(result.artifact?.name, 'azureml-deploy-deploy-model-pr-7-abc123-2');
  assert.equal(artifactNameSeen, 'azureml-deploy-deploy-model-pr-7-abc123-2');

  const section = parseSections(commentBody).get('deploy-model');
  assert.ok(section, 'the comment has the deploy-model section');
  assert.match(section, /Deploy pr-7-abc123\/blue: failed/);
  assert.match(section, /KeyError: \*\*\*/);
  assert.ok(!commentBody.includes(SECRET), 'the comment holds no secret');
  assert.equal(uploaded['container.log'], 'booting\nAuthorization: Bearer ***\n');
  assert.ok(!log.text().includes(SECRET) && !log.text().includes(TOKEN));
  assert.equal(log.records.filter((r) => r.level === 'warn').length, 0);
});

test('publishing never throws: GitHub errors and a broken upload become warnings', async (t) => {
  const env = await prEnv(t);
  const logFile = path.join(env['RUNNER_TEMP']!, 'container.log');
  await writeFile(logFile, 'x');
  const scope = nock(API)
    .get(COMMENTS)
    .query(true)
    .reply(500, { message: 'Server Error' })
    .post('/repos/contoso/models/deployments')
    .reply(403, { message: 'Resource not accessible by integration' });
  const log = recordingLog();
  const result = await publishReport(failedDeployReport(), {
    action: 'deploy-model',
    endpointName: 'pr-7-abc123',
    state: 'failure',
    options: { prComment: 'true', githubDeployment: 'preview', uploadArtifacts: 'always', token: TOKEN },
    files: [logFile],
    secrets: new SecretSet(),
    log,
    env,
    upload: async () => {
      throw new Error('artifact service unavailable');
    },
  });
  scope.done();
  assert.equal(result.comment?.outcome, 'failed');
  assert.equal(result.deploymentId, undefined);
  assert.equal(result.artifact, undefined);
  const warnings = log.records.filter((r) => r.level === 'warn').map((r) => r.message);
  assert.equal(warnings.length, 3, warnings.join('\n'));
  // The artifact goes first, so the comment can link it.
  assert.match(warnings[0]!, /artifact service unavailable/);
  assert.match(warnings[1]!, /PR comment.*500/);
  assert.match(warnings[2]!, /GitHub Deployment.*403/);
});

test('auto mode on a push and outside GitHub: no request, no warning; pr-comment true off a PR warns', async (t) => {
  const report = failedDeployReport();
  report.sections[0]!.status = 'succeeded';
  const base = {
    action: 'deploy-model' as const,
    endpointName: 'main-ep',
    state: 'success' as const,
    files: [],
    secrets: new SecretSet(),
    upload: async () => assert.fail('no upload on success with on-failure'),
  };
  const push = { ...(await prEnv(t, 'push')), GITHUB_EVENT_PATH: '', GITHUB_REF: 'refs/heads/main' };
  const quiet = recordingLog();
  await publishReport(report, {
    ...base,
    options: { prComment: 'auto', uploadArtifacts: 'on-failure', token: TOKEN },
    log: quiet,
    env: push,
  });
  await publishReport(report, {
    ...base,
    options: { prComment: 'auto', githubDeployment: 'prod', uploadArtifacts: 'always', token: TOKEN },
    log: quiet,
    env: {},
  });
  assert.deepEqual(
    quiet.records.filter((r) => r.level !== 'debug'),
    [],
  );
  assert.match(quiet.text(), /not a pull_request event \(push\)/);
  assert.match(quiet.text(), /not uploaded outside GitHub Actions/);

  const loud = recordingLog();
  await publishReport(report, {
    ...base,
    options: { prComment: 'true', uploadArtifacts: 'never', token: TOKEN },
    log: loud,
    env: push,
  });
  assert.deepEqual(
    loud.records.filter((r) => r.level === 'warn').map((r) => r.message),
    ['PR comment skipped: this run is not for a pull request'],
  );
});
