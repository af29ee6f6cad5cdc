// A Blob service REST client on undici for one container: Put Blob, Put Block, Put Block List, Get Block
// List, Get Blob Properties, Set Blob Metadata, Get Blob and List Blobs. Every request is authorized per attempt (SharedKey, SAS or
// Entra token) and retried on 408/429/5xx and connection errors with full-jitter backoff and Retry-After,
// bounded by a deadline on the injected clock. Blob operations here are all idempotent, so every failure of
// those kinds is safe to repeat.

import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { type Clock, systemClock } from '../../clock.ts';
import { type Log, silentLog } from '../../log.ts';
import {
  type BackoffSettings,
  backoffDelay,
  isConnectionError,
  RETRYABLE_STATUS,
  retryAfterMs,
} from '../retry-policy.ts';
import { addSas, authorizeRequest, type BlobAuth, describeBlobAuth } from './blob-auth.ts';
import { encodeBlobPath } from './blob-endpoint.ts';
import { BlobConnectionError, BlobError, decodeXml, parseStorageError } from './blob-errors.ts';
import { type BlockList, blockListBody, parseBlockList } from './block-list-xml.ts';

/** Storage service version sent as x-ms-version (bearer tokens need 2019-12-12 or later). */
export const BLOB_API_VERSION = '2023-11-03';
/** Storage throttling clears faster than ARM's: start lower. */
export const BLOB_BACKOFF: BackoffSettings = { baseMs: 500, capMs: 20_000 };

export type BlobOperation =
  | 'Put Blob'
  | 'Put Block'
  | 'Put Block List'
  | 'Get Block List'
  | 'Get Blob Properties'
  | 'Set Blob Metadata'
  | 'Get Blob'
  | 'List Blobs';

/**
 * A request body: bytes in memory, or a region streamed by `chunks()`, called again for every attempt (so a
 * retry re-reads the file instead of keeping the block in memory).
 */
export type BlobBody = Uint8Array | { length: number; chunks: () => AsyncIterable<Uint8Array> };

export interface BlobRequestEvent {
  operation: BlobOperation;
  method: string;
  blobPath: string;
  /** 1 for the first try. */
  attempt: number;
  /** Body bytes of this attempt. */
  bytes: number;
}

export interface BlobClientOptions {
  /** The account's blob service URL (see blobServiceUrl). */
  serviceUrl: string;
  accountName: string;
  container: string;
  auth: BlobAuth;
  dispatcher: Dispatcher;
  clock?: Clock;
  /** [0, 1); injected so backoff schedules are testable. */
  random?: () => number;
  log?: Log;
  /** Retries of one request (throttling, 5xx, connection errors). Default 8. */
  maxRetries?: number;
  /** One request stops retrying this long after its first try. Default 10 minutes. */
  retryWindowMs?: number;
  /** Epoch ms after which no request is sent or retried. */
  deadline?: number;
  apiVersion?: string;
  /** Called before every attempt (tests and benches count requests with it). */
  onRequest?: (event: BlobRequestEvent) => void;
  userAgent?: string;
}

export interface BlobProperties {
  contentLength: number;
  /** Lower-case names (HTTP headers are case-insensitive). */
  metadata: Record<string, string>;
  etag: string | undefined;
}

export interface PutBlobOptions {
  metadata?: Record<string, string>;
  contentType?: string;
  /** Base64 MD5 of the body, checked by the service. */
  contentMd5?: string;
  signal?: AbortSignal;
}

interface SendOptions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: BlobBody | string;
  signal?: AbortSignal | undefined;
  /** Statuses returned instead of thrown. */
  allowStatus?: readonly number[];
  /** A container request (List Blobs): the URL names the container, not a blob. */
  container?: boolean;
}

interface BlobResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  bytes: Buffer;
}

/** One entry of List Blobs. */
export interface ListedBlob {
  name: string;
  contentLength: number;
}

const METADATA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class BlobClient {
  readonly accountName: string;
  readonly container: string;
  readonly serviceUrl: string;
  readonly #options: BlobClientOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Log;

  constructor(options: BlobClientOptions) {
    this.#options = options;
    this.serviceUrl = options.serviceUrl.replace(/\/+$/, '');
    this.accountName = options.accountName;
    this.container = options.container;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = options.log ?? silentLog;
  }

  /** The blob's URL without credentials (for messages and `https://` model URIs). */
  blobUrl(blobPath: string): string {
    return `${this.serviceUrl}/${encodeURIComponent(this.container)}/${encodeBlobPath(blobPath)}`;
  }

  /** Whole blob in one request (small files). */
  async putBlob(blobPath: string, body: BlobBody, options: PutBlobOptions = {}): Promise<void> {
    const headers: Record<string, string> = {
      'x-ms-blob-type': 'BlockBlob',
      ...metadataHeaders(options.metadata),
    };
    if (options.contentType) headers['x-ms-blob-content-type'] = options.contentType;
    if (options.contentMd5) headers['content-md5'] = options.contentMd5;
    await this.#send('Put Blob', 'PUT', blobPath, { headers, body, signal: options.signal });
  }

  async putBlock(
    blobPath: string,
    blockId: string,
    body: BlobBody,
    options: { contentMd5?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.#send('Put Block', 'PUT', blobPath, {
      query: { comp: 'block', blockid: blockId },
      headers: options.contentMd5 ? { 'content-md5': options.contentMd5 } : {},
      body,
      signal: options.signal,
    });
  }

  async putBlockList(
    blobPath: string,
    blockIds: readonly string[],
    options: { metadata?: Record<string, string>; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/xml; charset=utf-8',
      ...metadataHeaders(options.metadata),
    };
    if (options.contentType) headers['x-ms-blob-content-type'] = options.contentType;
    await this.#send('Put Block List', 'PUT', blobPath, {
      query: { comp: 'blocklist' },
      headers,
      body: blockListBody(blockIds),
      signal: options.signal,
    });
  }

  /** Committed and uncommitted blocks; undefined when the blob has neither. */
  async getBlockList(
    blobPath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<BlockList | undefined> {
    const res = await this.#send('Get Block List', 'GET', blobPath, {
      query: { comp: 'blocklist', blocklisttype: 'all' },
      signal: options.signal,
      allowStatus: [404],
    });
    return res.status === 404 ? undefined : parseBlockList(res.text);
  }

  /** HEAD; undefined when the blob does not exist. */
  async getProperties(
    blobPath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<BlobProperties | undefined> {
    const res = await this.#send('Get Blob Properties', 'HEAD', blobPath, {
      signal: options.signal,
      allowStatus: [404],
    });
    if (res.status === 404) return undefined;
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (name.startsWith('x-ms-meta-')) metadata[name.slice('x-ms-meta-'.length)] = value;
    }
    return {
      contentLength: Number(res.headers['content-length'] ?? 0),
      metadata,
      etag: res.headers.etag,
    };
  }

  /** Replaces all of the blob's metadata. */
  async setMetadata(
    blobPath: string,
    metadata: Record<string, string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.#send('Set Blob Metadata', 'PUT', blobPath, {
      query: { comp: 'metadata' },
      headers: metadataHeaders(metadata),
      signal: options.signal,
    });
  }

  /** The blob's content; undefined when it does not exist. */
  async getBlob(blobPath: string, options: { signal?: AbortSignal } = {}): Promise<Buffer | undefined> {
    const res = await this.#send('Get Blob', 'GET', blobPath, { signal: options.signal, allowStatus: [404] });
    return res.status === 404 ? undefined : res.bytes;
  }

  /** Every blob whose name starts with `prefix` (all pages), in the service's (lexical) order. */
  async listBlobs(prefix: string, options: { signal?: AbortSignal } = {}): Promise<ListedBlob[]> {
    const blobs: ListedBlob[] = [];
    let marker = '';
    do {
      const res = await this.#send('List Blobs', 'GET', '', {
        query: { restype: 'container', comp: 'list', prefix, ...(marker ? { marker } : {}) },
        signal: options.signal,
        container: true,
      });
      for (const m of res.text.matchAll(/<Blob>([\s\S]*?)<\/Blob>/g)) {
        const body = m[1] ?? '';
        const name = /<Name>([\s\S]*?)<\/Name>/.exec(body)?.[1];
        const length = /<Content-Length>(\d+)<\/Content-Length>/.exec(body)?.[1];
        if (name !== undefined) blobs.push({ name: decodeXml(name), contentLength: Number(length ?? 0) });
      }
      marker = decodeXml(/<NextMarker>([\s\S]*?)<\/NextMarker>/.exec(res.text)?.[1] ?? '');
    } while (marker);
    return blobs;
  }

  async #send(
    operation: BlobOperation,
    method: string,
    blobPath: string,
    options: SendOptions,
  ): Promise<BlobResponse> {
    const { auth } = this.#options;
    const url = new URL(
      options.container ? `${this.serviceUrl}/${encodeURIComponent(this.container)}` : this.blobUrl(blobPath),
    );
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    addSas(url, auth);
    const body: BlobBody | undefined =
      typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
    const bodyLength = body === undefined ? 0 : body instanceof Uint8Array ? body.byteLength : body.length;
    const started = this.#clock.now();
    const deadline = Math.min(
      this.#options.deadline ?? Number.POSITIVE_INFINITY,
      started + (this.#options.retryWindowMs ?? 600_000),
    );
    const maxRetries = this.#options.maxRetries ?? 8;
    const clientRequestId = randomUUID();
    const fail = (res: BlobResponse, note?: string) => {
      const parsed = parseStorageError(res.text);
      const detail = parsed.detail ? ` ${parsed.detail}` : '';
      return new BlobError({
        status: res.status,
        code: res.headers['x-ms-error-code'] || parsed.code || `HttpStatus${res.status}`,
        serviceMessage: `${parsed.message ?? `storage answered HTTP ${res.status}`}${detail}`,
        method,
        operation,
        accountName: this.accountName,
        container: this.container,
        blobPath,
        authDescription: describeBlobAuth(auth),
        requestId: res.headers['x-ms-request-id'],
        note,
      });
    };

    for (let attempt = 1, retries = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      if (this.#clock.now() >= deadline) {
        throw new BlobConnectionError(
          operation,
          this.accountName,
          blobPath,
          new Error('deadline passed'),
          'The deadline passed before the request was sent.',
        );
      }
      const headers: Record<string, string> = {
        'x-ms-version': this.#options.apiVersion ?? BLOB_API_VERSION,
        // Storage checks this against real time (15 minutes skew), whatever clock drives the retries.
        'x-ms-date': new Date().toUTCString(),
        'x-ms-client-request-id': clientRequestId,
        'user-agent': this.#options.userAgent ?? 'azureml-deploy',
        ...(options.headers ?? {}),
      };
      if (method === 'PUT') headers['content-length'] = String(bodyLength);
      await authorizeRequest(auth, method, url, headers, options.signal);
      this.#options.onRequest?.({ operation, method, blobPath, attempt, bytes: bodyLength });

      let res: BlobResponse;
      try {
        res = await this.#dispatch(method, url, headers, body, options.signal);
      } catch (error) {
        options.signal?.throwIfAborted();
        if (!isConnectionError(error)) throw error;
        if (retries >= maxRetries) {
          throw new BlobConnectionError(
            operation,
            this.accountName,
            blobPath,
            error,
            `Gave up after ${attempt} attempts.`,
          );
        }
        const delay = backoffDelay(retries++, BLOB_BACKOFF, this.#random);
        if (this.#clock.now() + delay >= deadline) {
          throw new BlobConnectionError(
            operation,
            this.accountName,
            blobPath,
            error,
            'Gave up: the deadline would pass before the next attempt.',
          );
        }
        this.#log.debug(
          `blob ${operation} ${blobPath}: ${(error as Error).message}; retrying in ${delay} ms`,
        );
        await this.#clock.sleep(delay, options.signal);
        continue;
      }

      if (res.status < 300 || options.allowStatus?.includes(res.status)) return res;
      if (!RETRYABLE_STATUS.has(res.status)) throw fail(res);
      if (retries >= maxRetries) throw fail(res, `Gave up after ${attempt} attempts.`);
      const asked = retryAfterMs(res.headers, this.#clock.now());
      const delay = asked ?? backoffDelay(retries, BLOB_BACKOFF, this.#random);
      retries++;
      if (this.#clock.now() + delay >= deadline) {
        throw fail(
          res,
          asked !== undefined
            ? `Storage asked to retry after ${Math.ceil(asked / 1000)} s, past the deadline.`
            : 'Gave up: the deadline would pass before the next attempt.',
        );
      }
      this.#log.debug(`blob ${operation} ${blobPath}: HTTP ${res.status}; retrying in ${delay} ms`);
      await this.#clock.sleep(delay, options.signal);
    }
  }

  async #dispatch(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: BlobBody | undefined,
    signal: AbortSignal | undefined,
  ): Promise<BlobResponse> {
    const res = await this.#options.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: method as Dispatcher.HttpMethod,
      headers,
      // undici documents AsyncIterable bodies (Dispatcher.md) though its typings omit them.
      body:
        body === undefined
          ? null
          : body instanceof Uint8Array
            ? body
            : (body.chunks() as unknown as Readable),
      ...(signal ? { signal } : {}),
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const text = bytes.toString('utf8');
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined)
        responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: res.statusCode, headers: responseHeaders, text, bytes };
  }
}

function metadataHeaders(metadata: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (!METADATA_NAME.test(name)) throw new Error(`blob metadata name '${name}' is not a C# identifier`);
    // Header values must be ASCII; metadata here is ids, hashes and names.
    if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`blob metadata '${name}' must be printable ASCII`);
    headers[`x-ms-meta-${name.toLowerCase()}`] = value;
  }
  return headers;
}
