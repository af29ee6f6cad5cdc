import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyError, sendRequest } from '../../src/probe/http.ts';
import { freePort, json, startServer, testAgent } from './servers.ts';

/** Milliseconds on the monotonic clock sendRequest measures with. */
const now = () => Number(process.hrtime.bigint()) / 1e6;

describe('sendRequest against a real server', () => {
  test('posts the body and headers, returns status, lower-case headers, body and a latency', async (t) => {
    let serverSpan = 0;
    const server = await startServer(t, (req, res) => {
      const received = now();
      setTimeout(() => {
        serverSpan = now() - received;
        json(res, 200, { echo: req.body, ct: req.headers['content-type'] }, { 'X-Request-Id': 'r1' });
      }, 30);
    });
    const before = now();
    const out = await sendRequest({
      url: server.url,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"data":1}'),
      dispatcher: testAgent(t),
    });
    const outer = now() - before;
    assert.equal(out.status, 200);
    assert.equal(out.errorClass, undefined);
    assert.equal(out.headers['x-request-id'], 'r1');
    assert.deepEqual(JSON.parse(out.body.toString()), { echo: '{"data":1}', ct: 'application/json' });
    // Containment, not thresholds: the latency spans the server's handling and lies within the call.
    assert.ok(
      serverSpan > 0 && out.latencyMs >= serverSpan,
      `latency ${out.latencyMs}, server ${serverSpan}`,
    );
    assert.ok(out.latencyMs <= outer, `latency ${out.latencyMs}, call ${outer}`);
    assert.equal(server.received[0]?.method, 'POST');
  });

  test('latency runs to the full body, not to the headers', async (t) => {
    let bodySpan = 0;
    const server = await startServer(t, (_req, res) => {
      res.writeHead(200);
      res.write('part one ');
      const headersSent = now();
      setTimeout(() => {
        bodySpan = now() - headersSent;
        res.end('part two');
      }, 80);
    });
    const out = await sendRequest({ url: server.url, headers: {}, dispatcher: testAgent(t) });
    assert.equal(out.body.toString(), 'part one part two');
    // The measured latency contains the server's gap between the headers and the end of the body.
    assert.ok(bodySpan > 0 && out.latencyMs >= bodySpan, `latency ${out.latencyMs}, body gap ${bodySpan}`);
  });

  test('4xx and 5xx are classified but still carry the response', async (t) => {
    const server = await startServer(t, (_req, res, hit) => json(res, hit === 1 ? 404 : 502, { hit }));
    const agent = testAgent(t);
    const a = await sendRequest({ url: server.url, headers: {}, dispatcher: agent });
    const b = await sendRequest({ url: server.url, headers: {}, dispatcher: agent });
    assert.deepEqual([a.status, a.errorClass, b.status, b.errorClass], [404, 'http-4xx', 502, 'http-5xx']);
    assert.equal(b.body.toString(), '{"hit":2}');
  });

  test('connection refused', async (t) => {
    const port = await freePort();
    const out = await sendRequest({
      url: `http://127.0.0.1:${port}/score`,
      headers: {},
      dispatcher: testAgent(t),
    });
    assert.equal(out.status, undefined);
    assert.equal(out.errorClass, 'connection-refused');
    assert.match(out.error ?? '', /ECONNREFUSED/);
  });

  test('connection reset by the server', async (t) => {
    const server = await startServer(t, (_req, res) => {
      res.socket?.destroy();
    });
    const out = await sendRequest({ url: server.url, headers: {}, dispatcher: testAgent(t) });
    assert.equal(out.errorClass, 'connection-reset');
  });

  test('the per-request timeout covers a body that never finishes', async (t) => {
    const server = await startServer(t, (_req, res) => {
      res.writeHead(200);
      res.write('slow');
    });
    const before = now();
    const out = await sendRequest({ url: server.url, headers: {}, timeoutMs: 150, dispatcher: testAgent(t) });
    const outer = now() - before;
    assert.equal(out.errorClass, 'timeout');
    assert.equal(out.error, 'no complete response within 150 ms');
    // The timer that aborted the request cannot fire early (libuv rounds to whole ms); no upper bound but the
    // call's own duration.
    assert.ok(out.latencyMs >= 149 && out.latencyMs <= outer, `latency ${out.latencyMs}, call ${outer}`);
  });
});

describe('classifyError', () => {
  const withCode = (code: string, extra: object = {}) => Object.assign(new Error(code), { code }, extra);
  test('maps Node and undici codes, looking through cause and AggregateError', () => {
    assert.equal(classifyError(withCode('ECONNREFUSED')), 'connection-refused');
    assert.equal(
      classifyError(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')])),
      'connection-refused',
    );
    assert.equal(classifyError(new TypeError('fetch failed', { cause: withCode('ENOTFOUND') })), 'dns');
    assert.equal(classifyError(withCode('EAI_AGAIN')), 'dns');
    assert.equal(classifyError(withCode('UND_ERR_SOCKET')), 'connection-reset');
    assert.equal(classifyError(withCode('ECONNRESET')), 'connection-reset');
    assert.equal(classifyError(withCode('UND_ERR_CONNECT_TIMEOUT')), 'timeout');
    assert.equal(classifyError(withCode('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
    assert.equal(classifyError(withCode('DEPTH_ZERO_SELF_SIGNED_CERT')), 'tls');
    assert.equal(classifyError(withCode('ERR_TLS_CERT_ALTNAME_INVALID')), 'tls');
    assert.equal(classifyError(withCode('HPE_INVALID_CONSTANT')), 'protocol');
    assert.equal(classifyError(new Error('something else')), 'other');
    assert.equal(classifyError('not even an error'), 'other');
  });
});
