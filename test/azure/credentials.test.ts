import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent } from 'undici';
import { ArmClient } from '../../src/azure/arm-client.ts';
import {
  AzureCliUnavailableError,
  azureCliCredential,
  readExpiry,
} from '../../src/azure/credentials/azure-cli.ts';
import { chooseCredential } from '../../src/azure/credentials/choose.ts';
import { clientSecretCredential } from '../../src/azure/credentials/client-secret.ts';
import { armScope, type ExecFn, ML_SCOPE, STORAGE_SCOPE } from '../../src/azure/credentials/credential.ts';
import { federatedTokenFileCredential } from '../../src/azure/credentials/federated-token-file.ts';
import { githubOidcCredential } from '../../src/azure/credentials/github-oidc.ts';
import { AzureAuthError } from '../../src/azure/errors.ts';
import { fakeClock } from '../../src/clock.ts';
import { UsageError } from '../../src/errors.ts';
import { recordingLog } from '../../src/log.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';

async function setup(t: import('node:test').TestContext, settings = {}) {
  const clock = fakeClock();
  const fake = await startFakeAzure({ clock, settings });
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await fake.close();
  });
  return { clock, fake, dispatcher };
}

/** Runs the fake `az` with the environment azure/login would leave (read at call time, so tests can change it). */
function azExec(env: () => Record<string, string>): ExecFn {
  return (command, args) =>
    new Promise((resolve, reject) => {
      execFile(command, [...args], { env: env() }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ exitCode: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      });
    });
}

test('OIDC renews across a 60-minute wait with a fresh GitHub ID token for every exchange', async (t) => {
  // Entra tokens live 15 minutes, GitHub ID tokens 5: reusing an ID token would fail with AADSTS700024.
  const { clock, fake, dispatcher } = await setup(t, { tokenLifetimeSeconds: 900 });
  const idTokens: string[] = [];
  const secrets = new Set<string>();
  const credential = githubOidcCredential({
    clientId: fake.clientId,
    tenantId: fake.tenantId,
    authorityHost: fake.authorityHost,
    getIdToken: async (audience) => {
      assert.equal(audience, 'api://AzureADTokenExchange');
      const token = fake.mintIdToken({ lifetimeSeconds: 300 });
      idTokens.push(token);
      return token;
    },
    dispatcher,
    clock,
    registerSecret: (value) => secrets.add(value),
  });
  const client = new ArmClient({ baseUrl: fake.url, credential, dispatcher, clock });

  for (let minute = 0; minute <= 60; minute += 1) {
    const res = await client.get(fake.workspacePath);
    assert.equal(res.status, 200);
    clock.advance(60_000);
  }

  // Renewed 5 minutes before each 15-minute expiry: at 0, 10, 20, 30, 40, 50, 60 minutes.
  assert.equal(idTokens.length, 7);
  assert.deepEqual(fake.tokens.assertions, idTokens, 'each exchange presented the ID token minted for it');
  assert.equal(new Set(idTokens).size, idTokens.length, 'no ID token was used twice');
  const exchanges = fake.tokens.issued.filter((i) => i.via === 'assertion');
  assert.equal(exchanges.length, 7);
  assert.ok(
    exchanges.every((i) => i.scope === `${fake.url}/.default`),
    'the scope follows arm-endpoint',
  );
  for (const value of [...idTokens, ...exchanges.map((i) => i.token)]) assert.ok(secrets.has(value));
});

test('OIDC caches per scope and one mint serves concurrent callers', async (t) => {
  const { clock, fake, dispatcher } = await setup(t);
  let calls = 0;
  const credential = githubOidcCredential({
    clientId: fake.clientId,
    tenantId: fake.tenantId,
    authorityHost: fake.authorityHost,
    getIdToken: async () => {
      calls++;
      return fake.mintIdToken();
    },
    dispatcher,
    clock,
  });
  const [a, b] = await Promise.all([credential.getToken(fake.armScope), credential.getToken(fake.armScope)]);
  assert.equal(a.token, b.token);
  await credential.getToken(STORAGE_SCOPE);
  await credential.getToken(fake.armScope);
  assert.equal(calls, 2);
  assert.deepEqual(
    fake.tokens.issued.map((i) => i.scope),
    [fake.armScope, STORAGE_SCOPE],
  );
});

test('OIDC explains a federated credential that does not match the job', async (t) => {
  const clock = fakeClock();
  const fake = await startFakeAzure({
    clock,
    federatedSubjects: ['repo:octo-org/octo-repo:environment:prod'],
  });
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await fake.close();
  });
  const credential = githubOidcCredential({
    clientId: fake.clientId,
    tenantId: fake.tenantId,
    authorityHost: fake.authorityHost,
    getIdToken: async () => fake.mintIdToken({ subject: 'repo:octo-org/octo-repo:pull_request' }),
    dispatcher,
    clock,
  });
  const error = await credential.getToken(fake.armScope).catch((e: unknown) => e);
  assert.ok(error instanceof AzureAuthError);
  assert.equal(error.aadsts, 'AADSTS70021');
  assert.match(error.message, /repo:octo-org\/octo-repo:pull_request/);
  assert.match(error.message, /add one with issuer https:\/\/token\.actions\.githubusercontent\.com/);
});

test('client secret signs in, and a wrong secret says what to fix without showing it', async (t) => {
  const { clock, fake, dispatcher } = await setup(t);
  const good = clientSecretCredential({
    clientId: fake.clientId,
    tenantId: fake.tenantId,
    clientSecret: fake.clientSecret,
    authorityHost: fake.authorityHost,
    dispatcher,
    clock,
  });
  const token = await good.getToken(fake.armScope);
  assert.ok(fake.tokens.issued.some((i) => i.token === token.token && i.via === 'secret'));
  assert.equal(token.expiresOnMs, clock.now() + 3600_000);

  const wrongSecret = 'not-the-secret-value-1234';
  const registered: string[] = [];
  const bad = clientSecretCredential({
    clientId: fake.clientId,
    tenantId: fake.tenantId,
    clientSecret: wrongSecret,
    authorityHost: fake.authorityHost,
    dispatcher,
    clock,
    registerSecret: (v) => registered.push(v),
  });
  assert.deepEqual(registered, [wrongSecret], 'the secret is registered for masking before any request');
  const error = await bad.getToken(fake.armScope).catch((e: unknown) => e);
  assert.ok(error instanceof AzureAuthError);
  assert.equal(error.aadsts, 'AADSTS7000215');
  assert.match(error.message, /pass the secret's value, not its id/);
  assert.ok(!error.message.includes(wrongSecret));
});

test('AZURE_FEDERATED_TOKEN_FILE is read afresh for every exchange', async (t) => {
  const { clock, fake, dispatcher } = await setup(t, { tokenLifetimeSeconds: 900 });
  const dir = await mkdtemp(join(tmpdir(), 'az-fed-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'token');
  const first = fake.mintIdToken({ lifetimeSeconds: 600 });
  await writeFile(file, `${first}\n`);
  const credential = federatedTokenFileCredential({
    clientId: fake.clientId,
    tenantId: fake.tenantId,
    tokenFile: file,
    authorityHost: fake.authorityHost,
    dispatcher,
    clock,
  });
  await credential.getToken(fake.armScope);
  clock.advance(11 * 60_000); // past the renewal point; the first file token has expired meanwhile
  const second = fake.mintIdToken({ lifetimeSeconds: 600 });
  await writeFile(file, second); // rotated by its owner
  await credential.getToken(fake.armScope);
  assert.deepEqual(fake.tokens.assertions, [first, second]);
});

test('az session: tokens for every scope are fetched up front, and AADSTS700024 later says what to do', async (t) => {
  const { clock, fake, dispatcher } = await setup(t);
  const dir = await mkdtemp(join(tmpdir(), 'az-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const calls = join(dir, 'calls');
  // azure/login stored a GitHub ID token that is valid for 5 minutes of the fake's time.
  const env = { ...fake.azEnv({ idTokenLifetimeSeconds: 300 }), FAKE_AZ_CALLS_FILE: calls };
  const log = recordingLog();
  const credential = await chooseCredential(
    { armEndpoint: fake.url },
    {},
    { dispatcher, clock, exec: azExec(() => env), log },
  );
  assert.equal(credential.kind, 'azure-cli');
  const scopes = (await readFile(calls, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as string[])[3]);
  assert.deepEqual(scopes, [armScope(fake.url), STORAGE_SCOPE, ML_SCOPE]);

  // Later (the ID token has expired, the Entra tokens have not): no az call at all.
  clock.advance(30 * 60_000);
  const client = new ArmClient({ baseUrl: fake.url, credential, dispatcher, clock });
  assert.equal((await client.get(fake.workspacePath)).status, 200);
  await credential.getToken(ML_SCOPE);
  assert.equal((await readFile(calls, 'utf8')).trim().split('\n').length, 3);

  // In the renewal window az fails; the still-valid token keeps working and the failure is reported.
  clock.advance(27 * 60_000);
  await credential.getToken(ML_SCOPE);
  assert.match(log.text(), /warn: .*AADSTS700024/);

  // After expiry the renewal failure is the error, with the way out.
  clock.advance(5 * 60_000);
  const error = await credential.getToken(ML_SCOPE).catch((e: unknown) => e);
  assert.ok(error instanceof AzureAuthError);
  assert.equal(error.aadsts, 'AADSTS700024');
  assert.match(error.message, /client-id and tenant-id/);
  assert.match(error.message, /id-token: write/);
});

test('az session: forced AADSTS700024 and the legacy expiresOn local time are understood', async (t) => {
  const { clock, fake } = await setup(t);
  const env: Record<string, string> = { ...fake.azEnv(), FAKE_AZ_LEGACY_OUTPUT: '1' };
  const credential = azureCliCredential({ exec: azExec(() => env), clock });
  const token = await credential.getToken(STORAGE_SCOPE);
  const expected = clock.now() + 3600_000;
  assert.ok(Math.abs(token.expiresOnMs - expected) <= 1000, `${token.expiresOnMs} vs ${expected}`);

  env.FAKE_AZ_FAIL = 'AADSTS700024';
  const error = await credential.getToken(ML_SCOPE).catch((e: unknown) => e);
  assert.ok(error instanceof AzureAuthError);
  assert.match(error.message, /AADSTS700024.*client-id and tenant-id/s);
});

test('readExpiry prefers expires_on and reads expiresOn as local time', () => {
  assert.equal(
    readExpiry({ expires_on: 1767229200, expiresOn: '1999-01-01 00:00:00.000000' }),
    1767229200_000,
  );
  assert.equal(
    readExpiry({ expiresOn: '2026-03-04 05:06:07.250000' }),
    new Date(2026, 2, 4, 5, 6, 7, 250).getTime(),
  );
  assert.equal(readExpiry({ expiresOn: 'tomorrow' }), undefined);
});

test('chooseCredential follows the order and names what is missing', async (t) => {
  const { clock, fake, dispatcher } = await setup(t);
  const base = { dispatcher, clock };
  const inputs = { clientId: fake.clientId, tenantId: fake.tenantId, authorityHost: fake.authorityHost };

  const registered: string[] = [];
  const secret = await chooseCredential(
    { ...inputs, clientSecret: fake.clientSecret },
    { AZURE_CLIENT_ID: 'x', AZURE_TENANT_ID: 'y', AZURE_FEDERATED_TOKEN_FILE: '/nope' },
    { ...base, registerSecret: (v) => registered.push(v) },
  );
  assert.equal(secret.kind, 'client-secret');
  assert.ok(registered.includes(fake.clientSecret));

  const oidc = await chooseCredential(
    inputs,
    { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://example.invalid/token' },
    { ...base, getIdToken: async () => fake.mintIdToken() },
  );
  assert.equal(oidc.kind, 'github-oidc');
  await oidc.getToken(fake.armScope);

  await assert.rejects(
    chooseCredential(inputs, {}, { ...base, getIdToken: async () => 'x' }),
    (e: unknown) => e instanceof UsageError && /id-token: write/.test(e.message),
  );
  await assert.rejects(
    chooseCredential({ tenantId: fake.tenantId }, {}, base),
    (e: unknown) => e instanceof UsageError && e.input === 'client-id',
  );
  await assert.rejects(
    chooseCredential({ clientId: fake.clientId, clientSecret: 's3cret-value' }, {}, base),
    (e: unknown) => e instanceof UsageError && e.input === 'tenant-id',
  );

  const file = await chooseCredential(
    {},
    { AZURE_CLIENT_ID: fake.clientId, AZURE_TENANT_ID: fake.tenantId, AZURE_FEDERATED_TOKEN_FILE: '/x' },
    base,
  );
  assert.equal(file.kind, 'federated-token-file');

  const loggedOut = { ...fake.azEnv(), FAKE_AZ_LOGGED_OUT: '1' };
  const error = await chooseCredential(
    {},
    { AZURE_TENANT_ID: 't' },
    { ...base, exec: azExec(() => loggedOut) },
  ).catch((e: unknown) => e);
  assert.ok(error instanceof UsageError);
  assert.match(error.message, /client-id \+ tenant-id/);
  assert.match(error.message, /client-secret/);
  assert.match(error.message, /missing: AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE/);
  assert.match(
    error.message,
    /azure\/login step before this one \(here: no az session \(ERROR: Please run 'az login'/,
  );

  const noAz = await chooseCredential(
    {},
    {},
    { ...base, exec: azExec(() => ({ PATH: '/nonexistent' })) },
  ).catch((e: unknown) => e);
  assert.ok(noAz instanceof UsageError);
  assert.match(noAz.message, /here: az is not on PATH/);
});

test('the az credential tells an absent az from a broken session', async () => {
  const credential = azureCliCredential({
    exec: async () => {
      throw Object.assign(new Error('spawn az ENOENT'), { code: 'ENOENT' });
    },
    clock: fakeClock(),
  });
  await assert.rejects(credential.getToken(STORAGE_SCOPE), AzureCliUnavailableError);
});
