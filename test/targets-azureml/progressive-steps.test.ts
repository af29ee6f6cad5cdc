// The step verdict of a progressive rollout: error rate against the old deployment, p95 against a ratio with
// an absolute floor, and how a probe's result becomes the figures.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock } from '../../src/clock.ts';
import { recordingLog } from '../../src/log.ts';
import type { ProbeOutcome } from '../../src/probe/http.ts';
import type { ProbeRequest } from '../../src/probe/requests.ts';
import {
  figuresOf,
  judgeStep,
  LATENCY_FLOOR_MS,
  probePairs,
  STEP_CONCURRENCY,
  stepsTable,
} from '../../src/targets/azureml/progressive-steps.ts';
import type { RolloutStep, StepProbeFigures } from '../../src/targets/target.ts';

const limits = { maxErrorRateIncrease: 0.01, maxLatencyRatio: 1.5 };
const figures = (deployment: string, over: Partial<StepProbeFigures> = {}): StepProbeFigures => ({
  deployment,
  requests: 50,
  errors: 0,
  errorRate: 0,
  p50Ms: 20,
  p95Ms: 40,
  ...over,
});

test('equal deployments pass; one error more in 50 requests fails at the default +1 point', () => {
  assert.deepEqual(judgeStep(figures('blue'), figures('green'), limits), []);
  const one = judgeStep(figures('blue'), figures('green', { errors: 1, errorRate: 0.02 }), limits);
  assert.equal(one.length, 1);
  assert.match(
    one[0]!,
    /error rate 2\.0% on green \(1\/50\) vs 0\.0% on blue \(0\/50\): \+2\.0 points, more than the allowed \+1\.0/,
  );
  // The same error rate on both is no regression; 0.03 - 0.02 is not more than 0.01.
  const both = { errors: 1, errorRate: 0.02 };
  assert.deepEqual(judgeStep(figures('blue', both), figures('green', both), limits), []);
  assert.deepEqual(
    judgeStep(figures('blue', { errorRate: 0.02 }), figures('green', { errorRate: 0.03 }), limits),
    [],
  );
});

test('p95 beyond the ratio fails, unless the difference is within the absolute floor', () => {
  assert.equal(LATENCY_FLOOR_MS, 25);
  const old = figures('blue', { p95Ms: 80 });
  assert.deepEqual(judgeStep(old, figures('green', { p95Ms: 120 }), limits), []);
  const slow = judgeStep(old, figures('green', { p95Ms: 124 }), limits);
  assert.match(
    slow[0]!,
    /p95 latency 124 ms on green vs 80 ms on blue: 1\.55×, more than the allowed 1\.5× \(and more than 25 ms slower\)/,
  );
  // A fast model: 2 ms -> 4 ms is twice as slow but only 2 ms more: not a regression.
  assert.deepEqual(judgeStep(figures('blue', { p95Ms: 2 }), figures('green', { p95Ms: 4 }), limits), []);
  assert.equal(judgeStep(figures('blue', { p95Ms: 2 }), figures('green', { p95Ms: 27.5 }), limits).length, 1);
  assert.deepEqual(judgeStep(figures('blue', { p95Ms: 2 }), figures('green', { p95Ms: 27 }), limits), []);
  // No latency to compare (nothing answered): the error rate decides.
  assert.deepEqual(judgeStep(figures('blue', { p95Ms: null }), figures('green', { p95Ms: 900 }), limits), []);
});

const outcome = (status: number | undefined, latencyMs: number): ProbeOutcome => ({
  ...(status !== undefined
    ? { status }
    : { errorClass: 'connection-reset' as const, error: 'socket hang up' }),
  headers: {},
  body: Buffer.from(status === 500 ? '{"message":"boom"}' : '{}'),
  latencyMs,
});
const request: ProbeRequest = {
  name: 'sample.json',
  body: Buffer.from('{}'),
  contentType: 'application/json',
  headers: {},
};

test('figures: an error is anything but HTTP 200; latency over the answers that came', () => {
  const outcomes = [
    ...Array.from({ length: 45 }, (_, i) => outcome(200, 1 + i / 10)),
    ...Array.from({ length: 4 }, () => outcome(500, 2)),
    outcome(undefined, 60_000),
  ];
  assert.deepEqual(figuresOf('green', outcomes), {
    deployment: 'green',
    requests: 50,
    errors: 5,
    errorRate: 0.1,
    p50Ms: 3,
    p95Ms: 5.2,
  });
});

test('probe pairs: request i goes to both deployments at once; one not ready counts as one request, one error', async () => {
  const log: string[] = [];
  let inFlight = 0;
  const send = async (deployment: string) => {
    log.push(`${deployment} ${++inFlight}`);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    return outcome(deployment === 'green' && log.length > 2 ? 500 : 200, deployment === 'blue' ? 2 : 3);
  };
  const [old, neu] = await probePairs('blue', 'green', [request], 20, send, {
    clock: fakeClock(),
    log: recordingLog(),
  });
  assert.deepEqual([old.requests, old.errors, neu.requests, neu.errors], [20, 0, 20, 20]);
  // After the two readiness requests (and a round to open the connections), pairs: blue then green, together.
  const measured = log.slice(2).map((l) => l.split(' ')[0]);
  assert.equal(measured.length, 2 * (20 + STEP_CONCURRENCY));
  for (let i = 0; i < measured.length; i += 2) assert.deepEqual(measured.slice(i, i + 2), ['blue', 'green']);
  assert.ok(Math.max(...log.map((l) => Number(l.split(' ')[1]))) <= 2 * STEP_CONCURRENCY);

  const down = async (deployment: string) => outcome(deployment === 'green' ? 500 : 200, 1);
  const [up, broken] = await probePairs('blue', 'green', [request], 10, down, {
    clock: fakeClock(),
    log: recordingLog(),
  });
  assert.deepEqual([up.requests, up.errors], [10, 0]);
  assert.deepEqual(
    { ...broken, note: broken.note?.replace(/:.*/, '') },
    {
      deployment: 'green',
      requests: 1,
      errors: 1,
      errorRate: 1,
      p50Ms: null,
      p95Ms: null,
      note: 'not ready',
    },
  );
  assert.match(broken.note!, /HTTP 500/);
});

test('the summary table: one row per step, old / new in each cell, the mirror phase named', () => {
  const row = (step: number, phase: RolloutStep['phase'], verdict: RolloutStep['verdict']): RolloutStep => ({
    step,
    phase,
    share: 10,
    traffic: {},
    mirrorTraffic: {},
    old: figures('blue'),
    new: figures('green', verdict === 'failed' ? { errors: 5, errorRate: 0.1 } : {}),
    verdict,
    reasons: verdict === 'failed' ? ['error rate 10.0% on green'] : [],
    durationsMs: { traffic: 0, wait: 0, probe: 0, total: 0 },
  });
  const table = stepsTable([row(0, 'mirror', 'passed'), row(1, 'traffic', 'failed')], 3);
  assert.equal(table.caption, 'Progressive rollout (blue / green)');
  assert.deepEqual(table.rows, [
    ['mirror', '10% mirrored', '50 / 50', '0 (0.0%) / 0 (0.0%)', '20 ms / 20 ms', '40 ms / 40 ms', 'passed'],
    [
      '1/3',
      '10%',
      '50 / 50',
      '0 (0.0%) / 5 (10.0%)',
      '20 ms / 20 ms',
      '40 ms / 40 ms',
      'failed: error rate 10.0% on green',
    ],
  ]);
});
