// The fake's scoring side (serveScoring): routed by the azureml-model-deployment header or by the traffic
// shares (exactly, over every 100 calls), mirrored copies at the mirror share, the endpoint key required,
// and each deployment's latency and status scripted per test.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { waitForOperation } from '../../src/azure/lro.ts';
import { fakeClock } from '../../src/clock.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';

async function endpoint(t: import('node:test').TestContext) {
  const clock = fakeClock();
  const fake = await startFakeAzure({ clock, serveScoring: true, settings: { provisioningDelayMs: 10 } });
  t.after(() => fake.close());
  const client = fake.client();
  const ep = `${fake.workspacePath}/onlineEndpoints/ep1`;
  const wait = async (res: Awaited<ReturnType<typeof client.put>>, url: string) =>
    waitForOperation(res, { client, resourceUrl: url, deadline: clock.now() + 60_000 });
  await wait(await client.put(ep, { body: { location: 'eastus2', properties: { authMode: 'Key' } } }), ep);
  for (const name of ['blue', 'green', 'red']) {
    const url = `${ep}/deployments/${name}`;
    await wait(
      await client.put(url, {
        body: { location: 'eastus2', properties: { endpointComputeType: 'Managed' } },
      }),
      url,
    );
  }
  const setTraffic = async (traffic: Record<string, number>, mirrorTraffic: Record<string, number> = {}) =>
    wait(
      await client.put(ep, {
        body: { location: 'eastus2', properties: { authMode: 'Key', traffic, mirrorTraffic } },
        resendOnConflict: true,
      }),
      ep,
    );
  const { primaryKey } = (await client.post<{ primaryKey: string }>(`${ep}/listKeys`)).body;
  const uri = (fake.inspect('/onlineEndpoints/ep1').body as { properties: { scoringUri: string } }).properties
    .scoringUri;
  const score = async (headers: Record<string, string> = {}) => {
    const res = await request(uri, {
      method: 'POST',
      headers: { authorization: `Bearer ${primaryKey}`, 'content-type': 'application/json', ...headers },
      body: '{"data": [[1]]}',
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
  return { fake, uri, setTraffic, score };
}

test('the scoring URI routes by the traffic shares, exactly, and by the header whatever the shares', async (t) => {
  const { fake, uri, setTraffic, score } = await endpoint(t);
  assert.match(uri, /\/online-scoring\/ep1\/score$/);
  assert.equal((await score()).status, 404, 'no deployment takes traffic yet');
  await setTraffic({ blue: 90, green: 10 });
  const seen: Record<string, number> = {};
  for (let i = 0; i < 100; i++) {
    const r = await score();
    assert.equal(r.status, 200);
    const name = String(r.body.deployment);
    seen[name] = (seen[name] ?? 0) + 1;
  }
  assert.deepEqual(seen, { blue: 90, green: 10 });
  const red = await score({ 'azureml-model-deployment': 'red' });
  assert.deepEqual(red, { status: 200, body: { deployment: 'red' } });
  assert.equal((await score({ 'azureml-model-deployment': 'nope' })).status, 404);
  assert.equal(fake.scoring.callsTo('red', 'header').length, 1);
});

test('scoring needs the endpoint key; mirrored deployments get a copy at their share', async (t) => {
  const { fake, setTraffic, score } = await endpoint(t);
  await setTraffic({ blue: 100 }, { red: 20 });
  assert.equal((await score({ authorization: 'Bearer wrong' })).status, 401);
  for (let i = 0; i < 10; i++) await score();
  // The copies are sent as the call is answered: give them a moment.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(fake.scoring.callsTo('blue', 'traffic').length, 10);
  assert.equal(fake.scoring.callsTo('red', 'mirror').length, 2);
});

test('per-deployment scripts: latency, status, and answers that change with the share', async (t) => {
  const { fake, setTraffic, score } = await endpoint(t);
  fake.scoring.behave('green', (call) =>
    call.share >= 50 ? { status: 500, latencyMs: 30 } : { latencyMs: 30 },
  );
  await setTraffic({ blue: 90, green: 10 });
  const started = performance.now();
  assert.equal((await score({ 'azureml-model-deployment': 'green' })).status, 200);
  assert.ok(performance.now() - started >= 30, 'the scripted latency is real time');
  await setTraffic({ blue: 50, green: 50 });
  const failing = await score({ 'azureml-model-deployment': 'green' });
  assert.equal(failing.status, 500);
  assert.match(String(failing.body.message), /unexpected error/);
  assert.deepEqual(
    fake.scoring.callsTo('green').map((c) => [c.share, c.status]),
    [
      [10, 200],
      [50, 500],
    ],
  );
});
