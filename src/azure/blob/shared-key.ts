// SharedKey authorization for the Blob service ("Authorize with Shared Key", version 2009-09-19 and later):
// HMAC-SHA256, keyed with the base64-decoded account key, over the verb, the standard headers, the
// canonicalized x-ms-* headers and the canonicalized resource.

import { createHmac } from 'node:crypto';

export interface SharedKeyRequest {
  method: string;
  url: URL;
  /** Lower-case header names, as they will be sent (x-ms-date or date included). */
  headers: Readonly<Record<string, string>>;
}

/** The `Authorization` header value: `SharedKey {account}:{signature}`. */
export function sharedKeyAuthorization(
  accountName: string,
  accountKey: string,
  request: SharedKeyRequest,
): string {
  const signature = createHmac('sha256', Buffer.from(accountKey, 'base64'))
    .update(sharedKeyStringToSign(accountName, request), 'utf8')
    .digest('base64');
  return `SharedKey ${accountName}:${signature}`;
}

export function sharedKeyStringToSign(accountName: string, request: SharedKeyRequest): string {
  const h = request.headers;
  const contentLength = h['content-length'] ?? '';
  return [
    request.method.toUpperCase(),
    h['content-encoding'] ?? '',
    h['content-language'] ?? '',
    // Since 2015-02-21 a zero length is signed as the empty string.
    contentLength === '0' ? '' : contentLength,
    h['content-md5'] ?? '',
    h['content-type'] ?? '',
    // x-ms-date, when present, is signed among the x-ms headers and Date stays empty.
    h['x-ms-date'] ? '' : (h.date ?? ''),
    h['if-modified-since'] ?? '',
    h['if-match'] ?? '',
    h['if-none-match'] ?? '',
    h['if-unmodified-since'] ?? '',
    h.range ?? '',
  ]
    .join('\n')
    .concat('\n', canonicalizedHeaders(h), canonicalizedResource(accountName, request.url));
}

function canonicalizedHeaders(headers: Readonly<Record<string, string>>): string {
  return Object.keys(headers)
    .filter((name) => name.startsWith('x-ms-'))
    .sort()
    .map((name) => `${name}:${(headers[name] ?? '').replace(/\s+/g, ' ').trim()}\n`)
    .join('');
}

/**
 * `/{account}{path}` then each query parameter, lower-case name, on its own line. For path-style URLs the
 * path already starts with the account, which then appears twice: that is what the service computes.
 */
function canonicalizedResource(accountName: string, url: URL): string {
  let resource = `/${accountName}${url.pathname || '/'}`;
  const params = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  for (const name of [...params.keys()].sort()) {
    resource += `\n${name}:${(params.get(name) ?? []).sort().join(',')}`;
  }
  return resource;
}
