import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { Agent } from 'undici';
import { BlobClient, type BlobClientOptions } from '../../src/azure/blob/blob-client.ts';
import { blobServiceUrl } from '../../src/azure/blob/blob-endpoint.ts';
import { BlobConnectionError, BlobError } from '../../src/azure/blob/blob-errors.ts';
import { parseBlockList } from '../../src/azure/blob/block-list-xml.ts';
import { chooseBlockSize, MAX_BLOCKS, MiB, planBlocks } from '../../src/azure/blob/block-plan.ts';
import { BufferPool } from '../../src/azure/blob/buffer-pool.ts';
import { uploadFile } from '../../src/azure/blob/upload-file.ts';
import type { Credential } from '../../src/azure/credentials/credential.ts';
import { fakeClock } from '../../src/clock.ts';
import { tempDir } from '../support/tmp.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A loopback blob endpoint whose answers the test writes; records every request with its body. */
async function loopbackStorage(
  t: TestContext,
  answer: (req: Seen, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      seen.push(record);
      answer(record, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/acct`, seen };
}

function client(t: TestContext, serviceUrl: string, extra: Partial<BlobClientOptions> = {}): BlobClient {
  const dispatcher = new Agent();
  t.after(() => dispatcher.close());
  return new BlobClient({
    serviceUrl,
    accountName: 'acct',
    container: 'models',
    auth: {
      kind: 'account-key',
      accountName: 'acct',
      accountKey: Buffer.from('k'.repeat(32)).toString('base64'),
    },
    dispatcher,
    clock: fakeClock(),
    random: () => 0.5,
    ...extra,
  });
}

const tokenCredential = (token: string): Credential => ({
  kind: 'client-secret',
  description: "client id '1234'",
  getToken: async () => ({ token, expiresOnMs: Date.now() + 3600_000 }),
  prefetch: async () => {},
});

test('blob service URLs: host-style for Azure endpoints, path-style for addresses with a port', () => {
  assert.equal(
    blobServiceUrl({ accountName: 'st1', endpoint: 'core.windows.net' }),
    'https://st1.blob.core.windows.net',
  );
  assert.equal(
    blobServiceUrl({ accountName: 'st1', endpoint: 'core.chinacloudapi.cn', protocol: 'https' }),
    'https://st1.blob.core.chinacloudapi.cn',
  );
  assert.equal(
    blobServiceUrl({ accountName: 'devstoreaccount1', endpoint: '127.0.0.1:10000', protocol: 'http' }),
    'http://127.0.0.1:10000/devstoreaccount1',
  );
  assert.equal(
    blobServiceUrl({ accountName: 'devstoreaccount1', endpoint: 'http://localhost:10000' }),
    'http://localhost:10000/devstoreaccount1',
  );
  assert.equal(
    blobServiceUrl({ accountName: 'st1', endpoint: 'https://st1.blob.core.windows.net/' }),
    'https://st1.blob.core.windows.net',
  );
});

test('block size starts at 8 MiB and grows so a file needs fewer than 50,000 blocks; ids are stable and uniform', () => {
  assert.equal(chooseBlockSize(1024 * MiB), 8 * MiB);
  const huge = 4 * 1024 * 1024 * MiB; // 4 TiB
  const size = chooseBlockSize(huge);
  assert.ok(Math.ceil(huge / size) < MAX_BLOCKS);
  assert.ok(size > 8 * MiB && size <= 4000 * MiB);
  assert.equal(chooseBlockSize(50_000 * 8 * MiB), 16 * MiB, 'exactly 50,000 blocks is one too many');

  const a = planBlocks(20 * MiB + 3, 8 * MiB, 'sha256:aa\0model.bin');
  assert.deepEqual(
    a.map((b) => [b.offset, b.length]),
    [
      [0, 8 * MiB],
      [8 * MiB, 8 * MiB],
      [16 * MiB, 4 * MiB + 3],
    ],
  );
  assert.equal(new Set(a.map((b) => b.id.length)).size, 1, 'all ids of a blob have one length');
  assert.ok(Buffer.from(a[0]?.id ?? '', 'base64').length <= 64);
  assert.deepEqual(planBlocks(20 * MiB + 3, 8 * MiB, 'sha256:aa\0model.bin'), a, 'deterministic');
  assert.notEqual(planBlocks(20 * MiB + 3, 8 * MiB, 'sha256:bb\0model.bin')[0]?.id, a[0]?.id);
  assert.equal(planBlocks(0, 8 * MiB, 'x').length, 0);
});

test('Get Block List answers are read, empty sections included', () => {
  const xml =
    '<?xml version="1.0" encoding="utf-8"?><BlockList><CommittedBlocks><Block><Name>QUJD</Name><Size>10</Size></Block></CommittedBlocks>' +
    '<UncommittedBlocks><Block><Name>REVG</Name><Size>4</Size></Block><Block><Name>R0hJ</Name><Size>5</Size></Block></UncommittedBlocks></BlockList>';
  assert.deepEqual(parseBlockList(xml), {
    committed: [{ name: 'QUJD', size: 10 }],
    uncommitted: [
      { name: 'REVG', size: 4 },
      { name: 'R0hJ', size: 5 },
    ],
  });
  assert.deepEqual(parseBlockList('<BlockList><CommittedBlocks /><UncommittedBlocks /></BlockList>'), {
    committed: [],
    uncommitted: [],
  });
});

test('a data role missing for the identity: 403 AuthorizationPermissionMismatch names Storage Blob Data Contributor', async (t) => {
  const storage = await loopbackStorage(t, (_req, res) => {
    res.writeHead(403, { 'x-ms-error-code': 'AuthorizationPermissionMismatch', 'x-ms-request-id': 'req-42' });
    res.end(
      '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.\nRequestId:req-42</Message></Error>',
    );
  });
  const token = 'eyJ.secret-token.value';
  const c = client(t, storage.url, { auth: { kind: 'entra', credential: tokenCredential(token) } });
  await assert.rejects(c.putBlob('LocalUpload/abc/model.bin', Buffer.from('x')), (e: unknown) => {
    assert.ok(e instanceof BlobError);
    assert.equal(e.status, 403);
    assert.equal(e.code, 'AuthorizationPermissionMismatch');
    assert.match(e.message, /Put Blob failed in storage account 'acct'/);
    assert.match(
      e.message,
      /grant the identity 'Storage Blob Data Contributor' on the storage account 'acct' \(or its container 'models'\)/,
    );
    assert.match(e.message, /An Entra token of client id '1234'/);
    assert.match(e.message, /request id req-42/);
    assert.ok(!e.message.includes(token));
    return true;
  });
  assert.equal(storage.seen.length, 1, '403 is not retried');
  assert.equal(storage.seen[0]?.headers.authorization, `Bearer ${token}`);
  assert.ok((storage.seen[0]?.headers['x-ms-version'] ?? '') >= '2019-12-12');
});

test('connection resets are retried with backoff, then reported as no answer from storage', async (t) => {
  const storage = await loopbackStorage(t, (_req, res) => res.socket?.destroy());
  const clock = fakeClock();
  const c = client(t, storage.url, { clock, maxRetries: 2 });
  await assert.rejects(
    c.putBlock('m/x', 'QUJD', Buffer.from('abc')),
    (e: unknown) =>
      e instanceof BlobConnectionError && /no answer from storage.*Gave up after 3 attempts/.test(e.message),
  );
  assert.equal(storage.seen.length, 3);
  assert.deepEqual(clock.slept, [250, 500], 'full-jitter backoff (random 0.5) between attempts');
});

test('per-block Content-MD5 is off by default and sent when asked for; small files go in one Put Blob', async (t) => {
  const storage = await loopbackStorage(t, (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(404, { 'x-ms-error-code': 'BlobNotFound' });
      return res.end();
    }
    res.writeHead(201);
    res.end();
  });
  const dir = await tempDir(t);
  const file = path.join(dir, 'm.bin');
  const bytes = Buffer.alloc(1536 * 1024 + 3);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 11)) & 0xff;
  await writeFile(file, bytes);
  const c = client(t, storage.url);
  const common = {
    client: c,
    pool: new BufferPool(2),
    absPath: file,
    size: bytes.length,
    blockIdentity: 'h',
  };
  // Blocks of 512 KiB stream through 256 KiB buffers (two chunks each), the last block is 3 bytes.
  const blocks = { blockSize: 512 * 1024, chunkSize: 256 * 1024 };

  await uploadFile({ ...common, blobPath: 'a/m.bin', ...blocks });
  const plain = storage.seen.filter((r) => r.url.includes('comp=block&'));
  assert.equal(plain.length, 4);
  assert.ok(plain.every((r) => r.headers['content-md5'] === undefined));
  const offsetOf = (r: Seen) =>
    Number(
      Buffer.from(decodeURIComponent(/blockid=([^&]+)/.exec(r.url)?.[1] ?? ''), 'base64')
        .toString()
        .split('-')[1],
    );
  const reassembled = Buffer.concat([...plain].sort((x, y) => offsetOf(x) - offsetOf(y)).map((r) => r.body));
  assert.ok(reassembled.equals(bytes), 'the blocks carry exactly the file');

  storage.seen.length = 0;
  await uploadFile({ ...common, blobPath: 'b/m.bin', ...blocks, blockMd5: true });
  const checked = storage.seen.filter((r) => r.url.includes('comp=block&'));
  assert.equal(checked.length, 4);
  for (const r of checked) {
    assert.equal(r.headers['content-md5'], createHash('md5').update(r.body).digest('base64'));
  }
  const list = storage.seen.find((r) => r.url.includes('comp=blocklist') && r.method === 'PUT');
  assert.equal([...(list?.body.toString() ?? '').matchAll(/<Latest>/g)].length, 4);

  storage.seen.length = 0;
  await uploadFile({ ...common, blobPath: 'c/m.bin' });
  assert.deepEqual(
    storage.seen.map((r) => `${r.method} ${r.headers['x-ms-blob-type'] ?? ''}`),
    ['PUT BlockBlob'],
  );
  assert.deepEqual(storage.seen[0]?.body, bytes);
});

test('a file that changed size since it was hashed is refused before anything is sent', async (t) => {
  const storage = await loopbackStorage(t, (_req, res) => {
    res.writeHead(201);
    res.end();
  });
  const dir = await tempDir(t);
  const file = path.join(dir, 'm.bin');
  await writeFile(file, 'longer than before');
  await assert.rejects(
    uploadFile({
      client: client(t, storage.url),
      pool: new BufferPool(1),
      blobPath: 'm.bin',
      absPath: file,
      size: 5,
      blockIdentity: 'h',
    }),
    /changed since it was hashed/,
  );
  assert.equal(storage.seen.length, 0);
});

test('the buffer pool hands out at most its slots and reuses released buffers', async () => {
  const pool = new BufferPool(2);
  const a = await pool.acquire(100);
  const b = await pool.acquire(100);
  let third: Buffer | undefined;
  const waiting = pool.acquire(50).then((buf) => {
    third = buf;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(third, undefined, 'a third buffer waits for a release');
  pool.release(a);
  await waiting;
  assert.equal(third, a, 'the released buffer is reused');
  const aborted = new AbortController();
  const blocked = pool.acquire(10, aborted.signal);
  aborted.abort(new Error('stop'));
  await assert.rejects(blocked, /stop/);
  pool.release(b);
  assert.ok((await pool.acquire(200)).length >= 200, 'a larger buffer replaces a small free one');
});
