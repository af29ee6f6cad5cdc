// Secrets in the files a run writes (issue 16, item 10): container logs (Azure and the local host), the runner's
// job summary and the smoke transcript are redacted with every secret the run knows, an endpoint key that only
// a container log shows is fetched and redacted, and each file is written with mode 0600.

import assert from 'node:assert/strict';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runnerIO } from '../../src/actions/runner-io.ts';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
let azurite: AzuriteBlob | undefined;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite?.close());

const GITHUB_TOKEN = 'ghs_Fq9TokenOfTheRun0123456789abcdef';

async function mode(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

function assertAbsent(where: string, text: string, secrets: Record<string, string>) {
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(!text.includes(value), `${where} holds ${name} in clear:\n${text.slice(0, 3000)}`);
  }
}

test('Azure: a container log echoing the client secret, the GitHub token and an endpoint key never fetched is redacted; logs-file is 0600', async (t) => {
  const fake = await startFakeAzure({
    blobEndpoint: azurite!.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  const first = await cli(
    ['deploy-model', '--endpoint-file=endpoint.yml', '--deployment-file=deployment.yml', ...azureArgs(fake)],
    { cwd: dir },
  );
  assert.equal(first.code, 0, first.stderr);
  // Read the keys without going through the run under test (the run itself never asks: no smoke gate).
  const keys = (
    await fake
      .client()
      .post<{ primaryKey: string; secondaryKey: string }>(
        `${fake.workspacePath}/onlineEndpoints/azureml-deploy-demo/listKeys`,
      )
  ).body!;
  const secrets = {
    'client secret': fake.clientSecret,
    'GitHub token': GITHUB_TOKEN,
    'primary key': keys.primaryKey,
    'secondary key': keys.secondaryKey,
  };
  fake.script({
    resource: 'deployment',
    name: 'green',
    result: 'Failed',
    error: { code: 'ResourceNotReady', message: 'User container has crashed or terminated.' },
  });
  fake.setLogs('azureml-deploy-demo', 'green', {
    InferenceServer: [
      'Traceback (most recent call last):',
      `env: AZURE_CLIENT_SECRET=${fake.clientSecret} GITHUB_TOKEN=${GITHUB_TOKEN}`,
      `calling myself with Authorization: Bearer ${keys.primaryKey} (backup ${keys.secondaryKey})`,
      'ValueError: bad weights',
    ].join('\n'),
  });
  const summary = path.join(dir, 'summary.md');
  const r = await cli(
    [
      'deploy-model',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--deployment-name=green',
      '--traffic=blue-green',
      `--github-token=${GITHUB_TOKEN}`,
      '--pr-comment=false',
      `--summary-file=${summary}`,
      ...azureArgs(fake),
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  const logsFile = r.outputs['logs-file'];
  assert.ok(logsFile, 'logs-file is set');
  const logs = await readFile(logsFile!, 'utf8');
  assert.match(logs, /ValueError: bad weights/, 'the log itself is kept');
  assertAbsent('logs-file', logs, secrets);
  assertAbsent('stderr', r.stderr, secrets);
  assertAbsent('summary', await readFile(summary, 'utf8'), secrets);
  assert.equal(await mode(logsFile!), 0o600, 'logs-file is readable by its owner only');
  assert.equal(await mode(summary), 0o600, 'the summary file too');
});

test('local: the logs-file of a failed host is redacted with the run secrets and written 0600', async (t) => {
  const dir = await tempDir(t);
  const code = path.join(dir, 'code');
  await cp(path.join(root, 'test/fixtures/local/failing-init'), code, { recursive: true });
  await writeFile(
    path.join(code, 'score.py'),
    'import os\n\ndef init():\n    print("token is " + os.environ["MY_TOKEN"], flush=True)\n' +
      '    raise RuntimeError("init failed with " + os.environ["MY_TOKEN"])\n\ndef run(raw):\n    return raw\n',
  );
  const r = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-name=leaky-ep',
      '--code-path=code',
      '--scoring-script=score.py',
      `--environment-variables=MY_TOKEN=${GITHUB_TOKEN}`,
      `--github-token=${GITHUB_TOKEN}`,
      '--pr-comment=false',
      '--timeout-minutes=1',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  const logsFile = r.outputs['logs-file'];
  assert.ok(logsFile, 'logs-file is set');
  const logs = await readFile(logsFile!, 'utf8');
  assert.match(logs, /token is \*\*\*/, 'the log is kept, the token masked');
  assertAbsent('logs-file', logs, { token: GITHUB_TOKEN });
  assertAbsent('stderr', r.stderr, { token: GITHUB_TOKEN });
  assert.equal(await mode(logsFile!), 0o600);
});

test('runner mode: the GITHUB_STEP_SUMMARY file is redacted like the CLI summary file', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'step-summary.md');
  await writeFile(file, '');
  const saved = process.env['GITHUB_STEP_SUMMARY'];
  process.env['GITHUB_STEP_SUMMARY'] = file;
  t.after(() => {
    if (saved === undefined) delete process.env['GITHUB_STEP_SUMMARY'];
    else process.env['GITHUB_STEP_SUMMARY'] = saved;
  });
  const io = runnerIO();
  const secret = 'arm-error-secret-Zk81';
  io.setSecret(secret);
  await io.writeSummary(`deploy failed: ARM said "password ${secret} is wrong"`);
  const text = await readFile(file, 'utf8');
  assert.match(text, /deploy failed: ARM said "password \*\*\* is wrong"/);
  assert.ok(!text.includes(secret));
});

test('the smoke transcript keeps no custom header value; known harmless headers stay readable', async (t) => {
  const dir = await tempDir(t);
  const token = 'x-auth-token-value-7fQ2';
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      // A service that echoes the request's headers back, as debugging endpoints do.
      res.end(JSON.stringify({ echoed: req.headers }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise((done) => server.close(done)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  const r = await cli(
    [
      'smoke-test-service',
      `--scoring-uri=${url}`,
      '--request-body={"a":1}',
      `--headers=X-Auth-Token: ${token}\nAccept: application/json`,
      '--pr-comment=false',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const transcriptFile = r.outputs['transcript-file'];
  assert.ok(transcriptFile);
  const transcript = await readFile(transcriptFile!, 'utf8');
  assertAbsent('transcript', transcript, { 'X-Auth-Token': token });
  assertAbsent('stderr', r.stderr, { 'X-Auth-Token': token });
  assertAbsent('outputs', JSON.stringify(r.outputs), { 'X-Auth-Token': token });
  assert.match(transcript, /application\/json/, 'the Accept header is harmless and kept');
  assert.equal(await mode(transcriptFile!), 0o600);
});
