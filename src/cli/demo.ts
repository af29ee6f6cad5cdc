// `npm run demo`: the whole workflow on the local target with the bundled example and no Azure account,
// no install and no network: register → deploy → Healthy → smoke test → delete.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipelineAction } from '../actions/pipeline/main.ts';
import { runAction } from '../actions/shared/run-action.ts';
import { systemClock } from '../clock.ts';
import type { SectionStatus } from '../report/report.ts';
import { createCliIO } from './cli-io.ts';
import type { CliDeps } from './deps.ts';

/** The example ships beside dist/ and src/ alike: both are two levels below the repository root. */
export function demoExampleDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/demo');
}

export async function runDemo(args: readonly string[], deps: CliDeps): Promise<0 | 1 | 2> {
  const keep = args.includes('--keep');
  const unknown = args.filter((a) => a !== '--keep');
  if (unknown.length > 0) {
    deps.streams.stderr.write(`error: unknown demo argument '${unknown[0]}' (only --keep)\n`);
    return 2;
  }
  const example = demoExampleDir();
  if (!existsSync(example)) {
    deps.streams.stderr.write(`error: the demo example is missing at ${example}\n`);
    return 1;
  }
  const clock = deps.clock ?? systemClock;
  const localDir = await mkdtemp(path.join(os.tmpdir(), 'azureml-deploy-demo-'));
  const inputs: Record<string, string> = {
    target: 'local',
    'local-dir': localDir,
    'model-name': 'demo-model',
    'model-path': path.join(example, 'model'),
    'endpoint-file': path.join(example, 'endpoint.yml'),
    'deployment-file': path.join(example, 'deployment.yml'),
    'request-file': path.join(example, 'sample-request.json'),
    'expect-json': path.join(example, 'expected-response.json'),
    requests: '20',
    'timeout-minutes': '1',
    'ready-timeout-seconds': '20',
    'delete-after': keep ? 'false' : 'true',
  };
  const io = createCliIO({
    read: (n) => inputs[n],
    streams: deps.streams,
    env: { ...deps.env, GITHUB_STEP_SUMMARY: '' },
  });
  const started = clock.now();
  deps.streams.stderr.write(`azureml-deploy demo: ${example} on the local target (state in ${localDir})\n`);
  try {
    const result = await runAction(pipelineAction, io, {
      clock,
      cwd: example,
      env: deps.env,
      spawn: deps.spawn ?? spawn,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    await io.flush();
    const status = (action: string) => result.report.sections.find((s) => s.action === action)?.status;
    const mark = (s: SectionStatus | undefined) =>
      s === 'succeeded' || s === 'unchanged' ? '✓' : s ? '✗' : '·';
    const deploy = status('deploy-model');
    const steps = [
      `register ${mark(status('register-model'))}`,
      `deploy ${mark(deploy)}`,
      `Healthy ${result.outputs['state'] === 'Healthy' ? '✓' : '✗'}`,
      `smoke ${result.outputs['passed'] === 'true' ? 'passed ✓' : 'failed ✗'}`,
      keep ? 'kept (--keep)' : `deleted ${mark(status('delete-service'))}`,
    ];
    const seconds = ((clock.now() - started) / 1000).toFixed(1);
    deps.streams.stdout.write(`\n${steps.join(' → ')}  (${seconds} s)\n`);
    if (keep)
      deps.streams.stdout.write(`still running: ${result.outputs['scoring-uri']} (state in ${localDir})\n`);
    return result.exitCode;
  } finally {
    if (!keep) await rm(localDir, { recursive: true, force: true });
  }
}
