// bench/probe-overhead: one local endpoint (the demo model on the bundled host) measured in the same run by
// this probe (runSmokeTest) and by wrk (Debian: apt-get install wrk), same request, one connection. Prints both
// p50s and their ratio (goal: within 5%). Usage: node_modules/.bin/node bench/probe-overhead.mjs [requests]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/clock.ts';
import { silentLog } from '../src/log.ts';
import { runSmokeTest } from '../src/probe/smoke-test.ts';
import { startLocalService, stopLocalService } from '../src/targets/local/local-service.ts';

const requests = Number(process.argv[2] ?? 2000);
const root = path.resolve(import.meta.dirname, '..');
const example = path.join(root, 'examples/demo');
const localDir = mkdtempSync(path.join(os.tmpdir(), 'amld-probe-bench-'));
const body = readFileSync(path.join(example, 'sample-request.json'));

const service = await startLocalService(
  {
    localDir,
    endpointName: 'bench',
    deploymentName: 'blue',
    modelDir: example,
    modelName: 'demo',
    modelVersion: '1',
    codeDir: example,
    scoringScript: 'score.py',
    environmentVariables: {},
    runtime: 'auto',
    deadline: Date.now() + 30_000,
  },
  { clock: systemClock, log: silentLog },
);
if (service.state !== 'Healthy') throw new Error(`the bench service failed: ${service.error}`);

async function probe() {
  const r = await runSmokeTest(
    {
      scoringUri: service.scoringUri,
      requests: [{ name: 'sample', body, contentType: 'application/json', headers: {} }],
      requestsPerFile: requests,
      warmup: 100,
      readyTimeoutSeconds: 10,
    },
    { clock: systemClock, log: silentLog },
  );
  if (!r.passed) throw new Error(r.message);
  return r.latency.p50;
}

function wrk() {
  const script = path.join(localDir, 'post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body.toString('utf8'))}\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const r = spawnSync('wrk', ['-t1', '-c1', '-d5s', '--latency', '-s', script, service.scoringUri], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0)
    throw new Error(`wrk failed (apt-get install wrk): ${r.error?.message ?? r.stderr}`);
  const m = /^\s*50%\s+([\d.]+)(us|ms|s)\s*$/m.exec(r.stdout);
  if (!m) throw new Error(`no p50 in wrk output:\n${r.stdout}`);
  const factor = { us: 0.001, ms: 1, s: 1000 }[m[2]];
  return Number(m[1]) * factor;
}

try {
  // Alternate, twice each, so drift hits both alike; keep the median of the two.
  const p = [];
  const c = [];
  for (let i = 0; i < 2; i++) {
    p.push(await probe());
    c.push(wrk());
  }
  const probeP50 = (p[0] + p[1]) / 2;
  const cannonP50 = (c[0] + c[1]) / 2;
  const ratio = probeP50 / cannonP50;
  console.log(
    `probe overhead on ${process.version}: ${requests} requests, 1 connection, demo model on ${service.runtime}`,
  );
  console.log(`wrk p50         ${cannonP50.toFixed(3)} ms (runs: ${c.map((x) => x.toFixed(3)).join(', ')})`);
  console.log(`probe p50       ${probeP50.toFixed(3)} ms (runs: ${p.map((x) => x.toFixed(3)).join(', ')})`);
  console.log(
    `ratio           ${ratio.toFixed(3)}  (goal within 5%: ${Math.abs(ratio - 1) <= 0.05 ? 'met' : 'MISSED'})`,
  );
} finally {
  await stopLocalService(localDir, 'bench', 'blue', { clock: systemClock });
  rmSync(localDir, { recursive: true, force: true });
}
