// The Azure ML runtime contract as the bundled host.py keeps it, checked through real processes:
// AZUREML_MODEL_DIR layout, code folder on sys.path, JSON encoding of run()'s result, errors, concurrency.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveBundledHostPy } from '../../src/targets/local/find-host.ts';
import { type LocalServiceHealthy, startLocalService } from '../../src/targets/local/local-service.ts';
import {
  examples,
  fixtures,
  hostPyEnv,
  postScore,
  registerModel,
  request,
  tempLocalDir,
  testDeps,
} from './helpers.ts';

async function startBehaviours(
  t: import('node:test').TestContext,
  overrides: Parameters<typeof request>[2] = {},
): Promise<{ service: LocalServiceHealthy; modelDir: string }> {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const result = await startLocalService(request(localDir, modelDir, overrides), testDeps());
  if (result.state !== 'Healthy') assert.fail(`${result.error}\n${result.logTail}`);
  return { service: result, modelDir };
}

async function score(service: LocalServiceHealthy, body: unknown): Promise<unknown> {
  const res = await postScore(service.scoringUri, body);
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text);
}

test('run() results go back as JSON the way azmlinfsrv sends them', async (t) => {
  const { service } = await startBehaviours(t);
  // A str is JSON-encoded as a string, not sent raw.
  const text = await postScore(service.scoringUri, { action: 'string' });
  assert.equal(text.text, '"plain text"');
  assert.match(text.headers.get('x-ms-run-fn-exec-ms') ?? '', /^\d+\.\d{3}$/);
  assert.deepEqual(await score(service, { action: 'numpy' }), {
    array: [
      [1.5, 2.0],
      [3.0, 4.0],
    ],
    scalar: 0.25,
    int: 7,
  });
  const wrapped = await postScore(service.scoringUri, { action: 'wrapped' });
  assert.deepEqual(JSON.parse(wrapped.text), { ok: true });
  assert.equal(wrapped.headers.get('x-custom'), 'yes');
  const bad = await postScore(service.scoringUri, { action: 'unserializable' });
  assert.equal(bad.status, 500);
  assert.match(bad.text, /cannot be sent as JSON/);
});

test('run() gets the raw body as a string, init() ran once, and request_headers when it asks for them', async (t) => {
  const { service } = await startBehaviours(t);
  const raw = '{"action": "echo",   "spacing": "kept"}';
  assert.deepEqual(await score(service, raw), { raw, init_calls: 1 });
  const res = await fetch(service.scoringUri, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Test': 'header value' },
    body: JSON.stringify({ action: 'headers' }),
  });
  assert.deepEqual(await res.json(), { 'x-test': 'header value' });
});

test('a folder model sits in AZUREML_MODEL_DIR under its own name; deployment variables are set', async (t) => {
  const { service, modelDir } = await startBehaviours(t, {
    environmentVariables: { MY_SETTING: 'on', AZUREML_MODEL_DIR: '/must/not/win' },
  });
  const listed = (await score(service, { action: 'listdir' })) as {
    model_dir: string;
    files: string[];
    cwd: string;
  };
  assert.equal(listed.model_dir, modelDir);
  assert.deepEqual(listed.files, ['model/weights.json']);
  assert.equal(realpathSync(listed.cwd), realpathSync(join(fixtures, 'behaviours')));
  assert.deepEqual(
    await score(service, { action: 'env', names: ['MY_SETTING', 'PYTHONDONTWRITEBYTECODE'] }),
    {
      MY_SETTING: 'on',
      PYTHONDONTWRITEBYTECODE: '1',
    },
  );
});

test('a file model sits directly in AZUREML_MODEL_DIR under its own name', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'factor', '3', join(fixtures, 'file-model/factor.json'));
  const result = await startLocalService(
    request(localDir, modelDir, {
      codeDir: join(fixtures, 'file-model'),
      modelName: 'factor',
      modelVersion: '3',
    }),
    testDeps(),
  );
  if (result.state !== 'Healthy') assert.fail(result.error);
  assert.deepEqual(await score(result, { data: [1, 2] }), { result: [3, 6] });
});

test('a scoring script in a subfolder imports from its own folder and from the code root', async (t) => {
  const { service } = await startBehaviours(t, {
    codeDir: join(fixtures, 'nested'),
    scoringScript: 'onlinescoring/score.py',
  });
  const answer = (await score(service, { value: 21 })) as { doubled: number; greeting: string; cwd: string };
  assert.equal(answer.doubled, 42);
  assert.equal(answer.greeting, 'from the code root');
  assert.equal(realpathSync(answer.cwd), realpathSync(join(fixtures, 'nested')));
});

test('routes: GET /score is healthy, swagger.json is a Swagger 2.0 document, other methods and paths refused', async (t) => {
  const { service } = await startBehaviours(t);
  const base = `http://127.0.0.1:${service.port}`;
  const getScore = await fetch(`${base}/score`);
  assert.equal(getScore.status, 200);
  assert.equal(await getScore.text(), 'Healthy');
  const swagger = (await (await fetch(`${base}/swagger.json`)).json()) as Record<string, unknown>;
  assert.equal(swagger['swagger'], '2.0');
  assert.equal((await fetch(`${base}/swagger.json?version=3`)).status, 404);
  assert.equal((await fetch(`${base}/score`, { method: 'PUT', body: '{}' })).status, 405);
  assert.equal((await fetch(`${base}/other`, { method: 'POST', body: '{}' })).status, 404);
  const notUtf8 = await fetch(service.scoringUri, {
    method: 'POST',
    body: new Uint8Array([0xff, 0xfe, 0x00]),
  });
  assert.equal(notUtf8.status, 400);
});

test('requests are served concurrently: liveness answers during a slow run(), WORKER_COUNT runs in parallel', async (t) => {
  const { service } = await startBehaviours(t, { environmentVariables: { WORKER_COUNT: '3' } });
  // Causal, not timed: three run() calls each wait for a release file that the test writes only after all
  // three have started and the liveness probe has answered. Calls run one after another would never all
  // arrive: the first would give up (released: false) with one arrival.
  const gate = await mkdtemp(join(tmpdir(), 'gate-'));
  t.after(() => rm(gate, { recursive: true, force: true }));
  const finished: number[] = [];
  const slow = [1, 2, 3].map((id) =>
    score(service, { action: 'gate', dir: gate, id, timeout: 20 }).then((r) => {
      finished.push(id);
      return r;
    }),
  );
  const arrived = async () => (await readdir(gate)).filter((n) => n.startsWith('arrived-')).length;
  while ((await arrived()) < 3 && finished.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(finished, [], 'a gated run() finished before all three had started');
  const live = await fetch(`http://127.0.0.1:${service.port}/`);
  assert.equal(live.status, 200);
  assert.deepEqual(finished, [], 'liveness waited for run()');
  await writeFile(join(gate, 'release'), '');
  assert.deepEqual(await Promise.all(slow), [
    { released: true, arrived: 3 },
    { released: true, arrived: 3 },
    { released: true, arrived: 3 },
  ]);
});

test('host.py alone: a busy port exits with code 4 and names the port', async (t) => {
  const { service } = await startBehaviours(t);
  const child = spawn(
    'python3',
    [resolveBundledHostPy(), '--entry', 'score.py', '--port', String(service.port), '--host', '127.0.0.1'],
    { cwd: join(fixtures, 'behaviours'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 4);
  assert.match(
    output,
    new RegExp(`azureml-local-host: port ${service.port} is already in use on 127\\.0\\.0\\.1`),
  );
});

test('a deployment without a model runs with AZUREML_MODEL_DIR unset', async (t) => {
  const localDir = await tempLocalDir(t);
  const result = await startLocalService(
    request(localDir, '', { modelName: '', modelVersion: '' }),
    testDeps({ env: { ...hostPyEnv(), AZUREML_MODEL_DIR: '/leaked/from/the/runner' } }),
  );
  if (result.state !== 'Healthy') assert.fail(`${result.error}\n${result.logTail}`);
  assert.deepEqual(await score(result, { action: 'env', names: ['AZUREML_MODEL_DIR'] }), {
    AZUREML_MODEL_DIR: null,
  });
});
