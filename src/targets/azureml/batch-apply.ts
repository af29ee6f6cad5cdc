// applyBatchPlan: carries out a BatchPlan. Assets → endpoint (create without a default, or update carrying the
// default it has; waited) → deployment (PUT, waited, a progress line on every state change) → only then the
// endpoint's default deployment (a failed deployment never becomes the default, and the previous default stays)
// → read back: the endpoint must name the intended default and the deployment be Succeeded. An unchanged plan
// writes nothing. A deployment this run created and that failed is deleted when asked.

import { assetPlanLines, createMissingAssets } from '../../azure/assets/deployment-assets.ts';
import { batchEndpointBody } from '../../azure/bodies/batch-endpoint.ts';
import { type ArmErrorDetail, AzureError, OperationTimeoutError } from '../../azure/errors.ts';
import type { OperationProgress, OperationResult } from '../../azure/lro.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { errorMessage } from '../../errors.ts';
import { formatDuration } from '../../format-duration.ts';
import { applyBatchEndpointSettings, type BatchPlan } from './batch-plan.ts';
import {
  type BatchResource,
  batchDeploymentPath,
  batchEndpointPath,
  defaultDeploymentOf,
  getBatchDeployment,
  getBatchEndpoint,
  stringProperty,
} from './batch-resources.ts';
import { summarizeArmError, summarizeThrown } from './error-summary.ts';
import { isTerminal, provisioningStateOf, writableBody } from './online-resources.ts';
import { deleteAndWait, putAndWait, waitUntilSettled } from './online-writes.ts';
import { RESTORE_GRACE_MS } from './restore-traffic.ts';
import { isCapacityError, type SeedState, seedState } from './seed-state.ts';

export interface BatchApplyOptions {
  deadline: number;
  onProgress?: (message: string) => void;
  deleteFailedDeployment?: boolean;
  signal?: AbortSignal;
}

export interface BatchApplyResult {
  ok: boolean;
  changed: boolean;
  state: SeedState;
  provisioningState: string;
  /** The invoke URI (`…/jobs`). */
  scoringUri?: string;
  defaultBefore: string | undefined;
  /** The endpoint's default deployment at the end, as read back. */
  defaultAfter: string | undefined;
  steps: string[];
  error?: string;
  deletedFailedDeployment: boolean;
}

class StepFailure extends Error {
  override name = 'StepFailure';
  readonly state: SeedState;
  constructor(message: string, state: SeedState) {
    super(message);
    this.state = state;
  }
}

export async function applyBatchPlan(
  ws: AzureWorkspace,
  plan: BatchPlan,
  opts: BatchApplyOptions,
): Promise<BatchApplyResult> {
  const scope = { deadline: opts.deadline, ...(opts.signal ? { signal: opts.signal } : {}) };
  const steps: string[] = [];
  const progress = (message: string) => opts.onProgress?.(message);
  const onState = (what: string) => (p: OperationProgress) =>
    progress(`${what}: ${p.state} (${formatDuration(p.elapsedMs)})`);
  const endpointUrl = batchEndpointPath(ws, plan.endpointName);
  const deploymentUrl = batchDeploymentPath(ws, plan.endpointName, plan.deploymentName);
  let wrote = false;
  let deploymentPut = false;
  let lastState = plan.deployment.state;

  const putEndpoint = async (body: unknown, verb: string) => {
    wrote = true;
    expectSucceeded(
      `the ${verb} of batch endpoint ${plan.endpointName}`,
      await putAndWait(ws, endpointUrl, body, {
        ...scope,
        onState: onState(`batch endpoint ${plan.endpointName}`),
      }),
    );
  };

  try {
    const toCreate = assetPlanLines(plan.assets).filter((l) => l.action === 'create');
    if (toCreate.length) {
      progress(`creating ${toCreate.map((l) => `${l.asset} ${l.label}`).join(', ')}`);
      wrote = true;
      const made = await createMissingAssets(ws, plan.assets, scope);
      steps.push(...made.created.map((c) => `created ${c}`));
    }

    if (plan.endpoint.action === 'create') {
      progress(`creating batch endpoint ${plan.endpointName}`);
      await putEndpoint(batchEndpointBody(plan.endpoint.settings, { location: plan.location }), 'creation');
      steps.push(`created batch endpoint ${plan.endpointName}`);
    } else {
      const settled = await waitUntilSettled(ws, endpointUrl, {
        ...scope,
        onState: onState(`batch endpoint ${plan.endpointName}`),
      });
      if (plan.endpoint.action === 'update') {
        const changes = plan.endpoint.changes.join(', ');
        progress(`updating batch endpoint ${plan.endpointName} (${changes})`);
        const current = settled?.resource ?? (await getBatchEndpoint(ws, plan.endpointName, scope));
        if (!current) throw new StepFailure(`batch endpoint ${plan.endpointName} disappeared`, 'Failed');
        await putEndpoint(
          applyBatchEndpointSettings(writableBody(current, 'endpoint'), plan.endpoint.settings),
          'update',
        );
        steps.push(`updated batch endpoint ${plan.endpointName} (${changes})`);
      }
    }

    const deploymentState = (p: OperationProgress) => {
      lastState = p.state;
      onState(`batch deployment ${plan.deploymentName}`)(p);
    };
    if (plan.deployment.action !== 'none') {
      const verb = plan.deployment.action === 'create' ? 'creating' : 'updating';
      progress(
        `${verb} batch deployment ${plan.deploymentName}` +
          (plan.deployment.action === 'update' ? ` (${plan.deployment.changes.join(', ')})` : ''),
      );
      wrote = true;
      deploymentPut = true;
      const result = await putAndWait(ws, deploymentUrl, plan.deployment.body, {
        ...scope,
        onState: deploymentState,
      });
      lastState = provisioningStateOf(result.resource) ?? result.status;
      expectSucceeded(`batch deployment ${plan.deploymentName}`, result);
      steps.push(
        `${plan.deployment.action === 'create' ? 'created' : 'updated'} batch deployment ${plan.deploymentName} in ${formatDuration(result.elapsedMs)}`,
      );
    } else if (!isTerminal(plan.deployment.state)) {
      const result = await waitUntilSettled(ws, deploymentUrl, { ...scope, onState: deploymentState });
      if (result) {
        lastState = provisioningStateOf(result.resource) ?? result.status;
        expectSucceeded(`batch deployment ${plan.deploymentName}`, result);
      }
    }

    if (plan.defaults.changes && plan.defaults.after) {
      const after = plan.defaults.after;
      progress(
        `making ${after} the default deployment of ${plan.endpointName} (was ${plan.defaults.before ?? 'none'})`,
      );
      const current = await getBatchEndpoint(ws, plan.endpointName, scope);
      if (!current) throw new StepFailure(`batch endpoint ${plan.endpointName} disappeared`, 'Failed');
      const body = writableBody(current, 'endpoint');
      body.properties['defaults'] = { deploymentName: after };
      await putEndpoint(body, 'default deployment update');
      steps.push(`default deployment ${plan.defaults.before ?? '(none)'} -> ${after}`);
    }

    const endpoint = await getBatchEndpoint(ws, plan.endpointName, scope);
    const live = defaultDeploymentOf(endpoint);
    if ((live ?? '') !== (plan.defaults.after ?? '')) {
      throw new StepFailure(
        `batch endpoint ${plan.endpointName} names '${live ?? '(none)'}' as its default deployment, not the intended '${plan.defaults.after}'`,
        'Failed',
      );
    }
    const deployment = await getBatchDeployment(ws, plan.endpointName, plan.deploymentName, scope);
    const provisioningState = provisioningStateOf(deployment) ?? lastState ?? 'Unknown';
    if (!wrote) steps.push('nothing to do: the endpoint, the deployment and the default are as asked');
    return {
      ok: true,
      changed: wrote,
      state: seedState(provisioningState),
      provisioningState,
      ...uri(endpoint),
      defaultBefore: plan.defaults.before,
      defaultAfter: live,
      steps,
      deletedFailedDeployment: false,
    };
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    const failure = asStepFailure(error);
    progress(`failed: ${failure.message}`);
    const cleanup = { deadline: ws.client.clock.now() + RESTORE_GRACE_MS };
    let deleted = false;
    if (opts.deleteFailedDeployment && plan.deployment.action === 'create' && deploymentPut) {
      progress(`deleting the failed batch deployment ${plan.deploymentName}`);
      try {
        const done = await deleteAndWait(ws, deploymentUrl, {
          ...cleanup,
          onState: onState(`batch deployment ${plan.deploymentName}`),
        });
        deleted = done.status === 'Succeeded';
        if (deleted) steps.push(`deleted the failed batch deployment ${plan.deploymentName}`);
      } catch (err) {
        steps.push(
          `could not delete the failed batch deployment ${plan.deploymentName}: ${errorMessage(err)}`,
        );
      }
    }
    const endpoint = await getBatchEndpoint(ws, plan.endpointName, cleanup).catch(() => undefined);
    const deployment = deleted
      ? undefined
      : await getBatchDeployment(ws, plan.endpointName, plan.deploymentName, cleanup).catch(() => undefined);
    return {
      ok: false,
      changed: wrote,
      state: failure.state,
      provisioningState: deleted ? 'Deleted' : (provisioningStateOf(deployment) ?? lastState ?? 'Unknown'),
      ...uri(endpoint),
      defaultBefore: plan.defaults.before,
      defaultAfter: endpoint ? defaultDeploymentOf(endpoint) : plan.defaults.before,
      steps,
      error: failure.message,
      deletedFailedDeployment: deleted,
    };
  }
}

function expectSucceeded(what: string, result: OperationResult<BatchResource>): void {
  if (result.status === 'Succeeded') return;
  const detail: ArmErrorDetail = result.error ?? {
    code: result.status,
    message: `provisioningState ${result.status}`,
  };
  throw new StepFailure(
    `${what} ended ${result.status}: ${summarizeArmError(detail)}`,
    seedState(result.status, detail),
  );
}

function asStepFailure(error: unknown): StepFailure {
  if (error instanceof StepFailure) return error;
  if (error instanceof OperationTimeoutError) return new StepFailure(summarizeThrown(error), 'Transitioning');
  if (error instanceof AzureError) {
    const detail: ArmErrorDetail = {
      code: error.code,
      message: error.serviceMessage,
      details: error.details,
    };
    return new StepFailure(error.message, isCapacityError(detail) ? 'Unschedulable' : 'Failed');
  }
  return new StepFailure(summarizeThrown(error), 'Failed');
}

function uri(endpoint: BatchResource | undefined): { scoringUri?: string } {
  const scoringUri = stringProperty(endpoint, 'scoringUri');
  return scoringUri ? { scoringUri } : {};
}
