// A batch scoring job on the local target: the recorded deployment (the endpoint's default, or the one named)
// run by batch_driver.py with the interpreter deploy-model checked it with, over the files of a local input,
// mini_batch_size files per run() call, writing into <outputRoot>/<job name> (AZUREML_BI_OUTPUT_PATH). Progress
// lines as mini-batches finish; a job that outlives timeout-minutes is stopped and reported Canceled.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathKind } from '../../config/local-paths.ts';
import { UsageError } from '../../errors.ts';
import { formatDuration } from '../../format-duration.ts';
import type { BatchJobRequest, BatchJobResult, TargetDeps } from '../target.ts';
import { type DriverEvent, runDriver } from './batch-driver.ts';
import {
  listBatchDeployments,
  readBatchDeployment,
  readBatchEndpoint,
  readBatchEnvironment,
} from './batch-state.ts';

interface FailedMiniBatch {
  miniBatch: number;
  files: string[];
  attempts: number;
  traceback: string;
}

export async function runLocalBatchJob(
  job: BatchJobRequest,
  localDir: string,
  deps: TargetDeps,
  onProgress: (line: string) => void,
): Promise<BatchJobResult> {
  const started = deps.clock.now();
  if (/^(azureml|https?):\/\//i.test(job.input)) {
    throw new UsageError(
      `the local target scores local files; ${job.input} is on Azure (use target: azureml, or a local folder)`,
      'batch-input',
    );
  }
  if (!pathKind(job.input)) throw new UsageError(`${job.input} does not exist`, 'batch-input');
  const endpoint = await readBatchEndpoint(localDir, job.endpointName);
  const deployments = await listBatchDeployments(localDir, job.endpointName);
  if (!endpoint && deployments.length === 0) {
    throw new UsageError(
      `no local batch endpoint '${job.endpointName}' in ${localDir} (deploy it first with target: local)`,
      'endpoint-name',
    );
  }
  const deploymentName = job.deploymentName?.toLowerCase() ?? endpoint?.defaultDeployment;
  if (!deploymentName) {
    throw new UsageError(
      `local batch endpoint '${job.endpointName}' has no default deployment: name one with deployment-name (it has ${deployments.join(', ') || 'none'})`,
      'deployment-name',
    );
  }
  const state = await readBatchDeployment(localDir, job.endpointName, deploymentName);
  if (!state) {
    throw new UsageError(
      `local batch endpoint '${job.endpointName}' has no deployment '${deploymentName}' (it has ${deployments.join(', ') || 'none'})`,
      'deployment-name',
    );
  }
  if (!existsSync(state.python)) {
    throw new UsageError(
      `the interpreter ${state.python} that deploy-model checked ${job.endpointName}/${deploymentName} with is gone; deploy it again`,
      'python',
    );
  }
  const environment = await readBatchEnvironment(localDir, job.endpointName, deploymentName);
  const jobName = `batchjob-${randomUUID()}`;
  const outputDir = path.join(job.outputRoot, jobName);
  const logFile = path.join(localDir, 'logs', `${jobName}.log`);
  const s = state.settings;
  const outputFile = s.outputAction === 'summary_only' ? undefined : (s.outputFileName ?? 'predictions.csv');
  const args = [
    ...(state.scoringScript ? ['--entry', state.scoringScript] : ['--mlflow-model', state.modelDir]),
    '--input',
    path.resolve(job.input),
    '--output-dir',
    outputDir,
    '--mini-batch-size',
    String(s.miniBatchSize ?? 10),
    '--error-threshold',
    String(s.errorThreshold ?? -1),
    '--max-retries',
    String(s.retrySettings?.maxRetries ?? 3),
    '--timeout',
    String(s.retrySettings?.timeoutSeconds ?? 30),
    '--workers',
    String(state.workers),
    ...(outputFile ? ['--output-file-name', outputFile] : ['--summary-only']),
    ...(s.loggingLevel ? ['--logging-level', s.loggingLevel] : []),
  ];
  onProgress(`batch job ${jobName} on ${job.endpointName}/${deploymentName} (${state.python})`);
  const failures: FailedMiniBatch[] = [];
  const exit = await runDriver(
    {
      python: state.python,
      args,
      cwd: state.codeDir ?? state.modelDir,
      environmentVariables: environment,
      runtimeVariables: {
        ...(state.modelDir ? { AZUREML_MODEL_DIR: state.modelDir } : {}),
        AZUREML_BI_OUTPUT_PATH: outputDir,
      },
      logFile,
      deadline: started + job.timeoutMinutes * 60_000,
      ...(deps.signal ? { signal: deps.signal } : {}),
      onEvent: (e) => describeEvent(e, jobName, failures, onProgress),
    },
    deps,
  );
  deps.signal?.throwIfAborted();
  const end = exit.events.find((e) => e.event === 'end');
  const files = await listFiles(outputDir);
  const stoppedByDeadline = exit.stopped === 'deadline';
  const state_ = stoppedByDeadline ? 'Canceled' : end?.['state'] === 'Completed' ? 'Completed' : 'Failed';
  const error =
    state_ === 'Completed'
      ? undefined
      : stoppedByDeadline
        ? `the job did not finish within timeout-minutes (${job.timeoutMinutes}) and was stopped`
        : failureText(end, exit.code);
  const traceback = typeof end?.['traceback'] === 'string' ? end['traceback'] : undefined;
  return {
    jobName,
    state: state_,
    outputDir,
    files,
    ...(outputFile && files.includes(outputFile) ? { outputFile } : {}),
    ...(error ? { error: traceback ? `${error}\n${traceback.trimEnd()}` : error } : {}),
    ...(state_ !== 'Completed' || failures.length ? { logTail: exit.tail.join('\n') } : {}),
    logFile,
    facts: [
      { label: 'Deployment', value: deploymentName },
      { label: 'Input', value: path.resolve(job.input) },
      ...(typeof end?.['done'] === 'number' ? [{ label: 'Mini-batches', value: String(end['done']) }] : []),
      ...(failures.length
        ? [
            {
              label: 'Failed mini-batches',
              value: failures.map((f) => `${f.files.join(', ')} (${f.attempts} attempts)`).join('; '),
            },
          ]
        : []),
      ...(typeof end?.['rows'] === 'number' ? [{ label: 'Output rows', value: String(end['rows']) }] : []),
      { label: 'Python', value: state.python },
      { label: 'Duration', value: formatDuration(deps.clock.now() - started) },
    ],
  };
}

function describeEvent(
  e: DriverEvent,
  jobName: string,
  failures: FailedMiniBatch[],
  onProgress: (line: string) => void,
): void {
  if (e.event === 'start') {
    onProgress(
      `${jobName}: ${e['files']} file(s) in ${e['miniBatches']} mini-batch(es) of up to ${e['miniBatchSize']}, ${e['workers']} worker(s)`,
    );
  } else if (e.event === 'progress') {
    onProgress(
      `${jobName}: ${e['done']}/${e['total']} mini-batch(es) done, ${e['rows']} output row(s)` +
        (Number(e['failedFiles']) ? `, ${e['failedFiles']} failed file(s)` : ''),
    );
  } else if (e.event === 'mini-batch-failed') {
    const failure: FailedMiniBatch = {
      miniBatch: Number(e['miniBatch']),
      files: (e['files'] as string[]) ?? [],
      attempts: Number(e['attempts']),
      traceback: String(e['traceback'] ?? ''),
    };
    failures.push(failure);
    const last = failure.traceback.trim().split('\n').pop() ?? '';
    onProgress(
      `${jobName}: the mini-batch of ${failure.files.join(', ')} failed after ${failure.attempts} attempt(s): ${last}`,
    );
  }
}

function failureText(end: DriverEvent | undefined, code: number | null): string {
  if (end && typeof end['error'] === 'string') return end['error'];
  return `the batch driver exited with code ${code ?? 'none'} before the job ended`;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}
