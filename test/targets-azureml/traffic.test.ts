import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import {
  decideTraffic,
  parseTrafficMap,
  parseTrafficStrategy,
  sameMap,
  type TrafficInput,
} from '../../src/targets/azureml/traffic.ts';

test('traffic input parses all, none, blue-green, canary=N and explicit maps', () => {
  assert.deepEqual(parseTrafficStrategy('all'), { kind: 'all' });
  assert.deepEqual(parseTrafficStrategy(''), { kind: 'all' });
  assert.deepEqual(parseTrafficStrategy('NONE'), { kind: 'none' });
  assert.deepEqual(parseTrafficStrategy('blue-green'), { kind: 'blue-green' });
  assert.deepEqual(parseTrafficStrategy('canary=10'), { kind: 'canary', percent: 10 });
  assert.deepEqual(parseTrafficStrategy('canary=25%'), { kind: 'canary', percent: 25 });
  assert.deepEqual(parseTrafficStrategy('blue=90,green=10'), {
    kind: 'explicit',
    map: { blue: 90, green: 10 },
  });
  assert.deepEqual(parseTrafficStrategy('Blue=90\ngreen = 10'), {
    kind: 'explicit',
    map: { blue: 90, green: 10 },
  });
  assert.deepEqual(parseTrafficStrategy('{"blue": 100}'), { kind: 'explicit', map: { blue: 100 } });
  for (const bad of [
    'canary=0',
    'canary=100',
    'canary=x',
    'blue=101',
    'blue',
    'blue=1.5',
    'blue=10,blue=90',
  ]) {
    assert.throws(
      () => parseTrafficStrategy(bad),
      (err: unknown) => err instanceof UsageError && err.input === 'traffic',
      bad,
    );
  }
  assert.deepEqual(parseTrafficMap('green=10', 'mirror-traffic'), { green: 10 });
});

const base: TrafficInput = {
  strategy: { kind: 'all' },
  current: { traffic: { blue: 100 }, mirrorTraffic: {} },
  deployment: 'green',
  deployments: ['blue', 'green'],
  kubernetes: false,
  deploymentChanges: true,
};

test('all sends everything to the deployment; none keeps the maps exactly', () => {
  const all = decideTraffic(base);
  assert.deepEqual(all.after.traffic, { green: 100 });
  assert.equal(all.changes, true);
  assert.equal(all.gated, false);
  const current = { traffic: { blue: 100, red: 0 }, mirrorTraffic: { red: 5 } };
  const none = decideTraffic({
    ...base,
    strategy: { kind: 'none' },
    current,
    deployments: ['blue', 'red', 'green'],
  });
  assert.equal(none.after.traffic, current.traffic, 'the very same map object: carried exactly');
  assert.equal(none.after.mirrorTraffic, current.mirrorTraffic);
  assert.equal(none.changes, false);
});

test('a new endpoint (nothing serving): every strategy gives the new deployment 100%, none leaves 0%', () => {
  const empty = { traffic: {}, mirrorTraffic: {} };
  for (const strategy of [
    { kind: 'all' },
    { kind: 'blue-green' },
    { kind: 'canary', percent: 10 },
  ] as const) {
    const d = decideTraffic({ ...base, strategy, current: empty, deployments: ['green'] });
    assert.deepEqual(d.after.traffic, { green: 100 }, strategy.kind);
  }
  const bg = decideTraffic({
    ...base,
    strategy: { kind: 'blue-green' },
    current: empty,
    deployments: ['green'],
  });
  assert.match(bg.notes.join(' '), /nothing serves/);
  const none = decideTraffic({ ...base, strategy: { kind: 'none' }, current: empty, deployments: ['green'] });
  assert.deepEqual(none.after.traffic, {});
  assert.equal(none.changes, false);
});

test('blue-green and canary are gated, and refuse a deployment that already carries traffic', () => {
  const bg = decideTraffic({ ...base, strategy: { kind: 'blue-green' } });
  assert.deepEqual(bg.after.traffic, { green: 100 });
  assert.equal(bg.gated, true);
  const canary = decideTraffic({
    ...base,
    strategy: { kind: 'canary', percent: 10 },
    current: { traffic: { blue: 70, red: 30 }, mirrorTraffic: {} },
    deployments: ['blue', 'red', 'green'],
  });
  assert.deepEqual(canary.after.traffic, { blue: 63, red: 27, green: 10 });
  const thirds = decideTraffic({
    ...base,
    strategy: { kind: 'canary', percent: 1 },
    current: { traffic: { a: 34, b: 33, c: 33 }, mirrorTraffic: {} },
    deployments: ['a', 'b', 'c', 'green'],
  });
  assert.equal(
    Object.values(thirds.after.traffic).reduce((x, y) => x + y, 0),
    100,
    'whole shares that add up to 100',
  );
  assert.throws(
    () =>
      decideTraffic({
        ...base,
        strategy: { kind: 'blue-green' },
        current: { traffic: { blue: 90, green: 10 }, mirrorTraffic: {} },
      }),
    /already serves 10% of the traffic/,
  );
  // The same canary again with nothing changed is a no-op, not a refusal.
  const rerun = decideTraffic({
    ...base,
    strategy: { kind: 'canary', percent: 10 },
    current: { traffic: { blue: 90, green: 10 }, mirrorTraffic: {} },
    deploymentChanges: false,
  });
  assert.equal(rerun.changes, false);
  assert.equal(rerun.gated, false);
});

test('explicit maps must name existing deployments and add up to 100 (or 0)', () => {
  const ok = decideTraffic({ ...base, strategy: { kind: 'explicit', map: { blue: 90, green: 10 } } });
  assert.deepEqual(ok.after.traffic, { blue: 90, green: 10 });
  assert.throws(
    () => decideTraffic({ ...base, strategy: { kind: 'explicit', map: { blue: 50, nope: 50 } } }),
    /nope: no such deployment/,
  );
  assert.throws(
    () => decideTraffic({ ...base, strategy: { kind: 'explicit', map: { blue: 50 } } }),
    /add up to 50/,
  );
});

test('mirror traffic: at most 50%, never on a deployment with live traffic, never on Kubernetes', () => {
  const mirrored = decideTraffic({ ...base, strategy: { kind: 'none' }, mirror: { green: 20 } });
  assert.deepEqual(mirrored.after.mirrorTraffic, { green: 20 });
  assert.deepEqual(mirrored.after.traffic, { blue: 100 });
  assert.equal(mirrored.changes, true);
  assert.throws(
    () => decideTraffic({ ...base, strategy: { kind: 'none' }, mirror: { green: 51 } }),
    (err: unknown) =>
      err instanceof UsageError && err.input === 'mirror-traffic' && /at most 50%/.test(err.message),
  );
  assert.throws(
    () => decideTraffic({ ...base, strategy: { kind: 'all' }, mirror: { green: 10 } }),
    /live traffic \(100%\) and mirror traffic at once/,
  );
  assert.throws(
    () => decideTraffic({ ...base, strategy: { kind: 'none' }, mirror: { green: 10 }, kubernetes: true }),
    /Kubernetes online endpoints do not support mirror traffic/,
  );
  // A carried-over mirror on the deployment that now goes live ends, with a note.
  const promoted = decideTraffic({
    ...base,
    current: { traffic: { blue: 100 }, mirrorTraffic: { green: 10 } },
    deploymentChanges: false,
  });
  assert.deepEqual(promoted.after.mirrorTraffic, {});
  assert.match(promoted.notes.join(' '), /green now receives live traffic/);
});

test('sameMap ignores zero entries, key order and name case', () => {
  assert.equal(sameMap({ blue: 90, green: 10, red: 0 }, { Green: 10, blue: 90 }), true);
  assert.equal(sameMap({ blue: 90, green: 10 }, { blue: 10, green: 90 }), false);
});

test('progressive=10,50,100 parses; the steps must be whole percents, increasing, ending at 100', () => {
  assert.deepEqual(parseTrafficStrategy('progressive=10,50,100'), {
    kind: 'progressive',
    steps: [10, 50, 100],
  });
  assert.deepEqual(parseTrafficStrategy('Progressive: 5%, 25%, 100%'), {
    kind: 'progressive',
    steps: [5, 25, 100],
  });
  assert.deepEqual(parseTrafficStrategy('progressive=100'), { kind: 'progressive', steps: [100] });
  for (const [bad, why] of [
    ['progressive', /needs its steps/],
    ['progressive=', /needs its steps/],
    ['progressive=10,50', /last step must be 100/],
    ['progressive=50,10,100', /must increase \(50 then 10\)/],
    ['progressive=10,10,100', /must increase/],
    ['progressive=0,100', /'0' is not a whole percent/],
    ['progressive=2.5,100', /'2\.5' is not a whole percent/],
    ['progressive=10,x,100', /'x' is not a whole percent/],
  ] as const) {
    assert.throws(
      () => parseTrafficStrategy(bad),
      (err: unknown) => err instanceof UsageError && err.input === 'traffic' && why.test(err.message),
      bad,
    );
  }
});

test('progressive: one map per step (the serving deployments share the rest), gated, ending like blue-green', () => {
  const d = decideTraffic({
    ...base,
    strategy: { kind: 'progressive', steps: [10, 50, 100] },
    current: { traffic: { blue: 70, red: 30 }, mirrorTraffic: { red: 5 } },
    deployments: ['blue', 'red', 'green'],
  });
  assert.equal(d.gated, true);
  assert.deepEqual(d.after.traffic, { green: 100 });
  assert.deepEqual(
    d.steps?.map((s) => s.traffic),
    [{ blue: 63, red: 27, green: 10 }, { blue: 35, red: 15, green: 50 }, { green: 100 }],
  );
  assert.equal(d.steps?.at(-1), d.after, 'the last step is the end of the rollout');
  for (const step of d.steps ?? []) assert.deepEqual(step.mirrorTraffic, { red: 5 });
  assert.equal(d.mirrorFirst, undefined);

  // A mirror phase first: live traffic as it is, the first step's share mirrored to the new deployment.
  const mirrored = decideTraffic({
    ...base,
    strategy: { kind: 'progressive', steps: [10, 100] },
    current: { traffic: { blue: 100 }, mirrorTraffic: { red: 45 } },
    deployments: ['blue', 'red', 'green'],
    mirrorFirst: true,
  });
  assert.deepEqual(mirrored.mirrorFirst, { traffic: { blue: 100 }, mirrorTraffic: { red: 45, green: 5 } });
  assert.throws(
    () =>
      decideTraffic({
        ...base,
        strategy: { kind: 'progressive', steps: [10, 100] },
        current: { traffic: { blue: 100 }, mirrorTraffic: { red: 50 } },
        deployments: ['blue', 'red', 'green'],
        mirrorFirst: true,
      }),
    (err: unknown) => err instanceof UsageError && err.input === 'mirror-first-seconds',
  );

  // Nothing serving yet: no steps, one shift to 100 %.
  const fresh = decideTraffic({
    ...base,
    strategy: { kind: 'progressive', steps: [10, 100] },
    current: { traffic: {}, mirrorTraffic: {} },
    deployments: ['green'],
  });
  assert.equal(fresh.steps, undefined);
  assert.deepEqual(fresh.after.traffic, { green: 100 });
  assert.throws(
    () =>
      decideTraffic({
        ...base,
        strategy: { kind: 'progressive', steps: [10, 100] },
        current: { traffic: { blue: 90, green: 10 }, mirrorTraffic: {} },
      }),
    /already serves 10% of the traffic/,
  );
});
