// Key auth on local endpoints (issue 16, item 14): the key file, host.py requiring the key (real python3
// processes), the key kept out of the user's environment, the fingerprint and the state; hosts that cannot
// check it (azmlinfsrv, docker) say so; azmlinfsrv is bound to loopback.

import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import {
  endpointKeyPath,
  ensureEndpointKey,
  generateEndpointKey,
  localAuthFor,
  readEndpointKey,
  SCORING_KEY_ENV,
} from '../../src/targets/local/endpoint-key.ts';
import {
  AZMLINFSRV_LOOPBACK_SHIM,
  planHostLaunch,
  resolveBundledHostPy,
  scriptInterpreter,
} from '../../src/targets/local/find-host.ts';
import { localDeploymentFingerprint, startLocalService } from '../../src/targets/local/local-service.ts';
import { readDeploymentState } from '../../src/targets/local/service-state.ts';
import { examples, fixtures, hostPyEnv, registerModel, request, tempLocalDir, testDeps } from './helpers.ts';

async function call(
  uri: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(uri, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

test('the endpoint key: 32 random bytes as base64url, stored 0600, the same on every later call', async (t) => {
  const localDir = await tempLocalDir(t);
  const a = generateEndpointKey();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, generateEndpointKey());

  assert.equal(await readEndpointKey(localDir, 'ep1'), undefined);
  const first = await ensureEndpointKey(localDir, 'ep1');
  assert.equal(first.created, true);
  assert.equal((await stat(endpointKeyPath(localDir, 'ep1'))).mode & 0o777, 0o600);
  const again = await ensureEndpointKey(localDir, 'ep1');
  assert.deepEqual(again, { key: first.key, created: false });
  // Two runs creating it at once agree on one key.
  const [x, y] = await Promise.all([ensureEndpointKey(localDir, 'ep2'), ensureEndpointKey(localDir, 'ep2')]);
  assert.equal(x.key, y.key);
  // A loosened file mode is tightened when read; a broken file is named, never quoted.
  await chmod(endpointKeyPath(localDir, 'ep1'), 0o644);
  assert.equal(await readEndpointKey(localDir, 'ep1'), first.key);
  assert.equal((await stat(endpointKeyPath(localDir, 'ep1'))).mode & 0o777, 0o600);
  await writeFile(endpointKeyPath(localDir, 'ep2'), '{"primaryKey":"short"}');
  await assert.rejects(readEndpointKey(localDir, 'ep2'), (err: Error) => {
    assert.match(err.message, /keys\.json does not hold a valid key/);
    assert.doesNotMatch(err.message, /short/);
    return true;
  });
});

test('auth modes: key (also without an endpoint file) and aml_token require a key; aad_token cannot', () => {
  assert.equal(localAuthFor(undefined), 'key');
  assert.equal(localAuthFor('key'), 'key');
  assert.equal(localAuthFor('aml_token'), 'key');
  assert.equal(localAuthFor('aad_token'), 'none');
});

test('host.py with a key: POST /score and swagger need it (401 JSON otherwise), liveness stays open', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const key = generateEndpointKey();
  const deps = testDeps();
  const result = await startLocalService(
    request(localDir, modelDir, { codeDir: join(examples, 'demo'), auth: 'key', scoringKey: key }),
    deps,
  );
  if (result.state !== 'Healthy') assert.fail(`${result.error}\n${result.logTail}`);
  const body = JSON.stringify({ data: [[1, 2, 3]] });

  const without = await call(result.scoringUri, { body });
  assert.equal(without.status, 401);
  assert.match(without.headers.get('content-type') ?? '', /application\/json/);
  assert.match((JSON.parse(without.text) as { message: string }).message, /key auth.*Authorization: Bearer/);
  const wrong = await call(result.scoringUri, { body, headers: { authorization: `Bearer ${key}x` } });
  assert.equal(wrong.status, 401);
  assert.match((JSON.parse(wrong.text) as { message: string }).message, /not this endpoint's key/);
  const notBearer = await call(result.scoringUri, { body, headers: { authorization: key } });
  assert.equal(notBearer.status, 401);

  const ok = await call(result.scoringUri, { body, headers: { authorization: `Bearer ${key}` } });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(JSON.parse(ok.text), { predictions: [4.75] });
  const lower = await call(result.scoringUri, { body, headers: { authorization: `bearer ${key}` } });
  assert.equal(lower.status, 200, 'the scheme is case-insensitive');

  assert.equal((await call(result.scoringUri.replace(/\/score$/, '/'), { method: 'GET' })).status, 200);
  assert.equal((await call(result.scoringUri, { method: 'GET' })).status, 200);
  assert.equal((await call(result.swaggerUri, { method: 'GET' })).status, 401);
  const swagger = await call(result.swaggerUri, {
    method: 'GET',
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(swagger.status, 200);

  // The key is in no record: not the state, not the host's log, not the command, not the toolkit's log.
  const state = await readDeploymentState(localDir, 'ep1', 'blue');
  assert.equal(state?.auth, 'key');
  assert.equal(state?.authEnforced, true);
  assert.ok(!JSON.stringify(state).includes(key), 'the key is not in state.json');
  const hostLog = await readFile(result.logFile, 'utf8');
  assert.match(hostLog, /listening on http:\/\/127\.0\.0\.1:\d+ \(key auth\)/);
  assert.ok(!hostLog.includes(key), 'the key is not in the host log');
  assert.ok(!JSON.stringify(deps.log.records).includes(key), 'the key is not in the toolkit log');
});

test("the key never reaches the user's code: run() sees no trace of it in os.environ", async (t) => {
  const localDir = await tempLocalDir(t);
  const key = generateEndpointKey();
  const result = await startLocalService(
    request(localDir, '', {
      codeDir: join(fixtures, 'env-echo'),
      environmentVariables: { MINE: 'mine' },
      auth: 'key',
      scoringKey: key,
    }),
    testDeps({ env: { ...hostPyEnv(), [SCORING_KEY_ENV]: 'from-the-runner' } }),
  );
  if (result.state !== 'Healthy') assert.fail(`${result.error}\n${result.logTail}`);
  const res = await call(result.scoringUri, { body: '{}', headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200, 'the key given by the target is the one required, not the runner variable');
  const env = JSON.parse(res.text) as Record<string, string>;
  assert.equal(env['MINE'], 'mine');
  assert.equal(env[SCORING_KEY_ENV], undefined);
  for (const [name, value] of Object.entries(env)) assert.ok(!value.includes(key), `the key is in ${name}`);
});

test('the key is not in the fingerprint: another key, same fingerprint; key auth itself is', async (t) => {
  const localDir = await tempLocalDir(t);
  const base = request(localDir, '', { codeDir: join(fixtures, 'env-echo') });
  const a = await localDeploymentFingerprint({ ...base, auth: 'key', scoringKey: generateEndpointKey() });
  const b = await localDeploymentFingerprint({ ...base, auth: 'key', scoringKey: generateEndpointKey() });
  assert.equal(a, b);
  assert.notEqual(a, await localDeploymentFingerprint(base), 'turning key auth on restarts the host');
});

test('azmlinfsrv and docker are not given the key and say auth is not enforced, once', async (t) => {
  const dir = await tempLocalDir(t);
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const launchBase = {
    endpointName: 'ep1',
    deploymentName: 'blue',
    modelDir: '',
    modelName: '',
    modelVersion: '',
    codeDir: '/code/app',
    scoringScript: 'score.py',
    environmentVariables: {},
    port: 8123,
    host: '127.0.0.1',
    image: 'img:1',
    scoringKey: 'k'.repeat(43),
  };
  const docker = join(bin, 'docker');
  await writeFile(docker, '#!/bin/sh\nexit 0\n');
  await chmod(docker, 0o755);
  const inDocker = planHostLaunch({ ...launchBase, runtime: 'docker' }, { env: { PATH: bin } });
  assert.equal(inDocker.authEnforced, false);
  assert.ok(!JSON.stringify(inDocker).includes('k'.repeat(43)));

  // A stand-in azmlinfsrv (a shell script, so it is run as is) that execs host.py without the key.
  await writeFile(
    join(bin, 'azmlinfsrv'),
    `#!/bin/sh\nexec python3 -u '${resolveBundledHostPy()}' --entry "$2" --port "$4"\n`,
  );
  await chmod(join(bin, 'azmlinfsrv'), 0o755);
  const planned = planHostLaunch({ ...launchBase, runtime: 'auto' }, { env: { PATH: bin } });
  assert.equal(planned.runtime, 'azmlinfsrv');
  assert.equal(planned.authEnforced, false);
  assert.equal(planned.env[SCORING_KEY_ENV], undefined);

  const env = hostPyEnv();
  env['PATH'] = `${bin}${delimiter}${env['PATH']}`;
  const deps = testDeps({ env });
  const key = generateEndpointKey();
  const result = await startLocalService(
    request(dir, '', { codeDir: join(fixtures, 'env-echo'), auth: 'key', scoringKey: key }),
    deps,
  );
  if (result.state !== 'Healthy') assert.fail(`${result.error}\n${result.logTail}`);
  assert.equal(result.runtime, 'azmlinfsrv');
  const warnings = deps.log.records.filter((r) => r.level === 'warn').map((r) => r.message);
  assert.equal(warnings.filter((w) => /key auth is NOT enforced by azmlinfsrv/.test(w)).length, 1);
  const state = await readDeploymentState(dir, 'ep1', 'blue');
  assert.equal(state?.authEnforced, false);
  const res = await call(result.scoringUri, { body: '{}' });
  assert.equal(res.status, 200, 'the warning tells the truth: no key needed');
  assert.equal((JSON.parse(res.text) as Record<string, string>)[SCORING_KEY_ENV], undefined);
});

test('azmlinfsrv is bound to loopback: its interpreter runs it with DEFAULT_HOST set to 127.0.0.1', async (t) => {
  const dir = await tempLocalDir(t);
  const bin = join(dir, 'bin');
  const pkg = join(dir, 'site', 'azureml_inference_server_http');
  await mkdir(bin, { recursive: true });
  await mkdir(pkg, { recursive: true });
  // A stand-in of the package, laid out as the real one: amlserver copies DEFAULT_HOST from constants at import
  // and serves on it (here: host.py --host DEFAULT_HOST).
  await writeFile(join(pkg, '__init__.py'), '');
  await writeFile(join(pkg, 'constants.py'), 'DEFAULT_HOST = "0.0.0.0"\n');
  await writeFile(
    join(pkg, 'amlserver.py'),
    [
      'import os, sys',
      'from .constants import *',
      'def run():',
      '    args = sys.argv[1:]',
      `    os.execv(sys.executable, [sys.executable, "-u", ${JSON.stringify(resolveBundledHostPy())}, "--entry", args[1], "--port", args[3], "--host", DEFAULT_HOST])`,
      '',
    ].join('\n'),
  );
  const azmlinfsrv = join(bin, 'azmlinfsrv');
  await writeFile(
    azmlinfsrv,
    '#!/usr/bin/python3\nimport sys\nfrom azureml_inference_server_http.amlserver import run\nsys.exit(run())\n',
  );
  await chmod(azmlinfsrv, 0o755);
  assert.equal(scriptInterpreter(azmlinfsrv), '/usr/bin/python3');

  const env = hostPyEnv();
  env['PATH'] = `${bin}${delimiter}${env['PATH']}`;
  env['PYTHONPATH'] = join(dir, 'site');
  const planned = planHostLaunch(
    { ...request(dir, ''), codeDir: join(fixtures, 'env-echo'), port: 8123, host: '127.0.0.1' },
    { env },
  );
  assert.equal(planned.command, '/usr/bin/python3');
  assert.deepEqual(planned.args, [
    '-c',
    AZMLINFSRV_LOOPBACK_SHIM,
    '127.0.0.1',
    '--entry_script',
    'score.py',
    '--port',
    '8123',
  ]);
  assert.deepEqual(planned.warnings, []);

  const result = await startLocalService(
    request(dir, '', { codeDir: join(fixtures, 'env-echo') }),
    testDeps({ env }),
  );
  if (result.state !== 'Healthy') assert.fail(`${result.error}\n${result.logTail}`);
  assert.equal(result.runtime, 'azmlinfsrv');
  assert.match(await readFile(result.logFile, 'utf8'), /listening on http:\/\/127\.0\.0\.1:\d+/);
});

test("pip's long-path launcher and `env python3` name their interpreter; other scripts none", async (t) => {
  const dir = await tempLocalDir(t);
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };
  const env = { PATH: '/usr/bin' };
  assert.equal(
    scriptInterpreter(
      await write('long', `#!/bin/sh\n'''exec' "/usr/bin/python3" "$0" "$@"\n' '''\nimport sys\n`),
      env,
    ),
    '/usr/bin/python3',
  );
  assert.equal(scriptInterpreter(await write('envpy', '#!/usr/bin/env python3\n'), env), '/usr/bin/python3');
  assert.equal(scriptInterpreter(await write('sh', '#!/bin/sh\nexec foo\n'), env), undefined);
  assert.equal(scriptInterpreter(await write('bin', '\u007fELF'), env), undefined);
  assert.equal(scriptInterpreter(join(dir, 'missing'), env), undefined);
});
