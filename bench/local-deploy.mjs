// bench/local-deploy: deploy-model (target local) of the demo example, from the action's start to Healthy,
// against the floor: spawning the bundled host.py by hand and polling GET / until it answers, in the same
// run. Goal: < 2 s. Usage: node_modules/.bin/node bench/local-deploy.mjs [runs]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../src/cli/main.ts';

const runs = Number(process.argv[2] ?? 5);
const root = path.resolve(import.meta.dirname, '..');
const example = path.join(root, 'examples/demo');
const quiet = { write() {} };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function live(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function bareHost() {
  const port = await freePort();
  const modelRoot = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-model-'));
  const t0 = performance.now();
  const child = spawn(
    'python3',
    [path.join(root, 'src/local-host/host.py'), '--entry', 'score.py', '--port', String(port)],
    {
      cwd: example,
      env: { ...process.env, AZUREML_MODEL_DIR: path.join(example) },
      stdio: 'ignore',
    },
  );
  while (!(await live(port))) await new Promise((r) => setTimeout(r, 10));
  const ms = performance.now() - t0;
  child.kill('SIGKILL');
  rmSync(modelRoot, { recursive: true, force: true });
  return ms;
}

async function deployAction() {
  const localDir = mkdtempSync(path.join(os.tmpdir(), 'amld-bench-local-'));
  const t0 = performance.now();
  const code = await runCli(
    [
      'deploy-model',
      '--target=local',
      `--local-dir=${localDir}`,
      '--endpoint-file=endpoint.yml',
      '--deployment-file=deployment.yml',
      '--summary=false',
    ],
    { streams: { stdout: quiet, stderr: quiet }, env: process.env, cwd: example },
  );
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`deploy failed with exit code ${code}`);
  await runCli(
    ['delete-service', '--target=local', `--local-dir=${localDir}`, '--endpoint-name=azureml-deploy-demo'],
    {
      streams: { stdout: quiet, stderr: quiet },
      env: process.env,
      cwd: example,
    },
  );
  rmSync(localDir, { recursive: true, force: true });
  return ms;
}

const floor = [];
const action = [];
for (let i = 0; i < runs; i++) {
  floor.push(await bareHost());
  action.push(await deployAction());
}
const f = median(floor);
const a = median(action);
console.log(`local deploy on ${process.version}, median of ${runs} runs`);
console.log(`bare host.py spawn -> live (floor)   ${f.toFixed(0).padStart(6)} ms`);
console.log(
  `deploy-model -> Healthy               ${a.toFixed(0).padStart(6)} ms  ${(a / f).toFixed(2)}x floor  (goal < 2000 ms: ${a < 2000 ? 'met' : 'MISSED'})`,
);
