// In-action OIDC from the CLI in a `run:` step: with ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN set, the CLI asks
// GitHub's token endpoint (here a loopback server standing in for it) for a new ID token per exchange, and
// neither the request token nor an ID token is ever printed.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { createCliIO } from '../../src/cli/cli-io.ts';
import { cli } from '../support/cli.ts';
import { type FakeAzure, startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const REQUEST_TOKEN = 'ghs_request-token-0123456789abcdefABCDEF';

interface TokenCall {
  path: string;
  audience: string | null;
  authorization: string | undefined;
}

/** GitHub's ID token endpoint: `GET <url>&audience=...` with the request token, answering `{value}`. */
async function startGithubTokenEndpoint(
  t: TestContext,
  mint: (audience: string | null) => string,
  status = 200,
): Promise<{ url: string; calls: TokenCall[]; served: string[] }> {
  const calls: TokenCall[] = [];
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    calls.push({
      path: u.pathname,
      audience: u.searchParams.get('audience'),
      authorization: req.headers.authorization,
    });
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== `Bearer ${REQUEST_TOKEN}` || status !== 200) {
      res.statusCode = status === 200 ? 401 : status;
      res.end(JSON.stringify({ message: 'Bad credentials' }));
      return;
    }
    const value = mint(u.searchParams.get('audience'));
    served.push(value);
    res.end(JSON.stringify({ count: 1, value }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  // The runner's URL already carries a query string; the audience is appended with `&`.
  return { url: `http://127.0.0.1:${port}/_apis/distributedtask/token?api-version=2.0`, calls, served };
}

/** The inputs of an OIDC sign-in against the fake: client-id and tenant-id, no client-secret. */
function oidcArgs(fake: FakeAzure): string[] {
  return [
    `--arm-endpoint=${fake.url}`,
    `--authority-host=${fake.authorityHost}`,
    `--client-id=${fake.clientId}`,
    `--tenant-id=${fake.tenantId}`,
    `--subscription-id=${fake.workspace.subscriptionId}`,
    `--resource-group=${fake.workspace.resourceGroup}`,
    `--workspace-name=${fake.workspace.workspaceName}`,
  ];
}

test('the CLI in a job signs in with GitHub OIDC, never printing the request token or an ID token', async (t) => {
  const fake = await startFakeAzure();
  t.after(() => fake.close());
  const github = await startGithubTokenEndpoint(t, (audience) =>
    fake.mintIdToken({ audience: audience ?? 'none' }),
  );
  const dir = await tempDir(t);
  const summary = path.join(dir, 'summary.md');
  const r = await cli(
    ['delete-service', '--endpoint-name=gone-endpoint', '--summary-file', summary, ...oidcArgs(fake)],
    {
      cwd: dir,
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: github.url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
        RUNNER_DEBUG: '1',
      },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /authenticated with GitHub OIDC/);
  assert.ok(github.calls.length >= 1, 'GitHub was asked for an ID token');
  for (const call of github.calls) {
    assert.equal(call.path, '/_apis/distributedtask/token');
    assert.equal(call.audience, 'api://AzureADTokenExchange');
    assert.equal(call.authorization, `Bearer ${REQUEST_TOKEN}`);
  }
  // Entra got exactly the ID tokens GitHub served, each one once: a new token per exchange.
  assert.deepEqual(fake.tokens.assertions, github.served);
  assert.equal(new Set(github.served).size, github.served.length);
  assert.ok(fake.tokens.issued.every((i) => i.via === 'assertion'));
  const printed = r.stdout + r.stderr + (await readFile(summary, 'utf8'));
  assert.ok(!printed.includes(REQUEST_TOKEN), 'request token printed');
  for (const idToken of github.served) {
    assert.ok(!printed.includes(idToken), 'ID token printed');
    // Nor any recognisable part of it (a JWT's payload is the distinctive part).
    assert.ok(!printed.includes(idToken.split('.')[1]!), 'ID token payload printed');
  }
});

test('a refused request token fails the run with the HTTP status, and still prints no secret', async (t) => {
  const fake = await startFakeAzure();
  t.after(() => fake.close());
  const github = await startGithubTokenEndpoint(t, () => 'never', 403);
  const dir = await tempDir(t);
  const r = await cli(['delete-service', '--endpoint-name=gone-endpoint', ...oidcArgs(fake)], {
    cwd: dir,
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: github.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /could not get a GitHub ID token \(GitHub's ID token endpoint answered HTTP 403/);
  assert.equal(github.calls.length, 1, 'a 403 is not retried');
  assert.ok(!(r.stdout + r.stderr).includes(REQUEST_TOKEN));
  assert.equal(fake.tokens.assertions.length, 0);
});

test('getIdToken asks GitHub again on every call and masks each token', async (t) => {
  let n = 0;
  const github = await startGithubTokenEndpoint(
    t,
    (audience) => `eyJhbGciOiJub25lIn0.id-token-${++n}-${audience}.sig`,
  );
  let stderr = '';
  let stdout = '';
  const io = createCliIO({
    read: () => undefined,
    streams: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: github.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN },
  });
  const first = await io.getIdToken('api://AzureADTokenExchange');
  const second = await io.getIdToken('api://AzureADTokenExchange');
  assert.notEqual(first, second);
  assert.deepEqual(github.served, [first, second]);
  io.info(`tokens: ${first} ${second} request token: ${REQUEST_TOKEN}`);
  io.setOutput('leak', first);
  await io.flush();
  assert.equal(stderr, 'tokens: *** *** request token: ***\n');
  assert.equal(stdout, 'leak=***\n');
});

test('outside a job the CLI still says where an ID token exists', async () => {
  const io = createCliIO({
    read: () => undefined,
    streams: { stdout: { write: () => true }, stderr: { write: () => true } },
    env: {},
  });
  await assert.rejects(
    io.getIdToken('api://AzureADTokenExchange'),
    /exists only inside a GitHub Actions job/,
  );
});
