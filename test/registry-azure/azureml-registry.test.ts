import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HASH_PROPERTY } from '../../src/content/content-hash.ts';
import { ConfigError, UsageError } from '../../src/errors.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { tempDir } from '../support/tmp.ts';
import { KiB, modelSpec, patternBytes, setupRegistry, sha256 } from './helpers.ts';

let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

const hex = (hash: string) => hash.replace(/^sha256:/, '');

test('a single file is uploaded to LocalUpload/<hash>/<name> with the account key and registered as version 1', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.pkl');
  await writeFile(file, 'fake\n');

  const m = await s.registry.register(
    modelSpec(file, { description: 'sklearn regression', tags: { framework: 'sklearn' } }),
    { dedupe: true },
  );

  assert.equal(m.version, '1');
  assert.equal(m.id, 'azureml:diabetes:1');
  assert.equal(m.reused, false);
  assert.equal(m.bytesUploaded, 5);
  assert.match(m.contentHash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(m.assetId, `${s.fake.workspacePath}/models/diabetes/versions/1`);
  const blob = `LocalUpload/${hex(m.contentHash)}/model.pkl`;
  const ws = s.fake.workspace;
  assert.equal(
    m.uri,
    `azureml://subscriptions/${ws.subscriptionId}/resourcegroups/${ws.resourceGroup}/workspaces/${ws.workspaceName}/datastores/workspaceblobstore/paths/${blob}`,
  );

  const stored = await s.reader.read(blob);
  assert.equal(stored?.bytes.toString(), 'fake\n');
  assert.deepEqual(stored?.metadata, {
    content_hash: m.contentHash,
    upload_status: 'completed',
    name: 'diabetes',
    version: '1',
  });
  const blobRequests = s.proxy.requests.filter((r) => r.op !== 'Create Container');
  assert.ok(blobRequests.length > 0);
  for (const r of blobRequests) assert.match(r.authorization ?? '', /^SharedKey devstoreaccount1:/);

  const put = s.fake.requests.find(
    (r) => r.method === 'PUT' && r.path.endsWith('/models/diabetes/versions/1'),
  );
  assert.deepEqual(put?.body, {
    properties: {
      modelUri: m.uri,
      modelType: 'custom_model',
      description: 'sklearn regression',
      tags: { framework: 'sklearn' },
      properties: { [HASH_PROPERTY]: m.contentHash },
      isAnonymous: false,
      isArchived: false,
    },
  });
  const resolved = await s.registry.resolve('diabetes');
  assert.equal(resolved?.version, '1');
  assert.equal(resolved?.contentHash, m.contentHash);
  assert.doesNotMatch(s.log.text(), new RegExp(s.fake.tokens.issued[0]?.token ?? 'no-token'));
  assert.ok(!s.log.text().includes('Eby8vdM02xNOcqFl'), 'the account key is never logged');
});

test('a missing model path fails before any request', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  await assert.rejects(
    s.registry.register(modelSpec(path.join(dir, 'nope')), { dedupe: true }),
    (e: unknown) => e instanceof ConfigError && /does not exist/.test(e.message),
  );
  assert.equal(s.fake.requests.length, 0);
  assert.equal(s.blobEvents.length, 0);
});

test('a nested folder keeps its layout and leaves ignored files out of storage', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  const model = path.join(dir, 'model');
  await mkdir(path.join(model, 'sub', 'deeper'), { recursive: true });
  await mkdir(path.join(model, 'cache'), { recursive: true });
  await writeFile(path.join(model, '.amlignore'), '*.log\ncache/\n');
  await writeFile(path.join(model, 'weights.bin'), patternBytes(100 * KiB, 7));
  await writeFile(path.join(model, 'sub', 'config.json'), '{"a":1}');
  await writeFile(path.join(model, 'sub', 'deeper', 'vocab name.txt'), 'a b c');
  await writeFile(path.join(model, 'train.log'), 'noise');
  await writeFile(path.join(model, 'cache', 'tmp.txt'), 'cached');

  const m = await s.registry.register(modelSpec(model), { dedupe: true });

  const prefix = `LocalUpload/${hex(m.contentHash)}/model`;
  assert.ok(m.uri.endsWith(`/paths/${prefix}`));
  assert.deepEqual(await s.reader.list(prefix), [
    `${prefix}/.amlignore`,
    `${prefix}/sub/config.json`,
    `${prefix}/sub/deeper/vocab name.txt`,
    `${prefix}/weights.bin`,
  ]);
  assert.equal((await s.reader.read(`${prefix}/sub/deeper/vocab name.txt`))?.bytes.toString(), 'a b c');
  assert.equal(
    sha256((await s.reader.read(`${prefix}/weights.bin`))?.bytes ?? Buffer.alloc(0)),
    sha256(patternBytes(100 * KiB, 7)),
  );
  assert.equal(await s.reader.read(`${prefix}/train.log`), undefined);
  assert.equal(await s.reader.read(`${prefix}/cache/tmp.txt`), undefined);
  assert.equal(m.bytesUploaded, 100 * KiB + 7 + 5 + '*.log\ncache/\n'.length);
  // The indicator (first file by path) carries the completion marker.
  assert.equal((await s.reader.read(`${prefix}/.amlignore`))?.metadata.upload_status, 'completed');
});

test('a 0-byte file is stored as an empty blob', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  const file = path.join(dir, 'empty.bin');
  await writeFile(file, '');
  const m = await s.registry.register(modelSpec(file), { dedupe: true });
  const stored = await s.reader.read(`LocalUpload/${hex(m.contentHash)}/empty.bin`);
  assert.equal(stored?.bytes.length, 0);
  assert.equal(stored?.metadata.upload_status, 'completed');
  assert.equal(m.bytesUploaded, 0);
  assert.equal(m.version, '1');
});

test('a file larger than block size x concurrency goes up in parallel blocks, never more than the concurrency at once', async (t) => {
  const s = await setupRegistry(t, azurite, { registry: { blockSize: 64 * KiB, concurrency: 4 } });
  const dir = await tempDir(t);
  const file = path.join(dir, 'big.bin');
  const bytes = patternBytes(1024 * KiB + 7, 3);
  await writeFile(file, bytes);

  const m = await s.registry.register(modelSpec(file), { dedupe: true });

  assert.equal(s.proxy.count('Put Block'), 17);
  assert.equal(s.proxy.count('Put Block List'), 1);
  assert.equal(s.proxy.count('Put Blob'), 0);
  assert.ok(s.proxy.maxPutBlocksInFlight <= 4, `in flight: ${s.proxy.maxPutBlocksInFlight}`);
  assert.ok(s.proxy.maxPutBlocksInFlight >= 2, 'blocks are sent in parallel');
  const stored = await s.reader.read(`LocalUpload/${hex(m.contentHash)}/big.bin`);
  assert.equal(sha256(stored?.bytes ?? Buffer.alloc(0)), sha256(bytes));
  assert.equal(stored?.metadata.content_hash, m.contentHash);
  assert.equal(m.bytesUploaded, bytes.length);
});

test('blocks larger than the streaming buffer go up chunk by chunk through reused buffers, and a retry re-reads the file', async (t) => {
  const s = await setupRegistry(t, azurite, {
    registry: { blockSize: 1024 * KiB, chunkSize: 256 * KiB, concurrency: 3 },
  });
  const dir = await tempDir(t);
  const file = path.join(dir, 'big.bin');
  const bytes = patternBytes(3 * 1024 * KiB + 5, 17);
  await writeFile(file, bytes);
  let resets = 2;
  s.proxy.rule = (r) => (r.op === 'Put Block' && resets-- > 0 ? 'reset' : undefined);

  const m = await s.registry.register(modelSpec(file), { dedupe: true });

  assert.equal(s.proxy.count('Put Block'), 4);
  assert.equal(s.proxy.requests.filter((r) => r.outcome === 'reset').length, 2);
  const stored = await s.reader.read(`LocalUpload/${hex(m.contentHash)}/big.bin`);
  assert.equal(stored?.bytes.length, bytes.length);
  assert.equal(sha256(stored?.bytes ?? Buffer.alloc(0)), sha256(bytes), 'no chunk was overwritten in flight');
});

test('upload progress is logged every interval with the rate, then one summary line', async (t) => {
  const s = await setupRegistry(t, azurite, { registry: { blockSize: 64 * KiB, concurrency: 1 } });
  const dir = await tempDir(t);
  const file = path.join(dir, 'big.bin');
  await writeFile(file, patternBytes(1024 * KiB, 23));
  // Each block takes one second of (fake) time.
  const registry = s.makeRegistry({
    progressIntervalMs: 4000,
    onBlobRequest: (e) => {
      if (e.operation === 'Put Block') s.clock.advance(1000);
    },
  });
  await registry.register(modelSpec(file), { dedupe: true });
  const progress = s.log.records.filter((r) => r.message.startsWith('uploading:')).map((r) => r.message);
  // 16 blocks of 1/16 MiB, one per second: a line every 4 blocks.
  assert.deepEqual(progress, [
    'uploading: 0.3 of 1.0 MiB (0.1 MiB/s)',
    'uploading: 0.5 of 1.0 MiB (0.1 MiB/s)',
    'uploading: 0.8 of 1.0 MiB (0.1 MiB/s)',
    'uploading: 1.0 of 1.0 MiB (0.1 MiB/s)',
  ]);
  assert.match(
    s.log.text(),
    /uploaded 1 file\(s\), 1\.0 MiB, to datastore 'workspaceblobstore' in 16\.0 s \(0\.1 MiB\/s\)/,
  );
});

test('identical content is reused with zero blob requests; with dedupe off a new version points at the stored content', async (t) => {
  const s = await setupRegistry(t, azurite, { registry: { blockSize: 64 * KiB } });
  const dir = await tempDir(t);
  const file = path.join(dir, 'big.bin');
  await writeFile(file, patternBytes(300 * KiB, 5));
  const first = await s.registry.register(modelSpec(file), { dedupe: true });
  const blobRequests = s.proxy.requests.length;
  const events = s.blobEvents.length;
  const versionPuts = s.arm('PUT', /\/versions\//);

  const again = await s.registry.register(modelSpec(file), { dedupe: true });
  assert.equal(again.reused, true);
  assert.equal(again.version, '1');
  assert.equal(again.bytesUploaded, 0);
  assert.equal(again.contentHash, first.contentHash);
  assert.equal(again.uri, first.uri);
  assert.equal(s.proxy.requests.length, blobRequests, 'no blob request at all');
  assert.equal(s.blobEvents.length, events);
  assert.equal(s.arm('PUT', /\/versions\//), versionPuts, 'no version PUT');
  assert.equal(s.arm('POST', /listSecrets/), 1, 'no datastore secret read either');

  const forced = await s.registry.register(modelSpec(file), { dedupe: false });
  assert.equal(forced.version, '2');
  assert.equal(forced.reused, false);
  assert.equal(forced.bytesUploaded, 0, 'the content was already stored');
  assert.equal(forced.upload?.alreadyComplete, true);
  assert.equal(forced.uri, first.uri);
  assert.equal(s.proxy.count('Put Block'), 5, 'only the first upload sent blocks');
});

test('one changed byte becomes the next version under a new content path', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  const bytes = patternBytes(10 * KiB, 9);
  await writeFile(file, bytes);
  const first = await s.registry.register(modelSpec(file), { dedupe: true });
  bytes[5000] = (bytes[5000] ?? 0) ^ 1;
  await writeFile(file, bytes);
  const second = await s.registry.register(modelSpec(file), { dedupe: true });
  assert.equal(second.version, '2');
  assert.equal(second.reused, false);
  assert.notEqual(second.contentHash, first.contentHash);
  assert.notEqual(second.uri, first.uri);
  assert.equal(second.bytesUploaded, bytes.length);
  const stored = await s.reader.read(`LocalUpload/${hex(second.contentHash)}/model.bin`);
  assert.equal(sha256(stored?.bytes ?? Buffer.alloc(0)), sha256(bytes));
  assert.equal((await s.registry.resolve('diabetes'))?.version, '2');
  assert.equal((await s.registry.resolve('diabetes', '1'))?.contentHash, first.contentHash);
});

test('a 409 on the version PUT is retried with a fresh nextVersion', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  await writeFile(file, 'weights');
  const fault = s.fake.fail({
    method: 'PUT',
    path: /\/models\/diabetes\/versions\/1$/,
    status: 409,
    body: {
      error: { code: 'UserError', message: 'A model version with this name and version already exists.' },
    },
  });
  const m = await s.registry.register(modelSpec(file), { dedupe: true });
  assert.equal(fault.hits, 1);
  assert.equal(m.version, '1');
  const sequence = s.fake.requests
    .filter((r) => /\/models\/diabetes(\/versions\/1)?$/.test(r.path))
    .map((r) => `${r.method} ${r.path.replace(/.*\/models\//, '')}`);
  assert.deepEqual(sequence, [
    'GET diabetes',
    'PUT diabetes/versions/1',
    'GET diabetes',
    'PUT diabetes/versions/1',
  ]);
  assert.match(s.log.text(), /version 1 was created concurrently; trying 1/);
});

test('a version taken by a concurrent run is skipped for the next free one', async (t) => {
  let raced = false;
  const s = await setupRegistry(t, azurite, {
    // Just before our PUT of version 1 goes out, another run creates version 1 with other content.
    armDispatcher: (base) =>
      base.compose((dispatch) => (opts, handler) => {
        if (!raced && opts.method === 'PUT' && /\/models\/diabetes\/versions\/1\?/.test(opts.path)) {
          raced = true;
          const other = s.fake.client();
          void other
            .put(`${s.fake.workspacePath}/models/diabetes/versions/1`, {
              body: { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/other' } },
            })
            .then(() => dispatch(opts, handler));
          return true;
        }
        return dispatch(opts, handler);
      }),
  });
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  await writeFile(file, 'weights');
  const m = await s.registry.register(modelSpec(file), { dedupe: true });
  assert.ok(raced);
  assert.equal(m.version, '2');
  assert.equal((await s.registry.resolve('diabetes', '1'))?.uri.endsWith('/paths/other'), true);
  assert.equal((await s.registry.resolve('diabetes', '2'))?.contentHash, m.contentHash);
});

test('an upload cut off after some blocks resumes: only the missing blocks are sent', async (t) => {
  const s = await setupRegistry(t, azurite, {
    registry: { blockSize: 64 * KiB, concurrency: 4, blobRetries: 2 },
  });
  const dir = await tempDir(t);
  const file = path.join(dir, 'big.bin');
  const bytes = patternBytes(1024 * KiB + 100, 11);
  await writeFile(file, bytes);
  let forwarded = 0;
  s.proxy.rule = (r) => {
    if (r.op !== 'Put Block') return undefined;
    if (forwarded < 6) {
      forwarded++;
      return undefined;
    }
    return 'reset';
  };

  await assert.rejects(s.registry.register(modelSpec(file), { dedupe: true }), /no answer from storage/);
  assert.equal(s.arm('PUT', /\/versions\//), 0, 'nothing registered');
  assert.equal(s.proxy.count('Put Block List'), 0);
  const hash = (await import('../../src/content/content-hash.ts')).hashContent;
  const blob = `LocalUpload/${hex((await hash(file)).hash)}/big.bin`;
  await s.proxy.idle();
  const stored = await s.reader.uncommittedBlocks(blob);
  assert.ok(stored >= 1 && stored <= 6, `uncommitted blocks after the cut: ${stored}`);

  s.proxy.rule = undefined;
  const before = s.proxy.count('Put Block');
  const m = await s.registry.register(modelSpec(file), { dedupe: true });
  assert.equal(s.proxy.count('Put Block') - before, 17 - stored, 'only missing blocks are sent');
  assert.equal(m.upload?.blocksReused, stored);
  assert.equal(m.bytesUploaded, bytes.length - stored * 64 * KiB);
  assert.equal(sha256((await s.reader.read(blob))?.bytes ?? Buffer.alloc(0)), sha256(bytes));
  assert.match(s.log.text(), new RegExp(`resumed, ${stored} block\\(s\\) were already stored`));
});

test('throttled blocks (503 and 429 with Retry-After) are retried after the wait asked for', async (t) => {
  const s = await setupRegistry(t, azurite, { registry: { blockSize: 64 * KiB, concurrency: 2 } });
  const dir = await tempDir(t);
  const file = path.join(dir, 'big.bin');
  const bytes = patternBytes(256 * KiB + 1, 13);
  await writeFile(file, bytes);
  const faults = [
    { status: 503, headers: { 'retry-after': '3' } },
    { status: 429, headers: { 'retry-after': '7' } },
    { status: 500 },
  ];
  s.proxy.rule = (r) => (r.op === 'Put Block' ? faults.shift() : undefined);

  const m = await s.registry.register(modelSpec(file), { dedupe: true });
  assert.equal(faults.length, 0);
  assert.equal(s.proxy.requests.filter((r) => r.outcome === 'answered').length, 3);
  assert.ok(s.clock.slept.includes(3000), `slept ${s.clock.slept}`);
  assert.ok(s.clock.slept.includes(7000), `slept ${s.clock.slept}`);
  assert.equal(s.proxy.count('Put Block'), 5);
  assert.equal(
    sha256((await s.reader.read(`LocalUpload/${hex(m.contentHash)}/big.bin`))?.bytes ?? Buffer.alloc(0)),
    sha256(bytes),
  );
});

test('throttling past the deadline fails with the storage error and registers nothing', async (t) => {
  const s = await setupRegistry(t, azurite, { registry: { blockSize: 64 * KiB } });
  const dir = await tempDir(t);
  const file = path.join(dir, 'big.bin');
  await writeFile(file, patternBytes(200 * KiB, 2));
  s.proxy.rule = (r) =>
    r.op === 'Put Block' ? { status: 503, headers: { 'retry-after': '900' } } : undefined;
  await assert.rejects(
    s.makeRegistry({ deadline: s.clock.now() + 60_000 }).register(modelSpec(file), { dedupe: true }),
    /Put Block failed .*ServerBusy.*asked to retry after 900 s, past the deadline/,
  );
  assert.equal(s.arm('PUT', /\/versions\//), 0);
});

test('a SAS datastore secret is used as the query string', async (t) => {
  const s = await setupRegistry(t, azurite, { settings: { datastoreCredentials: 'Sas' } });
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  await writeFile(file, 'sas weights');
  const m = await s.registry.register(modelSpec(file), { dedupe: true });
  const sent = s.proxy.requests.filter((r) => r.op !== 'Create Container');
  assert.ok(sent.length > 0);
  for (const r of sent) assert.equal(r.authorization, undefined);
  assert.equal(
    (await s.reader.read(`LocalUpload/${hex(m.contentHash)}/model.bin`))?.bytes.toString(),
    'sas weights',
  );
});

test('listSecrets 403: falls back to the identity, and when storage refuses it too names both roles and the scope', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  await writeFile(file, 'weights');
  s.fake.fail({
    method: 'POST',
    path: /listSecrets$/,
    status: 403,
    body: {
      error: {
        code: 'AuthorizationFailed',
        message: `The client 'abc' with object id 'def' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/datastores/listsecrets/action' over scope '${s.fake.workspacePath}/datastores/workspaceblobstore' or the scope is invalid.`,
      },
    },
  });
  await assert.rejects(s.registry.register(modelSpec(file), { dedupe: true }), (e: unknown) => {
    const message = (e as Error).message;
    assert.match(message, /listSecrets was refused/);
    assert.match(message, /'AzureML Data Scientist'/);
    assert.match(message, /'Storage Blob Data Contributor' on the storage account 'devstoreaccount1'/);
    assert.ok(message.includes(s.fake.workspacePath), message);
    assert.match(message, /AuthorizationFailure/);
    return true;
  });
  // The fallback really tried the identity's own token against storage, and wrote nothing.
  const tried = s.proxy.requests.filter((r) => r.op !== 'Create Container');
  assert.ok(tried.length >= 1);
  assert.match(tried[0]?.authorization ?? '', /^Bearer /);
  assert.equal(s.proxy.count('Put Blob') + s.proxy.count('Put Block'), 0);
  assert.equal(s.arm('PUT', /\/versions\//), 0);
});

test('a job output URI is registered as given, without any upload, and deduped by URI', async (t) => {
  const s = await setupRegistry(t, azurite);
  const uri = 'azureml://jobs/train-42/outputs/artifacts/paths/model/';
  const m = await s.registry.register(modelSpec(uri, { type: 'mlflow_model' }), { dedupe: true });
  assert.equal(m.version, '1');
  assert.equal(m.uri, uri);
  assert.equal(m.contentHash, '');
  assert.equal(m.bytesUploaded, 0);
  assert.equal(s.arm('GET', /\/datastores/), 0);
  assert.equal(s.blobEvents.length, 0);
  const put = s.fake.requests.find((r) => r.method === 'PUT');
  const sent = (put?.body ?? {}) as { properties?: Record<string, unknown> };
  assert.deepEqual(sent.properties?.properties, {});
  assert.equal(sent.properties?.modelType, 'mlflow_model');

  const again = await s.registry.register(modelSpec(uri), { dedupe: true });
  assert.equal(again.reused, true);
  assert.equal(again.version, '1');
  const other = await s.registry.register(modelSpec('azureml://datastores/workspaceblobstore/paths/m/x'), {
    dedupe: true,
  });
  assert.equal(other.version, '2');
  const ws = s.fake.workspace;
  assert.equal(
    other.uri,
    `azureml://subscriptions/${ws.subscriptionId}/resourcegroups/${ws.resourceGroup}/workspaces/${ws.workspaceName}/datastores/workspaceblobstore/paths/m/x`,
  );
  await assert.rejects(
    s.registry.register(modelSpec('s3://bucket/model'), { dedupe: true }),
    (e: unknown) => e instanceof UsageError && e.input === 'model-path',
  );
});

test('an explicit existing version: identical content is reused, different content fails before any blob request', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  await writeFile(file, 'v1 weights');
  const first = await s.registry.register(modelSpec(file, { version: 'prod-1' }), { dedupe: true });
  assert.equal(first.version, 'prod-1');

  const same = await s.registry.register(modelSpec(file, { version: 'prod-1' }), { dedupe: false });
  assert.equal(same.reused, true);

  await writeFile(file, 'v2 weights');
  const blobRequests = s.proxy.requests.length;
  const datastoreReads = s.arm('GET', /\/datastores/);
  await assert.rejects(
    s.registry.register(modelSpec(file, { version: 'prod-1' }), { dedupe: true }),
    (e: unknown) =>
      e instanceof UsageError &&
      e.input === 'model-version' &&
      /already exists with different content \(sha256:/.test(e.message),
  );
  assert.equal(s.proxy.requests.length, blobRequests, 'no blob request');
  assert.equal(s.arm('GET', /\/datastores/), datastoreReads, 'the datastore was not even looked up');
  assert.equal(s.arm('PUT', /\/versions\//), 1);
});

test('resolve, archive and delete', async (t) => {
  const s = await setupRegistry(t, azurite);
  const dir = await tempDir(t);
  const file = path.join(dir, 'model.bin');
  assert.equal(await s.registry.resolve('diabetes'), undefined);
  await writeFile(file, 'one');
  const v1 = await s.registry.register(modelSpec(file), { dedupe: true });
  await writeFile(file, 'two');
  const v2 = await s.registry.register(modelSpec(file, { tags: { stage: 'dev' } }), { dedupe: true });
  assert.equal((await s.registry.resolve('diabetes'))?.version, '2');

  assert.equal(await s.registry.archive('diabetes', '2'), true);
  const archived = s.fake.inspect('/models/diabetes/versions/2').body as {
    properties: Record<string, unknown>;
  };
  assert.equal(archived.properties.isArchived, true);
  assert.deepEqual(archived.properties.tags, { stage: 'dev' });
  assert.equal(archived.properties.modelUri, v2.uri);
  assert.equal((await s.registry.resolve('diabetes'))?.version, '1', 'archived versions are not the latest');
  assert.equal(await s.registry.archive('diabetes', '9'), false);

  assert.equal(await s.registry.delete('diabetes', '1'), true);
  assert.equal(await s.registry.delete('diabetes', '1'), false);
  assert.equal(await s.registry.resolve('diabetes', '1'), undefined);
  assert.equal(v1.version, '1');
});
