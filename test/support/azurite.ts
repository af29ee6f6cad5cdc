// Azurite's blob service for tests: started on a free port in a temp folder, or the one .ci/run started for
// the whole suite when AZURITE_BLOB_URL is set (`http://127.0.0.1:PORT/devstoreaccount1`).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AzuriteBlob {
  /** Path-style endpoint including the account: `http://127.0.0.1:PORT/devstoreaccount1`. */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  close(): Promise<void>;
}

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AZURITE_MAIN = join(repoRoot, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');

export async function startAzurite(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<AzuriteBlob> {
  const shared = env.AZURITE_BLOB_URL?.replace(/\/+$/, '');
  if (shared) {
    await waitUntilAnswering(shared, 10_000);
    return {
      blobEndpoint: shared,
      accountName: AZURITE_ACCOUNT,
      accountKey: AZURITE_KEY,
      close: async () => {},
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'azurite-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        AZURITE_MAIN,
        '--silent',
        '--location',
        dir,
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        String(port),
        '--skipApiVersionCheck',
        '--disableTelemetry',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const up = await Promise.race([
      waitUntilAnswering(blobEndpoint, 15_000).then(() => true),
      exited.then(() => false),
    ]);
    if (up) {
      return {
        blobEndpoint,
        accountName: AZURITE_ACCOUNT,
        accountKey: AZURITE_KEY,
        close: async () => {
          await stop(child, exited);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    // Lost the port to someone else between probing and binding: try another.
    if (attempt >= 3 || !/EADDRINUSE/.test(stderr)) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`Azurite did not start: ${stderr.trim() || 'exited without output'}`);
    }
  }
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  // Azurite waits for idle keep-alive sockets before exiting; its data is a throwaway temp dir.
  const timer = setTimeout(() => child.kill('SIGKILL'), 500);
  await exited;
  clearTimeout(timer);
}

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

/** Any HTTP answer (403 without credentials included) means the blob service is up. */
async function waitUntilAnswering(blobEndpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${blobEndpoint}?comp=list`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`Azurite at ${blobEndpoint} did not answer: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
