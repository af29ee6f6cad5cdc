// Lifecycle of local deployments with real Python processes: start, fail, check, replace, stop.

import assert from 'node:assert/strict';
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../src/clock.ts';
import { UsageError } from '../../src/errors.ts';
import {
  getLocalServiceStatus,
  type LocalServiceHealthy,
  type LocalServiceResult,
  listLocalDeployments,
  startLocalService,
  stopLocalService,
} from '../../src/targets/local/local-service.ts';
import { isProcessAlive, waitForProcessExit } from '../../src/targets/local/process-control.ts';
import {
  deploymentStatePath,
  readDeploymentState,
  readEndpointState,
} from '../../src/targets/local/service-state.ts';
import { examples, fixtures, postScore, registerModel, request, tempLocalDir, testDeps } from './helpers.ts';

function assertHealthy(result: LocalServiceResult): asserts result is LocalServiceHealthy {
  if (result.state !== 'Healthy') {
    assert.fail(`expected Healthy, got Failed: ${result.error}\n${result.logTail}`);
  }
}

test('deploys examples/demo and answers its sample request with the expected predictions', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo-linear', '1', join(examples, 'demo/model'));
  const deps = testDeps();
  const result = await startLocalService(
    request(localDir, modelDir, { codeDir: join(examples, 'demo'), modelName: 'demo-linear' }),
    deps,
  );
  assertHealthy(result);
  assert.equal(result.runtime, 'host.py');
  assert.equal(result.changed, true);
  assert.ok(isProcessAlive(result.pid));
  assert.equal(result.scoringUri, `http://127.0.0.1:${result.port}/score`);
  assert.equal(result.swaggerUri, `http://127.0.0.1:${result.port}/swagger.json`);

  const sample = await readFile(join(examples, 'demo/sample-request.json'), 'utf8');
  const expected = JSON.parse(await readFile(join(examples, 'demo/expected-response.json'), 'utf8'));
  const scored = await postScore(result.scoringUri, sample);
  assert.equal(scored.status, 200);
  assert.match(scored.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual(JSON.parse(scored.text), expected);

  const bad = await postScore(result.scoringUri, { data: [[1, 2]] });
  assert.equal(bad.status, 500);
  assert.match(bad.text, /ValueError: data\[0\] must be a list of 3 numbers/);

  const live = await fetch(`http://127.0.0.1:${result.port}/`);
  assert.equal(live.status, 200);
  assert.equal(await live.text(), 'Healthy');
  const swagger = (await (await fetch(result.swaggerUri)).json()) as {
    swagger: string;
    paths: Record<string, { post?: unknown }>;
  };
  assert.equal(swagger.swagger, '2.0');
  assert.ok(swagger.paths['/score']?.post);
  assert.equal((await fetch(`http://127.0.0.1:${result.port}/nothing-here`)).status, 404);

  const state = await readDeploymentState(localDir, 'ep1', 'blue');
  assert.equal(state?.pid, result.pid);
  assert.equal(state?.port, result.port);
  assert.equal(state?.modelId, 'azureml:demo-linear:1');
  assert.equal(state?.fingerprint, result.fingerprint);
  assert.equal(state?.logFile, join(localDir, 'logs', 'ep1-blue.log'));
  const endpoint = await readEndpointState(localDir, 'ep1');
  assert.equal(endpoint?.name, 'ep1');
  assert.deepEqual(endpoint?.traffic, {});
  assert.match(
    await readFile(result.logFile, 'utf8'),
    /azureml-local-host: listening on http:\/\/127\.0\.0\.1:/,
  );
  assert.match(deps.log.text(), /is Healthy: http:\/\/127\.0\.0\.1:\d+\/score/);
});

test('init() raising makes the deployment Failed with the exception and the log tail, and leaves no process', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const result = await startLocalService(
    request(localDir, modelDir, { codeDir: join(fixtures, 'failing-init') }),
    testDeps(),
  );
  assert.equal(result.state, 'Failed');
  assert.ok(result.state === 'Failed');
  assert.match(
    result.error,
    /init\(\) failed: RuntimeError: cannot load weights from .*missing-weights\.bin/,
  );
  assert.match(result.logTail, /Traceback \(most recent call last\)/);
  assert.match(result.logTail, /RuntimeError: cannot load weights/);
  assert.ok(result.logTail.split('\n').length <= 50);
  assert.ok(result.pid !== undefined);
  assert.equal(isProcessAlive(result.pid), false);
  assert.equal(existsSync(deploymentStatePath(localDir, 'ep1', 'blue')), false);
  assert.equal((await getLocalServiceStatus(localDir, 'ep1', 'blue')).status, 'NotFound');
});

test('a run() exception answers HTTP 500 with the exception message', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const result = await startLocalService(request(localDir, modelDir), testDeps());
  assertHealthy(result);
  const res = await postScore(result.scoringUri, { action: 'raise', why: 'the third column is empty' });
  assert.equal(res.status, 500);
  assert.equal(res.text, 'ValueError: bad input: the third column is empty');
  // The service keeps serving after a failed request.
  assert.equal((await postScore(result.scoringUri, { action: 'string' })).status, 200);
});

test('a requested port that is in use is refused with an error naming the port, before anything starts', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const blocker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const address = blocker.address();
  assert.ok(address && typeof address === 'object');
  const port = address.port;

  await assert.rejects(startLocalService(request(localDir, modelDir, { port }), testDeps()), (err) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.input, 'port');
    assert.match(err.message, new RegExp(`port ${port} is already in use`));
    return true;
  });
  assert.equal(existsSync(join(localDir, 'logs')), false);
  assert.equal((await getLocalServiceStatus(localDir, 'ep1', 'blue')).status, 'NotFound');
});

test('a service whose process died reports Unhealthy', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const result = await startLocalService(request(localDir, modelDir), testDeps());
  assertHealthy(result);
  assert.equal((await getLocalServiceStatus(localDir, 'ep1', 'blue')).status, 'Healthy');

  process.kill(-result.pid, 'SIGKILL');
  assert.ok(await waitForProcessExit(result.pid, systemClock, 5000));
  const status = await getLocalServiceStatus(localDir, 'ep1', 'blue');
  assert.equal(status.status, 'Unhealthy');
  assert.match(status.reason ?? '', /not running/);
  assert.equal(status.state?.pid, result.pid);
});

test('stop ends the process, removes the state, and a second stop is a no-op', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const result = await startLocalService(request(localDir, modelDir), testDeps());
  assertHealthy(result);

  assert.equal(await stopLocalService(localDir, 'ep1', 'blue', { clock: systemClock }), true);
  assert.equal(isProcessAlive(result.pid), false);
  assert.equal(existsSync(deploymentStatePath(localDir, 'ep1', 'blue')), false);
  assert.equal((await getLocalServiceStatus(localDir, 'ep1', 'blue')).status, 'NotFound');
  await assert.rejects(fetch(`http://127.0.0.1:${result.port}/`));
  assert.equal(await stopLocalService(localDir, 'ep1', 'blue', { clock: systemClock }), false);
  // SIGTERM let host.py shut down cleanly.
  assert.match(await readFile(result.logFile, 'utf8'), /azureml-local-host: stopped/);
});

test('a stopped service whose process was already gone: stop returns false and still removes the state', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const result = await startLocalService(request(localDir, modelDir), testDeps());
  assertHealthy(result);
  process.kill(-result.pid, 'SIGKILL');
  assert.ok(await waitForProcessExit(result.pid, systemClock, 5000));
  assert.equal(await stopLocalService(localDir, 'ep1', 'blue', { clock: systemClock }), false);
  assert.equal(existsSync(deploymentStatePath(localDir, 'ep1', 'blue')), false);
});

test('redeploying a changed spec replaces the process (new one Healthy first, then the old one stopped)', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const first = await startLocalService(
    request(localDir, modelDir, { environmentVariables: { GREETING: 'one' } }),
    testDeps(),
  );
  assertHealthy(first);

  const second = await startLocalService(
    request(localDir, modelDir, { environmentVariables: { GREETING: 'two' } }),
    testDeps(),
  );
  assertHealthy(second);
  assert.equal(second.changed, true);
  assert.notEqual(second.pid, first.pid);
  assert.deepEqual(second.replaced, { pid: first.pid, port: first.port });
  assert.equal(isProcessAlive(first.pid), false);
  const res = await postScore(second.scoringUri, { action: 'env', names: ['GREETING'] });
  assert.deepEqual(JSON.parse(res.text), { GREETING: 'two' });
  assert.equal((await readDeploymentState(localDir, 'ep1', 'blue'))?.pid, second.pid);
  assert.equal((await listLocalDeployments(localDir)).length, 1);
});

test('redeploying an unchanged spec to a Healthy service changes nothing; force restarts it', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const first = await startLocalService(request(localDir, modelDir), testDeps());
  assertHealthy(first);
  const again = await startLocalService(request(localDir, modelDir), testDeps());
  assertHealthy(again);
  assert.equal(again.changed, false);
  assert.equal(again.pid, first.pid);
  assert.equal(again.fingerprint, first.fingerprint);

  const forced = await startLocalService(request(localDir, modelDir, { force: true }), testDeps());
  assertHealthy(forced);
  assert.equal(forced.changed, true);
  assert.notEqual(forced.pid, first.pid);
  assert.equal(isProcessAlive(first.pid), false);
});

test('a failed redeploy leaves the previous process serving and its state in place', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const first = await startLocalService(request(localDir, modelDir), testDeps());
  assertHealthy(first);
  const broken = await startLocalService(
    request(localDir, modelDir, { codeDir: join(fixtures, 'failing-init') }),
    testDeps(),
  );
  assert.equal(broken.state, 'Failed');
  assert.ok(broken.pid !== undefined && !isProcessAlive(broken.pid));
  assert.ok(isProcessAlive(first.pid));
  assert.equal((await readDeploymentState(localDir, 'ep1', 'blue'))?.pid, first.pid);
  assert.equal((await postScore(first.scoringUri, { action: 'string' })).status, 200);
  // The failure's log tail holds this attempt only, not the earlier process's lines.
  assert.ok(broken.state === 'Failed' && !broken.logTail.includes(`port ${first.port}`));
});

test('redeploying on the same fixed port stops the old process first', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const first = await startLocalService(request(localDir, modelDir, { port }), testDeps());
  assertHealthy(first);
  const second = await startLocalService(
    request(localDir, modelDir, { port, environmentVariables: { CHANGED: '1' } }),
    testDeps(),
  );
  assertHealthy(second);
  assert.equal(second.port, port);
  assert.notEqual(second.pid, first.pid);
  assert.equal(isProcessAlive(first.pid), false);
});

test('no answer before the deadline makes the deployment Failed and kills the process', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const result = await startLocalService(
    request(localDir, modelDir, { codeDir: join(fixtures, 'slow-init'), deadline: Date.now() + 800 }),
    testDeps(),
  );
  // No wall-clock bound: init() sleeps 30 s, so a start that waited for it instead of the deadline would
  // come back Healthy, not Failed.
  assert.equal(result.state, 'Failed');
  assert.ok(result.state === 'Failed');
  assert.match(result.error, /before the deadline/);
  assert.ok(result.pid !== undefined);
  assert.equal(isProcessAlive(result.pid), false);
  assert.equal((await getLocalServiceStatus(localDir, 'ep1', 'blue')).status, 'NotFound');
});

test('listLocalDeployments lists each endpoint’s deployments with their status', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  assertHealthy(await startLocalService(request(localDir, modelDir), testDeps()));
  const green = await startLocalService(request(localDir, modelDir, { deploymentName: 'green' }), testDeps());
  assertHealthy(green);
  assertHealthy(await startLocalService(request(localDir, modelDir, { endpointName: 'ep2' }), testDeps()));
  process.kill(-green.pid, 'SIGKILL');
  assert.ok(await waitForProcessExit(green.pid, systemClock, 5000));

  const all = await listLocalDeployments(localDir);
  assert.deepEqual(
    all.map((d) => [d.state.endpointName, d.state.deploymentName, d.status]),
    [
      ['ep1', 'blue', 'Healthy'],
      ['ep1', 'green', 'Unhealthy'],
      ['ep2', 'blue', 'Healthy'],
    ],
  );
  assert.deepEqual(
    (await listLocalDeployments(localDir, 'ep2')).map((d) => d.state.deploymentName),
    ['blue'],
  );
  assert.deepEqual(await listLocalDeployments(localDir, 'nope'), []);
});

test('bad requests are refused before anything starts', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const refused = async (overrides: Parameters<typeof request>[2], input: string, message: RegExp) => {
    await assert.rejects(startLocalService(request(localDir, modelDir, overrides), testDeps()), (err) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.equal(err.input, input);
      assert.match(err.message, message);
      return true;
    });
  };
  await refused({ scoringScript: 'nope.py' }, 'scoring-script', /nope\.py was not found/);
  await refused({ modelDir: join(localDir, 'missing') }, 'model', /does not exist/);
  await refused({ python: '/no/such/python3' }, 'python', /was not found/);
  await refused({ port: 70000 }, 'port', /1 to 65535/);
  await refused({ runtime: 'docker' }, 'local-runtime', /needs an image/);
  await assert.rejects(
    startLocalService(request(localDir, modelDir, { endpointName: '../escape' }), testDeps()),
    /invalid local endpoint name/,
  );
  assert.equal(existsSync(join(localDir, 'logs')), false);
});

test('an automatically chosen port taken before the host binds it is retried on another port', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  // Hangs up on whoever connects, so close() does not wait on the liveness probe's connection.
  const blocker = createServer((socket) => socket.destroy());
  const blockerErrors: Error[] = [];
  blocker.on('error', (err) => blockerErrors.push(err));
  t.after(
    () => new Promise<void>((resolve) => (blocker.listening ? blocker.close(() => resolve()) : resolve())),
  );
  const ports: number[] = [];
  // On the first spawn another program takes the chosen port: the blocker binds on the next tick, long
  // before the Python process gets to bind it.
  const spawnWithRace = ((command: string, args: string[], options: SpawnOptions): ChildProcess => {
    const port = Number(args[args.indexOf('--port') + 1]);
    ports.push(port);
    if (ports.length === 1) blocker.listen(port, '127.0.0.1');
    return spawn(command, args, options);
  }) as unknown as typeof spawn;
  const deps = testDeps({ spawn: spawnWithRace });
  const result = await startLocalService(request(localDir, modelDir), deps);
  assertHealthy(result);
  assert.deepEqual(blockerErrors, []);
  assert.equal(ports.length, 2);
  assert.notEqual(ports[1], ports[0]);
  assert.equal(result.port, ports[1]);
  assert.match(deps.log.text(), new RegExp(`Port ${ports[0]} was taken`));
});
