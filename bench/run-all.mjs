// `npm run bench`: every benchmark once with small, quick settings, one after another (each prints ratios
// against its own baseline measured in the same run). Run a single one with its own arguments for figures.

import { spawnSync } from 'node:child_process';
import path from 'node:path';

const here = import.meta.dirname;
const benches = [
  ['cold-start.mjs', '9'],
  ['local-deploy.mjs', '3'],
  ['batch-local.mjs', '300', '3'],
  ['probe-overhead.mjs', '300'],
  ['wait-latency.mjs'],
  ['progressive.mjs', '1'],
  ['config-fuzz.mjs'],
  ['upload.mjs', '--mib', '64', '--runs', '1'],
];
let failed = 0;
for (const [file, ...args] of benches) {
  console.log(`\n=== bench/${file} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(here, file), ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${file} exited ${r.status ?? r.signal}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
