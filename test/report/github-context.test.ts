import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { isPullRequestEvent, readGitHubContext } from '../../src/report/github-context.ts';
import { tempDir } from '../support/tmp.ts';

test('a pull_request run: PR number and head SHA from the event file, run URL from the env', async (t) => {
  const dir = await tempDir(t);
  const eventPath = path.join(dir, 'event.json');
  await writeFile(
    eventPath,
    JSON.stringify({ number: 7, pull_request: { number: 7, head: { sha: 'headsha1' } } }),
  );
  const context = readGitHubContext({
    GITHUB_REPOSITORY: 'contoso/models',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SHA: 'mergesha',
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '123',
    GITHUB_RUN_ATTEMPT: '2',
  });
  assert.deepEqual(context, {
    owner: 'contoso',
    repo: 'models',
    repository: 'contoso/models',
    eventName: 'pull_request',
    pullRequest: 7,
    sha: 'headsha1',
    ref: 'refs/pull/7/merge',
    runId: '123',
    runUrl: 'https://github.com/contoso/models/actions/runs/123',
    runAttempt: '2',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
  });
  assert.equal(isPullRequestEvent(context!), true);
});

test('a push on GitHub Enterprise Server: GITHUB_SHA, the GHES API base, no pull request', () => {
  const context = readGitHubContext({
    GITHUB_REPOSITORY: 'team/svc',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: 'abc',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://ghes.example.test/',
    GITHUB_API_URL: 'https://ghes.example.test/api/v3/',
  });
  assert.equal(context?.apiUrl, 'https://ghes.example.test/api/v3');
  assert.equal(context?.sha, 'abc');
  assert.equal(context?.pullRequest, undefined);
  assert.equal(context?.runUrl, undefined);
  assert.equal(isPullRequestEvent(context!), false);
  // Without GITHUB_API_URL the GHES API base is derived from the server URL.
  const derived = readGitHubContext({
    GITHUB_REPOSITORY: 'a/b',
    GITHUB_SERVER_URL: 'https://ghes.example.test',
  });
  assert.equal(derived?.apiUrl, 'https://ghes.example.test/api/v3');
});

test('an unreadable event file falls back to the refs/pull/N ref; no repository means not on GitHub', () => {
  const context = readGitHubContext({
    GITHUB_REPOSITORY: 'a/b',
    GITHUB_EVENT_NAME: 'pull_request_target',
    GITHUB_EVENT_PATH: '/nonexistent/event.json',
    GITHUB_REF: 'refs/pull/42/merge',
    GITHUB_SHA: 'sha',
  });
  assert.equal(context?.pullRequest, 42);
  assert.equal(context?.sha, 'sha');
  assert.equal(isPullRequestEvent(context!), true);
  assert.equal(readGitHubContext({}), undefined);
  assert.equal(readGitHubContext({ GITHUB_REPOSITORY: 'not-a-repo' }), undefined);
});
