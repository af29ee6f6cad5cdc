// traffic: progressive=… through the CLI against the fake Azure, which serves the endpoint's scoring too
// (routed by the azureml-model-deployment header and the traffic shares, each deployment's latency and errors
// scripted). The fake clock makes the default 60 s step waits instant; latencies are real.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import type { RolloutStep } from '../../src/targets/target.ts';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { blueServing, DEMO_ENDPOINT } from '../support/demo-endpoint.ts';
import type { FakeAzure } from '../support/fake-azure/index.ts';

const EP = DEMO_ENDPOINT;
let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

/** The demo example on a fake Azure that serves scoring, with blue live at 100 %. */
async function blueLive(t: TestContext) {
  const { clock, fake, dir, base } = await blueServing(t, azurite, { serveScoring: true });
  const green = [
    ...base,
    '--deployment-name=green',
    '--smoke-request-file=sample-request.json',
    `--summary-file=${path.join(dir, 'summary.md')}`,
  ];
  return { clock, fake, dir, base, green };
}

type Maps = { traffic: Record<string, number>; mirrorTraffic: Record<string, number> };

/** The endpoint's maps as the fake holds them, as JSON text (key order and zero entries included). */
function mapsText(fake: FakeAzure): string {
  const p = (fake.inspect(`/onlineEndpoints/${EP}`).body as { properties: Maps }).properties;
  return JSON.stringify({ traffic: p.traffic, mirrorTraffic: p.mirrorTraffic });
}

/** The maps of every endpoint PUT since `from`, in order. */
function endpointWrites(fake: FakeAzure, from = 0): Maps[] {
  return fake.requests
    .slice(from)
    .filter((r) => r.method === 'PUT' && r.path.endsWith(`/onlineEndpoints/${EP}`))
    .map((r) => {
      const p = (r.body as { properties: Maps }).properties;
      return { traffic: p.traffic, mirrorTraffic: p.mirrorTraffic };
    });
}

function steps(output: string | undefined): RolloutStep[] {
  assert.ok(output, 'the steps output is set');
  return JSON.parse(output) as RolloutStep[];
}

test('a healthy green goes 10 -> 50 -> 100 in order, each step probed on both deployments, and ends with all traffic', async (t) => {
  const { clock, fake, dir, green } = await blueLive(t);
  // A healthy green: as fast as blue or a little faster (the margin absorbs a loaded machine's noise).
  fake.scoring.behave('blue', { latencyMs: 60 });
  fake.scoring.behave('green', { latencyMs: 50 });
  const mark = fake.requests.length;
  const sleptBefore = clock.slept.length;
  const r = await cli([...green, '--traffic=progressive=10,50,100'], { cwd: dir, clock });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.outputs['traffic']!), { green: 100 });
  assert.deepEqual(JSON.parse(r.outputs['previous-traffic']!), { blue: 100 });
  assert.deepEqual(
    endpointWrites(fake, mark).map((m) => m.traffic),
    [{ blue: 90, green: 10 }, { blue: 50, green: 50 }, { green: 100 }],
    'the recorded endpoint writes show the shares in order',
  );
  assert.equal(mapsText(fake), '{"traffic":{"green":100},"mirrorTraffic":{}}');

  const table = steps(r.outputs['steps']);
  assert.deepEqual(
    table.map((s) => [s.step, s.share, s.verdict]),
    [
      [1, 10, 'passed'],
      [2, 50, 'passed'],
      [3, 100, 'passed'],
    ],
  );
  for (const s of table) {
    assert.equal(s.old.deployment, 'blue');
    assert.equal(s.new.deployment, 'green');
    assert.equal(s.old.requests, 50);
    assert.equal(s.new.requests, 50);
    assert.equal(s.new.errors, 0);
    assert.ok(s.new.p95Ms !== null && s.new.p95Ms >= 50, `green p95 ${s.new.p95Ms}`);
  }
  // Each step waited the default 60 s on the injected clock.
  assert.equal(clock.slept.slice(sleptBefore).filter((ms) => ms === 60_000).length, 3);
  // The gate and every step called green through the header; blue was probed through it too.
  assert.ok(fake.scoring.callsTo('green', 'header').length >= 3 * 51 + 1);
  assert.ok(fake.scoring.callsTo('blue', 'header').length >= 3 * 51);
  const summary = await readFile(path.join(dir, 'summary.md'), 'utf8');
  assert.match(summary, /Progressive rollout \(blue \/ green\)/);
  assert.match(summary, /\| 2\/3 \| 50% \| 50 \/ 50 \| 0 \(0\.0%\) \/ 0 \(0\.0%\) \|/);
});

test('a green 15x slower than blue is stopped at the first step and the traffic is exactly as before', async (t) => {
  const { clock, fake, dir, green } = await blueLive(t);
  fake.scoring.behave('blue', { latencyMs: 20 });
  fake.scoring.behave('green', { latencyMs: 300 });
  const before = mapsText(fake);
  const mark = fake.requests.length;
  const r = await cli([...green, '--traffic=progressive=10,50,100'], { cwd: dir, clock });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /progressive rollout of green stopped at step 1\/3 \(10%\): p95 latency \d+ ms on green vs [\d.]+ ms on blue/,
  );
  assert.equal(mapsText(fake), before, 'traffic and mirror traffic exactly as before');
  assert.deepEqual(
    endpointWrites(fake, mark).map((m) => m.traffic),
    [{ blue: 90, green: 10 }, { blue: 100 }],
    'the first step, then the restore: no second step',
  );
  assert.deepEqual(JSON.parse(r.outputs['traffic']!), { blue: 100 });
  const table = steps(r.outputs['steps']);
  assert.equal(table.length, 1);
  assert.equal(table[0]!.verdict, 'failed');
  assert.match(table[0]!.reasons.join(), /more than the allowed 1\.5×/);
  assert.ok(table[0]!.new.p95Ms! >= 300 && table[0]!.old.p95Ms! < 300);
});

test('a green answering 500 at its first step is stopped, with the error rates in the summary', async (t) => {
  const { clock, fake, dir, green } = await blueLive(t);
  // Green passes the smoke gate (at 0 %), then every fifth call fails once it takes traffic.
  fake.scoring.behave('green', (call) => (call.share > 0 && call.n % 5 === 0 ? { status: 500 } : {}));
  const before = mapsText(fake);
  const r = await cli([...green, '--traffic=progressive=10,50,100'], { cwd: dir, clock });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /stopped at step 1\/3 \(10%\): error rate 20\.0% on green \(10\/50\) vs 0\.0% on blue \(0\/50\): \+20\.0 points, more than the allowed \+1\.0/,
  );
  assert.equal(mapsText(fake), before);
  const summary = await readFile(path.join(dir, 'summary.md'), 'utf8');
  assert.match(summary, /\| 1\/3 \| 10% \| 50 \/ 50 \| 0 \(0\.0%\) \/ 10 \(20\.0%\) \|/);
  assert.match(summary, /failed: error rate 20\.0% on green/);
  assert.match(summary, /Traffic restored to blue=100/);
});

test('a green that answers nothing but 500 once it takes traffic counts as one failed request', async (t) => {
  const { clock, fake, dir, green } = await blueLive(t);
  fake.scoring.behave('green', (call) => (call.share > 0 ? { status: 500 } : {}));
  const r = await cli([...green, '--traffic=progressive=25,100', '--delete-failed-deployment'], {
    cwd: dir,
    clock,
  });
  assert.equal(r.code, 1, r.stderr);
  const [step] = steps(r.outputs['steps']);
  assert.deepEqual([step!.new.requests, step!.new.errors, step!.new.p95Ms], [1, 1, null]);
  assert.match(
    step!.reasons[0]!,
    /error rate 100\.0% on green \(1\/1\) vs 0\.0% on blue \(0\/50\).*HTTP 500/,
  );
  assert.equal(fake.inspect(`/onlineEndpoints/${EP}/deployments/green`).status, 404, 'deleted as asked');
  assert.equal(mapsText(fake), '{"traffic":{"blue":100},"mirrorTraffic":{}}');
});

/** red at 0 % with 10 % mirror traffic beside blue: a rollout that also changes the mirror map has both to restore. */
async function withMirror(t: TestContext) {
  const live = await blueLive(t);
  const red = await cli(
    [...live.base, '--deployment-name=red', '--traffic=none', '--mirror-traffic=red=10'],
    {
      cwd: live.dir,
      clock: live.clock,
    },
  );
  assert.equal(red.code, 0, red.stderr);
  const before = mapsText(live.fake);
  assert.equal(before, '{"traffic":{"blue":100},"mirrorTraffic":{"red":10}}');
  // The rollout moves live traffic and changes the mirror map at its first step.
  const rollout = [...live.green, '--traffic=progressive=50,100', '--mirror-traffic=red=20'];
  return { ...live, before, rollout };
}

test('a failing step restores the traffic and the mirror traffic exactly', async (t) => {
  const { clock, fake, dir, before, rollout } = await withMirror(t);
  fake.scoring.behave('green', (call) => (call.share > 0 ? { status: 500 } : {}));
  const mark = fake.requests.length;
  const r = await cli(rollout, { cwd: dir, clock });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(endpointWrites(fake, mark), [
    { traffic: { blue: 50, green: 50 }, mirrorTraffic: { red: 20 } },
    { traffic: { blue: 100 }, mirrorTraffic: { red: 10 } },
  ]);
  assert.equal(mapsText(fake), before);
});

test('a run cancelled during a step restores the traffic and the mirror traffic exactly', async (t) => {
  const { clock, fake, dir, before, rollout } = await withMirror(t);
  const controller = new AbortController();
  // SIGTERM arrives while the first step's probes run (green already takes 50 %).
  fake.scoring.behave('green', (call) => {
    if (call.share > 0) controller.abort(new Error('SIGTERM'));
    return {};
  });
  const r = await cli(rollout, { cwd: dir, clock, signal: controller.signal });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cancelled: restoring the traffic of azureml-deploy-demo to blue=100/);
  assert.equal(mapsText(fake), before);
});

test('the post: step of a run killed mid-rollout restores the traffic and the mirror traffic exactly', async (t) => {
  const { createCliIO } = await import('../../src/cli/cli-io.ts');
  const { runAction } = await import('../../src/actions/shared/run-action.ts');
  const { deployModelAction } = await import('../../src/actions/deploy-model/main.ts');
  const { clock, fake, dir, before, rollout } = await withMirror(t);
  const inputs = Object.fromEntries(
    rollout.slice(1).map((a) => {
      const [k, ...v] = a.slice(2).split('=');
      return [k!, v.join('=')];
    }),
  );
  const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
  // The run hangs in its first step's wait, as if the runner killed it there: no in-process restore.
  let reachedWait!: () => void;
  const waiting = new Promise<void>((resolve) => {
    reachedWait = resolve;
  });
  const hangingClock = {
    now: () => clock.now(),
    sleep: (ms: number, signal?: AbortSignal) =>
      ms === 60_000
        ? new Promise<void>((_resolve, reject) => {
            reachedWait();
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          })
        : clock.sleep(ms, signal),
  };
  const killed = createCliIO({ read: (n) => inputs[n], streams: quiet, env: {} });
  let saved = '';
  const save = killed.saveState;
  killed.saveState = (name, value) => {
    if (name === 'restore-traffic' && value) saved = value;
    save(name, value);
  };
  const stop = new AbortController();
  const run = runAction(deployModelAction, killed, {
    clock: hangingClock,
    cwd: dir,
    env: {},
    signal: stop.signal,
  });
  await waiting;
  assert.equal(
    mapsText(fake),
    '{"traffic":{"blue":50,"green":50},"mirrorTraffic":{"red":20}}',
    'the killed run had moved both maps',
  );
  assert.deepEqual(JSON.parse(saved).ownership.owned, {
    traffic: { blue: -50, green: 50 },
    mirrorTraffic: { red: 10 },
  });

  let stderr = '';
  const post = createCliIO({
    read: (n) => inputs[n],
    streams: { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } },
    env: {},
  });
  post.saveState('restore-traffic', saved);
  const result = await runAction(deployModelAction, post, { clock, cwd: dir, env: {} }, 'post');
  assert.equal(result.exitCode, 0, stderr);
  assert.match(stderr, /traffic of azureml-deploy-demo restored to blue=100 \(mirror red=10\)/);
  assert.equal(mapsText(fake), before);

  // The hung run, stopped at last, finds nothing left to restore.
  const writes = fake.requests.length;
  stop.abort(new Error('SIGKILL'));
  await run;
  assert.equal(
    fake.requests.slice(writes).filter((r) => r.method === 'PUT').length,
    0,
    'nothing written by the late in-process restore',
  );
});

test('mirror-first-seconds: a mirror phase before the first step, compared like a step, then the steps', async (t) => {
  const { clock, fake, dir, green } = await blueLive(t);
  // A healthy green: as fast as blue or a little faster (the margin absorbs a loaded machine's noise).
  fake.scoring.behave('blue', { latencyMs: 60 });
  fake.scoring.behave('green', { latencyMs: 50 });
  const mark = fake.requests.length;
  const sleptBefore = clock.slept.length;
  const r = await cli(
    [...green, '--traffic=progressive=20,100', '--mirror-first-seconds=300', '--step-wait-seconds=30'],
    { cwd: dir, clock },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(endpointWrites(fake, mark), [
    { traffic: { blue: 100 }, mirrorTraffic: { green: 20 } },
    { traffic: { blue: 80, green: 20 }, mirrorTraffic: {} },
    { traffic: { green: 100 }, mirrorTraffic: {} },
  ]);
  const table = steps(r.outputs['steps']);
  assert.deepEqual(
    table.map((s) => [s.phase, s.step, s.share, s.verdict]),
    [
      ['mirror', 0, 20, 'passed'],
      ['traffic', 1, 20, 'passed'],
      ['traffic', 2, 100, 'passed'],
    ],
  );
  assert.deepEqual(
    clock.slept.slice(sleptBefore).filter((ms) => ms >= 30_000),
    [300_000, 30_000, 30_000],
  );
  assert.equal(mapsText(fake), '{"traffic":{"green":100},"mirrorTraffic":{}}');
});

test('progressive is refused before any write: without requests to probe with, with waits longer than the timeout', async (t) => {
  const { clock, fake, dir, base } = await blueLive(t);
  const writes = () => fake.requests.filter((r) => r.method !== 'GET').length;
  const before = writes();
  const noRequests = await cli([...base, '--deployment-name=green', '--traffic=progressive=10,100'], {
    cwd: dir,
    clock,
  });
  assert.equal(noRequests.code, 2, noRequests.stderr);
  assert.match(noRequests.stderr, /traffic: progressive=10,100 needs the requests each step sends/);
  const tooLong = await cli(
    [
      ...base,
      '--deployment-name=green',
      '--traffic=progressive=10,50,100',
      '--smoke-request-file=sample-request.json',
      '--step-wait-seconds=600',
      '--timeout-minutes=30',
    ],
    { cwd: dir, clock },
  );
  assert.equal(tooLong.code, 2, tooLong.stderr);
  assert.match(
    tooLong.stderr,
    /step-wait-seconds: 3 step\(s\) of 600 s wait 1800 s, more than timeout-minutes \(30\)/,
  );
  const badRatio = await cli([...base, '--max-latency-ratio=0.5'], { cwd: dir, clock });
  assert.equal(badRatio.code, 2);
  assert.match(badRatio.stderr, /max-latency-ratio.*must be at least 1 \(got 0\.5\)/);
  assert.equal(writes(), before, 'nothing was written');
});

test('a dry run lists the steps; the local target refuses progressive before any side effect', async (t) => {
  const { clock, fake, dir, green } = await blueLive(t);
  const dry = await cli([...green, '--traffic=progressive=10,50,100', '--dry-run'], { cwd: dir, clock });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stderr,
    /shift traffic in 3 step\(s\), each gated on green against the serving deployment: blue=90,green=10 -> blue=50,green=50 -> green=100/,
  );
  assert.deepEqual(JSON.parse(dry.outputs['plan']!).traffic.steps, [
    { blue: 90, green: 10 },
    { blue: 50, green: 50 },
    { green: 100 },
  ]);
  assert.equal(fake.inspect(`/onlineEndpoints/${EP}/deployments/green`).status, 404);

  const local = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--traffic=progressive=10,100',
      '--smoke-request-file=sample-request.json',
    ],
    { cwd: dir },
  );
  assert.equal(local.code, 2, local.stderr);
  assert.match(
    local.stderr,
    /traffic: progressive applies to Azure ML endpoints: a local endpoint runs one deployment/,
  );
  for (const made of ['endpoints', 'models']) {
    assert.equal(existsSync(path.join(dir, '.azureml-local', made)), false, `no local ${made} were made`);
  }
});

test('the pipeline: request-file is the gate and the step probe, then the smoke test of the new deployment', async (t) => {
  const { clock, fake, dir } = await blueLive(t);
  // A healthy green: as fast as blue or a little faster (the margin absorbs a loaded machine's noise).
  fake.scoring.behave('blue', { latencyMs: 60 });
  fake.scoring.behave('green', { latencyMs: 50 });
  const mark = fake.requests.length;
  const r = await cli(
    [
      'pipeline',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--deployment-name=green',
      '--request-file=sample-request.json',
      '--traffic=progressive=50,100',
      '--step-requests=20',
      ...azureArgs(fake),
    ],
    { cwd: dir, clock },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    endpointWrites(fake, mark).map((m) => m.traffic),
    [{ blue: 50, green: 50 }, { green: 100 }],
  );
  assert.deepEqual(
    steps(r.outputs['steps']).map((s) => [s.share, s.old.requests, s.new.requests]),
    [
      [50, 20, 20],
      [100, 20, 20],
    ],
  );
  assert.equal(r.outputs['passed'], 'true');
});
