// A scoring job on an Azure ML batch endpoint, as Microsoft documents the batch REST flow: read the endpoint
// (ARM: its invoke URI, its default deployment), resolve the input (uploaded when local), POST the invoke to
// the endpoint's scoringUri with a token for https://ml.azure.com (`azureml-model-deployment` names a
// non-default deployment), poll `GET {scoringUri}/{job}` until Completed, Failed or Canceled within the time
// budget, then download the job's `score` output folder (by default `azureml/{job}/score/` in the workspace's
// default datastore) into a local folder.

import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'undici';
import { BlobClient } from '../../azure/blob/blob-client.ts';
import { openDefaultDatastore, type UploadDatastore } from '../../azure/blob/datastore.ts';
import { batchInvokeBody } from '../../azure/bodies/batch-job.ts';
import { ML_SCOPE } from '../../azure/credentials/credential.ts';
import {
  backoffDelay,
  isConnectionError,
  RETRYABLE_STATUS,
  TRANSIENT_BACKOFF,
} from '../../azure/retry-policy.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { ActionFailure, UsageError } from '../../errors.ts';
import { formatDuration } from '../../format-duration.ts';
import { clip } from '../../io/clip.ts';
import { studioEndpointUrl } from '../../report/studio-links.ts';
import { type BatchJobRequest, type BatchJobResult, type BatchJobState, BatchJobTimeout } from '../target.ts';
import { resolveBatchInput } from './batch-input.ts';
import {
  defaultDeploymentOf,
  getBatchDeployment,
  getBatchEndpoint,
  stringProperty,
} from './batch-resources.ts';
import type { AzureSession } from './deploy.ts';

interface JobJson {
  id?: string;
  name?: string;
  error?: { code?: string; message?: string };
  properties?: {
    status?: string;
    error?: { code?: string; message?: string; details?: { code?: string; message?: string }[] };
    outputData?: Record<string, { uri?: string; Uri?: string }>;
  };
}

const TERMINAL: Record<string, BatchJobState> = {
  completed: 'Completed',
  succeeded: 'Completed',
  failed: 'Failed',
  canceled: 'Canceled',
  cancelled: 'Canceled',
};

/** Polls: quick at first, then about every 5 s (the SDK's poll interval). */
const POLL_DELAYS_MS = [1000, 1000, 2000, 3000, 5000];
const STILL_RUNNING_EVERY_MS = 60_000;

export async function runAzureBatchJob(
  job: BatchJobRequest,
  session: AzureSession,
  onProgress: (line: string) => void,
): Promise<BatchJobResult> {
  const { deps } = session;
  const clock = deps.clock;
  const started = clock.now();
  const deadline = started + job.timeoutMinutes * 60_000;
  const signal = deps.signal;
  const scope = { deadline, ...(signal ? { signal } : {}) };
  const ws = await session.workspace();

  const endpoint = await getBatchEndpoint(ws, job.endpointName, scope);
  if (!endpoint) {
    throw new UsageError(
      `batch endpoint '${job.endpointName}' was not found in workspace ${ws.ref.workspaceName}`,
      'endpoint-name',
    );
  }
  const invokeUri = stringProperty(endpoint, 'scoringUri');
  if (!invokeUri)
    throw new ActionFailure(
      `batch endpoint ${job.endpointName} has no invoke URI yet (is it still being created?)`,
    );
  const deploymentName = job.deploymentName?.toLowerCase() ?? defaultDeploymentOf(endpoint);
  if (!deploymentName) {
    throw new UsageError(
      `batch endpoint '${job.endpointName}' has no default deployment: name one with deployment-name`,
      'deployment-name',
    );
  }
  const deployment = await getBatchDeployment(ws, job.endpointName, deploymentName, scope);
  if (!deployment) {
    throw new UsageError(
      `batch endpoint '${job.endpointName}' has no deployment '${deploymentName}'`,
      'deployment-name',
    );
  }
  const outputAction = String(deployment.properties['outputAction'] ?? 'AppendRow');
  const outputFile =
    outputAction.toLowerCase() === 'summaryonly'
      ? undefined
      : String(deployment.properties['outputFileName'] ?? 'predictions.csv');

  let datastore: Promise<UploadDatastore> | undefined;
  const openDatastore = () => {
    datastore ??= openDefaultDatastore(ws, deps.io);
    return datastore;
  };
  const input = await resolveBatchInput(ws, job.input, {
    log: deps.io,
    datastore: openDatastore,
    ...(job.followSymlinks ? { followSymlinks: true } : {}),
    ...scope,
  });

  onProgress(`invoking batch endpoint ${job.endpointName} (deployment ${deploymentName}) on ${input.uri}`);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'repeatability_request-id': randomUUID(),
    ...(job.deploymentName ? { 'azureml-model-deployment': deploymentName } : {}),
  };
  const invoked = await dataPlane<JobJson>(ws, 'POST', invokeUri, {
    headers,
    body: batchInvokeBody(input),
    deadline,
    signal,
  });
  const jobName = invoked.name ?? invoked.id?.split('/').pop();
  if (!jobName)
    throw new ActionFailure(`the invoke of batch endpoint ${job.endpointName} returned no job name`);
  onProgress(`batch job ${jobName} started`);

  let current = invoked;
  let state = current.properties?.status ?? 'NotStarted';
  let lastLine = clock.now();
  onProgress(`batch job ${jobName}: ${state}`);
  for (let poll = 0; !TERMINAL[state.toLowerCase()]; poll++) {
    const delay = POLL_DELAYS_MS[Math.min(poll, POLL_DELAYS_MS.length - 1)]!;
    if (clock.now() + delay > deadline) {
      throw new BatchJobTimeout(
        `batch job ${jobName} is still ${state} after ${formatDuration(clock.now() - started)} (timeout-minutes ${job.timeoutMinutes}); it keeps running on Azure ML`,
        jobName,
        state,
      );
    }
    await clock.sleep(delay, signal);
    current = await dataPlane<JobJson>(
      ws,
      'GET',
      `${invokeUri.replace(/\/+$/, '')}/${encodeURIComponent(jobName)}`,
      {
        deadline: deadline + 30_000,
        signal,
        retry404: true,
      },
    );
    const next = current.properties?.status ?? state;
    if (next !== state || clock.now() - lastLine >= STILL_RUNNING_EVERY_MS) {
      state = next;
      lastLine = clock.now();
      onProgress(`batch job ${jobName}: ${state} (${formatDuration(clock.now() - started)})`);
    }
  }
  const final = TERMINAL[state.toLowerCase()]!;

  const outputDir = path.join(job.outputRoot, jobName);
  await mkdir(outputDir, { recursive: true });
  const store = await openDatastore();
  const prefix = outputPrefix(current, jobName, store.name);
  const files = await downloadOutputs(ws, store, prefix, outputDir, {
    deadline: clock.now() + 10 * 60_000,
    ...(signal ? { signal } : {}),
  });
  if (files.length) onProgress(`downloaded ${files.length} output file(s) of ${jobName} into ${outputDir}`);

  const error = current.properties?.error ?? current.error;
  const studio = {
    ...ws.ref,
    armEndpoint: ws.client.baseUrl,
    ...(session.tenantId ? { tenantId: session.tenantId } : {}),
  };
  return {
    jobName,
    state: final,
    outputDir,
    files,
    ...(outputFile && files.includes(outputFile) ? { outputFile } : {}),
    ...(final !== 'Completed'
      ? {
          error: `${error?.code ? `${error.code}: ` : ''}${error?.message ?? `the job ended ${final}`}. Full logs: az ml job stream --name ${jobName}`,
        }
      : {}),
    link: studioEndpointUrl(studio, job.endpointName, 'batch'),
    facts: [
      { label: 'Deployment', value: deploymentName },
      { label: 'Input', value: input.uri },
      ...(input.uploaded
        ? [
            {
              label: 'Uploaded',
              value: input.uploaded.alreadyStored
                ? `nothing (${input.uploaded.files} file(s) already stored)`
                : `${input.uploaded.files} file(s), ${input.uploaded.bytes} bytes`,
            },
          ]
        : []),
      { label: 'Duration', value: formatDuration(clock.now() - started) },
    ],
  };
}

/** The job's `score` output as a path in the default datastore, else the service's default location. */
function outputPrefix(job: JobJson, jobName: string, datastore: string): string {
  const score = job.properties?.outputData?.['score'];
  const uri = score?.uri ?? score?.Uri;
  const m = uri ? /^azureml:\/\/datastores\/([^/]+)\/paths\/(.+)$/i.exec(uri) : undefined;
  if (m && m[1]?.toLowerCase() === datastore.toLowerCase()) return m[2]!.replace(/\/?$/, '/');
  return `azureml/${jobName}/score/`;
}

async function downloadOutputs(
  ws: AzureWorkspace,
  store: UploadDatastore,
  prefix: string,
  outputDir: string,
  opts: { deadline: number; signal?: AbortSignal },
): Promise<string[]> {
  const client = new BlobClient({
    serviceUrl: store.serviceUrl,
    accountName: store.accountName,
    container: store.containerName,
    auth: store.auth,
    dispatcher: ws.dispatcher,
    clock: ws.client.clock,
    log: ws.client.log,
    deadline: opts.deadline,
  });
  const files: string[] = [];
  for (const blob of await client.listBlobs(prefix, opts.signal ? { signal: opts.signal } : {})) {
    const relative = blob.name.slice(prefix.length);
    // A name that would leave the output folder is skipped, never written.
    const target = path.resolve(outputDir, relative);
    if (!relative || relative.endsWith('/') || !target.startsWith(`${path.resolve(outputDir)}${path.sep}`))
      continue;
    const bytes = await client.getBlob(blob.name, opts.signal ? { signal: opts.signal } : {});
    if (!bytes) continue;
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, bytes);
    files.push(relative.split(path.sep).join('/'));
  }
  return files.sort();
}

/**
 * A data-plane call (invoke, job status) with an Entra token for https://ml.azure.com (batch endpoints refuse
 * an ARM token). Connection errors, 429 and 5xx are retried within the deadline (the invoke carries one
 * repeatability id, so a repeat is not a second job); `retry404` also waits out a job the service does not
 * know yet.
 */
async function dataPlane<T>(
  ws: AzureWorkspace,
  method: 'GET' | 'POST',
  url: string,
  opts: {
    headers?: Record<string, string>;
    body?: unknown;
    deadline: number;
    signal?: AbortSignal | undefined;
    retry404?: boolean;
  },
): Promise<T> {
  const clock = ws.client.clock;
  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    const token = await ws.credential.getToken(ML_SCOPE, opts.signal);
    let status: number;
    let text: string;
    let retryable: boolean;
    try {
      const res = await request(url, {
        method,
        dispatcher: ws.dispatcher,
        headers: { accept: 'application/json', ...opts.headers, authorization: `Bearer ${token.token}` },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      status = res.statusCode;
      text = await res.body.text();
      retryable = RETRYABLE_STATUS.has(status) || (status === 404 && Boolean(opts.retry404) && attempt < 5);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      status = 0;
      text = (error as Error).message;
      retryable = true;
    }
    if (status >= 200 && status < 300) {
      try {
        return (text ? JSON.parse(text) : {}) as T;
      } catch {
        throw new ActionFailure(
          `${method} ${url} answered ${status} with a body that is not JSON: ${clip(text, 500)}`,
        );
      }
    }
    const delay = backoffDelay(attempt, TRANSIENT_BACKOFF, Math.random);
    if (!retryable || attempt >= 6 || clock.now() + delay > opts.deadline) {
      throw new ActionFailure(
        `${method} ${url} ${status ? `answered HTTP ${status}` : 'failed'}: ${describeError(text)}`,
      );
    }
    await clock.sleep(delay, opts.signal);
  }
}

function describeError(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error) return `${body.error.code ?? 'error'}: ${body.error.message ?? ''}`.trim();
  } catch {
    // not JSON: the text itself
  }
  return clip(text, 500) || 'no details';
}
