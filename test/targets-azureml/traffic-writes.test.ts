// Concurrent-safe traffic writes: this run's change goes on top of what another writer left, a restore undoes
// this run's change only, what cannot be merged is refused; and against the fake, a PUT answered 409 is
// recomputed from a fresh read instead of resent.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPlan } from '../../src/targets/azureml/apply.ts';
import { type DesiredDeployment, planDeployment } from '../../src/targets/azureml/plan.ts';
import {
  deltaBetween,
  holdsOwnChange,
  mapsToWrite,
  NOTHING_OWNED,
  type TrafficOwnership,
} from '../../src/targets/azureml/traffic-writes.ts';
import { managedSpec, seedAsset, startWorkspace } from './helpers.ts';

const maps = (traffic: Record<string, number>, mirrorTraffic: Record<string, number> = {}) => ({
  traffic,
  mirrorTraffic,
});
const previous = maps({ blue: 100 });
const canaryB = maps({ blue: 80, canaryb: 20 });

test('with no other writer the plan map is written as it is (the same object)', () => {
  const wanted = maps({ blue: 90, green: 10, red: 0 });
  const out = mapsToWrite(previous, NOTHING_OWNED, { previous, wanted });
  assert.ok('maps' in out);
  assert.equal(out.maps, wanted);
  // The next step of the same run, over what the first one wrote.
  const owned: TrafficOwnership = { owned: deltaBetween(previous, wanted) };
  const step2 = maps({ blue: 50, green: 50 });
  const next = mapsToWrite(wanted, owned, { previous, wanted: step2 });
  assert.ok('maps' in next);
  assert.equal(next.maps, step2);
});

test('another run got in first: this run adds its own change to the fresh map, keeping the other share', () => {
  const current = maps({ blue: 90, canarya: 10 });
  const out = mapsToWrite(current, NOTHING_OWNED, { previous, wanted: canaryB });
  assert.ok('maps' in out);
  assert.deepEqual(out.maps, maps({ blue: 70, canarya: 10, canaryb: 20 }));
});

test('a change that no longer fits is refused with "the endpoint changed under this run"', () => {
  const current = maps({ blue: 90, canarya: 10 });
  const out = mapsToWrite(current, NOTHING_OWNED, { previous, wanted: maps({ greenb: 100 }) });
  assert.ok('conflict' in out);
  assert.match(out.conflict, /^the endpoint changed under this run: it carries traffic blue=90,canarya=10/);
  assert.match(out.conflict, /blue would have -10% traffic/);
  // Mirror limits are the service's: the merged mirror map may not pass 50 %.
  const mirrored = mapsToWrite(maps({ blue: 100 }, { red: 40 }), NOTHING_OWNED, {
    previous,
    wanted: maps({ blue: 100 }, { green: 20 }),
  });
  assert.ok('conflict' in mirrored);
  assert.match(mirrored.conflict, /mirror traffic would add up to 60%/);
});

test('a restore undoes this run\u2019s change only: a later writer\u2019s share stays', () => {
  const owned: TrafficOwnership = { owned: deltaBetween(previous, maps({ blue: 90, canarya: 10 })) };
  // canaryb's run went on top of ours.
  const current = maps({ blue: 70, canarya: 10, canaryb: 20 });
  const out = mapsToWrite(current, owned, { previous, wanted: previous });
  assert.ok('maps' in out);
  assert.deepEqual(out.maps, maps({ blue: 80, canaryb: 20 }));
  // Nobody else wrote: the previous maps exactly, zero entries and key order as they were read.
  const exact = maps({ red: 0, blue: 100 }, { red: 10 });
  const ours = maps({ blue: 90, green: 10 }, { red: 10 });
  const back = mapsToWrite(ours, { owned: deltaBetween(exact, ours) }, { previous: exact, wanted: exact });
  assert.ok('maps' in back);
  assert.equal(back.maps, exact);
  // A writer that moved everything to canarya since: undoing this run's 10 points leaves that writer's change.
  const promoted = mapsToWrite(maps({ canarya: 100 }), owned, { previous, wanted: previous });
  assert.ok('maps' in promoted);
  assert.deepEqual(promoted.maps, maps({ canarya: 90, blue: 10 }));
  // The other writer took away the very share this run had given: there is nothing of this run's to undo safely.
  const taken = mapsToWrite(maps({ blue: 95, red: 5 }), owned, { previous, wanted: previous });
  assert.ok('conflict' in taken);
  assert.match(taken.conflict, /canarya would have -10% traffic/);
  // Without a known ownership every difference is taken as this run's: previous, exactly.
  const unknown = mapsToWrite(current, undefined, { previous, wanted: previous });
  assert.ok('maps' in unknown);
  assert.equal(unknown.maps, previous);
});

test('a write whose outcome is unknown counts as this run\u2019s only when the endpoint carries what it sent', () => {
  const step1 = maps({ blue: 90, green: 10 });
  const step2 = maps({ blue: 50, green: 50 });
  const ownership: TrafficOwnership = {
    owned: deltaBetween(previous, step1),
    inFlight: { maps: step2, owned: deltaBetween(previous, step2) },
  };
  const landed = mapsToWrite(step2, ownership, { previous, wanted: previous });
  assert.ok('maps' in landed);
  assert.equal(landed.maps, previous);
  const lost = mapsToWrite(step1, ownership, { previous, wanted: previous });
  assert.ok('maps' in lost);
  assert.equal(lost.maps, previous);
});

test('verify: the live maps hold this run\u2019s change when its deployment\u2019s share is as set and the rest is another writer\u2019s', () => {
  const intended = maps({ blue: 90, canarya: 10 });
  const owned: TrafficOwnership = { owned: deltaBetween(previous, intended) };
  assert.equal(holdsOwnChange(intended, intended, owned, 'canarya'), true);
  assert.equal(
    holdsOwnChange(maps({ blue: 70, canarya: 10, canaryb: 20 }), intended, owned, 'canarya'),
    true,
  );
  // Azure acknowledged the write but did not apply it.
  assert.equal(holdsOwnChange(previous, intended, owned, 'canarya'), false);
  // A mirror change of this run that is not there.
  const withMirror = maps({ blue: 100 }, { red: 10 });
  const mirrorOwned: TrafficOwnership = { owned: deltaBetween(previous, withMirror) };
  assert.equal(holdsOwnChange(previous, withMirror, mirrorOwned, 'green'), false);
});

test('a traffic PUT answered 409 while another writer updates the endpoint is recomputed, not resent', async (t) => {
  const tw = await startWorkspace(t);
  await seedAsset(tw, 'models', 'm', '1', { modelUri: 'azureml://datastores/d/paths/m' });
  await seedAsset(tw, 'codes', 'score', '1', { codeUri: 'https://acct.blob.core.windows.net/c/score' });
  await seedAsset(tw, 'environments', 'env', '1', { image: 'mcr.microsoft.com/azureml/minimal:latest' });
  const deadline = () => tw.clock.now() + 30 * 60_000;
  const deploy = async (name: string, strategy: DesiredDeployment['traffic']) => {
    const plan = await planDeployment(tw.ws, {
      endpoint: { name: 'ep-test' },
      deployment: managedSpec(name, 'ep-test'),
      ...(strategy ? { traffic: strategy } : {}),
    });
    return applyPlan(tw.ws, plan, { deadline: deadline() });
  };
  assert.equal((await deploy('blue', { kind: 'all' })).ok, true);
  assert.equal((await deploy('canarya', { kind: 'none' })).ok, true);
  const endpoint = `${tw.ws.path}/onlineEndpoints/ep-test`;
  const live = () =>
    (tw.fake.inspect('/onlineEndpoints/ep-test').body as { properties: { traffic: Record<string, number> } })
      .properties.traffic;

  // This run's traffic PUT arrives just after another writer's update (canarya to 10 %) started: 409.
  let otherWrote = false;
  tw.fake.fail({
    method: 'PUT',
    path: /\/onlineEndpoints\/ep-test$/,
    status: 409,
    body: {
      error: {
        code: 'Conflict',
        message: 'Cannot update endpoint ep-test because it is in Updating provisioning state.',
      },
    },
    onHit: () => {
      const current = tw.fake.inspect('/onlineEndpoints/ep-test').body as {
        location: string;
        properties: Record<string, unknown>;
      };
      const other = tw.fake.act('PUT', '/onlineEndpoints/ep-test', {
        location: current.location,
        identity: { type: 'SystemAssigned' },
        properties: {
          authMode: current.properties.authMode,
          traffic: { blue: 90, canarya: 10 },
          mirrorTraffic: {},
        },
      });
      otherWrote = other.status === 200;
    },
  });
  const result = await deploy('canaryb', { kind: 'canary', percent: 20 });
  assert.equal(otherWrote, true);
  assert.equal(result.ok, true, result.error);
  const traffic = live();
  assert.deepEqual(
    Object.fromEntries(Object.entries(traffic).sort()),
    { blue: 70, canarya: 10, canaryb: 20 },
    'the other writer\u2019s canarya share survived; this run put its 20 % on top',
  );
  const endpointPuts = tw.fake.requests.filter((r) => r.method === 'PUT' && r.path === endpoint);
  const ours = endpointPuts.filter((r) => JSON.stringify(r.body).includes('canaryb'));
  assert.deepEqual(
    ours.map((r) => [r.status, (r.body as { properties: { traffic: object } }).properties.traffic]),
    [
      [409, { blue: 80, canaryb: 20 }],
      [200, { blue: 70, canarya: 10, canaryb: 20 }],
    ],
    'the 409ed body was not sent again: the retry was computed from a fresh read',
  );
});
