// How a file is cut into blocks. The block size starts at 8 MiB and doubles until the file needs fewer than
// 50,000 blocks (the service's limit). Block ids are derived from the content hash, the offset and the
// length, so a later run computes the same ids and can tell which blocks an interrupted upload already sent.

import { createHash } from 'node:crypto';

export const MiB = 1024 * 1024;
export const DEFAULT_BLOCK_SIZE = 8 * MiB;
/** Blocks per blob allowed by the service. */
export const MAX_BLOCKS = 50_000;
/** Largest block since service version 2019-12-12. */
export const MAX_BLOCK_SIZE = 4000 * MiB;

export interface PlannedBlock {
  /** Base64 block id (all ids of a blob have the same length, as the service requires). */
  id: string;
  offset: number;
  length: number;
}

export function chooseBlockSize(fileSize: number, minBlockSize = DEFAULT_BLOCK_SIZE): number {
  let size = Math.max(1, Math.floor(minBlockSize));
  while (Math.ceil(fileSize / size) >= MAX_BLOCKS && size < MAX_BLOCK_SIZE) size *= 2;
  if (Math.ceil(fileSize / size) >= MAX_BLOCKS) {
    throw new Error(`a file of ${fileSize} bytes is too large for one block blob`);
  }
  return Math.min(size, MAX_BLOCK_SIZE);
}

/**
 * Blocks of a file. `identity` ties the ids to the content: the model's content hash plus the file's path,
 * so blocks left by an upload of other content (or another file) never match.
 */
export function planBlocks(fileSize: number, blockSize: number, identity: string): PlannedBlock[] {
  const tag = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  const blocks: PlannedBlock[] = [];
  for (let offset = 0; offset < fileSize; offset += blockSize) {
    const length = Math.min(blockSize, fileSize - offset);
    blocks.push({ id: blockId(tag, offset, length), offset, length });
  }
  return blocks;
}

/** 43 bytes before base64 (the service allows 64): `{tag}-{offset:15}-{length:10}`. */
export function blockId(tag: string, offset: number, length: number): string {
  const raw = `${tag}-${String(offset).padStart(15, '0')}-${String(length).padStart(10, '0')}`;
  return Buffer.from(raw, 'utf8').toString('base64');
}
