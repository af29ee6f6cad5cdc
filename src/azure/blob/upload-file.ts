// Uploads one local file as a block blob, streaming: a small file in one Put Blob, a larger one as blocks
// read into pooled buffers and sent in parallel, then committed with Put Block List. Blocks an interrupted
// upload already stored (Get Block List) are not sent again: block ids are deterministic (block-plan.ts).

import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import type { BlobClient } from './blob-client.ts';
import { chooseBlockSize, DEFAULT_BLOCK_SIZE, planBlocks } from './block-plan.ts';
import type { BufferPool } from './buffer-pool.ts';

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
  const { client, pool, blobPath, size } = options;
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
      const buffer = await pool.acquire(size, options.signal);
      try {
        const body = buffer.subarray(0, size);
        await readExactly(file, body, 0, options.absPath);
        await client.putBlob(blobPath, body, {
          ...(options.metadata ? { metadata: options.metadata } : {}),
          ...(options.blockMd5 ? { contentMd5: md5(body) } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } finally {
        pool.release(buffer);
      }
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
      const buffer = await pool.acquire(block.length, signal);
      try {
        const body = buffer.subarray(0, block.length);
        await readExactly(file, body, block.offset, options.absPath);
        await client.putBlock(blobPath, block.id, body, {
          ...(options.blockMd5 ? { contentMd5: md5(body) } : {}),
          signal,
        });
      } finally {
        pool.release(buffer);
      }
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

async function readExactly(file: FileHandle, target: Buffer, position: number, label: string): Promise<void> {
  let filled = 0;
  while (filled < target.length) {
    const { bytesRead } = await file.read(target, filled, target.length - filled, position + filled);
    if (bytesRead === 0)
      throw new FileChangedError(`${label} became shorter while it was uploaded; run again`);
    filled += bytesRead;
  }
}

function md5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('base64');
}
