// bench/cold-start: each committed bundle from spawn to exit, against `node -e 0` in the same run.
// Goal: at most 120 ms above the bare node start. Usage: node bench/cold-start.mjs [runs] [--against DIR]
// (Node 24 via npm run bench). --against DIR also times the bundles of another checkout's dist/ (say, the
// previous commit: `git worktree add /tmp/before HEAD~1`), interleaved in the same run, and prints the ratio.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const againstAt = args.indexOf('--against');
const against = againstAt >= 0 ? path.resolve(args.splice(againstAt, 2)[1] ?? '') : undefined;
const runs = Number(args[0] ?? 15);
const root = path.resolve(import.meta.dirname, '..');
const cwd = mkdtempSync(path.join(os.tmpdir(), 'amld-cold-'));
// An action with no inputs parses them, fails validation and exits: the whole load path, no work.
const subjects = {
  'node -e 0 (baseline)': ['-e', '0'],
  'cli --help': [path.join(root, 'dist/cli/index.js'), '--help'],
  'register-model': [path.join(root, 'dist/register-model/index.js')],
  'deploy-model': [path.join(root, 'dist/deploy-model/index.js')],
  'smoke-test-service': [path.join(root, 'dist/smoke-test-service/index.js')],
  'delete-service': [path.join(root, 'dist/delete-service/index.js')],
  pipeline: [path.join(root, 'dist/pipeline/index.js')],
};
const actions = Object.keys(subjects).filter((name) => !name.includes('baseline'));
if (against) {
  for (const name of actions) {
    subjects[`${name} (against)`] = subjects[name].map((a) => a.replace(root, against));
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const env = { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_ACTIONS: '' };
const results = {};
for (let i = 0; i < runs; i++) {
  // Interleaved, so drift in machine load hits every subject alike.
  for (const [name, args] of Object.entries(subjects)) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore' });
    results[name] ??= [];
    results[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
rmSync(cwd, { recursive: true, force: true });
const base = median(results['node -e 0 (baseline)']);
console.log(`cold start on ${process.version}, median of ${runs} runs`);
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  const over = m - base;
  console.log(
    `${name.padEnd(32)} ${m.toFixed(1).padStart(7)} ms  ${(m / base).toFixed(2)}x baseline  +${over.toFixed(1)} ms${name.includes('baseline') ? '' : over <= 120 ? '  (goal <= +120 ms: met)' : '  (goal <= +120 ms: MISSED)'}`,
  );
}
if (against) {
  console.log(`\nthis checkout against ${against} (time above bare node, ratio):`);
  for (const name of actions) {
    const now = median(results[name]) - base;
    const then = median(results[`${name} (against)`]) - base;
    console.log(
      `${name.padEnd(22)} +${now.toFixed(1)} ms vs +${then.toFixed(1)} ms  (${(now / then).toFixed(2)}x)`,
    );
  }
}
