// deploy-model on an Azure ML online endpoint (managed or Kubernetes): check the request (no Azure call),
// then register an inline model, plan (reads only), apply with the smoke gate and both rollbacks, and turn
// the result into the outcome, the report and, on failure, the container logs.

import path from 'node:path';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import type { ModelRef } from '../../config/spec.ts';
import { ActionFailure, errorMessage, UsageError } from '../../errors.ts';
import { writePrivateFile } from '../../io/private-file.ts';
import type { ProbeRequest } from '../../probe/requests.ts';
import { runSmokeTest } from '../../probe/smoke-test.ts';
import { addFacts, fact, type Report, type ReportSection } from '../../report/report.ts';
import {
  DeployFailure,
  type DeployOptions,
  type DeployOutcome,
  type DeployRequest,
  type PreparedDeployment,
  RESTORE_STATE,
  type TargetDeps,
} from '../target.ts';
import { type ApplyResult, applyPlan, type SmokeTarget } from './apply.ts';
import { formatDeploymentLogs } from './deployment-logs.ts';
import { type AzureDeploymentSpec, azureDeploymentSpec } from './deployment-spec.ts';
import { resolveInlineModel, workspaceFacts } from './inline-model.ts';
import { type DeploymentPlan, describePlan, planDeployment, summarizePlan } from './plan.ts';
import { scoringStepProbe, stepsTable } from './progressive-steps.ts';
import { restoreTraffic } from './restore-traffic.ts';
import { scoringCredentials } from './scoring-credentials.ts';
import {
  formatMap,
  formatStrategy,
  isGatedStrategy,
  parseTrafficMap,
  parseTrafficStrategy,
  type TrafficMaps,
  type TrafficStrategy,
} from './traffic.ts';
import { NOTHING_OWNED, type TrafficOwnership } from './traffic-writes.ts';

/** What the Azure target was opened with. */
export interface AzureSession {
  /** Connects on first use (credential, ARM client), once per run. */
  workspace(): Promise<AzureWorkspace>;
  /** Where logs and the hash cache go. */
  localDir: string;
  /** Epoch ms: the action's time budget. */
  deadline: number;
  /** The Entra tenant, when known from the inputs (studio links name it). */
  tenantId?: string;
  deps: TargetDeps;
}

/** Checks the traffic inputs and builds the full spec, before anything is written. */
export function prepareAzureDeploy(
  request: DeployRequest,
  options: DeployOptions,
  session: AzureSession,
): PreparedDeployment {
  const traffic = options.traffic ? parseTrafficStrategy(options.traffic, 'traffic') : undefined;
  const mirrorTraffic = options.mirrorTraffic
    ? parseTrafficMap(options.mirrorTraffic, 'mirror-traffic')
    : undefined;
  if (options.smokeRequests && !options.gateWhenServing && !(traffic && isGatedStrategy(traffic))) {
    session.deps.io.warn(
      'smoke-request-file gates blue-green, canary and progressive rollouts only; it is not used with this traffic strategy',
    );
  }
  const desired = azureDeploymentSpec(request);
  checkProgressive(traffic, options, desired.endpoint.computeKind, session);
  return {
    endpointName: request.endpointName,
    deploymentName: request.deploymentName,
    useModel(ref: ModelRef) {
      desired.deployment.model = ref;
    },
    deploy: (report, section) =>
      deployAzure(
        {
          desired,
          ...(traffic ? { traffic } : {}),
          ...(mirrorTraffic ? { mirrorTraffic } : {}),
          gateWhenServing: Boolean(options.gateWhenServing && options.smokeRequests),
        },
        options,
        session,
        report,
        section,
      ),
  };
}

interface Desired {
  desired: AzureDeploymentSpec;
  traffic?: TrafficStrategy;
  mirrorTraffic?: Record<string, number>;
  gateWhenServing: boolean;
}

async function deployAzure(
  want: Desired,
  options: DeployOptions,
  session: AzureSession,
  report: Report,
  section: ReportSection,
): Promise<DeployOutcome> {
  const { deps } = session;
  const { io } = deps;
  const { desired } = want;
  const ws = await session.workspace();
  workspaceFacts(
    section,
    ws,
    {
      name: desired.endpoint.name,
      kind: 'online',
      target: `Azure ML ${desired.endpoint.computeKind} online endpoint`,
    },
    session.tenantId,
  );
  const planInput = (deployment: AzureDeploymentSpec['deployment'], precheck: boolean) => ({
    ...desired,
    deployment,
    ...(want.traffic ? { traffic: want.traffic } : {}),
    ...(want.mirrorTraffic ? { mirrorTraffic: want.mirrorTraffic } : {}),
    gateWhenServing: want.gateWhenServing,
    followSymlinks: options.followSymlinks,
    ...(precheck ? { precheck } : {}),
    ...(want.traffic?.kind === 'progressive' && options.progressive.mirrorFirstSeconds > 0
      ? { mirrorFirst: true }
      : {}),
  });
  const scope = { deadline: session.deadline, ...(deps.signal ? { signal: deps.signal } : {}) };
  let modelPlanLine: string | undefined;
  if (desired.deployment.model?.kind === 'path') {
    const { model: _inline, ...withoutModel } = desired.deployment;
    const resolved = await resolveInlineModel(
      desired.deployment.model,
      ws,
      session,
      {
        dryRun: options.dryRun,
        followSymlinks: options.followSymlinks,
        // The plan's checks (traffic and mirror rules against the endpoint as it is, names, compute, code and
        // environment) before the model is uploaded.
        precheck: () => planDeployment(ws, planInput(withoutModel, true), scope),
      },
      section,
    );
    desired.deployment.model = resolved.model;
    modelPlanLine = resolved.planLine;
  }

  const plan = await planDeployment(ws, planInput(desired.deployment, false), scope);
  const lines = [...(modelPlanLine ? [modelPlanLine] : []), ...describePlan(plan)];
  await io.group('Plan', async () => {
    for (const line of lines) io.info(line);
  });
  section.tables.push({ caption: 'Plan', columns: ['Step'], rows: lines.map((l) => [l]) });
  const planOutput = { ...summarizePlan(plan), dryRun: options.dryRun };

  if (options.dryRun) {
    report.finish(section, 'planned');
    return {
      endpointName: plan.endpointName,
      deploymentName: plan.deploymentName,
      plan: planOutput,
      state: 'Transitioning',
      provisioningState: 'NotStarted',
      changed: plan.changed,
      traffic: plan.previous.traffic,
      previousTraffic: plan.previous.traffic,
    };
  }

  const result = await applyWithState(ws, plan, options, session, report, section);
  addFacts(
    section,
    // The provisioning state only when it says more than the state (Healthy/Succeeded, Failed/Failed).
    fact('State', stateText(result.state, result.provisioningState)),
    fact('Changed', result.changed ? 'yes' : 'no (nothing to do)'),
    fact('Scoring URI', result.scoringUri, { code: true }),
    fact('Traffic before', formatMap(result.previousTraffic)),
    fact('Traffic after', formatMap(result.traffic)),
  );
  const outcome: DeployOutcome = {
    endpointName: plan.endpointName,
    deploymentName: plan.deploymentName,
    plan: planOutput,
    state: result.state,
    provisioningState: result.provisioningState,
    changed: result.changed,
    ...(result.scoringUri ? { scoringUri: result.scoringUri } : {}),
    ...(result.swaggerUri ? { swaggerUri: result.swaggerUri } : {}),
    traffic: result.traffic,
    previousTraffic: result.previousTraffic,
    ...(result.progressiveSteps ? { steps: result.progressiveSteps } : {}),
  };
  if (result.progressiveSteps?.length)
    section.tables.push(stepsTable(result.progressiveSteps, plan.traffic.steps?.length ?? 0));
  if (result.ok) {
    report.finish(section, result.changed ? 'succeeded' : 'unchanged');
    return outcome;
  }
  throw await failure(result, plan, outcome, session, report, section);
}

/** Applies the plan; while it runs, the post: step knows which maps to restore if the job is cancelled. */
async function applyWithState(
  ws: AzureWorkspace,
  plan: DeploymentPlan,
  options: DeployOptions,
  session: AzureSession,
  report: Report,
  section: ReportSection,
): Promise<ApplyResult> {
  const { deps } = session;
  const { io } = deps;
  const save = (ownership: TrafficOwnership) => {
    const saved: RestoreState = { endpoint: plan.endpointName, previous: plan.previous, ownership };
    io.saveState(RESTORE_STATE, JSON.stringify(saved));
  };
  if (plan.changed) save(NOTHING_OWNED);
  const smokeRequests = options.smokeRequests;
  const progressive = plan.traffic.steps && smokeRequests;
  const result = await applyPlan(ws, plan, {
    deadline: session.deadline,
    rollbackOnFailure: options.rollbackOnFailure,
    deleteFailedDeployment: options.deleteFailedDeployment,
    ...(deps.signal ? { signal: deps.signal, restoreOnCancel: true } : {}),
    onProgress: (p) => {
      io.info(`[+${Math.round(p.elapsedMs / 1000)}s] ${p.message}`);
      report.event(section, p.message);
    },
    ...(smokeRequests ? { smokeGate: (target) => smokeGate(ws, target, smokeRequests, session) } : {}),
    ...(progressive
      ? {
          progressive: options.progressive,
          stepProbe: scoringStepProbe(ws, plan.endpointName, progressive, options.progressive.stepRequests, {
            clock: deps.clock,
            log: io,
            deadline: session.deadline,
            ...(deps.signal ? { signal: deps.signal } : {}),
          }),
        }
      : {}),
    ...(plan.changed ? { onOwnership: save } : {}),
  });
  io.saveState(RESTORE_STATE, '');
  return result;
}

/** The gate before traffic moves: the new deployment, called through the azureml-model-deployment header. */
async function smokeGate(
  ws: AzureWorkspace,
  target: SmokeTarget,
  requests: ProbeRequest[],
  session: AzureSession,
): Promise<boolean> {
  const { deps } = session;
  const creds = await scoringCredentials(ws, target.endpointName, { deadline: session.deadline });
  const scoringUri = target.scoringUri ?? creds.scoringUri;
  if (!scoringUri)
    throw new ActionFailure(`endpoint ${target.endpointName} has no scoring URI to smoke test`);
  const gate = await runSmokeTest(
    {
      scoringUri,
      headers: { ...creds.headers(), 'azureml-model-deployment': target.deploymentName },
      requests,
      readyTimeoutSeconds: 300,
    },
    { clock: deps.clock, log: deps.io, dispatcher: ws.dispatcher },
  );
  deps.io.info(`smoke gate on ${target.deploymentName}: ${gate.message}`);
  return gate.passed;
}

/** A failed rollout: its container logs to a file and the log, the report, and the error to throw. */
async function failure(
  result: ApplyResult,
  plan: DeploymentPlan,
  outcome: DeployOutcome,
  session: AzureSession,
  report: Report,
  section: ReportSection,
): Promise<DeployFailure> {
  const { io } = session.deps;
  let logTail: string | undefined;
  if (result.logs) {
    // A container log may echo the endpoint's keys, which this run may never have asked for: fetch them so
    // they are registered as secrets, then redact everything the run knows before printing or writing.
    await registerEndpointCredentials(session, plan.endpointName);
    logTail = io.redact(formatDeploymentLogs(result.logs));
    const file = path.join(session.localDir, 'logs', `${plan.endpointName}-${plan.deploymentName}-azure.log`);
    await writePrivateFile(file, logTail);
    outcome.logsFile = file;
    await io.group(`Container logs of ${plan.deploymentName}`, async () => io.info(logTail!));
  }
  // What the endpoint carries after the rollback: previous, or previous plus a concurrent run's change.
  const rollback = result.rolledBack
    ? ` Traffic restored to ${formatMap(result.traffic)}.`
    : result.rollbackError
      ? ` Rollback failed: ${result.rollbackError}`
      : '';
  report.fail(
    section,
    `${result.error ?? 'the deployment failed'}${rollback}`,
    logTail?.split('\n').slice(-60).join('\n'),
    outcome.logsFile,
  );
  const error = (result.error ?? 'failed').replace(/\.$/, '');
  return new DeployFailure(`${failedWhat(result, plan)}: ${error}.${rollback}`, outcome);
}

/** What failed, by the step that failed: the upload, the endpoint update, the traffic update or the deployment. */
function failedWhat(result: ApplyResult, plan: DeploymentPlan): string {
  const where = `${plan.endpointName}/${plan.deploymentName}`;
  switch (result.failedStep) {
    case 'assets':
      return `uploading the model, code or environment for ${where} failed`;
    case 'endpoint':
      return `the update of endpoint ${plan.endpointName} failed`;
    case 'traffic':
      return `the traffic update of endpoint ${plan.endpointName} failed`;
    default:
      return `deployment ${where} ${result.state}`;
  }
}

/** Looks up the endpoint's keys or token (the ARM client registers them as secrets); best effort. */
async function registerEndpointCredentials(session: AzureSession, endpointName: string): Promise<void> {
  try {
    const ws = await session.workspace();
    await scoringCredentials(ws, endpointName, { deadline: session.deps.clock.now() + 60_000 });
  } catch (err) {
    session.deps.io.debug(
      `could not read the keys of ${endpointName} to redact its logs: ${errorMessage(err)}`,
    );
  }
}

/**
 * What a rollout in progress saves for the post: step: the maps before it, and what its traffic writes changed
 * (saved again after each), so the restore undoes this run's change and keeps a concurrent run's.
 */
interface RestoreState {
  endpoint: string;
  previous: TrafficMaps;
  /** Absent in a state saved without it: every difference from `previous` is then taken as this run's. */
  ownership?: TrafficOwnership;
}

/** The post: step after a cancelled run: put back the traffic maps a killed rollout had changed. */
export async function restoreAfterCancel(saved: string, session: AzureSession): Promise<void> {
  const { endpoint, previous, ownership } = JSON.parse(saved) as RestoreState;
  const ws = await session.workspace();
  const r = await restoreTraffic(ws, endpoint, previous, {
    deadline: session.deps.clock.now() + 10 * 60_000,
    ...(ownership ? { ownership } : {}),
    onProgress: (message) => session.deps.io.info(message),
  });
  const mirror = Object.keys(previous.mirrorTraffic).length
    ? ` (mirror ${formatMap(previous.mirrorTraffic)})`
    : '';
  session.deps.io.info(
    r.keptOthers
      ? `cancelled run: this run's traffic change on ${endpoint} undone, another writer's kept: traffic ${formatMap(r.traffic)} (mirror ${formatMap(r.mirrorTraffic)})`
      : r.restored
        ? `cancelled run: traffic of ${endpoint} restored to ${formatMap(previous.traffic)}${mirror}`
        : `cancelled run: traffic of ${endpoint} was already ${formatMap(previous.traffic)}${mirror}`,
  );
}

/** progressive: requests to probe with, a step schedule that fits the time, mirror only where it exists. */
function checkProgressive(
  traffic: TrafficStrategy | undefined,
  options: DeployOptions,
  computeKind: string | undefined,
  session: AzureSession,
): void {
  const settings = options.progressive;
  if (traffic?.kind !== 'progressive') {
    if (settings.mirrorFirstSeconds > 0) {
      session.deps.io.warn('mirror-first-seconds applies to traffic: progressive=… only; it is ignored');
    }
    return;
  }
  if (!options.smokeRequests?.length) {
    throw new UsageError(
      `${formatStrategy(traffic)} needs the requests each step sends to the old and the new deployment: give smoke-request-file (request-file in the pipeline)`,
      'traffic',
    );
  }
  if (settings.mirrorFirstSeconds > 0 && computeKind === 'kubernetes') {
    throw new UsageError('Kubernetes online endpoints do not support mirror traffic', 'mirror-first-seconds');
  }
  const waits = traffic.steps.length * settings.stepWaitSeconds + settings.mirrorFirstSeconds;
  if (waits >= options.timeoutMinutes * 60) {
    throw new UsageError(
      `${traffic.steps.length} step(s) of ${settings.stepWaitSeconds} s${settings.mirrorFirstSeconds ? ` and ${settings.mirrorFirstSeconds} s of mirroring` : ''} wait ${waits} s, more than timeout-minutes (${options.timeoutMinutes}) allows for the whole rollout`,
      'step-wait-seconds',
    );
  }
}

export function stateText(state: string, provisioningState: string): string {
  const redundant =
    provisioningState.toLowerCase() === state.toLowerCase() ||
    (state === 'Healthy' && provisioningState === 'Succeeded');
  return redundant ? state : `${state} (${provisioningState})`;
}
