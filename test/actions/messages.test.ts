// The messages a failed run ends with (issue 16, item 16), pinned through the CLI against the fake Azure: they
// say what failed (the endpoint update, the model upload, the traffic update), say it once, and a cancelled
// rollout says what it restored.

import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { runCli } from '../../src/cli/main.ts';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { type FakeAzure, startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

async function demo(t: TestContext): Promise<{ fake: FakeAzure; dir: string }> {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  return { fake, dir };
}

const deploy = ['deploy-model', '--endpoint-file=endpoint.yml', '--deployment-file=deployment.yml'];

function errorLine(stderr: string): string {
  return stderr.split('\n').find((l) => l.startsWith('error: ')) ?? '';
}

test('an endpoint PUT refused: the message names the endpoint update, not the deployment', async (t) => {
  const { fake, dir } = await demo(t);
  fake.fail({
    method: 'PUT',
    path: /\/onlineEndpoints\/azureml-deploy-demo$/,
    status: 400,
    body: { error: { code: 'BadRequest', message: 'the endpoint settings are invalid' } },
  });
  const r = await cli([...deploy, ...azureArgs(fake)], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const line = errorLine(r.stderr);
  assert.match(
    line,
    /the update of endpoint azureml-deploy-demo failed: .*the endpoint settings are invalid/,
  );
  assert.doesNotMatch(line, /deployment azureml-deploy-demo\/blue Failed/);
});

test('a code upload refused: the message names the upload', async (t) => {
  const { fake, dir } = await demo(t);
  fake.fail({
    method: 'PUT',
    path: /\/codes\/[^/]+\/versions\/[^/]+$/,
    status: 400,
    body: { error: { code: 'BadRequest', message: 'code version refused' } },
  });
  const r = await cli([...deploy, ...azureArgs(fake)], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const line = errorLine(r.stderr);
  assert.match(
    line,
    /uploading the model, code or environment for azureml-deploy-demo\/blue failed: .*code version refused/,
  );
  assert.doesNotMatch(line, /deployment azureml-deploy-demo\/blue Failed/);
});

test('a traffic update that ends Failed: "The traffic update ended Failed", said once', async (t) => {
  const { fake, dir } = await demo(t);
  const first = await cli([...deploy, ...azureArgs(fake)], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  fake.script({
    resource: 'endpoint',
    result: 'Failed',
    error: { code: 'InternalServerError', message: 'traffic could not be applied' },
  });
  const r = await cli([...deploy, '--deployment-name=green', '--traffic=blue-green', ...azureArgs(fake)], {
    cwd: dir,
  });
  assert.equal(r.code, 1, r.stderr);
  const line = errorLine(r.stderr);
  assert.match(
    line,
    /the traffic update of endpoint azureml-deploy-demo failed: The traffic update ended Failed/,
  );
  assert.doesNotMatch(r.stderr, /The the/);
});

test('a failing smoke test says "smoke test failed" once', async (t) => {
  const dir = await tempDir(t);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 500;
      res.end('boom');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise((done) => server.close(done)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  const r = await cli(
    ['smoke-test-service', `--scoring-uri=${url}`, '--request-body={}', '--ready-timeout-seconds=0'],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(errorLine(r.stderr), /smoke test failed: /);
  assert.doesNotMatch(r.stderr, /smoke test failed: smoke test failed/);
});

test('SIGTERM during the traffic shift: the run says what it restored', async (t) => {
  const { fake, dir } = await demo(t);
  const first = await cli([...deploy, ...azureArgs(fake)], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const abort = new AbortController();
  let stderr = '';
  const code = await runCli(
    [...deploy, '--deployment-name=green', '--traffic=blue-green', ...azureArgs(fake)],
    {
      streams: {
        stdout: { write: () => true },
        stderr: {
          write: (s: string) => {
            stderr += s;
            // The signal arrives while the traffic update is in flight.
            if (/shifting traffic/.test(s) && !abort.signal.aborted)
              abort.abort(new Error('received SIGTERM'));
            return true;
          },
        },
      },
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
      cwd: dir,
      signal: abort.signal,
    },
  );
  assert.equal(code, 1, stderr);
  assert.ok(abort.signal.aborted, `the traffic update was seen:\n${stderr}`);
  assert.match(stderr, /cancelled: the traffic of azureml-deploy-demo was (restored to|still) blue=100/);
});
