// The few Blob REST calls a code upload needs: one Put Blob per file under a container SAS (code folders are
// small). A stop-gap until the shared block uploader in src/azure/blob replaces it. URLs in messages never
// carry the SAS query.

import { createReadStream } from 'node:fs';
import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.ts';
import type { ContentFile } from '../../content/content-hash.ts';

const STORAGE_VERSION = '2021-08-06';
/** Put Blob takes up to 5000 MiB in one request since 2019-12-12. */
const MAX_SINGLE_PUT = 5000 * 1024 * 1024;
const ATTEMPTS = 3;
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

export interface FolderUploadOptions {
  dispatcher: Dispatcher;
  clock: Clock;
  signal?: AbortSignal;
  /** Files sent at once. */
  concurrency?: number;
}

/** Uploads every file to `{folderUrl}/{relPath}` with the SAS query of `sasUrl`; returns the bytes sent. */
export async function uploadFilesWithSas(
  folderUrl: string,
  sasUrl: string,
  files: readonly ContentFile[],
  opts: FolderUploadOptions,
): Promise<number> {
  const sas = new URL(sasUrl).search;
  const base = folderUrl.replace(/\/+$/, '');
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    for (;;) {
      const file = files[next++];
      if (!file) return;
      const blobPath = file.relPath.split('/').map(encodeURIComponent).join('/');
      await putBlockBlob(`${base}/${blobPath}${sas}`, file, opts);
      bytes += file.size;
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, files.length) }, worker));
  return bytes;
}

/** One Put Blob (BlockBlob) of a local file, retried on transient answers and dropped connections. */
export async function putBlockBlob(url: string, file: ContentFile, opts: FolderUploadOptions): Promise<void> {
  const target = new URL(url);
  const shown = `${target.origin}${target.pathname}`;
  if (file.size > MAX_SINGLE_PUT) {
    throw new Error(
      `${file.relPath} is ${file.size} bytes, more than one Put Blob takes; code folders must be small`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    let status: number;
    let detail = '';
    try {
      const res = await opts.dispatcher.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: 'PUT',
        headers: {
          'x-ms-blob-type': 'BlockBlob',
          'x-ms-version': STORAGE_VERSION,
          'content-length': String(file.size),
          'content-type': 'application/octet-stream',
        },
        body: file.size === 0 ? '' : createReadStream(file.absPath),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      status = res.statusCode;
      const text = await res.body.text();
      const code = res.headers['x-ms-error-code'];
      detail = `${typeof code === 'string' ? code : ''} ${/<Message>([^<]*)/.exec(text)?.[1] ?? ''}`.trim();
    } catch (error) {
      opts.signal?.throwIfAborted();
      if (attempt >= ATTEMPTS) {
        throw new Error(`uploading ${file.relPath} to ${shown} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await opts.clock.sleep(500 * attempt, opts.signal);
      continue;
    }
    if (status === 201 || status === 200) return;
    if (!RETRYABLE.has(status) || attempt >= ATTEMPTS) {
      throw new Error(
        `uploading ${file.relPath} to ${shown} failed: HTTP ${status}${detail ? ` ${detail}` : ''}` +
          (status === 403
            ? ' (the upload SAS was refused: expired, or the storage account blocks this network)'
            : ''),
      );
    }
    await opts.clock.sleep(500 * attempt, opts.signal);
  }
}
