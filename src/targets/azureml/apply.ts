// applyPlan: carries out a DeploymentPlan. Assets → endpoint (create/update, carrying the current traffic
// maps; waited to a terminal state) → deployment (PUT, waited, a progress line on every state change) →
// smoke gate for blue-green/canary/progressive (the injected gate calls the deployment through the
// azureml-model-deployment header) → traffic shift, or progressive steps (progressive-steps.ts) → re-read: the
// endpoint must carry the intended maps, else the deployment is "not actually live". On failure or timeout:
// the container logs, the error in one sentence, the previous traffic and mirror maps restored exactly, and
// the new deployment deleted when asked. An unchanged plan writes nothing. A cancelled run (signal) puts
// plan.previous back too when restoreOnCancel says so, then rethrows: both rollbacks live here.
// Every endpoint write is computed from a fresh read and never resent as is after a 409 (traffic-writes.ts):
// a concurrent run's traffic change is kept, or this run fails with "the endpoint changed under this run".

import { assetPlanLines, createMissingAssets } from '../../azure/assets/deployment-assets.ts';
import type { TrafficMap } from '../../azure/bodies/types.ts';
import { type ArmErrorDetail, AzureError, OperationTimeoutError } from '../../azure/errors.ts';
import type { OperationProgress, OperationResult } from '../../azure/lro.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { errorMessage } from '../../errors.ts';
import { formatDuration } from '../../format-duration.ts';
import type { ProgressiveSettings, RolloutStep } from '../target.ts';
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
import { deleteAndWait, putAndWait, putEndpointFromFresh, waitUntilSettled } from './online-writes.ts';
import { type DeploymentPlan, endpointPutBody } from './plan.ts';
import {
  describeStepFailure,
  oldDeploymentOf,
  runProgressiveSteps,
  type StepProbe,
} from './progressive-steps.ts';
import { RESTORE_GRACE_MS, restoreTraffic } from './restore-traffic.ts';
import { isCapacityError, type SeedState, seedState } from './seed-state.ts';
import { formatMap, sameMap, type TrafficMaps } from './traffic.ts';
import {
  EndpointChangedError,
  holdsOwnChange,
  NOTHING_OWNED,
  type TrafficOwnership,
  writeTraffic,
} from './traffic-writes.ts';

export type DeployStep =
  | 'assets'
  | 'endpoint'
  | 'deployment'
  | 'smoke'
  | 'traffic'
  | 'progressive'
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
  /** progressive: probes the old and the new deployment with the step's requests, in pairs. */
  stepProbe?: StepProbe;
  /** progressive: waits and limits (the probe's request count is the probe's business). */
  progressive?: ProgressiveSettings;
  /** Every change of what this run's traffic writes changed (for the post: step of a killed run). */
  onOwnership?: (ownership: TrafficOwnership) => void;
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
  /** progressive: the steps run (also when one failed). */
  progressiveSteps?: RolloutStep[];
}

class StepFailure extends Error {
  override name = 'StepFailure';
  readonly step: DeployStep;
  readonly state: SeedState;
  readonly detail: ArmErrorDetail | undefined;
  /** The container logs say something about it (not so for a traffic write another run got in the way of). */
  readonly logsHelp: boolean;
  constructor(step: DeployStep, message: string, state: SeedState, detail?: ArmErrorDetail, logsHelp = true) {
    super(message);
    this.step = step;
    this.state = state;
    this.detail = detail;
    this.logsHelp = logsHelp;
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
    if (plan.traffic.steps) await rollout.progressiveShift();
    else if (plan.traffic.changes) await rollout.shiftTraffic();
    return await rollout.verifyLive();
  } catch (error) {
    if (opts.signal?.aborted) {
      if (opts.restoreOnCancel) await restoreAfterAbort(ws, plan, rollout.ownership, rollout.progress);
      throw error;
    }
    return handleFailure(ws, plan, opts, {
      failure: asStepFailure(error, rollout.step),
      steps: rollout.steps,
      wrote: rollout.wrote,
      deploymentPut: rollout.deploymentPut,
      lastDeploymentState: rollout.lastDeploymentState,
      progress: rollout.progress,
      ownership: rollout.ownership,
      ...(plan.traffic.steps ? { progressiveSteps: rollout.progressiveSteps } : {}),
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
  /** What this run's traffic writes changed: a rollback undoes exactly that (traffic-writes.ts). */
  ownership: TrafficOwnership = NOTHING_OWNED;
  /** The maps this run's last traffic write left (the plan's `after` until one ran). */
  intended: TrafficMaps;
  readonly progressiveSteps: RolloutStep[] = [];
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
    this.intended = plan.traffic.after;
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
    if (plan.endpoint.action === 'none') {
      await waitUntilSettled(this.#ws, this.#endpointPath, { ...this.#scope, onState });
      return;
    }
    const create = plan.endpoint.action === 'create';
    this.progress(
      'endpoint',
      create
        ? `creating ${plan.computeKind} endpoint ${plan.endpointName}`
        : `updating endpoint ${plan.endpointName} (${plan.endpoint.changes.join(', ')})`,
    );
    this.wrote = true;
    const { result } = await putEndpointFromFresh(this.#ws, this.#endpointPath, {
      ...this.#scope,
      onState,
      onConflict: (message) => this.progress('endpoint', message),
      // Carries the maps the endpoint has when the PUT is sent: an update never changes (or zeroes) live traffic.
      build: (current) =>
        endpointPutBody(
          this.#ws,
          plan,
          current,
          current ? trafficOf(current) : { traffic: {}, mirrorTraffic: {} },
        ),
    });
    if (result) expectSucceeded('endpoint', result);
    this.steps.push(
      create
        ? `created endpoint ${plan.endpointName}`
        : `updated endpoint ${plan.endpointName} (${plan.endpoint.changes.join(', ')})`,
    );
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
    const { before, after } = this.#plan.traffic;
    this.progress('traffic', `shifting traffic ${formatMap(before.traffic)} -> ${formatMap(after.traffic)}`);
    const written = await this.#writeTraffic('traffic', after);
    this.steps.push(`traffic ${formatMap(before.traffic)} -> ${formatMap(written.traffic)}`);
    if (!sameMap(before.mirrorTraffic, written.mirrorTraffic)) {
      this.steps.push(
        `mirror traffic ${formatMap(before.mirrorTraffic)} -> ${formatMap(written.mirrorTraffic)}`,
      );
    }
  }

  /** progressive: the steps (and the mirror phase), each gated on the new deployment against the old one. */
  async progressiveShift(): Promise<void> {
    this.step = 'progressive';
    const plan = this.#plan;
    const steps = plan.traffic.steps ?? [plan.traffic.after];
    const oldDeployment = oldDeploymentOf(plan.previous.traffic, plan.deploymentName);
    const { stepProbe, progressive: settings } = this.#opts;
    if (!stepProbe || !settings || !oldDeployment) {
      throw new StepFailure(
        'progressive',
        `A progressive rollout needs requests to probe ${oldDeployment ?? 'the serving deployment'} and ${plan.deploymentName} with (smoke-request-file).`,
        'Failed',
      );
    }
    const clock = this.#ws.client.clock;
    const failed = await runProgressiveSteps({
      deploymentName: plan.deploymentName,
      oldDeployment,
      steps,
      ...(plan.traffic.mirrorFirst ? { mirrorFirst: plan.traffic.mirrorFirst } : {}),
      settings,
      write: (maps) => this.#writeTraffic('progressive', maps),
      probe: stepProbe,
      sleep: (ms) => this.#sleep(ms),
      now: () => clock.now(),
      progress: (message) => this.progress('progressive', message),
      records: this.progressiveSteps,
    });
    if (failed) {
      throw new StepFailure(
        'progressive',
        describeStepFailure(failed, steps.length, plan.deploymentName),
        'Unhealthy',
      );
    }
    const shares = this.progressiveSteps.filter((r) => r.phase === 'traffic').map((r) => `${r.share}%`);
    this.steps.push(
      `progressive rollout of ${plan.deploymentName}: ${shares.join(' -> ')}, every step passed; traffic ${formatMap(plan.previous.traffic)} -> ${formatMap(this.intended.traffic)}`,
    );
  }

  /** Writes `wanted` over the endpoint's fresh maps (never a stale resend); returns what was written. */
  async #writeTraffic(step: DeployStep, wanted: TrafficMaps): Promise<TrafficMaps> {
    const plan = this.#plan;
    this.wrote = true;
    let written: Awaited<ReturnType<typeof writeTraffic>>;
    try {
      written = await writeTraffic(
        this.#ws,
        plan.endpointName,
        { previous: plan.previous, wanted },
        {
          ...this.#scope,
          ownership: this.ownership,
          onOwnership: (ownership) => {
            this.ownership = ownership;
            this.#opts.onOwnership?.(ownership);
          },
          onNote: (message) => this.progress(step, message),
          onState: this.#onState(step, `endpoint ${plan.endpointName}`),
          bodyFor: (current, maps) => endpointPutBody(this.#ws, plan, current, maps),
        },
      );
    } catch (error) {
      if (!(error instanceof EndpointChangedError)) throw error;
      throw new StepFailure(
        step,
        `The traffic of ${plan.deploymentName} was not moved: ${error.message}. Run again to plan against the endpoint as it is now (a concurrency group per endpoint keeps runs from overlapping).`,
        'Failed',
        undefined,
        false,
      );
    }
    if (!written.current) {
      throw new StepFailure(step, `Endpoint ${plan.endpointName} no longer exists.`, 'Failed');
    }
    if (written.result) expectSucceeded(step, written.result);
    this.intended = written.maps;
    return written.maps;
  }

  /** The injected clock's sleep, bounded by the rollout's deadline and cancelled by its signal. */
  async #sleep(ms: number): Promise<void> {
    const clock = this.#ws.client.clock;
    const left = this.#opts.deadline - clock.now();
    if (ms > left) {
      throw new OperationTimeoutError(
        `the rollout's time (timeout-minutes) ends before the step's wait of ${formatDuration(ms)} does`,
        undefined,
      );
    }
    await clock.sleep(ms, this.#opts.signal);
  }

  /** After "Succeeded", read back: the endpoint must really carry the intended maps. */
  async verifyLive(): Promise<ApplyResult> {
    this.step = 'verify';
    const plan = this.#plan;
    const endpoint = await getEndpoint(this.#ws, plan.endpointName, this.#scope);
    const live = trafficOf(endpoint);
    const intended = this.intended;
    if (!holdsOwnChange(live, intended, this.ownership, plan.deploymentName)) {
      throw new StepFailure(
        'verify',
        `Deployment ${plan.deploymentName} is not actually live: endpoint ${plan.endpointName} carries traffic ${formatMap(live.traffic)} (mirror ${formatMap(live.mirrorTraffic)}), not the intended ${formatMap(intended.traffic)} (mirror ${formatMap(intended.mirrorTraffic)}).`,
        'Failed',
      );
    }
    if (!sameMap(live.traffic, intended.traffic) || !sameMap(live.mirrorTraffic, intended.mirrorTraffic)) {
      this.steps.push(
        `endpoint ${plan.endpointName} was changed by another writer after this run's traffic update: it carries traffic ${formatMap(live.traffic)} (mirror ${formatMap(live.mirrorTraffic)}); ${plan.deploymentName}'s share is as this run set it`,
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
      ...(plan.traffic.steps ? { progressiveSteps: this.progressiveSteps } : {}),
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
  ownership: TrafficOwnership,
  progress: (step: DeployStep, message: string) => void,
): Promise<void> {
  progress(
    'rollback',
    `cancelled: restoring the traffic of ${plan.endpointName} to ${formatMap(plan.previous.traffic)}`,
  );
  const restored = await restoreTraffic(ws, plan.endpointName, plan.previous, {
    deadline: ws.client.clock.now() + RESTORE_GRACE_MS,
    ownership,
    onProgress: (message) => progress('rollback', message),
  });
  const maps = `${formatMap(plan.previous.traffic)} (mirror ${formatMap(plan.previous.mirrorTraffic)})`;
  progress(
    'rollback',
    restored.keptOthers
      ? `cancelled: this run's traffic change on ${plan.endpointName} was undone, another writer's kept: traffic ${formatMap(restored.traffic)} (mirror ${formatMap(restored.mirrorTraffic)})`
      : restored.restored
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
  progressive: 'traffic update of the step',
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
  ownership: TrafficOwnership;
  progressiveSteps?: RolloutStep[];
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
  if (
    deploymentExists &&
    failure.logsHelp &&
    ['deployment', 'smoke', 'traffic', 'progressive', 'verify'].includes(failure.step)
  ) {
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
        ownership: ctx.ownership,
        onProgress: (message) => progress('rollback', message),
      });
      rolledBack = restored.restored;
      if (restored.restored) {
        steps.push(
          restored.keptOthers
            ? `undid this run's traffic change, keeping another writer's: traffic ${formatMap(restored.traffic)}`
            : `rolled back traffic to ${formatMap(plan.previous.traffic)}`,
        );
      }
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
    ...(ctx.progressiveSteps ? { progressiveSteps: ctx.progressiveSteps } : {}),
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
