// A minimal HTTP/1.1 client for plain-http scoring URIs (the local target, loopback services): one write per
// request and a small parser on keep-alive sockets. A general client's own work is ~0.3 ms a request, as much
// as a fast local model takes; measured latency should be the service's. https goes through undici.

import net from 'node:net';

export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

class ResponseError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

/** Idle keep-alive sockets per origin (`host:port`). */
export class PlainHttpPool {
  readonly #idle = new Map<string, net.Socket[]>();
  readonly #guarded = new WeakSet<net.Socket>();

  take(host: string, port: number): { socket: net.Socket; reused: boolean } {
    const list = this.#idle.get(`${host}:${port}`);
    while (list && list.length > 0) {
      const socket = list.pop()!;
      // A socket whose server already said goodbye (FIN) may still take a request and never answer it.
      if (!socket.destroyed && !socket.readableEnded) return { socket, reused: true };
      socket.destroy();
    }
    const socket = net.connect({ host, port, noDelay: true });
    return { socket, reused: false };
  }

  give(host: string, port: number, socket: net.Socket): void {
    const key = `${host}:${port}`;
    const list = this.#idle.get(key) ?? [];
    list.push(socket);
    this.#idle.set(key, list);
    // An idle socket must not keep the process alive, nor leak errors when the server closes it.
    socket.unref();
    if (!this.#guarded.has(socket)) {
      this.#guarded.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('end', () => socket.destroy());
    }
  }

  close(): void {
    for (const list of this.#idle.values()) for (const s of list) s.destroy();
    this.#idle.clear();
  }
}

/**
 * Sends one request and reads the whole response. A reused socket that was reset before any answer (the
 * keep-alive race with an idle timeout) is retried once on a new connection.
 */
export async function sendPlain(
  pool: PlainHttpPool,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal,
): Promise<PlainResponse> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const head = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [k, v] of Object.entries(headers)) {
    if (/^(host|content-length|connection|transfer-encoding)$/i.test(k)) continue;
    head.push(`${k}: ${v}`);
  }
  head.push(`Content-Length: ${body?.length ?? 0}`, '', '');
  const request = body
    ? Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), body])
    : Buffer.from(head.join('\r\n'), 'latin1');
  for (let attempt = 1; ; attempt++) {
    const { socket, reused } = pool.take(host, port);
    try {
      return await exchange(socket, request, method, signal, (keepAlive) => {
        if (keepAlive) pool.give(host, port, socket);
        else socket.destroy();
      });
    } catch (err) {
      socket.destroy();
      if (reused && attempt === 1 && (err as ResponseError).code === 'STALE_SOCKET') continue;
      throw err;
    }
  }
}

function exchange(
  socket: net.Socket,
  request: Buffer,
  method: string,
  signal: AbortSignal,
  done: (keepAlive: boolean) => void,
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let parsed: { status: number; headers: Record<string, string>; bodyStart: number } | undefined;
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const finish = (body: Buffer, keepAlive: boolean) => {
      cleanup();
      resolve({ status: parsed!.status, headers: parsed!.headers, body });
      done(keepAlive);
    };
    const onAbort = () => fail(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const onError = (err: Error) =>
      fail(received === 0 && isReset(err) ? new ResponseError(err.message, 'STALE_SOCKET') : err);
    const onClose = () => {
      if (parsed && !parsed.headers['content-length'] && !isChunked(parsed.headers)) {
        return finish(Buffer.concat(chunks).subarray(parsed.bodyStart), false);
      }
      // Closed without an answer: the request may have been processed, so it is not sent again.
      fail(
        new ResponseError(
          received === 0
            ? 'the connection closed before a response'
            : 'the connection closed in the middle of the response',
          'ECONNRESET',
        ),
      );
    };
    const onData = (data: Buffer) => {
      chunks.push(data);
      received += data.length;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (chunks.length > 1) chunks.splice(0, chunks.length, all);
      if (!parsed) {
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) return;
        try {
          parsed = parseHead(all.subarray(0, end).toString('latin1'), end + 4);
        } catch (err) {
          return fail(err as Error);
        }
        // 1xx interim answers (100 Continue) are skipped.
        if (parsed.status >= 100 && parsed.status < 200) {
          chunks.splice(0, chunks.length, all.subarray(parsed.bodyStart));
          parsed = undefined;
          return onData(Buffer.alloc(0));
        }
      }
      const rest = all.subarray(parsed.bodyStart);
      const keepAlive = (parsed.headers['connection'] ?? '').toLowerCase() !== 'close';
      if (method === 'HEAD' || parsed.status === 204 || parsed.status === 304)
        return finish(Buffer.alloc(0), keepAlive);
      const length = parsed.headers['content-length'];
      if (length !== undefined) {
        if (rest.length >= Number(length)) finish(rest.subarray(0, Number(length)), keepAlive);
        return;
      }
      if (isChunked(parsed.headers)) {
        let body: Buffer | undefined;
        try {
          body = dechunk(rest);
        } catch (err) {
          return fail(err as Error);
        }
        if (body) finish(body, keepAlive);
      }
      // else: the body ends when the server closes the connection (onClose).
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.ref();
    socket.write(request);
  });
}

function parseHead(text: string, bodyStart: number) {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m)
    throw new ResponseError(
      `not an HTTP/1.1 response: ${JSON.stringify(statusLine.slice(0, 60))}`,
      'HPE_INVALID',
    );
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), headers, bodyStart };
}

function isChunked(headers: Record<string, string>): boolean {
  return /\bchunked\b/i.test(headers['transfer-encoding'] ?? '');
}

/** The body of a complete chunked message, or undefined while more is needed. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (Number.isNaN(size)) throw new ResponseError('malformed chunked body', 'HPE_INVALID');
    const start = lineEnd + 2;
    if (size === 0)
      return data.indexOf('\r\n\r\n', lineEnd) >= 0 || data.length >= start + 2
        ? Buffer.concat(parts)
        : undefined;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}

function isReset(err: Error): boolean {
  return ['ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '');
}
