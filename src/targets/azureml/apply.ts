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
import { formatDuration } from '../../format-duration.ts';
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
  const rollout = new Rollout(ws, plan, opts);
  try {
    await rollout.createAssets();
    await rollout.applyEndpoint();
    await rollout.applyDeployment();
    if (plan.traffic.gated) await rollout.smokeGate();
    if (plan.traffic.changes) await rollout.shiftTraffic();
    return await rollout.verifyLive();
  } catch (error) {
    if (opts.signal?.aborted) {
      if (opts.restoreOnCancel) await restoreAfterAbort(ws, plan, rollout.progress);
      throw error;
    }
    return handleFailure(ws, plan, opts, {
      failure: asStepFailure(error, rollout.step),
      steps: rollout.steps,
      wrote: rollout.wrote,
      deploymentPut: rollout.deploymentPut,
      lastDeploymentState: rollout.lastDeploymentState,
      progress: rollout.progress,
    });
  }
}

/** One run of a plan, step by step: what it wrote and did so far, for the result and for a rollback. */
class Rollout {
  step: DeployStep = 'assets';
  wrote = false;
  deploymentPut = false;
  lastDeploymentState: string | undefined;
  readonly steps: string[] = [];
  readonly progress: (step: DeployStep, message: string, state?: string) => void;
  readonly #ws: AzureWorkspace;
  readonly #plan: DeploymentPlan;
  readonly #opts: ApplyOptions;
  readonly #scope: { deadline: number; signal?: AbortSignal };
  readonly #endpointPath: string;

  constructor(ws: AzureWorkspace, plan: DeploymentPlan, opts: ApplyOptions) {
    this.#ws = ws;
    this.#plan = plan;
    this.#opts = opts;
    this.#scope = { deadline: opts.deadline, ...(opts.signal ? { signal: opts.signal } : {}) };
    this.#endpointPath = endpointPath(ws, plan.endpointName);
    this.lastDeploymentState = plan.deployment.state;
    const clock = ws.client.clock;
    const started = clock.now();
    this.progress = (step, message, state) =>
      opts.onProgress?.({ step, message, ...(state ? { state } : {}), elapsedMs: clock.now() - started });
  }

  async createAssets(): Promise<void> {
    const toCreate = assetPlanLines(this.#plan.assets).filter((line) => line.action === 'create');
    if (!toCreate.length) return;
    this.progress('assets', `creating ${toCreate.map((l) => `${l.asset} ${l.label}`).join(', ')}`);
    this.wrote = true;
    const made = await createMissingAssets(this.#ws, this.#plan.assets, this.#scope);
    this.steps.push(...made.created.map((c) => `created ${c}`));
  }

  /** Creates or updates the endpoint (carrying its current maps); never touches it while another operation runs. */
  async applyEndpoint(): Promise<void> {
    this.step = 'endpoint';
    const plan = this.#plan;
    const onState = this.#onState('endpoint', `endpoint ${plan.endpointName}`);
    if (plan.endpoint.action === 'create') {
      this.progress('endpoint', `creating ${plan.computeKind} endpoint ${plan.endpointName}`);
      this.wrote = true;
      const body = endpointPutBody(this.#ws, plan, undefined, { traffic: {}, mirrorTraffic: {} });
      expectSucceeded(
        'endpoint',
        await putAndWait(this.#ws, this.#endpointPath, body, { ...this.#scope, onState }),
      );
      this.steps.push(`created endpoint ${plan.endpointName}`);
      return;
    }
    const settled = await waitUntilSettled(this.#ws, this.#endpointPath, { ...this.#scope, onState });
    if (plan.endpoint.action !== 'update') return;
    this.progress('endpoint', `updating endpoint ${plan.endpointName} (${plan.endpoint.changes.join(', ')})`);
    this.wrote = true;
    const current = settled?.resource ?? (await getEndpoint(this.#ws, plan.endpointName, this.#scope));
    // Carries the maps the endpoint has now: an update never changes (or zeroes) live traffic.
    const body = endpointPutBody(this.#ws, plan, current, trafficOf(current));
    expectSucceeded(
      'endpoint',
      await putAndWait(this.#ws, this.#endpointPath, body, { ...this.#scope, onState }),
    );
    this.steps.push(`updated endpoint ${plan.endpointName} (${plan.endpoint.changes.join(', ')})`);
  }

  /** PUTs the deployment when it changed and waits; else waits out an operation still running on it. */
  async applyDeployment(): Promise<void> {
    this.step = 'deployment';
    const plan = this.#plan;
    const path = deploymentPath(this.#ws, plan.endpointName, plan.deploymentName);
    const report = this.#onState('deployment', `deployment ${plan.deploymentName}`);
    const onState = (p: OperationProgress) => {
      this.lastDeploymentState = p.state;
      report(p);
    };
    if (plan.deployment.action !== 'none') {
      const verb = plan.deployment.action === 'create' ? 'creating' : 'updating';
      this.progress(
        'deployment',
        `${verb} deployment ${plan.deploymentName}` +
          (plan.deployment.action === 'update' ? ` (${plan.deployment.changes.join(', ')})` : ''),
      );
      this.wrote = true;
      this.deploymentPut = true;
      const result = await putAndWait(this.#ws, path, plan.deployment.body, { ...this.#scope, onState });
      this.lastDeploymentState = provisioningStateOf(result.resource) ?? result.status;
      expectSucceeded('deployment', result);
      this.steps.push(
        `${plan.deployment.action === 'create' ? 'created' : 'updated'} deployment ${plan.deploymentName} in ${formatDuration(result.elapsedMs)}`,
      );
    } else if (!isTerminal(plan.deployment.state)) {
      const result = await waitUntilSettled(this.#ws, path, { ...this.#scope, onState });
      if (result) {
        this.lastDeploymentState = provisioningStateOf(result.resource) ?? result.status;
        expectSucceeded('deployment', result);
      }
    }
  }

  /** blue-green / canary: the new deployment must answer before any traffic moves. */
  async smokeGate(): Promise<void> {
    this.step = 'smoke';
    const plan = this.#plan;
    if (!this.#opts.smokeGate) {
      this.progress('smoke', 'no smoke request given: traffic moves without a smoke test');
      return;
    }
    const endpoint = await getEndpoint(this.#ws, plan.endpointName, this.#scope);
    this.progress(
      'smoke',
      `smoke testing deployment ${plan.deploymentName} through the azureml-model-deployment header`,
    );
    let passed: boolean;
    try {
      passed = await this.#opts.smokeGate({
        endpointName: plan.endpointName,
        deploymentName: plan.deploymentName,
        scoringUri: stringProp(endpoint, 'scoringUri'),
      });
    } catch (error) {
      if (this.#opts.signal?.aborted) throw error;
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
    this.steps.push(`smoke test of ${plan.deploymentName} passed`);
  }

  async shiftTraffic(): Promise<void> {
    this.step = 'traffic';
    const plan = this.#plan;
    const { before, after } = plan.traffic;
    this.progress('traffic', `shifting traffic ${formatMap(before.traffic)} -> ${formatMap(after.traffic)}`);
    this.wrote = true;
    const current = await getEndpoint(this.#ws, plan.endpointName, this.#scope);
    const body = endpointPutBody(this.#ws, plan, current, after);
    expectSucceeded(
      'traffic',
      await putAndWait(this.#ws, this.#endpointPath, body, {
        ...this.#scope,
        onState: this.#onState('traffic', `endpoint ${plan.endpointName}`),
      }),
    );
    this.steps.push(`traffic ${formatMap(before.traffic)} -> ${formatMap(after.traffic)}`);
    if (!sameMap(before.mirrorTraffic, after.mirrorTraffic)) {
      this.steps.push(
        `mirror traffic ${formatMap(before.mirrorTraffic)} -> ${formatMap(after.mirrorTraffic)}`,
      );
    }
  }

  /** After "Succeeded", read back: the endpoint must really carry the intended maps. */
  async verifyLive(): Promise<ApplyResult> {
    this.step = 'verify';
    const plan = this.#plan;
    const endpoint = await getEndpoint(this.#ws, plan.endpointName, this.#scope);
    const live = trafficOf(endpoint);
    const intended = plan.traffic.after;
    if (!sameMap(live.traffic, intended.traffic) || !sameMap(live.mirrorTraffic, intended.mirrorTraffic)) {
      throw new StepFailure(
        'verify',
        `Deployment ${plan.deploymentName} is not actually live: endpoint ${plan.endpointName} carries traffic ${formatMap(live.traffic)} (mirror ${formatMap(live.mirrorTraffic)}), not the intended ${formatMap(intended.traffic)} (mirror ${formatMap(intended.mirrorTraffic)}).`,
        'Failed',
      );
    }
    const deployment = await getDeployment(this.#ws, plan.endpointName, plan.deploymentName, this.#scope);
    const provisioningState = provisioningStateOf(deployment) ?? this.lastDeploymentState ?? 'Unknown';
    if (!this.wrote)
      this.steps.push('nothing to do: the endpoint, the deployment and the traffic are as asked');
    return {
      ok: true,
      changed: this.wrote,
      endpointName: plan.endpointName,
      deploymentName: plan.deploymentName,
      state: seedState(provisioningState),
      provisioningState,
      ...uris(endpoint),
      ...live,
      previousTraffic: plan.previous.traffic,
      previousMirrorTraffic: plan.previous.mirrorTraffic,
      steps: this.steps,
      rolledBack: false,
      deletedFailedDeployment: false,
    };
  }

  #onState(step: DeployStep, what: string) {
    return (p: OperationProgress) =>
      this.progress(step, `${what}: ${p.state} (${formatDuration(p.elapsedMs)})`, p.state);
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
  const restored = await restoreTraffic(ws, plan.endpointName, plan.previous, {
    deadline: ws.client.clock.now() + RESTORE_GRACE_MS,
  });
  const maps = `${formatMap(plan.previous.traffic)} (mirror ${formatMap(plan.previous.mirrorTraffic)})`;
  progress(
    'rollback',
    restored.restored
      ? `cancelled: the traffic of ${plan.endpointName} was restored to ${maps}`
      : `cancelled: the traffic of ${plan.endpointName} was still ${maps}; nothing to restore`,
  );
}

/** What each step writes, as a sentence names it ("The endpoint update ended Failed"). */
export const STEP_WORDS: Record<DeployStep, string> = {
  assets: 'upload of the model, code and environment',
  endpoint: 'endpoint update',
  deployment: 'deployment',
  smoke: 'smoke test',
  traffic: 'traffic update',
  verify: 'check of the live traffic',
  rollback: 'rollback',
  cleanup: 'cleanup',
};

function expectSucceeded(step: DeployStep, result: OperationResult<OnlineResource>): void {
  if (result.status === 'Succeeded') return;
  const detail = result.error ?? { code: result.status, message: `provisioningState ${result.status}` };
  throw new StepFailure(
    step,
    `The ${STEP_WORDS[step]} ended ${result.status}: ${summarizeArmError(detail)}`,
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
