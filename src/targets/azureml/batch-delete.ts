// delete-service for Azure ML batch endpoints: a batch deployment (refused while it is the endpoint's default
// deployment unless forced, which first clears the endpoint's default: the service does not delete a default
// deployment), or the endpoint with its deployments. The DELETEs, the waiting and what counts as missing are
// the online deletion's (delete.ts passes them in).

import type { AzureWorkspace } from '../../azure/workspace.ts';
import { ActionFailure, UsageError } from '../../errors.ts';
import {
  batchDeploymentPath,
  batchEndpointPath,
  defaultDeploymentOf,
  getBatchDeployment,
  getBatchEndpoint,
  listBatchDeployments,
} from './batch-resources.ts';
import { writableBody } from './online-resources.ts';
import { putAndWait } from './online-writes.ts';

export interface BatchDeletionSteps {
  scope: { deadline: number; signal?: AbortSignal };
  now(): number;
  /** DELETE (and wait, unless the request says not to). */
  deleteResource(path: string, what: string): Promise<'deleted' | 'deleting' | 'missing'>;
  done(entries: string[], outcome: 'deleted' | 'deleting', what: string, started: number): void;
  missing(entry: string, what: string): Promise<void>;
  step(line: string): void;
  progress(line: string): void;
}

export async function deleteBatchEndpoint(
  ws: AzureWorkspace,
  name: string,
  steps: BatchDeletionSteps,
): Promise<void> {
  const what = `batch endpoint '${name}'`;
  const started = steps.now();
  const deployments = (await listBatchDeployments(ws, name, steps.scope))
    .map((d) => d.name ?? '')
    .filter(Boolean);
  const outcome = await steps.deleteResource(batchEndpointPath(ws, name), what);
  if (outcome === 'missing') return steps.missing(`endpoint:${name}`, what);
  steps.done(
    [...deployments.map((d) => `deployment:${name}/${d}`), `endpoint:${name}`],
    outcome,
    what,
    started,
  );
}

export async function deleteBatchDeployment(
  ws: AzureWorkspace,
  endpoint: string,
  name: string,
  force: boolean,
  steps: BatchDeletionSteps,
): Promise<void> {
  const entry = `deployment:${endpoint}/${name}`;
  const what = `batch deployment '${name}' of endpoint '${endpoint}'`;
  const started = steps.now();
  const ep = await getBatchEndpoint(ws, endpoint, steps.scope);
  if (!ep) return steps.missing(entry, `batch endpoint '${endpoint}' (so its deployment '${name}')`);
  if (!(await getBatchDeployment(ws, endpoint, name, steps.scope))) return steps.missing(entry, what);
  if (defaultDeploymentOf(ep)?.toLowerCase() === name.toLowerCase()) {
    if (!force) {
      throw new UsageError(
        `'${name}' is the default deployment of batch endpoint '${endpoint}': make another deployment the default first (deploy-model with traffic: all), or set force: true to leave the endpoint without a default and delete it`,
        'deployment-name',
      );
    }
    steps.progress(
      `batch endpoint '${endpoint}': clearing its default deployment '${name}' before deleting it`,
    );
    const body = writableBody(ep, 'endpoint');
    delete body.properties['defaults'];
    const result = await putAndWait(ws, batchEndpointPath(ws, endpoint), body, {
      ...steps.scope,
      onState: (p) => steps.progress(`batch endpoint '${endpoint}': ${p.state}`),
      description: `the default update of batch endpoint '${endpoint}'`,
    });
    if (result.status !== 'Succeeded') {
      throw new ActionFailure(
        `clearing the default deployment of batch endpoint '${endpoint}' ended ${result.status}: ${result.error?.message ?? 'Azure gave no details'}; '${name}' was not deleted`,
      );
    }
    steps.step(`batch endpoint '${endpoint}': no default deployment any more (was '${name}')`);
  }
  const outcome = await steps.deleteResource(batchDeploymentPath(ws, endpoint, name), what);
  if (outcome === 'missing') return steps.missing(entry, what);
  steps.done([entry], outcome, what, started);
}
