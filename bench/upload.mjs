// Upload throughput, client CPU and memory of the model upload, against a loopback sink server that accepts
// the Blob REST calls and discards the bytes (in a child process, so its CPU is not counted as the client's).
//
//   hash   one SHA-256 pass over the file (hashContent), timed on its own
//   (a)    this upload (uploadContent: 8 x 8 MiB blocks in parallel over undici), then the whole first
//          register() (hash + upload + ARM calls against the fake Azure)
//   (b)    @azure/storage-blob uploadFile (concurrency 8, 8 MiB blocks), when that package is installed
//   (c)    the sink's limit: the file as one plain streamed PUT
//   (d)    re-register the unchanged file: bytes sent and wall time
// Goals: (a) >= 80% of (c)'s throughput; <= 128 MB peak RSS during (a); (d) 0 bytes and < 2 s.
//
//   node_modules/.bin/node bench/upload.mjs [--mib 1024]

import { spawn } from 'node:child_process';
import { open, mkdtemp, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const SELF = fileURLToPath(import.meta.url);
const ACCOUNT = 'devstoreaccount1';

if (process.argv[2] === '--sink') await runSink();
else await main();

async function main() {
  const mibArg = process.argv.indexOf('--mib');
  const mib = mibArg === -1 ? 1024 : Number(process.argv[mibArg + 1]);
  const { Agent, request } = await import('undici');
  const { BlobClient } = await import('../src/azure/blob/blob-client.ts');
  const { uploadContent } = await import('../src/azure/blob/upload-content.ts');
  const { hashContent } = await import('../src/registry/content-hash.ts');
  const { AzureModelRegistry } = await import('../src/registry/azureml-registry.ts');
  const { startFakeAzure, AZURITE_KEY } = await import('../test/support/fake-azure/index.ts');
  const { silentLog } = await import('../src/log.ts');

  const dir = await mkdtemp(path.join(tmpdir(), 'bench-upload-'));
  const sink = await startSink();
  const fake = await startFakeAzure({ blobEndpoint: `${sink.url}/${ACCOUNT}` });
  const dispatcher = new Agent();
  try {
    const file = path.join(dir, 'model.bin');
    await generate(file, mib);
    const bytes = mib * 1024 * 1024;
    console.log(`file: ${mib} MiB at ${file}; sink: ${sink.url} (child process); cpus: ${(await import('node:os')).cpus().length}`);

    const hashRun = await measure(() => hashContent(file));
    const content = hashRun.value;
    report('hash pass (SHA-256)', hashRun, bytes);

    // (c) the sink's limit: one streamed PUT, no blocks, no parallelism.
    await sink.reset();
    const rawRun = await measure(async () => {
      const res = await request(`${sink.url}/${ACCOUNT}/bench/raw.bin`, {
        method: 'PUT',
        dispatcher,
        headers: { 'content-length': String(bytes), 'x-ms-blob-type': 'BlockBlob' },
        body: createReadStream(file, { highWaterMark: 1024 * 1024 }),
      });
      await res.body.dump();
      if (res.statusCode !== 201) throw new Error(`raw PUT: HTTP ${res.statusCode}`);
    });
    const rawStats = await sink.stats();
    report('(c) sink limit, one plain stream', rawRun, rawStats.bytes);

    // (a) this upload, on its own.
    await sink.reset();
    const client = new BlobClient({
      serviceUrl: `${sink.url}/${ACCOUNT}`,
      accountName: ACCOUNT,
      container: 'bench',
      auth: { kind: 'account-key', accountName: ACCOUNT, accountKey: AZURITE_KEY },
      dispatcher,
    });
    const uploadRun = await measure(() =>
      uploadContent({ client, content, prefix: `LocalUpload/${content.hash.slice(7)}/model.bin` }),
    );
    const uploadStats = await sink.stats();
    report('(a) this upload (8 x 8 MiB blocks)', uploadRun, uploadStats.bytes);

    // (b) the Azure SDK, when installed (it is not a dependency of this project).
    let sdkRun;
    try {
      const sdk = await import('@azure/storage-blob');
      await sink.reset();
      const credential = new sdk.StorageSharedKeyCredential(ACCOUNT, AZURITE_KEY);
      const blob = new sdk.BlockBlobClient(`${sink.url}/${ACCOUNT}/bench/sdk.bin`, credential);
      sdkRun = await measure(() => blob.uploadFile(file, { concurrency: 8, blockSize: 8 * 1024 * 1024 }));
      report('(b) @azure/storage-blob uploadFile', sdkRun, (await sink.stats()).bytes);
    } catch (error) {
      console.log(
        `(b) @azure/storage-blob uploadFile: skipped (${error?.code === 'ERR_MODULE_NOT_FOUND' ? 'not installed; add it as a devDependency to compare' : error.message})`,
      );
    }

    // (a') the whole first registration, then (d) the unchanged re-registration.
    const workspace = {
      client: fake.client(),
      credential: fake.credential(),
      dispatcher,
      ref: {
        subscriptionId: fake.workspace.subscriptionId,
        resourceGroup: fake.workspace.resourceGroup,
        workspaceName: fake.workspace.workspaceName,
      },
      path: fake.workspacePath,
    };
    const spec = { name: 'bench-model', type: 'custom_model', path: file, tags: {}, properties: {} };
    await sink.reset();
    const registry = new AzureModelRegistry(workspace, { log: silentLog });
    const firstRun = await measure(() => registry.register(spec, { dedupe: true }));
    report(
      `(a') first register() (hash ${firstRun.value.hashMs} ms + upload ${firstRun.value.uploadMs} ms + ARM)`,
      firstRun,
      (await sink.stats()).bytes,
    );
    await sink.reset();
    const againRun = await measure(() => registry.register(spec, { dedupe: true }));
    const again = await sink.stats();
    report(`(d) re-register unchanged (reused=${againRun.value.reused})`, againRun, again.bytes);

    const rate = (run, n) => n / (run.wallMs / 1000);
    const ratio = rate(uploadRun, uploadStats.bytes) / rate(rawRun, rawStats.bytes);
    const cpuRatio = uploadRun.cpuMs / rawRun.cpuMs;
    console.log('');
    console.log(`(a)/(c) throughput: ${(ratio * 100).toFixed(0)}% (goal >= 80%)`);
    console.log(`(a)/(c) client CPU: ${cpuRatio.toFixed(2)}x`);
    if (sdkRun) {
      console.log(`(b)/(a) wall: ${(sdkRun.wallMs / uploadRun.wallMs).toFixed(2)}x, CPU: ${(sdkRun.cpuMs / uploadRun.cpuMs).toFixed(2)}x`);
    }
    console.log(`(a) peak RSS: ${mb(uploadRun.peakRss)} MB (goal <= 128 MB); process max RSS: ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
    console.log(`(d) bytes sent: ${again.bytes}, requests to storage: ${again.requests}, wall: ${againRun.wallMs.toFixed(0)} ms (goal 0 bytes, < 2000 ms)`);
  } finally {
    await dispatcher.close();
    await fake.close();
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Wall time, client CPU (user + system, all threads) and peak RSS of one async step. */
async function measure(fn) {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 5);
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const value = await fn();
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { value, wallMs, cpuMs: (used.user + used.system) / 1000, peakRss };
  } finally {
    clearInterval(timer);
  }
}

function report(label, run, bytes) {
  const mibs = bytes / 1024 / 1024 / (run.wallMs / 1000);
  console.log(
    `${label}: ${run.wallMs.toFixed(0)} ms wall, ${run.cpuMs.toFixed(0)} ms CPU, ${bytes} bytes sent${bytes ? ` (${mibs.toFixed(0)} MiB/s)` : ''}, peak RSS ${mb(run.peakRss)} MB`,
  );
}

function mb(n) {
  return (n / 1e6).toFixed(0);
}

/** A file of `mib` MiB: one random MiB repeated, each copy stamped with its index. */
async function generate(file, mib) {
  const chunk = randomBytes(1024 * 1024);
  const fh = await open(file, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      chunk.writeUInt32LE(i, 0);
      await fh.write(chunk, 0, chunk.length);
    }
  } finally {
    await fh.close();
  }
}

async function startSink() {
  const child = spawn(process.execPath, [SELF, '--sink'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`sink exited ${code}`)));
  });
  const call = async (p, method = 'GET') => (await fetch(`${url}${p}`, { method })).json();
  return {
    url,
    stats: () => call('/__stats'),
    reset: () => call('/__reset', 'POST'),
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The sink: accepts Put Blob / Put Block / Put Block List / metadata, knows no blobs, discards bytes. */
async function runSink() {
  let bytes = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    if (url.pathname === '/__stats') return res.end(JSON.stringify({ bytes, requests, cpu: process.cpuUsage() }));
    if (url.pathname === '/__reset') {
      bytes = 0;
      requests = 0;
      return res.end('{}');
    }
    requests++;
    req.on('data', (chunk) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      const comp = url.searchParams.get('comp');
      if (req.method === 'PUT') {
        res.writeHead(comp === 'metadata' ? 200 : 201, { 'content-length': '0' });
      } else {
        // HEAD of a blob, Get Block List: nothing is stored here.
        res.writeHead(404, { 'x-ms-error-code': 'BlobNotFound', 'content-length': '0' });
      }
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    console.log(`listening http://127.0.0.1:${server.address().port}`);
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
