// applyPlan: carries out a DeploymentPlan. Assets → endpoint (create/update, carrying the current traffic
// maps; waited to a terminal state) → deployment (PUT, waited, a progress line on every state change) →
// smoke gate for blue-green/canary (the injected gate calls the deployment through the
// azureml-model-deployment header) → traffic shift → re-read: the endpoint must carry the intended maps,
// else the deployment is "not actually live". On failure or timeout: the container logs, the error in one
// sentence, the previous traffic and mirror maps restored exactly, and the new deployment deleted when
// asked. An unchanged plan writes nothing. A cancelled run (signal) puts plan.previous back too when
// restoreOnCancel says so, then rethrows: both rollbacks live here.

import { assetPlanLines, createMissingAssets } from '../../azure/assets/deployment-assets.ts';
import type { TrafficMap } from '../../azure/bodies/types.ts';
import { type ArmErrorDetail, AzureError, OperationTimeoutError } from '../../azure/errors.ts';
import type { OperationProgress, OperationResult } from '../../azure/lro.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { errorMessage } from '../../errors.ts';
import { type DeploymentLogs, fetchDeploymentLogs } from './deployment-logs.ts';
import { summarizeArmError, summarizeThrown } from './error-summary.ts';
import {
  deploymentPath,
  endpointPath,
  getDeployment,
  getEndpoint,
  isTerminal,
  type OnlineResource,
  provisioningStateOf,
  trafficOf,
} from './online-resources.ts';
import { deleteAndWait, putAndWait, waitUntilSettled } from './online-writes.ts';
import { type DeploymentPlan, endpointPutBody } from './plan.ts';
import { RESTORE_GRACE_MS, restoreTraffic } from './restore-traffic.ts';
import { isCapacityError, type SeedState, seedState } from './seed-state.ts';
import { formatMap, sameMap } from './traffic.ts';

export type DeployStep =
  | 'assets'
  | 'endpoint'
  | 'deployment'
  | 'smoke'
  | 'traffic'
  | 'verify'
  | 'rollback'
  | 'cleanup';

export interface DeployProgress {
  step: DeployStep;
  message: string;
  /** The Azure state when the line reports one (`Creating`, `Succeeded`, ...). */
  state?: string;
  /** Since applyPlan started. */
  elapsedMs: number;
}

/** Who the smoke gate should call: the deployment, through the endpoint's scoring URI. */
export interface SmokeTarget {
  endpointName: string;
  deploymentName: string;
  scoringUri: string | undefined;
}

export interface ApplyOptions {
  /** Epoch ms for the whole rollout (timeout-minutes). Rollback and cleanup get their own 10 minutes. */
  deadline: number;
  onProgress?: (progress: DeployProgress) => void;
  /** blue-green / canary: true when the new deployment answers correctly; false or a throw stops the rollout. */
  smokeGate?: (target: SmokeTarget) => Promise<boolean>;
  /** Restore the previous traffic and mirror maps on failure (default true). */
  rollbackOnFailure?: boolean;
  /** Delete a deployment this run created when it failed (default false). */
  deleteFailedDeployment?: boolean;
  signal?: AbortSignal;
  /** Cancelled (signal): restore plan.previous before rethrowing; else rethrow at once. */
  restoreOnCancel?: boolean;
  /** Log lines per container on failure (default 200). */
  logTail?: number;
}

export interface ApplyResult {
  ok: boolean;
  /** false when nothing was written (a re-run with nothing to do). */
  changed: boolean;
  endpointName: string;
  deploymentName: string;
  state: SeedState;
  /** The deployment's raw provisioningState (`Unknown` when it does not exist). */
  provisioningState: string;
  scoringUri?: string;
  swaggerUri?: string;
  /** The endpoint's maps at the end, as read back. */
  traffic: TrafficMap;
  mirrorTraffic: TrafficMap;
  previousTraffic: TrafficMap;
  previousMirrorTraffic: TrafficMap;
  /** What was done, in order. */
  steps: string[];
  /** The failure in one sentence. */
  error?: string;
  failedStep?: DeployStep;
  /** Container logs (InferenceServer, StorageInitializer) when the deployment failed. */
  logs?: DeploymentLogs;
  rolledBack: boolean;
  rollbackError?: string;
  deletedFailedDeployment: boolean;
}

class StepFailure extends Error {
  override name = 'StepFailure';
  readonly step: DeployStep;
  readonly state: SeedState;
  readonly detail: ArmErrorDetail | undefined;
  constructor(step: DeployStep, message: string, state: SeedState, detail?: ArmErrorDetail) {
    super(message);
    this.step = step;
    this.state = state;
    this.detail = detail;
  }
}

export async function applyPlan(
  ws: AzureWorkspace,
  plan: DeploymentPlan,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  const clock = ws.client.clock;
  const started = clock.now();
  const steps: string[] = [];
  const scope = { deadline: opts.deadline, ...(opts.signal ? { signal: opts.signal } : {}) };
  const epPath = endpointPath(ws, plan.endpointName);
  const dPath = deploymentPath(ws, plan.endpointName, plan.deploymentName);
  const progress = (step: DeployStep, message: string, state?: string) =>
    opts.onProgress?.({ step, message, ...(state ? { state } : {}), elapsedMs: clock.now() - started });
  const onState = (step: DeployStep, what: string) => (p: OperationProgress) =>
    progress(step, `${what}: ${p.state} (${formatElapsed(p.elapsedMs)})`, p.state);

  let step: DeployStep = 'assets';
  let wrote = false;
  let deploymentPut = false;
  let lastDeploymentState = plan.deployment.state;

  try {
    const toCreate = assetPlanLines(plan.assets).filter((line) => line.action === 'create');
    if (toCreate.length) {
      progress('assets', `creating ${toCreate.map((l) => `${l.asset} ${l.label}`).join(', ')}`);
      wrote = true;
      const made = await createMissingAssets(ws, plan.assets, scope);
      steps.push(...made.created.map((c) => `created ${c}`));
    }

    step = 'endpoint';
    const endpointWhat = `endpoint ${plan.endpointName}`;
    if (plan.endpoint.action === 'create') {
      progress('endpoint', `creating ${plan.computeKind} endpoint ${plan.endpointName}`);
      wrote = true;
      const body = endpointPutBody(ws, plan, undefined, { traffic: {}, mirrorTraffic: {} });
      expectSucceeded(
        'endpoint',
        await putAndWait(ws, epPath, body, { ...scope, onState: onState('endpoint', endpointWhat) }),
      );
      steps.push(`created endpoint ${plan.endpointName}`);
    } else {
      // Never touch an endpoint (or its deployments) while another operation runs on it.
      const settled = await waitUntilSettled(ws, epPath, {
        ...scope,
        onState: onState('endpoint', endpointWhat),
      });
      if (plan.endpoint.action === 'update') {
        progress('endpoint', `updating endpoint ${plan.endpointName} (${plan.endpoint.changes.join(', ')})`);
        wrote = true;
        const current = settled?.resource ?? (await getEndpoint(ws, plan.endpointName, scope));
        // Carries the maps the endpoint has now: an update never changes (or zeroes) live traffic.
        const body = endpointPutBody(ws, plan, current, trafficOf(current));
        expectSucceeded(
          'endpoint',
          await putAndWait(ws, epPath, body, { ...scope, onState: onState('endpoint', endpointWhat) }),
        );
        steps.push(`updated endpoint ${plan.endpointName} (${plan.endpoint.changes.join(', ')})`);
      }
    }

    step = 'deployment';
    const deploymentWhat = `deployment ${plan.deploymentName}`;
    const trackDeployment = (p: OperationProgress) => {
      lastDeploymentState = p.state;
      onState('deployment', deploymentWhat)(p);
    };
    if (plan.deployment.action !== 'none') {
      const verb = plan.deployment.action === 'create' ? 'creating' : 'updating';
      progress(
        'deployment',
        `${verb} deployment ${plan.deploymentName}` +
          (plan.deployment.action === 'update' ? ` (${plan.deployment.changes.join(', ')})` : ''),
      );
      wrote = true;
      deploymentPut = true;
      const result = await putAndWait(ws, dPath, plan.deployment.body, {
        ...scope,
        onState: trackDeployment,
      });
      lastDeploymentState = provisioningStateOf(result.resource) ?? result.status;
      expectSucceeded('deployment', result);
      steps.push(
        `${plan.deployment.action === 'create' ? 'created' : 'updated'} deployment ${plan.deploymentName} in ${formatElapsed(result.elapsedMs)}`,
      );
    } else if (!isTerminal(plan.deployment.state)) {
      const result = await waitUntilSettled(ws, dPath, { ...scope, onState: trackDeployment });
      if (result) {
        lastDeploymentState = provisioningStateOf(result.resource) ?? result.status;
        expectSucceeded('deployment', result);
      }
    }

    if (plan.traffic.gated) {
      step = 'smoke';
      if (opts.smokeGate) {
        const endpoint = await getEndpoint(ws, plan.endpointName, scope);
        const scoringUri = stringProp(endpoint, 'scoringUri');
        progress(
          'smoke',
          `smoke testing deployment ${plan.deploymentName} through the azureml-model-deployment header`,
        );
        let passed: boolean;
        try {
          passed = await opts.smokeGate({
            endpointName: plan.endpointName,
            deploymentName: plan.deploymentName,
            scoringUri,
          });
        } catch (error) {
          if (opts.signal?.aborted) throw error;
          throw new StepFailure(
            'smoke',
            `The smoke test of deployment ${plan.deploymentName} failed: ${summarizeThrown(error)} Traffic was not moved.`,
            'Unhealthy',
          );
        }
        if (!passed) {
          throw new StepFailure(
            'smoke',
            `The smoke test of deployment ${plan.deploymentName} failed, so traffic was not moved.`,
            'Unhealthy',
          );
        }
        steps.push(`smoke test of ${plan.deploymentName} passed`);
      } else {
        progress('smoke', 'no smoke request given: traffic moves without a smoke test');
      }
    }

    if (plan.traffic.changes) {
      step = 'traffic';
      const { before, after } = plan.traffic;
      progress('traffic', `shifting traffic ${formatMap(before.traffic)} -> ${formatMap(after.traffic)}`);
      wrote = true;
      const current = await getEndpoint(ws, plan.endpointName, scope);
      const body = endpointPutBody(ws, plan, current, after);
      expectSucceeded(
        'traffic',
        await putAndWait(ws, epPath, body, { ...scope, onState: onState('traffic', endpointWhat) }),
      );
      steps.push(`traffic ${formatMap(before.traffic)} -> ${formatMap(after.traffic)}`);
      if (!sameMap(before.mirrorTraffic, after.mirrorTraffic)) {
        steps.push(`mirror traffic ${formatMap(before.mirrorTraffic)} -> ${formatMap(after.mirrorTraffic)}`);
      }
    }

    // After "Succeeded", read back: the endpoint must really carry the intended maps.
    step = 'verify';
    const endpoint = await getEndpoint(ws, plan.endpointName, scope);
    const live = trafficOf(endpoint);
    const intended = plan.traffic.after;
    if (!sameMap(live.traffic, intended.traffic) || !sameMap(live.mirrorTraffic, intended.mirrorTraffic)) {
      throw new StepFailure(
        'verify',
        `Deployment ${plan.deploymentName} is not actually live: endpoint ${plan.endpointName} carries traffic ${formatMap(live.traffic)} (mirror ${formatMap(live.mirrorTraffic)}), not the intended ${formatMap(intended.traffic)} (mirror ${formatMap(intended.mirrorTraffic)}).`,
        'Failed',
      );
    }
    const deployment = await getDeployment(ws, plan.endpointName, plan.deploymentName, scope);
    const provisioningState = provisioningStateOf(deployment) ?? lastDeploymentState ?? 'Unknown';
    if (!wrote) steps.push('nothing to do: the endpoint, the deployment and the traffic are as asked');
    return {
      ok: true,
      changed: wrote,
      endpointName: plan.endpointName,
      deploymentName: plan.deploymentName,
      state: seedState(provisioningState),
      provisioningState,
      ...uris(endpoint),
      ...live,
      previousTraffic: plan.previous.traffic,
      previousMirrorTraffic: plan.previous.mirrorTraffic,
      steps,
      rolledBack: false,
      deletedFailedDeployment: false,
    };
  } catch (error) {
    if (opts.signal?.aborted) {
      if (opts.restoreOnCancel) await restoreAfterAbort(ws, plan, progress);
      throw error;
    }
    return handleFailure(ws, plan, opts, {
      failure: asStepFailure(error, step),
      steps,
      wrote,
      deploymentPut,
      lastDeploymentState,
      progress,
    });
  }
}

/** Cancelled mid-rollout: the traffic goes back as it was before this run, with its own time, then stop. */
async function restoreAfterAbort(
  ws: AzureWorkspace,
  plan: DeploymentPlan,
  progress: (step: DeployStep, message: string) => void,
): Promise<void> {
  progress(
    'rollback',
    `cancelled: restoring the traffic of ${plan.endpointName} to ${formatMap(plan.previous.traffic)}`,
  );
  await restoreTraffic(ws, plan.endpointName, plan.previous, {
    deadline: ws.client.clock.now() + RESTORE_GRACE_MS,
  });
}

function expectSucceeded(step: DeployStep, result: OperationResult<OnlineResource>): void {
  if (result.status === 'Succeeded') return;
  const detail = result.error ?? { code: result.status, message: `provisioningState ${result.status}` };
  const what = step === 'traffic' ? 'the traffic update' : step;
  throw new StepFailure(
    step,
    `The ${what} ended ${result.status}: ${summarizeArmError(detail)}`,
    seedState(result.status, detail),
    detail,
  );
}

function asStepFailure(error: unknown, step: DeployStep): StepFailure {
  if (error instanceof StepFailure) return error;
  if (error instanceof OperationTimeoutError)
    return new StepFailure(step, summarizeThrown(error), 'Transitioning');
  if (error instanceof AzureError) {
    const detail: ArmErrorDetail = {
      code: error.code,
      message: error.serviceMessage,
      details: error.details,
    };
    return new StepFailure(step, error.message, isCapacityError(detail) ? 'Unschedulable' : 'Failed', detail);
  }
  return new StepFailure(step, summarizeThrown(error), 'Failed');
}

interface FailureContext {
  failure: StepFailure;
  steps: string[];
  wrote: boolean;
  deploymentPut: boolean;
  lastDeploymentState: string | undefined;
  progress: (step: DeployStep, message: string, state?: string) => void;
}

async function handleFailure(
  ws: AzureWorkspace,
  plan: DeploymentPlan,
  opts: ApplyOptions,
  ctx: FailureContext,
): Promise<ApplyResult> {
  const { failure, steps, progress } = ctx;
  progress(failure.step, `failed: ${failure.message}`);
  // Rollback and cleanup run even when the rollout's own deadline has passed.
  const cleanup = { deadline: ws.client.clock.now() + RESTORE_GRACE_MS };

  const deploymentExists = ctx.deploymentPut || plan.deployment.action !== 'create';
  let logs: DeploymentLogs | undefined;
  if (deploymentExists && ['deployment', 'smoke', 'traffic', 'verify'].includes(failure.step)) {
    logs = await fetchDeploymentLogs(ws, plan.endpointName, plan.deploymentName, {
      tail: opts.logTail ?? 200,
      ...cleanup,
    });
  }

  let rolledBack = false;
  let rollbackError: string | undefined;
  if ((opts.rollbackOnFailure ?? true) && ctx.wrote) {
    try {
      const restored = await restoreTraffic(ws, plan.endpointName, plan.previous, {
        ...cleanup,
        onProgress: (message) => progress('rollback', message),
      });
      rolledBack = restored.restored;
      if (restored.restored) steps.push(`rolled back traffic to ${formatMap(plan.previous.traffic)}`);
    } catch (error) {
      rollbackError = errorMessage(error);
      progress('rollback', `rollback failed: ${rollbackError}`);
    }
  }

  let deleted = false;
  if (opts.deleteFailedDeployment && plan.deployment.action === 'create' && ctx.deploymentPut) {
    progress('cleanup', `deleting the failed deployment ${plan.deploymentName}`);
    try {
      const path = deploymentPath(ws, plan.endpointName, plan.deploymentName);
      const result = await deleteAndWait(ws, path, {
        ...cleanup,
        onState: (p) => progress('cleanup', `deployment ${plan.deploymentName}: ${p.state}`, p.state),
      });
      deleted = result.status === 'Succeeded';
      if (deleted) steps.push(`deleted the failed deployment ${plan.deploymentName}`);
    } catch (error) {
      steps.push(`could not delete the failed deployment ${plan.deploymentName}: ${errorMessage(error)}`);
    }
  }

  const endpoint = await getEndpoint(ws, plan.endpointName, cleanup).catch(() => undefined);
  const deployment = deleted
    ? undefined
    : await getDeployment(ws, plan.endpointName, plan.deploymentName, cleanup).catch(() => undefined);
  const provisioningState = deleted
    ? 'Deleted'
    : (provisioningStateOf(deployment) ?? ctx.lastDeploymentState ?? 'Unknown');
  return {
    ok: false,
    changed: ctx.wrote,
    endpointName: plan.endpointName,
    deploymentName: plan.deploymentName,
    state: failure.state,
    provisioningState,
    ...uris(endpoint),
    ...trafficOf(endpoint),
    previousTraffic: plan.previous.traffic,
    previousMirrorTraffic: plan.previous.mirrorTraffic,
    steps,
    error: failure.message,
    failedStep: failure.step,
    ...(logs ? { logs } : {}),
    rolledBack,
    ...(rollbackError ? { rollbackError } : {}),
    deletedFailedDeployment: deleted,
  };
}

function stringProp(resource: OnlineResource | undefined, key: string): string | undefined {
  const value = resource?.properties?.[key];
  return typeof value === 'string' ? value : undefined;
}

function uris(endpoint: OnlineResource | undefined): { scoringUri?: string; swaggerUri?: string } {
  const scoringUri = stringProp(endpoint, 'scoringUri');
  const swaggerUri = stringProp(endpoint, 'swaggerUri');
  return { ...(scoringUri ? { scoringUri } : {}), ...(swaggerUri ? { swaggerUri } : {}) };
}

export function formatElapsed(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
