// A local host whose init() hangs (issue 16, item 11), with real python3 processes: a cancel (SIGTERM/SIGINT to
// the action) stops the host's whole process group at once, and the host is on record from the moment it is
// spawned, so delete-service stops it (and its children) even after the action was SIGKILLed.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { systemClock } from '../../src/clock.ts';
import { startLocalService } from '../../src/targets/local/local-service.ts';
import { isProcessAlive, waitForProcessExit } from '../../src/targets/local/process-control.ts';
import { readDeploymentState } from '../../src/targets/local/service-state.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';
import {
  examples,
  fixtures,
  hostPyEnv,
  registerModel,
  repoRoot,
  request,
  tempLocalDir,
  testDeps,
} from './helpers.ts';

const hanging = join(fixtures, 'hanging-init');

/** Resolves once the file exists (written by the host's init(), so the host is up to its hang). */
async function waitForFile(file: string): Promise<string> {
  while (!existsSync(file)) await systemClock.sleep(25);
  return readFile(file, 'utf8');
}

async function assertGone(pid: number, what: string) {
  assert.ok(await waitForProcessExit(pid, systemClock, 10_000), `${what} (pid ${pid}) is still running`);
}

function killOnExit(t: TestContext, pid: () => number | undefined) {
  t.after(() => {
    const p = pid();
    if (p === undefined) return;
    try {
      process.kill(-p, 'SIGKILL');
    } catch {}
  });
}

test('a cancel while init() hangs stops the host and its children at once and leaves no state', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const childPidFile = join(localDir, 'child.pid');
  const abort = new AbortController();
  const started = startLocalService(
    request(localDir, modelDir, {
      codeDir: hanging,
      environmentVariables: { CHILD_PID_FILE: childPidFile },
      // Far away: only the cancel can end this start.
      deadline: Date.now() + 10 * 60_000,
    }),
    testDeps({ signal: abort.signal }),
  );
  const childPid = Number(await waitForFile(childPidFile));
  const recorded = await readDeploymentState(localDir, 'ep1', 'blue');
  assert.ok(recorded, 'the starting host is on record before it answers');
  killOnExit(t, () => recorded.pid);
  abort.abort(new Error('received SIGTERM'));
  const result = await started;
  assert.equal(result.state, 'Failed');
  assert.ok(result.state === 'Failed');
  assert.match(result.error, /cancelled \(received SIGTERM\)/);
  assert.equal(result.pid, recorded.pid);
  await assertGone(recorded.pid, 'the host');
  await assertGone(childPid, "the host's child");
  assert.equal(await readDeploymentState(localDir, 'ep1', 'blue'), undefined);
});

test('a redeploy cancelled while the new host hangs keeps the previous host serving, on record alone', async (t) => {
  const localDir = await tempLocalDir(t);
  const modelDir = await registerModel(localDir, 'demo', '1', join(examples, 'demo/model'));
  const first = await startLocalService(request(localDir, modelDir), testDeps());
  assert.equal(first.state, 'Healthy');
  assert.ok(first.state === 'Healthy');
  const childPidFile = join(localDir, 'child.pid');
  const abort = new AbortController();
  const started = startLocalService(
    request(localDir, modelDir, {
      codeDir: hanging,
      environmentVariables: { CHILD_PID_FILE: childPidFile },
      deadline: Date.now() + 10 * 60_000,
    }),
    testDeps({ signal: abort.signal }),
  );
  const childPid = Number(await waitForFile(childPidFile));
  const during = await readDeploymentState(localDir, 'ep1', 'blue');
  assert.equal(during?.pid, first.pid, 'the serving host stays the recorded one');
  assert.ok(during?.starting, 'the new host is recorded as starting');
  abort.abort(new Error('received SIGINT'));
  const result = await started;
  assert.equal(result.state, 'Failed');
  await assertGone(during.starting.pid, 'the new host');
  await assertGone(childPid, "the new host's child");
  assert.ok(isProcessAlive(first.pid), 'the previous host still serves');
  const after = await readDeploymentState(localDir, 'ep1', 'blue');
  assert.equal(after?.pid, first.pid);
  assert.equal(after?.starting, undefined);
});

/** The CLI as its own process, as a runner or a terminal starts it, so real signals reach it. */
function startCli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): ChildProcess & { output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [join(repoRoot, 'src/cli/index.ts'), ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

async function hangingDeploy(t: TestContext) {
  const dir = await tempDir(t);
  await cp(hanging, join(dir, 'code'), { recursive: true });
  const childPidFile = join(dir, 'child.pid');
  const args = [
    'deploy-model',
    '--target=local',
    '--endpoint-name=hang-ep',
    '--code-path=code',
    '--scoring-script=score.py',
    `--environment-variables=CHILD_PID_FILE=${childPidFile}`,
    '--timeout-minutes=10',
    '--pr-comment=false',
  ];
  const cliProcess = startCli(args, dir, hostPyEnv());
  const childPid = Number(await waitForFile(childPidFile));
  const state = await readDeploymentState(join(dir, '.azureml-local'), 'hang-ep', 'blue');
  assert.ok(state, 'the host is on record while init() hangs');
  killOnExit(t, () => state.pid);
  return { dir, cliProcess, childPid, hostPid: state.pid };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to the CLI while init() hangs: exits 1 promptly, the host group is stopped`, async (t) => {
    const { cliProcess, childPid, hostPid } = await hangingDeploy(t);
    const done = exited(cliProcess);
    cliProcess.kill(signal);
    // No wall-clock bound: the deployment's own deadline is 10 minutes away, so an exit at all means the
    // signal ended it (the test runner's timeout catches a hang).
    const { code } = await done;
    assert.equal(code, 1, cliProcess.output());
    assert.match(cliProcess.output(), new RegExp(`cancelled \\(received ${signal}\\)`));
    await assertGone(hostPid, 'the host');
    await assertGone(childPid, "the host's child");
  });
}

test('after SIGKILL of the CLI, delete-service finds the starting host and stops it and its children', async (t) => {
  const { dir, cliProcess, childPid, hostPid } = await hangingDeploy(t);
  const done = exited(cliProcess);
  cliProcess.kill('SIGKILL');
  await done;
  assert.ok(isProcessAlive(hostPid), 'a SIGKILLed action cannot stop its host itself');
  const r = await cli(['delete-service', '--target=local', '--endpoint-name=hang-ep'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.outputs['deleted'] ?? '', /deployment:hang-ep\/blue/, r.stderr);
  await assertGone(hostPid, 'the host');
  await assertGone(childPid, "the host's child");
});
