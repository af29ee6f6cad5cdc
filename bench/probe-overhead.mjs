// bench/probe-overhead: one local endpoint measured in the same run by this probe (runSmokeTest) and by wrk
// (Debian: apt-get install wrk), same request, one connection. Prints both p50s and their ratio for two
// endpoints: an entry script whose run() works for 10 ms (a small real model; goal within 5 %), and the demo
// model, whose whole request takes ~0.3 ms, so that even 0.1 ms of client work shows (for information).
// Usage: node_modules/.bin/node bench/probe-overhead.mjs [requests]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/clock.ts';
import { silentLog } from '../src/log.ts';
import { runSmokeTest } from '../src/probe/smoke-test.ts';
import { startLocalService, stopLocalService } from '../src/targets/local/local-service.ts';

const requests = Number(process.argv[2] ?? 1000);
const root = path.resolve(import.meta.dirname, '..');
const scenarios = [
  {
    name: 'demo model (~0.3 ms service)',
    code: path.join(root, 'examples/demo'),
    body: readFileSync(path.join(root, 'examples/demo/sample-request.json')),
  },
  {
    name: 'run() works 10 ms',
    code: path.join(root, 'test/fixtures/local/behaviours'),
    body: Buffer.from(JSON.stringify({ action: 'sleep', seconds: 0.01 })),
  },
];

function wrk(url, body, dir) {
  const script = path.join(dir, 'post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body.toString('utf8'))}\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const r = spawnSync('wrk', ['-t1', '-c1', '-d5s', '--latency', '-s', script, url], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(`wrk failed (apt-get install wrk): ${r.error?.message ?? r.stderr}`);
  const m = /^\s*50%\s+([\d.]+)(us|ms|s)\s*$/m.exec(r.stdout);
  if (!m) throw new Error(`no p50 in wrk output:\n${r.stdout}`);
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

async function probe(url, body, count) {
  const r = await runSmokeTest(
    {
      scoringUri: url,
      requests: [{ name: 'sample', body, contentType: 'application/json', headers: {} }],
      requestsPerFile: count,
      warmup: 50,
      readyTimeoutSeconds: 10,
    },
    { clock: systemClock, log: silentLog },
  );
  if (!r.passed) throw new Error(r.message);
  return r.latency.p50;
}

console.log(`probe overhead on ${process.version}: one connection, p50 of this probe vs wrk in the same run`);
for (const s of scenarios) {
  const localDir = mkdtempSync(path.join(os.tmpdir(), 'amld-probe-bench-'));
  const service = await startLocalService(
    {
      localDir,
      endpointName: 'bench',
      deploymentName: 'blue',
      modelDir: s.code,
      modelName: 'bench',
      modelVersion: '1',
      codeDir: s.code,
      scoringScript: 'score.py',
      environmentVariables: {},
      runtime: 'auto',
      deadline: Date.now() + 30_000,
    },
    { clock: systemClock, log: silentLog },
  );
  try {
    if (service.state !== 'Healthy') throw new Error(`the bench service failed: ${service.error}`);
    // Alternate, twice each, so drift hits both alike.
    const count = s.name.includes('10 ms') ? Math.min(requests, 300) : requests;
    const p = [];
    const w = [];
    for (let i = 0; i < 2; i++) {
      p.push(await probe(service.scoringUri, s.body, count));
      w.push(wrk(service.scoringUri, s.body, localDir));
    }
    const probeP50 = (p[0] + p[1]) / 2;
    const wrkP50 = (w[0] + w[1]) / 2;
    const ratio = probeP50 / wrkP50;
    console.log(
      `${s.name.padEnd(30)} wrk p50 ${wrkP50.toFixed(3)} ms, probe p50 ${probeP50.toFixed(3)} ms, ratio ${ratio.toFixed(3)}${s.name.includes('10 ms') ? ` (goal within 5%: ${Math.abs(ratio - 1) <= 0.05 ? 'met' : 'MISSED'})` : ' (for information)'}`,
    );
  } finally {
    await stopLocalService(localDir, 'bench', 'blue', { clock: systemClock });
    rmSync(localDir, { recursive: true, force: true });
  }
}
