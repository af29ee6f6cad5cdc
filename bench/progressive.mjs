// bench/progressive: wall time of a 3-step progressive rollout (`traffic: progressive=10,50,100`,
// `step-wait-seconds: 1`, the default 50 requests per deployment per step) through the CLI against the fake
// Azure on the real clock, the fake serving the scoring (both deployments answer in ~1 ms). Printed: the whole
// deploy-model run, the rollout from the first step to the last verdict, and where each step's time went:
// the wait, the probes, the traffic update (PUT + waiting for Succeeded: on the fake that is the poller's
// first 1 s poll, on Azure the update itself), and the rest (our own bookkeeping). The overhead per step beyond
// the wait and the probes is the traffic update plus the rest, also given as a ratio to the wait + probes.
// Usage: node_modules/.bin/node bench/progressive.mjs [runs]

import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../src/cli/main.ts';
import { azureArgs } from '../test/support/azure-args.ts';
import { startAzurite } from '../test/support/azurite.ts';
import { startFakeAzure } from '../test/support/fake-azure/index.ts';

const runs = Number(process.argv[2] ?? 1);
const root = path.resolve(import.meta.dirname, '..');

async function cli(args, cwd) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    streams: { stdout: { write: (s) => (stdout += s) }, stderr: { write: (s) => (stderr += s) } },
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd,
  });
  const outputs = Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  if (code !== 0) throw new Error(`deploy-model exited ${code}:\n${stderr}`);
  return outputs;
}

async function once(azurite) {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
    serveScoring: true,
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-progressive-'));
  try {
    await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
    const base = [
      'deploy-model',
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      ...azureArgs(fake),
    ];
    await cli(base, dir);
    const started = performance.now();
    const out = await cli(
      [
        ...base,
        '--deployment-name=green',
        '--smoke-request-file=sample-request.json',
        '--traffic=progressive=10,50,100',
        '--step-wait-seconds=1',
      ],
      dir,
    );
    const wallMs = performance.now() - started;
    const steps = JSON.parse(out.steps);
    if (steps.length !== 3 || steps.some((s) => s.verdict !== 'passed')) throw new Error(out.steps);
    return { wallMs, steps };
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const azurite = await startAzurite();
try {
  console.log(
    `progressive rollout on ${process.version}: 3 steps (10,50,100), step-wait-seconds 1, 50 requests per deployment per step, fake Azure on the real clock`,
  );
  for (let i = 1; i <= runs; i++) {
    const { wallMs, steps } = await once(azurite);
    const sum = (key) => steps.reduce((a, s) => a + s.durationsMs[key], 0);
    const rollout = sum('total');
    const wait = sum('wait');
    const probe = sum('probe');
    const traffic = sum('traffic');
    const rest = rollout - wait - probe - traffic;
    const overheadPerStep = (traffic + rest) / steps.length;
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `run ${i}: deploy-model wall ${s(wallMs)}; rollout (first step to last verdict) ${s(rollout)}`,
    );
    for (const step of steps) {
      const d = step.durationsMs;
      console.log(
        `  step ${step.step} (${step.share}%): wait ${s(d.wait)}, probes ${s(d.probe)} (p95 blue ${step.old.p95Ms} ms, green ${step.new.p95Ms} ms), traffic update ${s(d.traffic)}, rest ${d.total - d.wait - d.probe - d.traffic} ms`,
      );
    }
    console.log(
      `  overhead per step beyond the wait and the probes: ${s(overheadPerStep)} (traffic update ${s(traffic / steps.length)} + rest ${(rest / steps.length).toFixed(0)} ms) = ${(overheadPerStep / ((wait + probe) / steps.length)).toFixed(2)}x the wait + probes`,
    );
  }
} finally {
  await azurite.close();
}
