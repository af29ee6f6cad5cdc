// Identity-based datastores: the upload is authorized with the caller's own Entra token for storage. Azurite
// checks bearer tokens (issuer, audience, lifetime; not the signature) only over https with `--oauth basic`,
// so this file runs its own Azurite with a throwaway self-signed certificate made by openssl.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { type Credential, STORAGE_SCOPE } from '../../src/azure/credentials/credential.ts';
import type { AzureWorkspace } from '../../src/azure/workspace.ts';
import { fakeClock } from '../../src/clock.ts';
import { recordingLog } from '../../src/log.ts';
import { AzureModelRegistry } from '../../src/registry/azureml-registry.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, type FakeAzure, startFakeAzure } from '../support/fake-azure/index.ts';
import { containerSas } from '../support/fake-azure/sas.ts';
import { tempDir } from '../support/tmp.ts';
import { modelSpec } from './helpers.ts';

const AZURITE_MAIN = fileURLToPath(
  new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url),
);

let azurite: { endpoint: string; ca: string; agent: Agent; close(): Promise<void> } | undefined;
let skipReason: string | undefined;

before(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'azurite-oauth-'));
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
  } catch (error) {
    skipReason = `openssl is needed to make Azurite's https certificate: ${(error as Error).message}`;
    await rm(dir, { recursive: true, force: true });
    return;
  }
  const ca = await readFile(path.join(dir, 'cert.pem'), 'utf8');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      AZURITE_MAIN,
      '--silent',
      '--location',
      path.join(dir, 'data'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--skipApiVersionCheck',
      '--oauth',
      'basic',
      '--cert',
      path.join(dir, 'cert.pem'),
      '--key',
      path.join(dir, 'key.pem'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const agent = new Agent({ connect: { ca } });
  const endpoint = `https://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  azurite = { endpoint, ca, agent, close: () => stop(child, agent, dir) };
  await waitUntilAnswering(endpoint, agent, child);
});
after(() => azurite?.close());

/** An Entra-shaped access token (Azurite's basic check reads, but does not verify, the JWT). */
function storageJwt(tenant: string, audience = 'https://storage.azure.com'): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = {
    aud: audience,
    iss: `https://sts.windows.net/${tenant}/`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    oid: 'test-identity',
  };
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.${Buffer.from('unsigned').toString('base64url')}`;
}

async function setup(t: import('node:test').TestContext, audience?: string) {
  if (!azurite) throw new Error('no azurite');
  const clock = fakeClock();
  const fake = await startFakeAzure({
    clock,
    blobEndpoint: azurite.endpoint,
    settings: { datastoreCredentials: 'None' },
  });
  t.after(() => fake.close());
  const scopes: string[] = [];
  const armCredential = fake.credential();
  const credential: Credential = {
    kind: 'client-secret',
    description: 'the test identity',
    getToken: async (scope, signal) => {
      scopes.push(scope);
      if (scope !== STORAGE_SCOPE) return armCredential.getToken(scope, signal);
      return { token: storageJwt(fake.tenantId, audience), expiresOnMs: Date.now() + 3600_000 };
    },
    prefetch: async () => {},
  };
  const armAgent = new Agent();
  t.after(() => armAgent.close());
  const workspace: AzureWorkspace = {
    client: fake.client({ credential, dispatcher: armAgent }),
    credential,
    dispatcher: azurite.agent,
    ref: {
      subscriptionId: fake.workspace.subscriptionId,
      resourceGroup: fake.workspace.resourceGroup,
      workspaceName: fake.workspace.workspaceName,
    },
    path: fake.workspacePath,
  };
  const log = recordingLog();
  const registry = new AzureModelRegistry(workspace, { log, clock, random: () => 0.5, blockSize: 64 * 1024 });
  return { fake, scopes, registry, log };
}

async function readBlob(fake: FakeAzure, blob: string): Promise<{ status: number; body: string }> {
  if (!azurite) throw new Error('no azurite');
  const sas = containerSas({
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
    container: fake.containerName,
    permissions: 'r',
    expiresOnMs: Date.now() + 3600_000,
  });
  const res = await request(`${azurite.endpoint}/${fake.containerName}/${blob}?${sas}`, {
    dispatcher: azurite.agent,
    headers: { 'x-ms-version': '2021-08-06' },
  });
  return { status: res.statusCode, body: await res.body.text() };
}

test('an identity-based datastore is written with the identity’s own storage token (no listSecrets)', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const s = await setup(t);
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  // Larger than the 64 KiB block size: blocks, block list and metadata all go through the bearer path.
  const bytes = Buffer.alloc(200 * 1024, 'identity ');
  await writeFile(file, bytes);

  const m = await s.registry.register(modelSpec(file), { dedupe: true });

  assert.equal(m.version, '1');
  assert.ok(s.scopes.includes(STORAGE_SCOPE));
  assert.equal(s.fake.requests.filter((r) => /listSecrets$/.test(r.path)).length, 0);
  const stored = await readBlob(s.fake, `LocalUpload/${m.contentHash.slice(7)}/model.bin`);
  assert.equal(stored.status, 200);
  assert.equal(stored.body, bytes.toString());
  assert.match(s.log.text(), /identity-based: uploading with the test identity/);
});

test('a token for another audience is refused by storage and the message says what to check', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const s = await setup(t, 'https://management.azure.com');
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  await writeFile(file, 'weights');
  await assert.rejects(
    s.registry.register(modelSpec(file), { dedupe: true }),
    /Get Blob Properties failed in storage account 'devstoreaccount1': AuthenticationFailed.*an Entra token of the test identity.*token for another audience/,
  );
  assert.equal(s.fake.requests.filter((r) => r.method === 'PUT').length, 0);
});

test('listSecrets answering 400 (no secret for this datastore) falls back to the identity’s token', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const s = await setup(t);
  s.fake.settings.datastoreCredentials = 'AccountKey';
  s.fake.fail({
    method: 'POST',
    path: /listSecrets$/,
    status: 400,
    body: { error: { code: 'UserError', message: 'No secrets for credentials of type None.' } },
  });
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  await writeFile(file, 'weights via fallback');
  const m = await s.registry.register(modelSpec(file), { dedupe: true });
  const stored = await readBlob(s.fake, `LocalUpload/${m.contentHash.slice(7)}/model.bin`);
  assert.equal(stored.body, 'weights via fallback');
  assert.match(s.log.text(), /listSecrets on datastore 'workspaceblobstore' answered HTTP 400 \(UserError\)/);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(endpoint: string, agent: Agent, child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Azurite (oauth) exited: ${stderr}`);
    try {
      const res = await request(`${endpoint}?comp=list`, { dispatcher: agent });
      await res.body.dump();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`Azurite (oauth) did not answer: ${(error as Error).message} ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function stop(child: ChildProcess, agent: Agent, dir: string): Promise<void> {
  await agent.close();
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 500);
    await exited;
    clearTimeout(timer);
  }
  await rm(dir, { recursive: true, force: true });
}
