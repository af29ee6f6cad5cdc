import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fakeClock } from '../../src/clock.ts';
import { UsageError } from '../../src/errors.ts';
import { recordingLog, silentLog } from '../../src/log.ts';
import { loadResponseSchema, parseExpectations } from '../../src/probe/assertions.ts';
import type { ProbeRequest } from '../../src/probe/requests.ts';
import { runSmokeTest } from '../../src/probe/smoke-test.ts';
import { json, startServer, testAgent } from './servers.ts';

const request = (name: string, body: unknown, headers: Record<string, string> = {}): ProbeRequest => ({
  name,
  body: Buffer.from(JSON.stringify(body)),
  contentType: 'application/json',
  headers,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scoring service: the sum of each row of `data`. */
function scoreRows(body: string): { predictions: number[] } {
  const { data } = JSON.parse(body) as { data: number[][] };
  return { predictions: data.map((row) => row.reduce((a, b) => a + b, 0)) };
}

describe('runSmokeTest', () => {
  test('passes: every request file measured, every response checked, a transcript of first exchanges', async (t) => {
    const server = await startServer(t, (req, res) => json(res, 200, scoreRows(req.body)));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'probe-smoke-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, 'schema.json'),
      JSON.stringify({
        type: 'object',
        required: ['predictions'],
        properties: { predictions: { type: 'array' } },
      }),
    );
    const log = recordingLog();
    const result = await runSmokeTest(
      {
        scoringUri: server.url,
        headers: { 'azureml-model-deployment': 'green' },
        requests: [
          request('a.json', { data: [[1, 2]] }),
          request('b.json', {
            data: [
              [1, 2],
              [3, 4.5],
            ],
          }),
        ],
        expectJson: { predictions: [3] },
        expectations: parseExpectations('$.predictions[*] type number\n$.predictions[0] ~= 3 ± 0.001'),
        schema: await loadResponseSchema('schema.json', dir),
        requestsPerFile: 3,
        transcriptLimit: 3,
      },
      { clock: fakeClock(), log, dispatcher: testAgent(t) },
    );
    // b.json returns two predictions, so expect-json (same length arrays) fails there, and only there.
    assert.equal(result.passed, false);
    assert.deepEqual(
      result.failures.map((f) => [f.file, f.op, f.message]),
      [['b.json', 'json-subset', '$.predictions: expected an array of length 1, got length 2']],
    );
    assert.equal(result.statusCode, 200);
    assert.equal(result.response, '{"predictions":[3]}');
    assert.equal(result.requests, 6);
    assert.equal(server.received.length, 7); // one readiness request first
    assert.equal(server.received[0]?.headers['azureml-model-deployment'], 'green');
    assert.equal(server.received[0]?.headers['content-type'], 'application/json');
    assert.equal(result.latency.count, 6);
    assert.deepEqual(result.errorsByClass, {});
    assert.deepEqual(result.readiness, { ready: true, attempts: 1, waitedMs: 0 });
    const [a, b] = result.files;
    assert.equal(a?.name, 'a.json');
    assert.equal(a?.requests, 3);
    assert.equal(a?.latencyMs.count, 3);
    assert.deepEqual(
      a?.assertions.map((x) => [x.text, x.passed, x.checked, x.failedResponses]),
      [
        ['status 200', true, 3, 0],
        ['expect-json', true, 3, 0],
        ['$.predictions[*] type number', true, 3, 0],
        ['$.predictions[0] ~= 3 ± 0.001', true, 3, 0],
        ['expect-schema schema.json', true, 3, 0],
      ],
    );
    assert.deepEqual(
      b?.assertions.filter((x) => !x.passed).map((x) => [x.text, x.failedResponses, x.expected, x.actual]),
      [['expect-json', 3, 'a JSON body containing the expect-json subset', 'length 2']],
    );
    assert.deepEqual(
      result.transcript.map((e) => [e.kind, e.request.name, e.response?.status]),
      [
        ['measured', 'a.json', 200],
        ['measured', 'b.json', 200],
        ['measured', 'b.json', 200], // failing exchanges are kept while there is room (transcriptLimit 3)
      ],
    );
    assert.equal(result.budget.passed, true);
    assert.match(
      result.message,
      /^smoke test failed: 1 failure\(s\); first: \$\.predictions: expected an array/,
    );
    assert.match(
      log.text(),
      /a\.json: 3 request\(s\), p50 [\d.]+ ms, p95 [\d.]+ ms, 5\/5 assertion\(s\) passed/,
    );
  });

  test('a failing assertion is counted once per file, with the first failing example', async (t) => {
    const values = [1.0, 1.0, 1.5, 2.5, 1.0]; // readiness gets the first value
    const server = await startServer(t, (_req, res, hit) => json(res, 200, { p: values[hit - 1] }));
    const result = await runSmokeTest(
      {
        scoringUri: server.url,
        requests: [request('r.json', {})],
        expectations: parseExpectations('$.p ~= 1 ± 0.1\n$.p type number'),
        requestsPerFile: 4,
      },
      { clock: fakeClock(), log: silentLog, dispatcher: testAgent(t) },
    );
    assert.equal(result.passed, false);
    assert.deepEqual(result.failures, [
      {
        path: '$.p',
        op: '~=',
        expected: '1 ± 0.1',
        actual: '1.5',
        message: '$.p: expected 1 ± 0.1, got 1.5',
        file: 'r.json',
      },
    ]);
    const approx = result.files[0]?.assertions[1];
    assert.deepEqual([approx?.passed, approx?.checked, approx?.failedResponses], [false, 4, 2]);
    assert.equal(result.files[0]?.assertions[2]?.passed, true);
  });

  test('a malformed JSON response with expect-json is a clear failure', async (t) => {
    const server = await startServer(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"predictions": [1, 2,]}');
    });
    const result = await runSmokeTest(
      { scoringUri: server.url, requests: [request('r.json', {})], expectJson: { predictions: [1, 2] } },
      { clock: fakeClock(), log: silentLog, dispatcher: testAgent(t) },
    );
    assert.equal(result.passed, false);
    assert.equal(result.failures.length, 1);
    assert.match(
      result.failures[0]!.message,
      /^\$: expected a JSON body, got invalid JSON \(.*JSON.*\): \{"predictions": \[1, 2,\]\}$/,
    );
  });

  test('concurrency really overlaps requests, and concurrency 1 does not', async (t) => {
    const server = await startServer(t, async (_req, res) => {
      await sleep(40);
      json(res, 200, {});
    });
    const agent = testAgent(t);
    const run = (concurrency: number) =>
      runSmokeTest(
        { scoringUri: server.url, requests: [request('r.json', {})], requestsPerFile: 8, concurrency },
        { clock: fakeClock(), log: silentLog, dispatcher: agent },
      );
    const parallel = await run(4);
    assert.equal(parallel.passed, true);
    assert.equal(server.maxInFlight, 4);
    server.maxInFlight = 0;
    const serial = await run(1);
    assert.equal(serial.requests, 8);
    assert.equal(server.maxInFlight, 1);
  });

  test('warmup requests are sent first but neither measured nor checked', async (t) => {
    const server = await startServer(t, (_req, res, hit) =>
      hit <= 3 ? json(res, 200, { warm: false }) : json(res, 200, { warm: true }),
    );
    const result = await runSmokeTest(
      {
        scoringUri: server.url,
        requests: [request('r.json', {})],
        warmup: 2,
        requestsPerFile: 3,
        expectations: parseExpectations('$.warm == true'),
      },
      { clock: fakeClock(), log: silentLog, dispatcher: testAgent(t) },
    );
    assert.equal(server.received.length, 6); // readiness + 2 warmup + 3 measured
    assert.equal(result.requests, 3);
    assert.equal(result.latency.count, 3);
    assert.equal(result.passed, true);
  });

  test('the p95 latency budget', async (t) => {
    const server = await startServer(t, async (_req, res) => {
      await sleep(30);
      json(res, 200, {});
    });
    const agent = testAgent(t);
    const options = { scoringUri: server.url, requests: [request('r.json', {})], requestsPerFile: 2 };
    const over = await runSmokeTest(
      { ...options, maxLatencyMs: 5 },
      { clock: fakeClock(), log: silentLog, dispatcher: agent },
    );
    assert.equal(over.passed, false);
    assert.equal(over.budget.passed, false);
    assert.equal(over.budget.maxLatencyMs, 5);
    assert.ok(over.budget.p95 >= 25);
    assert.equal(over.failures[0]?.message, `latency: expected p95 <= 5 ms, got ${over.budget.p95} ms`);
    const under = await runSmokeTest(
      { ...options, maxLatencyMs: 5000 },
      { clock: fakeClock(), log: silentLog, dispatcher: agent },
    );
    assert.equal(under.passed, true);
    assert.equal(under.budget.passed, true);
  });

  test('transport errors and unexpected statuses are counted by class; body checks skip those responses', async (t) => {
    const server = await startServer(t, (_req, res, hit) => {
      if (hit === 3) return void res.socket?.destroy();
      if (hit === 4) return json(res, 503, { error: 'overloaded' });
      json(res, 200, { ok: true });
    });
    const result = await runSmokeTest(
      {
        scoringUri: server.url,
        requests: [request('r.json', {})],
        requestsPerFile: 4,
        expectations: parseExpectations('$.ok == true'),
      },
      { clock: fakeClock(), log: silentLog, dispatcher: testAgent(t) },
    );
    assert.deepEqual(result.errorsByClass, { 'connection-reset': 1, 'http-5xx': 1 });
    assert.equal(result.latency.count, 3); // the reset request has no latency sample
    const [status, ok] = result.files[0]!.assertions;
    assert.deepEqual([status?.passed, status?.checked, status?.failedResponses], [false, 4, 2]);
    assert.deepEqual([ok?.passed, ok?.checked], [true, 2]);
    assert.equal(result.failures.length, 1);
    assert.match(result.failures[0]!.message, /^status: expected 200, got (connection-reset \(.+\)|503)$/);
  });

  test('never ready: a 424 stops at once, with the status, the body and one transcript entry', async (t) => {
    const server = await startServer(t, (_req, res) => {
      res.writeHead(424, { 'ms-azureml-model-error-statuscode': '500' });
      res.end('KeyError: data');
    });
    const result = await runSmokeTest(
      { scoringUri: server.url, requests: [request('r.json', {})], requestsPerFile: 5 },
      { clock: fakeClock(), log: silentLog, dispatcher: testAgent(t) },
    );
    assert.equal(server.received.length, 1);
    assert.equal(result.passed, false);
    assert.equal(result.requests, 0);
    assert.equal(result.statusCode, 424);
    assert.equal(result.response, 'KeyError: data');
    assert.deepEqual(result.readiness, {
      ready: false,
      attempts: 1,
      waitedMs: 0,
      message: 'the model returned an error (HTTP 424; model status 500): KeyError: data',
    });
    assert.equal(result.failures[0]?.op, 'ready');
    assert.equal(
      result.message,
      'smoke test failed: the model returned an error (HTTP 424; model status 500): KeyError: data',
    );
    assert.deepEqual(
      result.transcript.map((e) => [e.kind, e.response?.status, e.response?.body]),
      [['readiness', 424, 'KeyError: data']],
    );
  });

  test('the response output is cut at 64 KiB with a marker', async (t) => {
    const big = JSON.stringify({ blob: 'é'.repeat(50_000) }); // 100 000+ bytes, 2-byte characters
    const server = await startServer(t, (_req, res) => json(res, 200, big));
    const result = await runSmokeTest(
      { scoringUri: server.url, requests: [request('r.json', {})] },
      { clock: fakeClock(), log: silentLog, dispatcher: testAgent(t) },
    );
    const bytes = Buffer.byteLength(big);
    assert.ok(result.response.startsWith('{"blob":"éé'));
    assert.ok(
      result.response.endsWith(`… [cut: ${bytes} bytes in total, first 65535 shown]`),
      result.response.slice(-80),
    );
    assert.ok(!result.response.includes('\uFFFD'), 'no character split');
    assert.ok(result.transcript[0]!.response!.body.length < 17_000);
  });

  test('secrets: the keys appear nowhere in the result, the transcript or the log, even when echoed', async (t) => {
    const apiKey = 'k3y-0f-the-endpoint-Zq9w';
    const otherKey = 'second-secret-value-77';
    const custom = 'my-custom-token-abc';
    // A misbehaving model that echoes everything it got, in the body and in a header.
    const server = await startServer(t, (req, res) =>
      json(
        res,
        200,
        { headers: req.headers, body: req.body },
        { 'x-echo-auth': String(req.headers.authorization) },
      ),
    );
    const log = recordingLog();
    const result = await runSmokeTest(
      {
        scoringUri: server.url,
        headers: { Authorization: `Bearer ${apiKey}`, 'api-key': otherKey },
        requests: [request('r.json', { note: `the key is ${apiKey}` }, { 'X-Custom-Token': custom })],
        secretHeaders: ['x-custom-token'],
        expectations: parseExpectations('$.headers.authorization == "nope"\n$.body == "nope"'),
        requestsPerFile: 2,
      },
      { clock: fakeClock(), log, dispatcher: testAgent(t) },
    );
    // The service did get the real credentials ...
    assert.equal(server.received[0]?.headers.authorization, `Bearer ${apiKey}`);
    assert.equal(server.received[0]?.headers['x-custom-token'], custom);
    // ... and nothing we hand back carries them.
    const everything = JSON.stringify(result) + log.text();
    for (const secret of [apiKey, otherKey, custom])
      assert.ok(!everything.includes(secret), `leaked ${secret}`);
    const sent = result.transcript[0]!.request.headers;
    assert.equal(sent.Authorization, '***');
    assert.equal(sent['api-key'], '***');
    assert.equal(sent['X-Custom-Token'], '***');
    assert.equal(result.transcript[0]!.request.body, '{"note":"the key is ***"}');
    assert.equal(result.failures[0]?.message, '$.headers.authorization: expected "nope", got "***"');
    assert.equal(result.passed, false);
  });

  test('bad settings are usage errors naming the input', async () => {
    const base = { scoringUri: 'http://127.0.0.1:1/score', requests: [request('r.json', {})] };
    const deps = { clock: fakeClock(), log: silentLog };
    await assert.rejects(
      runSmokeTest({ ...base, concurrency: 0 }, deps),
      (e: unknown) => e instanceof UsageError && e.input === 'concurrency',
    );
    await assert.rejects(
      runSmokeTest({ ...base, requestsPerFile: 1.5 }, deps),
      /requests: must be a whole number >= 1/,
    );
    await assert.rejects(runSmokeTest({ ...base, requests: [] }, deps), /request-file: no request to send/);
    await assert.rejects(runSmokeTest({ ...base, expectStatus: 'ok' }, deps), /expect-status/);
  });
});
