import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { sendRequest } from '../../src/probe/http.ts';
import { PlainHttpPool, sendPlain } from '../../src/probe/plain-http.ts';

/** A raw TCP server answering each request with the given bytes; counts connections and requests. */
async function rawServer(
  t: import('node:test').TestContext,
  answer: (n: number) => string,
  opts: { closeAfter?: boolean } = {},
) {
  const stats = { connections: 0, requests: 0 };
  const server = net.createServer((socket) => {
    stats.connections++;
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        stats.requests++;
        socket.write(answer(stats.requests));
        if (opts.closeAfter) socket.end();
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  return { url: new URL(`http://127.0.0.1:${port}/score?x=1`), stats, server };
}

const signal = new AbortController().signal;

test('content-length bodies on one keep-alive connection, request sent whole', async (t) => {
  const s = await rawServer(t, (n) => {
    const body = `{"n": ${n}}`;
    return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  });
  const pool = new PlainHttpPool();
  t.after(() => pool.close());
  for (let i = 1; i <= 5; i++) {
    const r = await sendPlain(
      pool,
      s.url,
      'POST',
      { 'Content-Type': 'application/json' },
      Buffer.from('{}'),
      signal,
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), `{"n": ${i}}`);
    assert.equal(r.headers['content-type'], 'application/json');
  }
  assert.equal(s.stats.connections, 1, 'the connection is reused');
});

test('chunked bodies and bodies that end with the connection', async (t) => {
  const chunked = await rawServer(
    t,
    () => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n6\r\npedia \r\n0\r\n\r\n',
  );
  const closing = await rawServer(t, () => 'HTTP/1.0 500 Oops\r\n\r\nboom', { closeAfter: true });
  const pool = new PlainHttpPool();
  t.after(() => pool.close());
  const a = await sendPlain(pool, chunked.url, 'POST', {}, Buffer.from('x'), signal);
  assert.equal(a.body.toString(), 'Wikipedia ');
  const b = await sendPlain(pool, closing.url, 'POST', {}, undefined, signal);
  assert.equal(b.status, 500);
  assert.equal(b.body.toString(), 'boom');
});

test('a pooled connection the server closed while idle is not reused', async (t) => {
  // The server hangs up idle connections soon after answering (an idle keep-alive timeout), without a
  // `Connection: close` header; the client waits longer than that between requests.
  const s = await rawServer(t, () => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', { closeAfter: true });
  const pool = new PlainHttpPool();
  t.after(() => pool.close());
  for (let i = 0; i < 3; i++) {
    assert.equal((await sendPlain(pool, s.url, 'POST', {}, undefined, signal)).body.toString(), 'ok');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(s.stats.requests, 3, 'each request reached the service exactly once');
  assert.equal(s.stats.connections, 3, 'a closed connection is never reused');
});

test('`Connection: close` answers are not pooled', async (t) => {
  const s = await rawServer(t, () => 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
  const pool = new PlainHttpPool();
  t.after(() => pool.close());
  for (let i = 0; i < 3; i++) await sendPlain(pool, s.url, 'POST', {}, undefined, signal);
  assert.equal(s.stats.requests, 3);
  assert.equal(s.stats.connections, 3);
});

test('through sendRequest: refused is classified, a timeout is a timeout', async (t) => {
  const pool = new PlainHttpPool();
  t.after(() => pool.close());
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const refused = await sendRequest({ url: `http://127.0.0.1:${port}/score`, headers: {}, plainPool: pool });
  assert.equal(refused.errorClass, 'connection-refused');

  const silent = net.createServer((socket) => socket.on('error', () => {}));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => silent.close());
  const sport = (silent.address() as net.AddressInfo).port;
  const slow = await sendRequest({
    url: `http://127.0.0.1:${sport}/score`,
    headers: {},
    plainPool: pool,
    timeoutMs: 150,
  });
  assert.equal(slow.errorClass, 'timeout');
  for (const s of [silent]) s.unref();
});
