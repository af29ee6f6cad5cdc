// Wait latency of waitForOperation on a simulated 20-minute deployment.
//
// The fake Azure flips the deployment to Succeeded exactly 20 minutes (plus a phase offset) after the PUT; one
// fake clock drives both that transition and the poller's sleeps, so the run takes about a second. Printed:
// how late the end was seen, and how many ARM reads per minute the wait cost. Goals: <= 2 s late, <= 12 reads/min.
// The phase offsets sweep one poll interval, because the delay depends on where the flip falls between polls.
//
//   node_modules/.bin/node bench/wait-latency.mjs

import { adaptivePollDelayMs, waitForOperation } from '../src/azure/lro.ts';
import { fakeClock } from '../src/clock.ts';
import { startFakeAzure } from '../test/support/fake-azure/index.ts';

const DEPLOY_MS = 20 * 60_000;
const PHASES_MS = Array.from({ length: 13 }, (_, i) => i * 400);

async function measure(flipAfterMs, pollDelayMs) {
  const clock = fakeClock();
  const fake = await startFakeAzure({ clock, settings: { provisioningDelayMs: 1000 } });
  try {
    const client = fake.client();
    const endpoint = `${fake.workspacePath}/onlineEndpoints/bench-ep`;
    const created = await client.put(endpoint, {
      body: { location: fake.workspace.location, properties: { authMode: 'Key' } },
    });
    await waitForOperation(created, { client, resourceUrl: endpoint, deadline: clock.now() + 60_000 });

    fake.script({ resource: 'deployment', name: 'blue', delayMs: flipAfterMs });
    const deployment = `${endpoint}/deployments/blue`;
    const put = await client.put(deployment, {
      body: {
        location: fake.workspace.location,
        properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' },
      },
    });
    const flippedAt = clock.now() + flipAfterMs;
    const readsBefore = fake.reads();
    const result = await waitForOperation(put, {
      client,
      resourceUrl: deployment,
      deadline: clock.now() + 40 * 60_000,
      ...(pollDelayMs ? { pollDelayMs } : {}),
    });
    if (result.status !== 'Succeeded') throw new Error(`deployment ended ${result.status}`);
    const reads = fake.reads() - readsBefore;
    return {
      lateMs: clock.now() - flippedAt,
      readsPerMinute: reads / ((clock.now() - (flippedAt - flipAfterMs)) / 60_000),
    };
  } finally {
    await fake.close();
  }
}

async function sweep(label, pollDelayMs) {
  const runs = [];
  for (const phase of PHASES_MS) runs.push(await measure(DEPLOY_MS + phase, pollDelayMs));
  const late = runs.map((r) => r.lateMs);
  const rate = Math.max(...runs.map((r) => r.readsPerMinute));
  const mean = late.reduce((a, b) => a + b, 0) / late.length;
  console.log(
    `${label.padEnd(34)} late: mean ${(mean / 1000).toFixed(2)} s, max ${(Math.max(...late) / 1000).toFixed(2)} s` +
      ` | ARM reads/min: ${rate.toFixed(2)}`,
  );
  return { mean, max: Math.max(...late), rate };
}

console.log(
  `20-minute deployment, ${PHASES_MS.length} flip phases 0-${PHASES_MS.at(-1) / 1000} s after the 20-minute mark`,
);
const schedule = Array.from({ length: 7 }, (_, i) => adaptivePollDelayMs(i) / 1000).join(', ');
const chosen = await sweep(`adaptive (${schedule}, ... s)`);
await sweep('fixed 4 s (for comparison)', () => 4000);
await sweep('fixed 2 s (for comparison)', () => 2000);
console.log(
  `goal <= 12 reads/min: ${chosen.rate <= 12 ? 'met' : 'NOT met'} (${chosen.rate.toFixed(2)}); ` +
    `goal <= 2 s late: mean ${(chosen.mean / 1000).toFixed(2)} s, worst ${(chosen.max / 1000).toFixed(2)} s`,
);
console.log(
  'Without a hint of when the operation ends, the worst-case delay equals the poll interval: <= 12 reads/min means >= 5 s between polls.',
);
