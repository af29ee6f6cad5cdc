// Choosing the local runtime and building its command line (docker has no engine here: the command is
// asserted, not run).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../../src/clock.ts';
import { UsageError } from '../../src/errors.ts';
import {
  buildDockerRunCommand,
  choosePython,
  dockerContainerName,
  findExecutable,
  hostEnvironment,
  planHostLaunch,
  resolveBundledHostPy,
} from '../../src/targets/local/find-host.ts';
import { startLocalService, stopLocalService } from '../../src/targets/local/local-service.ts';
import { isProcessAlive } from '../../src/targets/local/process-control.ts';
import { writeDeploymentState } from '../../src/targets/local/service-state.ts';
import {
  examples,
  fixtures,
  hostPyEnv,
  postScore,
  registerModel,
  repoRoot,
  request,
  tempLocalDir,
  testDeps,
} from './helpers.ts';

async function fakeProgram(dir: string, name: string, script: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${script}\n`);
  await chmod(path, 0o755);
  return path;
}

const launchBase = {
  endpointName: 'ep1',
  deploymentName: 'blue',
  modelDir: '/models/demo/1',
  modelName: 'demo',
  modelVersion: '1',
  codeDir: '/code/app',
  scoringScript: 'onlinescoring/score.py',
  environmentVariables: { FEATURE: 'x' },
  port: 8123,
  host: '127.0.0.1',
};

test('docker run is laid out like az ml local deployments, publishes on loopback and keeps values off argv', () => {
  const cmd = buildDockerRunCommand({
    image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
    containerName: dockerContainerName('ep1', 'blue'),
    port: 8123,
    modelDir: '/data/models/sklearn/2',
    modelName: 'sklearn',
    modelVersion: '2',
    codeDir: '/repo/examples/sklearn/onlinescoring',
    scoringScript: 'score.py',
    environmentVariables: { SECRET_TOKEN: 's3cr3t', LEVEL: 'debug' },
  });
  assert.equal(cmd.command, 'docker');
  assert.deepEqual(cmd.args, [
    'run',
    '--rm',
    '--name',
    'azureml-local-ep1-blue',
    '-p',
    '127.0.0.1:8123:5001',
    '-v',
    '/data/models/sklearn/2:/var/azureml-app/azureml-models/sklearn/2:ro',
    '-v',
    '/repo/examples/sklearn/onlinescoring:/var/azureml-app/onlinescoring',
    '-w',
    '/var/azureml-app/onlinescoring',
    '-e',
    'AML_APP_ROOT',
    '-e',
    'AZUREML_ENTRY_SCRIPT',
    '-e',
    'AZUREML_MODEL_DIR',
    '-e',
    'LEVEL',
    '-e',
    'SECRET_TOKEN',
    'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
  ]);
  assert.deepEqual(cmd.env, {
    SECRET_TOKEN: 's3cr3t',
    LEVEL: 'debug',
    AZUREML_MODEL_DIR: '/var/azureml-app/azureml-models/sklearn/2',
    AZUREML_ENTRY_SCRIPT: 'score.py',
    AML_APP_ROOT: '/var/azureml-app/onlinescoring',
  });
  assert.ok(!cmd.args.join(' ').includes('s3cr3t'));
});

test('docker: a script in a subfolder sets AML_APP_ROOT to its folder and the entry script to its name', () => {
  const cmd = buildDockerRunCommand({
    image: 'img:1',
    containerName: dockerContainerName('my.endpoint', 'blue/x'),
    port: 9000,
    modelDir: '/m/demo/1',
    modelName: 'demo',
    modelVersion: '1',
    codeDir: '/repo/code/',
    scoringScript: './onlinescoring/score.py',
    environmentVariables: {},
  });
  assert.equal(cmd.containerName, 'azureml-local-my.endpoint-blue-x');
  assert.equal(cmd.env['AML_APP_ROOT'], '/var/azureml-app/code/onlinescoring');
  assert.equal(cmd.env['AZUREML_ENTRY_SCRIPT'], 'score.py');
  assert.ok(cmd.args.includes('/repo/code:/var/azureml-app/code'));
});

test('planHostLaunch: docker needs an image and the docker CLI; the plan carries variable values in env', async (t) => {
  const dir = await tempLocalDir(t);
  const docker = await fakeProgram(join(dir, 'bin'), 'docker', 'exit 0');
  assert.throws(
    () => planHostLaunch({ ...launchBase, runtime: 'docker' }, { env: { PATH: join(dir, 'bin') } }),
    (err) => err instanceof UsageError && err.input === 'local-runtime' && /needs an image/.test(err.message),
  );
  assert.throws(
    () =>
      planHostLaunch({ ...launchBase, runtime: 'docker', image: 'img:1' }, { env: { PATH: '/nonexistent' } }),
    (err) => err instanceof UsageError && /docker CLI/.test(err.message),
  );
  const plan = planHostLaunch(
    { ...launchBase, runtime: 'docker', image: 'img:1' },
    { env: { PATH: join(dir, 'bin'), INPUT_CLIENT_SECRET: 'hidden' } },
  );
  assert.equal(plan.runtime, 'docker');
  assert.equal(plan.command, docker);
  assert.equal(plan.containerName, 'azureml-local-ep1-blue');
  assert.equal(plan.env['FEATURE'], 'x');
  assert.equal(plan.env['INPUT_CLIENT_SECRET'], undefined);
});

test('auto prefers azmlinfsrv on PATH, else runs the bundled host.py with python3', async (t) => {
  const dir = await tempLocalDir(t);
  const bin = join(dir, 'bin');
  const python3 = await fakeProgram(bin, 'python3', 'exit 0');
  const withoutServer = planHostLaunch({ ...launchBase, runtime: 'auto' }, { env: { PATH: bin } });
  assert.equal(withoutServer.runtime, 'host.py');
  assert.equal(withoutServer.command, python3);
  assert.deepEqual(withoutServer.args, [
    '-u',
    resolveBundledHostPy(),
    '--entry',
    'onlinescoring/score.py',
    '--port',
    '8123',
    '--host',
    '127.0.0.1',
  ]);
  assert.equal(withoutServer.cwd, '/code/app');
  assert.equal(withoutServer.env['AZUREML_MODEL_DIR'], '/models/demo/1');

  const server = await fakeProgram(bin, 'azmlinfsrv', 'exit 0');
  const withServer = planHostLaunch({ ...launchBase, runtime: 'auto' }, { env: { PATH: bin } });
  assert.equal(withServer.runtime, 'azmlinfsrv');
  assert.equal(withServer.command, server);
  assert.deepEqual(withServer.args, ['--entry_script', 'onlinescoring/score.py', '--port', '8123']);
  assert.equal(withServer.env['AZUREML_MODEL_DIR'], '/models/demo/1');
  assert.equal(withServer.env['FEATURE'], 'x');
});

test('choosePython: the python input, else python3, else python; a clear error when none', async (t) => {
  const dir = await tempLocalDir(t);
  const onlyPython = join(dir, 'only-python');
  const python = await fakeProgram(onlyPython, 'python', 'exit 0');
  assert.equal(choosePython(undefined, { PATH: onlyPython }), python);
  const both = join(dir, 'both');
  const python3 = await fakeProgram(both, 'python3', 'exit 0');
  await fakeProgram(both, 'python', 'exit 0');
  // python3 anywhere on PATH wins over a python found earlier.
  assert.equal(choosePython(undefined, { PATH: `${onlyPython}${delimiter}${both}` }), python3);
  assert.equal(choosePython(undefined, { PATH: both }), python3);
  assert.equal(choosePython(python3, { PATH: '' }), python3);
  assert.equal(choosePython('python3', { PATH: both }), python3);
  assert.throws(
    () => choosePython(undefined, { PATH: join(dir, 'empty') }),
    (err) =>
      err instanceof UsageError && err.input === 'python' && /neither python3 nor python/.test(err.message),
  );
  assert.equal(findExecutable('not-a-program-anywhere', { PATH: both }), undefined);
});

test('the bundled host.py is found from the sources and from a bundle folder', async (t) => {
  assert.equal(resolveBundledHostPy(), join(repoRoot, 'src/local-host/host.py'));
  const dir = await tempLocalDir(t);
  await mkdir(join(dir, 'dist/local-host'), { recursive: true });
  await writeFile(join(dir, 'dist/local-host/host.py'), '');
  const bundle = pathToFileURL(join(dir, 'dist/deploy-model/index.js')).href;
  assert.equal(resolveBundledHostPy(bundle), join(dir, 'dist/local-host/host.py'));
  assert.throws(
    () => resolveBundledHostPy(pathToFileURL(join(dir, 'x/y/z/index.js')).href),
    /host\.py was not found/,
  );
});

test('hostEnvironment drops the runner inputs and tokens; Azure ML variables win over deployment ones', () => {
  const env = hostEnvironment(
    {
      PATH: '/bin',
      INPUT_API_KEY: 'k',
      'INPUT_CLIENT-SECRET': 's',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      HOME: '/h',
    },
    { AZUREML_MODEL_DIR: '/wrong', MINE: '1' },
    { AZUREML_MODEL_DIR: '/right' },
  );
  assert.deepEqual(env, {
    PATH: '/bin',
    HOME: '/h',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    AZUREML_MODEL_DIR: '/right',
    MINE: '1',
  });
});

test('with azmlinfsrv on PATH the service runs under it (a stand-in that execs host.py)', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const bin = join(localDir, 'bin');
  // azmlinfsrv --entry_script S --port N  ->  host.py --entry S --port N
  await fakeProgram(
    bin,
    'azmlinfsrv',
    `exec python3 -u '${resolveBundledHostPy()}' --entry "$2" --port "$4"`,
  );
  const env = hostPyEnv();
  env['PATH'] = `${bin}${delimiter}${env['PATH']}`;
  const result = await startLocalService(
    request(localDir, modelDir, { codeDir: join(examples, 'demo') }),
    testDeps({ env }),
  );
  if (result.state !== 'Healthy') assert.fail(`${result.error}\n${result.logTail}`);
  assert.equal(result.runtime, 'azmlinfsrv');
  const res = await postScore(result.scoringUri, { data: [[1, 2, 3]] });
  assert.deepEqual(JSON.parse(res.text), { predictions: [4.75] });

  const failing = await startLocalService(
    request(localDir, modelDir, { deploymentName: 'broken', codeDir: join(fixtures, 'failing-init') }),
    testDeps({ env }),
  );
  assert.equal(failing.state, 'Failed');
  assert.ok(failing.state === 'Failed');
  assert.match(failing.error, /azmlinfsrv exited \(exit code 3\).*RuntimeError: cannot load weights/);
});

test('stopping a docker deployment also removes its container', async (t) => {
  const localDir = await tempLocalDir(t);
  // A stand-in for the foreground docker client: a process leading its own group.
  const client = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  client.unref();
  const pid = client.pid!;
  t.after(() => {
    if (isProcessAlive(pid)) process.kill(-pid, 'SIGKILL');
  });
  await writeDeploymentState(localDir, {
    endpointName: 'ep1',
    deploymentName: 'blue',
    pid,
    port: 1,
    host: '127.0.0.1',
    runtime: 'docker',
    command: ['docker', 'run'],
    containerName: 'azureml-local-ep1-blue',
    startedAt: new Date().toISOString(),
    fingerprint: 'f',
    modelId: 'azureml:demo:1',
    modelDir: '/m',
    codeDir: '/c',
    scoringScript: 'score.py',
    logFile: join(localDir, 'logs/ep1-blue.log'),
    scoringUri: 'http://127.0.0.1:1/score',
    swaggerUri: 'http://127.0.0.1:1/swagger.json',
  });
  const calls: string[][] = [];
  const recordingSpawn = ((command: string, args: string[]) => {
    calls.push([command, ...args]);
    return spawn('true', [], { stdio: 'ignore' });
  }) as unknown as typeof spawn;
  assert.equal(
    await stopLocalService(localDir, 'ep1', 'blue', { clock: systemClock, spawn: recordingSpawn }),
    true,
  );
  assert.equal(isProcessAlive(pid), false);
  assert.deepEqual(calls, [['docker', 'rm', '-f', 'azureml-local-ep1-blue']]);
});

test('docker without a model mounts no model folder and sets no AZUREML_MODEL_DIR', () => {
  const cmd = buildDockerRunCommand({
    image: 'img:1',
    containerName: 'c',
    port: 9000,
    modelDir: '',
    modelName: '',
    modelVersion: '',
    codeDir: '/repo/code',
    scoringScript: 'score.py',
    environmentVariables: {},
  });
  assert.equal(cmd.modelDirInContainer, undefined);
  assert.equal(cmd.env['AZUREML_MODEL_DIR'], undefined);
  assert.deepEqual(
    cmd.args.filter((a) => a.includes('azureml-models')),
    [],
  );
});
