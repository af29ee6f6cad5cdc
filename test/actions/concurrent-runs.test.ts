// Two deploy-model runs on one endpoint at once (no concurrency group), through the CLI against the fake
// Azure, which answers 409 "operation in progress" to an endpoint PUT while another update runs. Whichever
// way the runs interleave (the second one's PUT refused with 409, or its read already seeing the first one's
// update), its traffic write is computed from a fresh read: both runs' shares end up on the endpoint, or one
// run fails clearly and the traffic stays exactly as the other left it. Never a lost update. (The 409 path on
// its own, deterministically: traffic-writes.test.ts.)

import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { blueServing, DEMO_ENDPOINT } from '../support/demo-endpoint.ts';
import type { FakeAzure } from '../support/fake-azure/index.ts';

const EP = DEMO_ENDPOINT;
const MINUTE = 60_000;
let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

async function blueLive(t: TestContext) {
  const { clock, fake, dir, base } = await blueServing(t, azurite);
  // Both new deployments take a minute (so both runs reach their traffic write together); whichever run updates
  // the endpoint first holds it Updating for 10 minutes, so the other one's PUT gets 409.
  fake.script({ resource: 'deployment', operation: 'create', delayMs: MINUTE, times: 2 });
  fake.script({ resource: 'endpoint', operation: 'update', delayMs: 10 * MINUTE });
  const run = (deployment: string, traffic: string) =>
    cli([...base, `--deployment-name=${deployment}`, `--traffic=${traffic}`], { cwd: dir, clock });
  return { fake, run };
}

function liveTraffic(fake: FakeAzure): Record<string, number> {
  return (fake.inspect(`/onlineEndpoints/${EP}`).body as { properties: { traffic: Record<string, number> } })
    .properties.traffic;
}

test('two canary runs at once on one endpoint: both shares end up on it (the second write is computed from a fresh read)', async (t) => {
  const { fake, run } = await blueLive(t);
  const [a, b] = await Promise.all([run('canarya', 'canary=10'), run('canaryb', 'canary=20')]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const sorted = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).sort());
  assert.deepEqual(sorted(liveTraffic(fake)), { blue: 70, canarya: 10, canaryb: 20 });
  // The run that went second read the endpoint again and put its change on top of the other's.
  const second = [a, b].find((r) => /changed since this run read it/.test(r.stderr));
  assert.ok(second, [a.stderr, b.stderr].join('\n-----\n'));
});

test('a canary and a blue-green run at once: one fails clearly, the traffic is exactly as the other left it', async (t) => {
  const { fake, run } = await blueLive(t);
  const [a, b] = await Promise.all([run('canarya', 'canary=10'), run('greenb', 'blue-green')]);
  const failed = [a, b].filter((r) => r.code !== 0);
  const passed = [a, b].filter((r) => r.code === 0);
  assert.equal(failed.length, 1, [a.stderr, b.stderr].join('\n-----\n'));
  assert.equal(passed.length, 1);
  assert.match(failed[0]!.stderr, /the endpoint changed under this run/);
  assert.match(failed[0]!.stderr, /Run again to plan against the endpoint as it is now/);
  // The survivor's map, untouched by the failed run (which moved nothing and so restored nothing).
  assert.deepEqual(liveTraffic(fake), JSON.parse(passed[0]!.outputs['traffic']!));
  assert.deepEqual(JSON.parse(failed[0]!.outputs['traffic']!), liveTraffic(fake));
});
