// The recorder: what it redacts, line by line, and a whole recorded pipeline run against the fake Azure
// (Azurite behind its datastore, a loopback scoring service) that holds none of the secrets the run saw.

import assert from 'node:assert/strict';
import { cp, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type RecordedExchange, redactExchange, setAmbientRecorder } from '../../src/azure/recorder.ts';
import { SecretSet } from '../../src/io/redact.ts';
import { azureArgs, startScoringService } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { AZURITE_KEY, startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');

const exchange = (over: Partial<Parameters<typeof redactExchange>[0]>) =>
  ({
    source: 'dispatcher',
    startedAt: 0,
    durationMs: 1,
    method: 'GET',
    url: 'https://management.azure.com/x',
    requestHeaders: {},
    requestBody: undefined,
    ...over,
  }) as Parameters<typeof redactExchange>[0];

test('credentials in headers, URLs, forms and secret answers become ***, and are scrubbed from later lines', () => {
  const secrets = new SecretSet();
  const token = redactExchange(
    exchange({
      method: 'POST',
      url: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
      requestHeaders: { 'content-type': 'application/x-www-form-urlencoded' },
      requestBody: {
        text: 'client_id=c1&client_secret=planted-secret-1&scope=s&grant_type=client_credentials',
      },
      status: 200,
      responseHeaders: { 'content-type': 'application/json', 'set-cookie': 'fpc=planted-cookie' },
      responseBody: {
        text: JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: 'planted-at-2' }),
      },
    }),
    1,
    secrets,
  );
  assert.deepEqual(token.requestBody, {
    form: { client_id: 'c1', client_secret: '***', scope: 's', grant_type: 'client_credentials' },
  });
  assert.deepEqual(token.responseBody, {
    json: { token_type: 'Bearer', expires_in: 3599, access_token: '***' },
  });
  assert.equal(token.responseHeaders?.['set-cookie'], '***');

  const keys = redactExchange(
    exchange({
      method: 'POST',
      url: 'https://management.azure.com/sub/onlineEndpoints/e/listKeys?api-version=1',
      requestHeaders: {
        authorization: 'Bearer planted-at-2',
        'x-custom-auth': 'planted-header-3',
        accept: 'application/json',
      },
      status: 200,
      responseHeaders: { 'content-type': 'application/json' },
      responseBody: { text: JSON.stringify({ primaryKey: 'planted-key-4', other: 'planted-key-5' }) },
    }),
    2,
    secrets,
  );
  assert.deepEqual(keys.requestHeaders, {
    authorization: '***',
    'x-custom-auth': '***',
    accept: 'application/json',
  });
  assert.deepEqual(keys.responseBody, { json: { primaryKey: '***', other: '***' } });

  const blob = redactExchange(
    exchange({
      method: 'PUT',
      url: 'https://acct.blob.core.windows.net/c/LocalUpload/a.bin?sv=2021-08-06&se=2030&sig=planted%2Fsig6',
      requestHeaders: {
        'x-ms-blob-type': 'BlockBlob',
        'content-type': 'application/octet-stream',
        'content-length': '42',
      },
      requestBody: { bytes: 42 },
      status: 201,
      responseHeaders: {},
    }),
    3,
    secrets,
  );
  assert.equal(new URL(blob.url).searchParams.get('sig'), '***');
  assert.equal(new URL(blob.url).searchParams.get('se'), '2030');
  assert.deepEqual(blob.requestBody, { bytes: 42 });

  // A container log that echoes what earlier lines redacted.
  const logs = redactExchange(
    exchange({
      method: 'POST',
      url: 'https://management.azure.com/sub/onlineEndpoints/e/deployments/d/getLogs',
      status: 200,
      responseHeaders: { 'content-type': 'application/json' },
      responseBody: {
        text: JSON.stringify({
          content:
            'env: planted-secret-1 planted-at-2 planted-header-3 planted-key-4 planted-key-5 planted/sig6',
        }),
      },
    }),
    4,
    secrets,
  );
  assert.deepEqual(logs.responseBody, { json: { content: 'env: *** *** *** *** *** ***' } });
});

let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => {
  setAmbientRecorder(undefined);
  return azurite.close();
});

test('a recorded pipeline run against the fake Azure holds none of the secrets it saw', async (t) => {
  const scoring = await startScoringService(t);
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
    scoringUri: () => scoring.url,
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  // Outside the code folder (`code: ./`), which would otherwise upload the growing transcript.
  const recordDir = path.join(await tempDir(t), 'transcripts');

  const run = await cli(
    [
      'pipeline',
      '--model-name=demo-model',
      '--model-path=model',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--request-file=sample-request.json',
      '--expect-json=expected-response.json',
      ...azureArgs(fake),
    ],
    { cwd: dir, env: { AZUREML_DEPLOY_RECORD: recordDir } },
  );
  setAmbientRecorder(undefined);
  assert.equal(run.code, 0, run.stderr);

  // The secrets this run saw: the client secret, every access token, the storage key, the endpoint keys.
  const keys = (
    await fake.client().post(`${fake.workspacePath}/onlineEndpoints/azureml-deploy-demo/listKeys`)
  ).body as { primaryKey: string; secondaryKey: string };
  const planted = [
    fake.clientSecret,
    ...fake.tokens.issued.map((i) => i.token),
    AZURITE_KEY,
    keys.primaryKey,
    keys.secondaryKey,
  ];
  assert.ok(
    scoring.calls.some((c) => c.auth === `Bearer ${keys.primaryKey}`),
    'the smoke test used the key',
  );

  const files = await readdir(recordDir);
  assert.equal(files.length, 1);
  const file = path.join(recordDir, files[0]!);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const text = await readFile(file, 'utf8');
  for (const secret of planted) {
    for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
      assert.ok(!text.includes(form), `a planted secret (${secret.slice(0, 6)}…) is in the transcript`);
    }
  }
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RecordedExchange);
  assert.deepEqual(
    lines.map((l) => l.seq),
    lines.map((_, i) => i + 1),
  );
  const fakeOrigin = new URL(fake.url).origin;
  const blobOrigin = new URL(azurite.blobEndpoint).origin;
  const kinds = new Set(
    lines.map((l) =>
      l.url.startsWith(scoring.url)
        ? 'scoring'
        : l.url.startsWith(blobOrigin)
          ? 'blob'
          : l.url.includes('/oauth2/v2.0/token')
            ? 'entra'
            : l.url.startsWith(fakeOrigin)
              ? 'arm'
              : l.url,
    ),
  );
  assert.deepEqual([...kinds].sort(), ['arm', 'blob', 'entra', 'scoring']);
  for (const l of lines) {
    if (l.requestHeaders.authorization !== undefined) assert.equal(l.requestHeaders.authorization, '***');
    const sig = new URL(l.url).searchParams.get('sig');
    if (sig !== null) assert.equal(sig, '***');
    assert.equal(typeof l.durationMs, 'number');
    assert.ok(l.status !== undefined || l.error !== undefined);
  }
  const uploads = lines.filter((l) => l.method === 'PUT' && l.url.startsWith(blobOrigin));
  assert.ok(uploads.length > 0);
  for (const u of uploads) {
    assert.ok(
      u.requestBody === undefined || 'bytes' in (u.requestBody as object),
      `blob payload recorded as its length: ${JSON.stringify(u.requestBody)}`,
    );
  }
  // The smoke test's requests go through the run's dispatcher (the same proxy settings as ARM), so its
  // interceptor records them; the probe's own hook records only requests sent without one.
  assert.ok(
    lines.some((l) => l.url === scoring.url && l.status === 200),
    'the scoring exchange is recorded',
  );
});
