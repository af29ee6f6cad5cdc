// bench/batch-local: a local batch job (smoke-test-service --batch-input on the local target, from the action's
// start to its outputs) over many small CSV files, against the floor: a plain Python loop that imports the same
// scoring script, calls init() and run() on the same mini-batches and writes the same lines, in the same run.
// Goal: the job within 10 % of the loop for 1,000 small files. Printed as a ratio.
// Usage: node_modules/.bin/node bench/batch-local.mjs [files] [runs] [mini-batch-size]

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../src/cli/main.ts';

const files = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const miniBatch = Number(process.argv[4] ?? 10);
const quiet = { write() {} };

const SCORE = `
import os

weights = None

def init():
    global weights
    weights = [float(w) for w in open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "weights.txt")).read().split()]

def run(mini_batch):
    out = []
    for path in mini_batch:
        with open(path) as f:
            next(f)
            for i, line in enumerate(f):
                values = [float(v) for v in line.split(",")]
                out.append("%s,%d,%r" % (os.path.basename(path), i, sum(w * v for w, v in zip(weights, values))))
    return out
`;

// The floor: the same script, the same mini-batches, the same output, with nothing around it.
const LOOP = `
import importlib.util, os, sys
input_dir, output_file, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = importlib.util.spec_from_file_location("score", "score.py")
score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score)
score.init()
paths = sorted(os.path.join(input_dir, n) for n in os.listdir(input_dir))
with open(output_file, "w") as out:
    for i in range(0, len(paths), size):
        out.writelines(line + "\\n" for line in score.run(paths[i:i + size]))
`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-batch-'));
try {
  mkdirSync(path.join(dir, 'code'));
  mkdirSync(path.join(dir, 'model'));
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'code', 'score.py'), SCORE);
  writeFileSync(path.join(dir, 'code', 'loop.py'), LOOP);
  writeFileSync(path.join(dir, 'model', 'weights.txt'), '0.5 -1.25 2 0.125');
  for (let i = 0; i < files; i++) {
    const rows = [0, 1, 2].map((r) => [i, r, i + r, i * r].map((v) => (v / 7).toFixed(4)).join(','));
    writeFileSync(
      path.join(dir, 'data', `part-${String(i).padStart(5, '0')}.csv`),
      `a,b,c,d\n${rows.join('\n')}\n`,
    );
  }
  writeFileSync(
    path.join(dir, 'deployment.yml'),
    [
      'name: bench',
      'endpoint_name: bench-batch',
      'type: model',
      'model:',
      '  path: ./model',
      'code_configuration:',
      '  code: ./code',
      '  scoring_script: score.py',
      `mini_batch_size: ${miniBatch}`,
      'error_threshold: 0',
      '',
    ].join('\n'),
  );
  const streams = { stdout: quiet, stderr: quiet };
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const cli = (args) => runCli(args, { streams, env, cwd: dir });
  const deployed = await cli(['deploy-model', '--target=local', '--deployment-file=deployment.yml']);
  if (deployed !== 0) throw new Error(`deploy-model exited ${deployed}`);
  const state = JSON.parse(
    readFileSync(
      path.join(dir, '.azureml-local/batch-endpoints/bench-batch/deployments/bench/state.json'),
      'utf8',
    ),
  );

  const loop = () => {
    const t0 = performance.now();
    const r = spawnSync(
      state.python,
      ['loop.py', path.join(dir, 'data'), path.join(dir, 'loop.csv'), String(miniBatch)],
      {
        cwd: state.codeDir,
        env: { ...env, AZUREML_MODEL_DIR: state.modelDir },
      },
    );
    if (r.status !== 0) throw new Error(r.stderr.toString());
    return performance.now() - t0;
  };
  const job = async () => {
    const t0 = performance.now();
    const code = await cli([
      'smoke-test-service',
      '--target=local',
      '--endpoint-name=bench-batch',
      '--batch-input=data',
      `--expect-rows=${files * 3}`,
    ]);
    if (code !== 0) throw new Error(`smoke-test-service exited ${code}`);
    return performance.now() - t0;
  };

  await job();
  loop();
  const loops = [];
  const jobs = [];
  for (let i = 0; i < runs; i++) {
    loops.push(loop());
    jobs.push(await job());
  }
  // Medians, and the fastest runs: on a shared machine the fastest run is the least disturbed one.
  const l = median(loops);
  const j = median(jobs);
  const lMin = Math.min(...loops);
  const jMin = Math.min(...jobs);
  const lines = readFileSync(path.join(dir, 'loop.csv'), 'utf8').trim().split('\n').length;
  console.log(
    `${files} files (${lines} rows), mini_batch_size ${miniBatch}, ${runs} runs of each, alternating (${state.python}):`,
  );
  console.log(
    `  plain Python loop over the script:    median ${l.toFixed(1)} ms, fastest ${lMin.toFixed(1)} ms`,
  );
  console.log(
    `  local batch job (smoke-test-service): median ${j.toFixed(1)} ms, fastest ${jMin.toFixed(1)} ms`,
  );
  const verdict = (r) => (r <= 1.1 ? 'met' : 'not met');
  console.log(
    `  ratio ${(j / l).toFixed(3)} (medians), ${(jMin / lMin).toFixed(3)} (fastest); goal <= 1.10: ${verdict(j / l)} / ${verdict(jMin / lMin)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
