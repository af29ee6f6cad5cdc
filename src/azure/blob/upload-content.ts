// Uploads hashed content (a file or a folder, see content/content-hash.ts) under a content-addressed prefix,
// as the Azure ML SDK lays it out: `LocalUpload/<hash>/<name>[/<relpath>]`. The first file is the
// "indicator" blob: once every file is stored it gets `upload_status=completed`, and a later run that finds
// that marker uploads nothing. Files already stored whole (same size, same content hash metadata) are
// skipped; a large file interrupted half-way resumes from its stored blocks.

import type { ContentFile, ContentHash } from '../../content/content-hash.ts';
import type { BlobClient, BlobProperties } from './blob-client.ts';
import { DEFAULT_BLOCK_SIZE } from './block-plan.ts';
import { BufferPool } from './buffer-pool.ts';
import { uploadFile } from './upload-file.ts';

/** Metadata names (lower-case: HEAD returns them so). */
export const CONTENT_HASH_METADATA = 'content_hash';
export const UPLOAD_STATUS_METADATA = 'upload_status';
export const UPLOAD_COMPLETED = 'completed';
export const DEFAULT_CONCURRENCY = 8;
/** Below this a HEAD costs as much as sending the file again, so small files are just sent. */
const HEAD_FIRST_MIN_BYTES = 64 * 1024;

export interface ContentUploadOptions {
  client: BlobClient;
  content: Pick<ContentHash, 'hash' | 'files' | 'kind' | 'totalBytes'>;
  /** Blob path of the uploaded artifact: the file itself, or the folder its files go under. */
  prefix: string;
  /** Blocks (and small files) in flight at once; also the number of pooled chunk buffers. Default 8. */
  concurrency?: number;
  /** Smallest block size. Default 8 MiB. */
  blockSize?: number;
  /** Size of each request's streaming buffer; default 1 MiB (memory is about concurrency x this). */
  chunkSize?: number;
  blockMd5?: boolean;
  /** Extra metadata on the indicator blob once complete (the SDK writes `name` and `version`). */
  completionMetadata?: Record<string, string>;
  /** Called after every stored block or blob with the running totals. */
  onProgress?: (bytesSent: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

export interface ContentUploadResult {
  bytesSent: number;
  filesUploaded: number;
  /** Files found complete in storage. */
  filesSkipped: number;
  blocksSent: number;
  blocksReused: number;
  /** The indicator blob said the whole content was already stored. */
  alreadyComplete: boolean;
}

/** Where each file goes: a single file is the prefix itself; a folder's files go below it. */
export function contentBlobPath(kind: 'file' | 'folder', prefix: string, file: ContentFile): string {
  return kind === 'file' ? prefix : `${prefix}/${file.relPath}`;
}

export async function uploadContent(options: ContentUploadOptions): Promise<ContentUploadResult> {
  const { client, content, prefix } = options;
  const signalOption = options.signal ? { signal: options.signal } : {};
  const result: ContentUploadResult = {
    bytesSent: 0,
    filesUploaded: 0,
    filesSkipped: 0,
    blocksSent: 0,
    blocksReused: 0,
    alreadyComplete: false,
  };
  const indicator = content.files[0];
  if (!indicator) return result;
  const indicatorPath = contentBlobPath(content.kind, prefix, indicator);
  const fileMetadata = { [CONTENT_HASH_METADATA]: content.hash };

  const indicatorProps = await client.getProperties(indicatorPath, signalOption);
  if (
    indicatorProps &&
    indicatorProps.metadata[UPLOAD_STATUS_METADATA] === UPLOAD_COMPLETED &&
    isComplete(indicatorProps, indicator, content.hash)
  ) {
    return { ...result, filesSkipped: content.files.length, alreadyComplete: true };
  }

  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const pool = new BufferPool(concurrency);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const uploadOne = async (file: ContentFile, known: BlobProperties | undefined | 'unknown') => {
    const blobPath = contentBlobPath(content.kind, prefix, file);
    const props =
      known !== 'unknown'
        ? known
        : file.size >= HEAD_FIRST_MIN_BYTES
          ? await client.getProperties(blobPath, { signal })
          : undefined;
    if (props && isComplete(props, file, content.hash)) {
      result.filesSkipped++;
      return;
    }
    const uploaded = await uploadFile({
      client,
      pool,
      blobPath,
      absPath: file.absPath,
      size: file.size,
      blockIdentity: `${content.hash}\0${file.relPath}`,
      blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE,
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      metadata: fileMetadata,
      ...(options.blockMd5 ? { blockMd5: true } : {}),
      onBytes: (bytes) => {
        result.bytesSent += bytes;
        options.onProgress?.(result.bytesSent, content.totalBytes);
      },
      signal,
    });
    result.filesUploaded++;
    result.blocksSent += uploaded.blocksSent;
    result.blocksReused += uploaded.blocksReused;
  };
  // Several files at once (each bounded by the shared buffer pool), so folders of small files keep
  // `concurrency` requests in flight too.
  const worker = async () => {
    while (next < content.files.length && !signal.aborted) {
      const index = next++;
      const file = content.files[index] as ContentFile;
      await uploadOne(file, index === 0 ? indicatorProps : 'unknown');
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, content.files.length) }, () =>
      worker().catch((error: unknown) => {
        if (!failure) failure = { error };
        stop.abort(error);
      }),
    ),
  );
  if (failure) throw failure.error;
  options.signal?.throwIfAborted();

  // Only now is the content whole: mark it so later runs (and the SDK) skip the upload.
  await client.setMetadata(
    indicatorPath,
    { ...fileMetadata, [UPLOAD_STATUS_METADATA]: UPLOAD_COMPLETED, ...(options.completionMetadata ?? {}) },
    signalOption,
  );
  return result;
}

function isComplete(props: BlobProperties, file: ContentFile, hash: string): boolean {
  return props.contentLength === file.size && props.metadata[CONTENT_HASH_METADATA] === hash;
}
