import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

test('a broken deployment YAML exits 2 naming file and line, and creates nothing', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    path.join(dir, 'broken.yml'),
    'name: blue\nendpoint_name: ep-one\ninstance_type: Standard_DS1_v2\ninstance_count: [oops\n',
  );
  const r = await cli(['deploy-model', '--deployment-file', 'broken.yml', '--target', 'local'], { cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /deploy-model failed: broken\.yml:\d+: /, 'named relative to the workspace');
  assert.equal(existsSync(path.join(dir, '.azureml-local')), false);
});

test('a mistyped field names file, line and field', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'src'));
  await writeFile(path.join(dir, 'src', 'score.py'), 'def init():\n  pass\ndef run(raw):\n  return raw\n');
  await writeFile(
    path.join(dir, 'deployment.yml'),
    'name: blue\nendpoint_name: ep-one\ncode_configuration:\n  code: ./src\n  scoring_script: score.py\ninstance_type: Standard_DS1_v2\ninstance_count: two\n',
  );
  const r = await cli(['deploy-model', '--deployment-file=deployment.yml', '--target=local'], { cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /deployment\.yml:7: instance_count: expected a number/);
  assert.equal(existsSync(path.join(dir, '.azureml-local')), false);
});

test('unknown flags and bad values are usage errors (exit 2)', async (t) => {
  const dir = await tempDir(t);
  const unknown = await cli(['register-model', '--model-nam', 'x'], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown flag '--model-nam' \(did you mean '--model-name'\?\)/);
  const badBool = await cli(['register-model', '--model-name', 'm', '--model-path', '.', '--dedupe=maybe'], {
    cwd: dir,
  });
  assert.equal(badBool.code, 2);
  assert.match(badBool.stderr, /input 'dedupe' must be true or false/);
  const noAction = await cli(['frobnicate'], { cwd: dir });
  assert.equal(noAction.code, 2);
});

test('register-model: outputs last on stdout as name=value, summary to --summary-file, INPUT_ env honoured', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'model'));
  await writeFile(path.join(dir, 'model', 'w.json'), '[1]');
  const summary = path.join(dir, 'summary.md');
  const r = await cli(
    ['register-model', '--model-path', 'model', '--tags', 'a=1', '--summary-file', summary],
    {
      cwd: dir,
      env: { 'INPUT_MODEL-NAME': 'from-env', INPUT_TARGET: 'local' },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.outputs['model-name'], 'from-env');
  assert.equal(r.outputs['model-version'], '1');
  assert.equal(r.outputs['model-id'], 'azureml:from-env:1');
  assert.equal(r.outputs['reused'], 'false');
  assert.match(r.outputs['content-hash']!, /^sha256:[0-9a-f]{64}$/);
  // outputs come last: nothing but name=value lines on stdout
  for (const line of r.stdout.trim().split('\n')) assert.match(line, /^[a-z-]+=/);
  assert.match(await readFile(summary, 'utf8'), /Register model from-env: succeeded/);
  const again = await cli(
    ['register-model', '--model-path', 'model', '--model-name', 'from-env', '--target', 'local'],
    { cwd: dir },
  );
  assert.equal(again.outputs['reused'], 'true');
  assert.equal(again.outputs['model-version'], '1');
});

test('a secret given as an input appears in no output, log or summary', async (t) => {
  const dir = await tempDir(t);
  const secret = 'sk-live-0123456789abcdef';
  // The service echoes the Authorization header back, as a careless one might.
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ auth: req.headers.authorization, ok: true }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  const summary = path.join(dir, 'summary.md');
  const r = await cli(
    [
      'smoke-test-service',
      '--scoring-uri',
      uri,
      '--api-key',
      secret,
      '--request-body',
      '{"data": [1]}',
      '--expect',
      `$.auth == "nope"`,
      '--summary-file',
      summary,
    ],
    { cwd: dir, env: { RUNNER_DEBUG: '1' } },
  );
  const transcript = await readFile(r.outputs['transcript-file']!, 'utf8');
  assert.match(transcript, /"Bearer \*\*\*"|"\*\*\*"/, 'the transcript shows the header, redacted');
  const everything = r.stdout + r.stderr + (await readFile(summary, 'utf8')) + transcript;
  assert.equal(r.code, 1, 'the failing assertion fails the step');
  assert.ok(!everything.includes(secret), 'secret leaked');
  assert.match(r.outputs['response']!, /\*\*\*/);
});

test('help and version of usage', async (t) => {
  const dir = await tempDir(t);
  const r = await cli(['--help'], { cwd: dir });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /usage: azureml-deploy <action>/);
});
