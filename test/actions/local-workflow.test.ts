// The four actions and the pipeline on the local target, through the CLI, with real Python processes.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { cli } from '../support/cli.ts';
import { localAuthHeader } from '../support/local-key.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const examples = path.join(root, 'examples');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function post(
  uri: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(uri, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, text: await res.text() };
}

async function statePid(localDir: string, endpoint: string, deployment: string): Promise<number> {
  const file = path.join(localDir, 'endpoints', endpoint, 'deployments', deployment, 'state.json');
  return JSON.parse(await readFile(file, 'utf8')).pid as number;
}

test('deploy from v2 YAML, redeploy unchanged, smoke test by endpoint name, delete', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(examples, 'demo'), dir, { recursive: true });
  const localDir = path.join(dir, '.azureml-local');
  t.after(() =>
    cli(['delete-service', '--target', 'local', '--endpoint-name', 'azureml-deploy-demo'], { cwd: dir }),
  );

  const first = await cli(
    [
      'deploy-model',
      '--target',
      'local',
      '--endpoint-file',
      'endpoint.yml',
      '--deployment-file',
      'deployment.yml',
    ],
    { cwd: dir },
  );
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.outputs['state'], 'Healthy');
  assert.equal(first.outputs['provisioning-state'], 'Succeeded');
  assert.equal(first.outputs['changed'], 'true');
  assert.equal(first.outputs['endpoint-name'], 'azureml-deploy-demo');
  assert.equal(first.outputs['deployment-name'], 'blue');
  const plan = JSON.parse(first.outputs['plan']!);
  assert.equal(plan.deployment.action, 'create');
  // The demo endpoint says auth_mode: key: the key from the endpoint's local state, as a user would read it.
  const scored = await post(
    first.outputs['scoring-uri']!,
    await readFile(path.join(dir, 'sample-request.json'), 'utf8'),
    await localAuthHeader(dir, 'azureml-deploy-demo'),
  );
  assert.equal(scored.status, 200);
  assert.deepEqual(
    JSON.parse(scored.text),
    JSON.parse(await readFile(path.join(dir, 'expected-response.json'), 'utf8')),
  );
  const pid = await statePid(localDir, 'azureml-deploy-demo', 'blue');

  const again = await cli(
    [
      'deploy-model',
      '--target',
      'local',
      '--endpoint-file',
      'endpoint.yml',
      '--deployment-file',
      'deployment.yml',
    ],
    { cwd: dir },
  );
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.outputs['changed'], 'false');
  assert.equal(JSON.parse(again.outputs['plan']!).deployment.action, 'none');
  assert.equal(
    await statePid(localDir, 'azureml-deploy-demo', 'blue'),
    pid,
    'the same process keeps serving',
  );

  const smoke = await cli(
    [
      'smoke-test-service',
      '--target=local',
      '--endpoint-name=azureml-deploy-demo',
      '--request-file=sample-request.json',
      '--expect-json=expected-response.json',
      '--expect',
      '$.predictions length 2\n$.predictions[*] type number',
      '--requests=5',
    ],
    { cwd: dir },
  );
  assert.equal(smoke.code, 0, smoke.stderr);
  assert.equal(smoke.outputs['passed'], 'true');
  assert.equal(smoke.outputs['requests'], '5');

  const del = await cli(['delete-service', '--target', 'local', '--endpoint-name', 'azureml-deploy-demo'], {
    cwd: dir,
  });
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(JSON.parse(del.outputs['deleted']!), [
    'deployment:azureml-deploy-demo/blue',
    'endpoint:azureml-deploy-demo',
  ]);
  assert.equal(isAlive(pid), false, 'the host process is gone');
  const gone = await cli(['delete-service', '--target', 'local', '--endpoint-name', 'azureml-deploy-demo'], {
    cwd: dir,
  });
  assert.equal(gone.code, 0);
  assert.deepEqual(JSON.parse(gone.outputs['deleted']!), []);
  const strict = await cli(
    [
      'delete-service',
      '--target',
      'local',
      '--endpoint-name',
      'azureml-deploy-demo',
      '--ignore-missing=false',
    ],
    { cwd: dir },
  );
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /endpoint azureml-deploy-demo does not exist/);
});

test('init() failure: exit 1, state Failed, the error and log tail in the summary, nothing left running', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(root, 'test/fixtures/local/failing-init'), path.join(dir, 'code'), { recursive: true });
  await writeFile(path.join(dir, 'weights.bin'), 'w');
  const summary = path.join(dir, 'summary.md');
  const r = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-name=broken-ep',
      '--code-path=code',
      '--scoring-script=score.py',
      '--model=weights.bin',
      `--summary-file=${summary}`,
      '--timeout-minutes=1',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.outputs['state'], 'Failed');
  assert.ok(r.outputs['logs-file'] && existsSync(r.outputs['logs-file']), 'logs-file exists');
  const md = await readFile(summary, 'utf8');
  assert.match(md, /Deploy broken-ep\/blue: failed/);
  assert.match(md, /Log tail/);
  const script = await readFile(path.join(dir, 'code/score.py'), 'utf8');
  const raised = /raise \w+\(['"]([^'"]+)/.exec(script)?.[1];
  assert.ok(raised, 'the fixture raises a message');
  assert.ok(md.includes(raised!), 'the init error is in the summary');
  assert.ok(r.stderr.includes(raised!), 'and in the log');
  const endpoints = path.join(dir, '.azureml-local/endpoints/broken-ep/deployments');
  assert.deepEqual(existsSync(endpoints) ? await readdir(endpoints) : [], []);
});

test('bad input is refused before anything is registered or started', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(examples, 'demo'), dir, { recursive: true });
  const noPython = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--python=/nope/python9',
    ],
    { cwd: dir },
  );
  assert.equal(noPython.code, 2, noPython.stderr);
  assert.match(noPython.stderr, /python/);
  const noScript = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-name=ep-x',
      '--code-path=.',
      '--scoring-script=missing.py',
      '--model=model',
    ],
    { cwd: dir },
  );
  assert.equal(noScript.code, 2);
  assert.match(noScript.stderr, /scoring script missing.py was not found/);
  const badName = await cli(
    ['deploy-model', '--target=local', '--endpoint-name=9-bad', '--code-path=.', '--scoring-script=score.py'],
    {
      cwd: dir,
    },
  );
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /endpoint-name/);
  assert.equal(existsSync(path.join(dir, '.azureml-local')), false);
});

test('dry-run prints the plan and starts nothing', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(examples, 'demo'), dir, { recursive: true });
  const r = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--dry-run',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.outputs['plan']!);
  assert.equal(plan.dryRun, true);
  assert.equal(plan.deployment.action, 'create');
  assert.equal(plan.model.action, 'register');
  assert.equal(r.outputs['changed'], 'true');
  assert.equal(existsSync(path.join(dir, '.azureml-local/endpoints')), false);
  assert.equal(existsSync(path.join(dir, '.azureml-local/models')), false);
});

test('{pr} and {repo-hash} expand in endpoint names', async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(examples, 'demo'), dir, { recursive: true });
  const event = path.join(dir, 'event.json');
  await writeFile(event, JSON.stringify({ pull_request: { number: 42 } }));
  const r = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-name=pr-{pr}-{repo-hash}',
      '--deployment-file=deployment.yml',
      '--dry-run',
    ],
    { cwd: dir, env: { GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'octo/models' } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.outputs['endpoint-name']!, /^pr-42-[0-9a-f]{6}$/);
  const notPr = await cli(
    ['deploy-model', '--target=local', '--endpoint-name=pr-{pr}', '--deployment-file=deployment.yml'],
    { cwd: dir },
  );
  assert.equal(notPr.code, 2);
  assert.match(notPr.stderr, /uses \{pr\}, but this run is not for a pull request/);
});

const sklearnPython = '/usr/bin/python3';
const hasSklearn =
  spawnSync(sklearnPython, ['-c', 'import sklearn, joblib'], { stdio: 'ignore' }).status === 0;
const skipSklearn = hasSklearn
  ? false
  : 'scikit-learn is not installed for /usr/bin/python3 (apt-get install python3-sklearn python3-joblib)';

for (const form of ['v2 YAML', 'v1 JSON'] as const) {
  test(`the sklearn example deploys from its ${form} and answers what sklearn predicts`, {
    skip: skipSklearn,
  }, async (t) => {
    const dir = await tempDir(t);
    await cp(path.join(examples, 'sklearn'), dir, { recursive: true });
    const endpoint = form === 'v2 YAML' ? 'sklearn-example' : 'sklearn-v1';
    t.after(() => cli(['delete-service', '--target', 'local', '--endpoint-name', endpoint], { cwd: dir }));
    const args =
      form === 'v2 YAML'
        ? ['--endpoint-file=endpoint.yml', '--deployment-file=blue-deployment.yml']
        : [
            '--inference-config=inferenceconfig.json',
            '--deployment-config=deploymentconfig.json',
            `--endpoint-name=${endpoint}`,
            '--model=model',
          ];
    const r = await cli(['deploy-model', ...args, `--python=${sklearnPython}`], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.outputs['state'], 'Healthy');
    if (form === 'v1 JSON') assert.match(r.stderr, /local/i, 'the v1 translation is reported');
    const scored = await post(
      r.outputs['scoring-uri']!,
      await readFile(path.join(dir, 'sample-request.json'), 'utf8'),
      await localAuthHeader(dir, endpoint),
    );
    assert.equal(scored.status, 200, scored.text);
    const got = JSON.parse(scored.text) as number[];
    const expected = JSON.parse(
      await readFile(path.join(dir, 'expected-predictions.json'), 'utf8'),
    ) as number[];
    assert.equal(got.length, expected.length);
    for (const [i, v] of expected.entries())
      assert.ok(Math.abs(got[i]! - v) < 1e-6, `prediction ${i}: ${got[i]} vs ${v}`);
  });
}

test('the pipeline registers, deploys, smoke tests and deletes; the demo runs the same', async (t) => {
  const dir = await tempDir(t);
  const r = await cli(['demo'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /register ✓ → deploy ✓ → Healthy ✓ → smoke passed ✓ → deleted ✓/);
  assert.equal(r.outputs['passed'], 'true');
  const pid = /pid (\d+)\)/.exec(r.stderr)?.[1];
  assert.ok(pid, 'the log names the host pid');
  assert.equal(isAlive(Number(pid)), false, 'nothing left running');
});

test('the committed dist bundle runs the demo too', async () => {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli/index.js'), 'demo'], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /smoke passed ✓ → deleted ✓/);
});
