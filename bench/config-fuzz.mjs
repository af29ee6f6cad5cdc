// bench/config-fuzz: how long the config loaders take on the fuzz test's seeded mutants of every fixture,
// against the unmutated fixture loaded in the same run (the baseline). A mutant that sends a loader into
// super-linear work (a YAML alias bomb, a regex backtracking) shows as a large ratio; machine noise scales both.
// Prints per fixture the baseline median, the slowest mutant and their ratio, then the worst ratio.
// Usage: node_modules/.bin/node bench/config-fuzz.mjs [mutants-per-fixture]

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSourceText } from '../src/config/source-file.ts';
import { FIXTURES } from '../test/config/helpers.ts';
import { configFiles, fnv1a, loaderFor, mutate, prng } from '../test/config/mutations.ts';

const mutants = Number(process.argv[2] ?? 500);

function timeLoad(loader, text, file) {
  const started = process.hrtime.bigint();
  try {
    loader.fromSource(parseSourceText(text, file));
  } catch {
    // a ConfigError is an outcome like any other here; the fuzz test checks the kind
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let worst = { ratio: 0, fixture: '' };
for (const relative of await configFiles(FIXTURES)) {
  const file = path.join(FIXTURES, relative);
  const original = readFileSync(file, 'utf8');
  const loader = loaderFor(relative);
  for (let i = 0; i < 20; i++) timeLoad(loader, original, file); // warm-up
  const baseline = median(Array.from({ length: 51 }, () => timeLoad(loader, original, file)));
  const random = prng(fnv1a(relative));
  let slowest = 0;
  for (let n = 0; n < mutants; n++) {
    let text = original;
    for (let k = 1 + Math.floor(random() * 3); k > 0; k--) text = mutate(text, random);
    slowest = Math.max(slowest, timeLoad(loader, text, file));
  }
  const ratio = slowest / Math.max(baseline, 0.001);
  if (ratio > worst.ratio) worst = { ratio, fixture: relative };
  console.log(
    `${relative.padEnd(48)} baseline ${baseline.toFixed(3)} ms  slowest mutant ${slowest.toFixed(3)} ms  ×${ratio.toFixed(1)}`,
  );
}
console.log(`worst: ×${worst.ratio.toFixed(1)} (${worst.fixture})`);
