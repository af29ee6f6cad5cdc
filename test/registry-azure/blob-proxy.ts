// A loopback proxy in front of Azurite that records every blob request and injects faults: a dropped
// connection (reset) or a canned answer (503/429 with Retry-After), chosen per request by a rule the test sets.
// Its URL is path-style like Azurite's (`http://127.0.0.1:PORT/devstoreaccount1`), so the fake's datastore
// can point at it. Also: helpers that read blobs back from Azurite directly, with a SAS.

import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../support/fake-azure/index.ts';
import { containerSas } from '../support/fake-azure/sas.ts';

export type BlobOp =
  | 'Put Blob'
  | 'Put Block'
  | 'Put Block List'
  | 'Get Block List'
  | 'Get Blob Properties'
  | 'Set Blob Metadata'
  | 'Create Container'
  | 'Other';

export interface ProxiedRequest {
  op: BlobOp;
  method: string;
  /** Blob path inside the container (decoded), or '' for container requests. */
  blob: string;
  authorization: string | undefined;
  outcome: 'forwarded' | 'reset' | 'answered';
  status?: number;
}

export type ProxyFault = 'reset' | { status: number; headers?: Record<string, string>; code?: string };

export interface BlobProxy {
  /** Path-style endpoint with the account. */
  url: string;
  requests: ProxiedRequest[];
  /** Decides each request's fate; undefined forwards it. */
  rule: ((req: ProxiedRequest) => ProxyFault | undefined) | undefined;
  /** Most Put Block requests seen in flight at once. */
  maxPutBlocksInFlight: number;
  /** Resolves once every forwarded request has finished upstream (Azurite may still be storing a block). */
  idle(): Promise<void>;
  count(op: BlobOp): number;
  close(): Promise<void>;
}

export async function startBlobProxy(upstream: string): Promise<BlobProxy> {
  const target = new URL(upstream);
  let inFlight = 0;
  let forwarding = 0;
  const server = createServer();
  const proxy: BlobProxy = {
    url: '',
    requests: [],
    rule: undefined,
    maxPutBlocksInFlight: 0,
    count: (op) => proxy.requests.filter((r) => r.op === op && r.outcome === 'forwarded').length,
    idle: async () => {
      for (let i = 0; forwarding > 0; i++) {
        if (i > 500) throw new Error('blob proxy: forwarded requests did not finish');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const segments = url.pathname.split('/').filter(Boolean);
    const record: ProxiedRequest = {
      op: classify(req.method ?? 'GET', url.searchParams),
      method: req.method ?? 'GET',
      blob: decodeURIComponent(segments.slice(2).join('/')),
      authorization: req.headers.authorization,
      outcome: 'forwarded',
    };
    proxy.requests.push(record);
    const isBlock = record.op === 'Put Block';
    if (isBlock) {
      inFlight++;
      proxy.maxPutBlocksInFlight = Math.max(proxy.maxPutBlocksInFlight, inFlight);
    }
    let done = false;
    const finished = () => {
      if (isBlock && !done) inFlight--;
      done = true;
    };
    res.on('close', finished);
    req.on('close', () => {
      if (record.outcome === 'reset') finished();
    });

    const fault = proxy.rule?.(record);
    if (fault === 'reset') {
      record.outcome = 'reset';
      // Take the body, then drop the connection without an answer: what a reset mid-upload looks like.
      req.resume();
      req.on('end', () => req.socket.destroy());
      return;
    }
    if (fault) {
      record.outcome = 'answered';
      record.status = fault.status;
      req.resume();
      req.on('end', () => {
        const code = fault.code ?? (fault.status === 503 ? 'ServerBusy' : 'TooManyRequests');
        const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>Injected by the test proxy.</Message></Error>`;
        res.writeHead(fault.status, {
          'content-type': 'application/xml',
          'x-ms-error-code': code,
          'content-length': Buffer.byteLength(body),
          ...fault.headers,
        });
        res.end(body);
      });
      return;
    }
    const upstreamReq = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forwarding++;
    upstreamReq.once('close', () => forwarding--);
    upstreamReq.on('error', () => res.destroy());
    // A client that drops its connection mid-body cuts the upstream request too, as a real network would.
    req.on('close', () => {
      if (!req.complete) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${target.pathname.replace(/\/+$/, '')}`;
  return proxy;
}

function classify(method: string, query: URLSearchParams): BlobOp {
  const comp = query.get('comp');
  if (method === 'PUT') {
    if (query.get('restype') === 'container') return 'Create Container';
    if (comp === 'block') return 'Put Block';
    if (comp === 'blocklist') return 'Put Block List';
    if (comp === 'metadata') return 'Set Blob Metadata';
    if (comp === null) return 'Put Blob';
  }
  if (method === 'HEAD' && comp === null) return 'Get Blob Properties';
  if (method === 'GET' && comp === 'blocklist') return 'Get Block List';
  return 'Other';
}

/** Reads Azurite directly (not through the code under test) with a container SAS. */
export function azuriteReader(blobEndpoint: string, container: string) {
  const sas = () =>
    containerSas({
      account: AZURITE_ACCOUNT,
      key: AZURITE_KEY,
      container,
      permissions: 'rl',
      expiresOnMs: Date.now() + 3600_000,
    });
  const blobUrl = (blob: string, query = '') =>
    `${blobEndpoint}/${container}/${blob.split('/').map(encodeURIComponent).join('/')}?${query}${sas()}`;
  return {
    /** The blob's bytes and metadata, or undefined when it does not exist. */
    async read(blob: string): Promise<{ bytes: Buffer; metadata: Record<string, string> } | undefined> {
      const res = await fetch(blobUrl(blob), { headers: { 'x-ms-version': '2021-08-06' } });
      if (res.status === 404) {
        await res.arrayBuffer();
        return undefined;
      }
      if (res.status !== 200) throw new Error(`reading ${blob}: HTTP ${res.status} ${await res.text()}`);
      const metadata: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        if (name.startsWith('x-ms-meta-')) metadata[name.slice('x-ms-meta-'.length)] = value;
      });
      return { bytes: Buffer.from(await res.arrayBuffer()), metadata };
    },
    /** Names of committed blobs under a prefix. */
    async list(prefix: string): Promise<string[]> {
      const res = await fetch(
        `${blobEndpoint}/${container}?restype=container&comp=list&prefix=${encodeURIComponent(prefix)}&${sas()}`,
        { headers: { 'x-ms-version': '2021-08-06' } },
      );
      const xml = await res.text();
      if (res.status !== 200) throw new Error(`listing ${prefix}: HTTP ${res.status} ${xml}`);
      return [...xml.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => m[1] ?? '').sort();
    },
    /** How many uncommitted blocks the blob has (0 when none, or no such blob). */
    async uncommittedBlocks(blob: string): Promise<number> {
      const res = await fetch(blobUrl(blob, 'comp=blocklist&blocklisttype=uncommitted&'), {
        headers: { 'x-ms-version': '2021-08-06' },
      });
      const xml = await res.text();
      if (res.status === 404) return 0;
      if (res.status !== 200) throw new Error(`block list of ${blob}: HTTP ${res.status} ${xml}`);
      const section = /<UncommittedBlocks>([\s\S]*?)<\/UncommittedBlocks>/.exec(xml)?.[1] ?? '';
      return [...section.matchAll(/<Block>/g)].length;
    },
  };
}
