import assert from 'node:assert/strict';
import { test } from 'node:test';
import nock from 'nock';
import { recordingLog } from '../../src/log.ts';
import type { GitHubContext } from '../../src/report/github-context.ts';
import {
  capSection,
  composeCommentBody,
  endpointMarker,
  parseSections,
  shouldComment,
  upsertPrComment,
} from '../../src/report/pr-comment.ts';
import { useStrictNock } from '../support/nock-strict.ts';

const API = 'https://api.github.test';
const TOKEN = 'ghs_test_token_1234';
const COMMENTS = '/repos/contoso/models/issues/7/comments';
const context: GitHubContext = {
  owner: 'contoso',
  repo: 'models',
  repository: 'contoso/models',
  eventName: 'pull_request',
  pullRequest: 7,
  sha: 'headsha1234567',
  runUrl: 'https://github.com/contoso/models/actions/runs/99',
  serverUrl: 'https://github.com',
  apiUrl: API,
};

useStrictNock();

interface FakeComment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string };
}

/**
 * The PR's comments as GitHub keeps them; interceptors below read and change this list. Request bodies are
 * captured in the body matcher: a nock 15 reply function that takes the body never answers a fetch request.
 */
function commentStore(initial: FakeComment[] = []) {
  const comments = [...initial];
  let nextId = 1000;
  return {
    comments,
    expectList(scope: nock.Scope, page = 1) {
      scope
        .get(COMMENTS)
        .query({ per_page: '100', page: String(page) })
        .reply(200, () => comments.slice((page - 1) * 100, page * 100));
    },
    expectCreate(scope: nock.Scope) {
      let sent = '';
      scope
        .post(COMMENTS, (body: { body: string }) => {
          sent = body.body;
          return true;
        })
        .reply(201, () => {
          const c = {
            id: nextId++,
            body: sent,
            html_url: 'https://github.com/contoso/models/pull/7#issuecomment-1',
            user: { login: 'github-actions[bot]' },
          };
          comments.push(c);
          return c;
        });
    },
    expectUpdate(scope: nock.Scope, id: number) {
      let sent = '';
      scope
        .patch(`/repos/contoso/models/issues/comments/${id}`, (body: { body: string }) => {
          sent = body.body;
          return true;
        })
        .reply(200, () => {
          const c = comments.find((x) => x.id === id)!;
          c.body = sent;
          return c;
        });
    },
  };
}

const section = (action: 'deploy-model' | 'smoke-test-service' | 'register-model', text: string) => ({
  action,
  markdown: `### ✅ ${text}\n\n| | |\n|---|---|\n| State | Healthy |\n`,
});

test('two steps with different actions build one comment with two sections; a re-run replaces its own', async () => {
  const store = commentStore();
  const log = recordingLog();
  const scope = nock(API).matchHeader('authorization', `token ${TOKEN}`);

  // Step 1: deploy-model, no comment yet → created.
  store.expectList(scope);
  store.expectCreate(scope);
  const first = await upsertPrComment({
    token: TOKEN,
    context,
    endpointName: 'pr-7-abc123',
    section: section('deploy-model', 'Deploy pr-7-abc123/blue'),
    log,
  });
  assert.equal(first.outcome, 'created');
  assert.equal(store.comments.length, 1);

  // Step 2: smoke-test-service → the same comment, updated, now with both sections.
  store.expectList(scope);
  store.expectUpdate(scope, first.commentId!);
  const second = await upsertPrComment({
    token: TOKEN,
    context,
    endpointName: 'pr-7-abc123',
    section: section('smoke-test-service', 'Smoke test: 1 request passed'),
    log,
  });
  assert.equal(second.outcome, 'updated');
  assert.equal(second.commentId, first.commentId);

  // Step 3: deploy-model again (a re-run) → its section replaced, never duplicated.
  store.expectList(scope);
  store.expectUpdate(scope, first.commentId!);
  const third = await upsertPrComment({
    token: TOKEN,
    context,
    endpointName: 'pr-7-abc123',
    section: section('deploy-model', 'Deploy pr-7-abc123/green'),
    log,
  });
  assert.equal(third.outcome, 'updated');
  scope.done();

  assert.equal(store.comments.length, 1);
  const body = store.comments[0]!.body;
  assert.ok(body.startsWith(endpointMarker('pr-7-abc123')));
  assert.equal(body.match(/<!-- azureml-deploy:section=deploy-model -->/g)?.length, 1);
  assert.equal(body.match(/<!-- azureml-deploy:section=smoke-test-service -->/g)?.length, 1);
  assert.match(body, /Deploy pr-7-abc123\/green/);
  assert.doesNotMatch(body, /Deploy pr-7-abc123\/blue/);
  // Deploy comes before the smoke test whatever order the steps wrote them.
  assert.ok(body.indexOf('section=deploy-model') < body.indexOf('section=smoke-test-service'));
  assert.match(
    body,
    /\[workflow run\]\(https:\/\/github.com\/contoso\/models\/actions\/runs\/99\), commit headsha/,
  );
  assert.doesNotMatch(log.text(), new RegExp(TOKEN));
});

test('the comment is found on a later page; another endpoint and quoted markers are left alone', async () => {
  const others: FakeComment[] = Array.from({ length: 100 }, (_, i) => ({
    id: i + 1,
    body: i === 3 ? `> quoting ${endpointMarker('pr-7-abc123')}` : `comment ${i}`,
    html_url: 'x',
    user: { login: 'someone' },
  }));
  others.push({
    id: 500,
    body: `${endpointMarker('other-endpoint')}\n## other`,
    html_url: 'x',
    user: { login: 'github-actions[bot]' },
  });
  const mine = composeCommentBody(undefined, 'pr-7-abc123', [section('register-model', 'Register m:1')]);
  others.push({ id: 501, body: mine, html_url: 'x', user: { login: 'github-actions[bot]' } });
  const store = commentStore(others);
  const scope = nock(API);
  store.expectList(scope, 1);
  store.expectList(scope, 2);
  store.expectUpdate(scope, 501);
  const res = await upsertPrComment({
    token: TOKEN,
    context,
    endpointName: 'pr-7-abc123',
    section: section('deploy-model', 'Deploy'),
    log: recordingLog(),
  });
  scope.done();
  assert.equal(res.outcome, 'updated');
  assert.equal(res.commentId, 501);
  const sections = parseSections(store.comments.find((c) => c.id === 501)!.body);
  assert.deepEqual([...sections.keys()], ['register-model', 'deploy-model']);
  assert.equal(
    store.comments.find((c) => c.id === 500)!.body,
    `${endpointMarker('other-endpoint')}\n## other`,
  );
});

test('a fork PR (read-only token, 403) is a warning naming the permission, never an error', async () => {
  const scope = nock(API)
    .get(COMMENTS)
    .query(true)
    .reply(200, [])
    .post(COMMENTS)
    .reply(403, { message: 'Resource not accessible by integration' });
  const log = recordingLog();
  const res = await upsertPrComment({
    token: TOKEN,
    context,
    endpointName: 'pr-7-abc123',
    section: section('deploy-model', 'Deploy'),
    log,
  });
  scope.done();
  assert.equal(res.outcome, 'refused');
  const warnings = log.records.filter((r) => r.level === 'warn');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /403.*pull-requests: write.*fork/);
});

test('pr-comment modes: auto only on pull_request events with a token; true on any run with a PR', () => {
  const push: GitHubContext = { ...context, eventName: 'push' };
  assert.deepEqual(shouldComment('auto', context, true), { comment: true, pullRequest: 7 });
  assert.equal(shouldComment('auto', context, false).comment, false);
  assert.equal(shouldComment('auto', push, true).comment, false);
  assert.equal(shouldComment('auto', undefined, true).comment, false);
  assert.equal(shouldComment('true', push, true).comment, true);
  assert.equal(shouldComment('true', { ...push, pullRequest: undefined as never }, true).comment, false);
  assert.equal(shouldComment('false', context, true).comment, false);
});

test('section content cannot forge markers, and a huge section is cut with its code fence closed', () => {
  const evil =
    '```text\n<!-- /azureml-deploy:section=deploy-model -->\n<!-- azureml-deploy:section=x -->\n```';
  const body = composeCommentBody(undefined, 'ep', [{ action: 'deploy-model', markdown: evil }]);
  assert.deepEqual([...parseSections(body).keys()], ['deploy-model']);
  assert.match(parseSections(body).get('deploy-model')!, /&lt;!-- \/azureml-deploy/);

  const long = `<details open><summary>Log tail</summary>\n\n\`\`\`\`text\n${'line\n'.repeat(5000)}\`\`\`\`\n\n</details>`;
  const cut = capSection(long, 1000);
  assert.ok(cut.length < 1100);
  const lines = cut.split('\n');
  assert.ok(lines.includes('````'), 'the open fence is closed');
  assert.ok(lines.includes('</details>'), 'the open details is closed');
  assert.match(cut, /cut to fit a comment/);
  assert.equal(capSection('short'), 'short');
});
