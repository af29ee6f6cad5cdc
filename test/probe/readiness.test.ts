import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { fakeClock, systemClock } from '../../src/clock.ts';
import { recordingLog, silentLog } from '../../src/log.ts';
import { type ProbeOutcome, sendRequest } from '../../src/probe/http.ts';
import { retryAfterMs, waitUntilReady } from '../../src/probe/readiness.ts';
import { closeServer, freePort, json, startServer, testAgent } from './servers.ts';

const outcome = (status: number | undefined, extra: Partial<ProbeOutcome> = {}): ProbeOutcome => ({
  ...(status !== undefined ? { status } : {}),
  headers: {},
  body: Buffer.alloc(0),
  latencyMs: 1,
  ...extra,
});

describe('backoff schedule (fake clock)', () => {
  test('exponential with equal jitter, capped, and a last attempt at the deadline', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await waitUntilReady(
      async () => {
        calls++;
        return outcome(undefined, { errorClass: 'connection-refused', error: 'connect ECONNREFUSED' });
      },
      {
        readyTimeoutSeconds: 20,
        clock,
        log: silentLog,
        initialDelayMs: 500,
        maxDelayMs: 4000,
        random: () => 0.5,
      },
    );
    // backoff 500, 1000, 2000, 4000, 4000 ... each slept as 3/4 of it (half fixed + half * 0.5)
    assert.deepEqual(clock.slept, [375, 750, 1500, 3000, 3000, 3000, 3000, 3000, 2375]);
    assert.equal(
      clock.slept.reduce((a, b) => a + b, 0),
      20_000,
    );
    assert.equal(calls, 10);
    assert.equal(result.ready, false);
    assert.equal(
      result.ready ? '' : result.reason,
      'not ready after 20 s (10 attempts); last: connection-refused (connect ECONNREFUSED)',
    );
  });

  test('jitter spreads delays between half and all of the backoff', async () => {
    for (const [r, expected] of [
      [0, 250],
      [0.999, 499.75],
    ] as const) {
      const clock = fakeClock();
      let n = 0;
      await waitUntilReady(async () => (++n === 1 ? outcome(503) : outcome(200)), {
        readyTimeoutSeconds: 5,
        clock,
        log: silentLog,
        initialDelayMs: 500,
        random: () => r,
      });
      assert.deepEqual(clock.slept, [expected]);
    }
  });

  test('Retry-After in seconds or as an HTTP date, only on 429 and 503', () => {
    const now = Date.UTC(2026, 0, 1);
    assert.equal(retryAfterMs(outcome(429, { headers: { 'retry-after': '3' } }), now), 3000);
    assert.equal(
      retryAfterMs(outcome(503, { headers: { 'retry-after': new Date(now + 7000).toUTCString() } }), now),
      7000,
    );
    assert.equal(retryAfterMs(outcome(502, { headers: { 'retry-after': '3' } }), now), undefined);
    assert.equal(retryAfterMs(outcome(429, { headers: { 'retry-after': 'soon' } }), now), undefined);
  });
});

describe('readiness against real servers', () => {
  test('503 twice, then 200: ready on the third attempt', async (t) => {
    const server = await startServer(t, (_req, res, hit) => json(res, hit <= 2 ? 503 : 200, { hit }));
    const agent = testAgent(t);
    const clock = fakeClock();
    const log = recordingLog();
    const result = await waitUntilReady(
      () => sendRequest({ url: server.url, headers: {}, dispatcher: agent }),
      {
        readyTimeoutSeconds: 60,
        clock,
        log,
        random: () => 0,
      },
    );
    assert.equal(result.ready, true);
    assert.equal(result.attempts, 3);
    assert.equal(result.outcome.status, 200);
    assert.equal(server.received.length, 3);
    assert.deepEqual(clock.slept, [250, 500]);
    assert.match(log.text(), /Not ready yet \(HTTP 503\); retrying in 0\.3 s/);
  });

  test('429 with Retry-After waits exactly that long', async (t) => {
    const server = await startServer(t, (_req, res, hit) =>
      hit === 1 ? json(res, 429, { error: 'too many' }, { 'Retry-After': '4' }) : json(res, 200, {}),
    );
    const agent = testAgent(t);
    const clock = fakeClock();
    const result = await waitUntilReady(
      () => sendRequest({ url: server.url, headers: {}, dispatcher: agent }),
      {
        readyTimeoutSeconds: 60,
        clock,
        log: silentLog,
      },
    );
    assert.equal(result.ready, true);
    assert.deepEqual(clock.slept, [4000]);
  });

  test('a server that starts listening after ~300 ms: connection refused, then ready', async (t) => {
    const port = await freePort();
    const server = http.createServer((_req, res) => json(res, 200, { ok: true }));
    let listening = false;
    const timer = setTimeout(() => {
      listening = true;
      server.listen(port, '127.0.0.1');
    }, 300);
    t.after(async () => {
      clearTimeout(timer);
      if (server.listening) await closeServer(server);
    });
    const agent = testAgent(t);
    const log = recordingLog();
    const result = await waitUntilReady(
      () => sendRequest({ url: `http://127.0.0.1:${port}/score`, headers: {}, dispatcher: agent }),
      { readyTimeoutSeconds: 10, clock: systemClock, log, initialDelayMs: 40, maxDelayMs: 150 },
    );
    assert.equal(result.ready, true, result.ready ? '' : result.reason);
    assert.ok(result.attempts > 1, `attempts ${result.attempts}`);
    // Ordering, not elapsed time: ready only after the server began listening, with a refusal before it.
    assert.equal(listening, true);
    assert.ok(server.listening);
    assert.match(log.text(), /Not ready yet \(connection-refused/);
  });

  const failFast: [string, number, Record<string, string>, string, RegExp][] = [
    [
      '400',
      400,
      {},
      '{"error":"bad input: expected key data"}',
      /^HTTP 400: \{"error":"bad input: expected key data"\}$/,
    ],
    ['401', 401, {}, 'unauthorized', /^HTTP 401 \(bad or expired credential\): unauthorized$/],
    [
      '424 with the model error headers',
      424,
      { 'ms-azureml-model-error-statuscode': '500', 'ms-azureml-model-error-reason': 'model_error' },
      'ValueError: could not convert string to float',
      /^the model returned an error \(HTTP 424; model status 500, reason: model_error\): ValueError: could not convert string to float$/,
    ],
    [
      '500',
      500,
      {},
      'Traceback: boom',
      /^the service failed \(HTTP 500, the scoring script raised\?\): Traceback: boom$/,
    ],
  ];
  for (const [name, status, headers, body, reason] of failFast) {
    test(`${name} fails at once with the body shown, after one request`, async (t) => {
      const server = await startServer(t, (_req, res) => {
        res.writeHead(status, headers);
        res.end(body);
      });
      const agent = testAgent(t);
      const clock = fakeClock();
      const result = await waitUntilReady(
        () => sendRequest({ url: server.url, headers: {}, dispatcher: agent }),
        {
          readyTimeoutSeconds: 60,
          clock,
          log: silentLog,
        },
      );
      assert.equal(result.ready, false);
      assert.match(result.ready ? '' : result.reason, reason);
      assert.equal(server.received.length, 1);
      assert.deepEqual(clock.slept, []);
    });
  }

  test('a long error body is cut in the reason', async (t) => {
    const server = await startServer(t, (_req, res) => {
      res.writeHead(400);
      res.end('x'.repeat(10_000));
    });
    const result = await waitUntilReady(
      () => sendRequest({ url: server.url, headers: {}, dispatcher: testAgent(t) }),
      {
        readyTimeoutSeconds: 60,
        clock: fakeClock(),
        log: silentLog,
      },
    );
    assert.ok(
      !result.ready && result.reason.length < 2300 && /cut: 10000 bytes in total/.test(result.reason),
    );
  });
});
