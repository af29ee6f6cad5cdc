// Uploads one local file as a block blob, streaming: a small file in one Put Blob, a larger one as blocks sent
// in parallel, then committed with Put Block List. Blocks an interrupted upload already stored (Get Block
// List) are not sent again: block ids are deterministic (block-plan.ts).
//
// Memory: a block is not held whole. Each request streams its file region through one pooled chunk buffer
// (1 MiB by default): undici writes a chunk and, since a chunk at least as large as the socket's high-water
// mark (64 KiB) always fills it, waits for 'drain' before asking for the next one, so the buffer is free to
// refill when the generator resumes. A retry re-reads the region from the file.

import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import type { BlobBody, BlobClient } from './blob-client.ts';
import { chooseBlockSize, DEFAULT_BLOCK_SIZE, MiB, planBlocks } from './block-plan.ts';
import type { BufferPool } from './buffer-pool.ts';

export const DEFAULT_CHUNK_SIZE = MiB;
/** Well above the socket's 64 KiB high-water mark, so every full chunk waits for 'drain' (see above). */
export const MIN_CHUNK_SIZE = 256 * 1024;

export interface UploadFileOptions {
  client: BlobClient;
  pool: BufferPool;
  blobPath: string;
  absPath: string;
  /** Size the file had when it was hashed; a different size now is an error. */
  size: number;
  /** Ties block ids to the content (the model's content hash plus the file's path). */
  blockIdentity: string;
  /** Smallest block; grows for very large files. Default 8 MiB. */
  blockSize?: number;
  /** Files up to this size go in one Put Blob. Default: the block size. */
  singlePutLimit?: number;
  /** Size of the pooled buffer a request streams through; default 1 MiB, at least 256 KiB. */
  chunkSize?: number;
  /** Written with the blob (Put Blob / Put Block List). */
  metadata?: Record<string, string>;
  /** Send Content-MD5 with each block (costs CPU; off by default, TLS already protects transport). */
  blockMd5?: boolean;
  /** Called with the size of each block or blob the service accepted. */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface FileUploadResult {
  bytesSent: number;
  blocksSent: number;
  /** Blocks already in storage from an earlier, interrupted upload. */
  blocksReused: number;
}

/** The file no longer matches what was hashed. */
export class FileChangedError extends Error {
  override name = 'FileChangedError';
}

export async function uploadFile(options: UploadFileOptions): Promise<FileUploadResult> {
  const { client, blobPath, size } = options;
  const blockSize = chooseBlockSize(size, options.blockSize ?? DEFAULT_BLOCK_SIZE);
  const singlePutLimit = options.singlePutLimit ?? blockSize;
  const file = await open(options.absPath, 'r');
  try {
    const now = await file.stat();
    if (now.size !== size) {
      throw new FileChangedError(
        `${options.absPath} changed since it was hashed (${size} bytes then, ${now.size} now); run again`,
      );
    }
    if (size <= singlePutLimit) {
      await sendRegion(file, 0, size, options, (body, contentMd5) =>
        client.putBlob(blobPath, body, {
          ...(options.metadata ? { metadata: options.metadata } : {}),
          ...(contentMd5 ? { contentMd5 } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
      options.onBytes?.(size);
      return { bytesSent: size, blocksSent: size === 0 ? 0 : 1, blocksReused: 0 };
    }
    return await uploadBlocks(file, blockSize, options);
  } finally {
    await file.close();
  }
}

async function uploadBlocks(
  file: FileHandle,
  blockSize: number,
  options: UploadFileOptions,
): Promise<FileUploadResult> {
  const { client, pool, blobPath } = options;
  const blocks = planBlocks(options.size, blockSize, options.blockIdentity);
  const stored = await client.getBlockList(blobPath, options.signal ? { signal: options.signal } : {});
  const have = new Set(
    [...(stored?.uncommitted ?? []), ...(stored?.committed ?? [])].map((b) => `${b.name}/${b.size}`),
  );
  const todo = blocks.filter((b) => !have.has(`${b.id}/${b.length}`));

  // The first failure stops the other workers at once instead of letting them finish their blocks.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let next = 0;
  let bytesSent = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < todo.length && !signal.aborted) {
      const block = todo[next++] as (typeof todo)[number];
      await sendRegion(file, block.offset, block.length, { ...options, signal }, (body, contentMd5) =>
        client.putBlock(blobPath, block.id, body, { ...(contentMd5 ? { contentMd5 } : {}), signal }),
      );
      bytesSent += block.length;
      options.onBytes?.(block.length);
    }
  };
  const workers = Array.from({ length: Math.min(pool.slots, todo.length) }, () =>
    worker().catch((error: unknown) => {
      if (!failure) failure = { error };
      stop.abort(error);
    }),
  );
  await Promise.all(workers);
  if (failure) throw failure.error;
  options.signal?.throwIfAborted();

  await client.putBlockList(
    blobPath,
    blocks.map((b) => b.id),
    {
      ...(options.metadata ? { metadata: options.metadata } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  return { bytesSent, blocksSent: todo.length, blocksReused: blocks.length - todo.length };
}

/**
 * Sends `length` bytes of the file from `offset` through one pooled buffer: as plain bytes when they fit in
 * it (a retry resends them), else as a stream of chunks that a retry reads again from the file.
 */
async function sendRegion(
  file: FileHandle,
  offset: number,
  length: number,
  options: Pick<UploadFileOptions, 'pool' | 'chunkSize' | 'blockMd5' | 'absPath' | 'signal'>,
  send: (body: BlobBody, contentMd5: string | undefined) => Promise<void>,
): Promise<void> {
  if (length === 0) return send(new Uint8Array(0), options.blockMd5 ? md5Of([]) : undefined);
  const chunkSize = Math.max(MIN_CHUNK_SIZE, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const buffer = await options.pool.acquire(Math.min(chunkSize, length), options.signal);
  try {
    if (length <= buffer.length) {
      const bytes = buffer.subarray(0, length);
      await readExactly(file, bytes, offset, options.absPath);
      return await send(bytes, options.blockMd5 ? md5Of([bytes]) : undefined);
    }
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      for (let done = 0; done < length; ) {
        const view = buffer.subarray(0, Math.min(buffer.length, length - done));
        await readExactly(file, view, offset + done, options.absPath);
        yield view;
        done += view.length;
      }
    };
    // Content-MD5 must be known before the body is sent: one extra read of the region (opt-in).
    const contentMd5 = options.blockMd5 ? await md5OfChunks(chunks()) : undefined;
    await send({ length, chunks }, contentMd5);
  } finally {
    options.pool.release(buffer);
  }
}

async function readExactly(
  file: FileHandle,
  target: Uint8Array,
  position: number,
  label: string,
): Promise<void> {
  let filled = 0;
  while (filled < target.length) {
    const { bytesRead } = await file.read(target, filled, target.length - filled, position + filled);
    if (bytesRead === 0)
      throw new FileChangedError(`${label} became shorter while it was uploaded; run again`);
    filled += bytesRead;
  }
}

function md5Of(parts: Uint8Array[]): string {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest('base64');
}

async function md5OfChunks(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest('base64');
}
