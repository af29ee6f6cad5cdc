// deploy-model on an Azure ML batch endpoint: check the request (no Azure call), then register an inline
// model, plan (reads only), apply, and turn the result into the outcome and the report. The `traffic` input
// decides the endpoint's default deployment (all: this one; none: as it is). The outcome's traffic maps show
// the default deployment as the one taking every job: `{blue: 100}`.

import { UsageError } from '../../errors.ts';
import { addFacts, fact, type Report, type ReportSection } from '../../report/report.ts';
import { type BatchDefaultRule, batchDefaultRule } from '../batch-default.ts';
import {
  DeployFailure,
  type DeployOptions,
  type DeployOutcome,
  type DeployRequest,
  type PreparedDeployment,
} from '../target.ts';
import { applyBatchPlan } from './batch-apply.ts';
import { type BatchPlan, describeBatchPlan, planBatchDeployment, summarizeBatchPlan } from './batch-plan.ts';
import { type BatchSpecs, batchSpecs, requireCompute } from './batch-spec.ts';
import { type AzureSession, stateText } from './deploy.ts';
import { resolveInlineModel, workspaceFacts } from './inline-model.ts';

export function prepareAzureBatchDeploy(
  request: DeployRequest,
  options: DeployOptions,
  session: AzureSession,
): PreparedDeployment {
  const { io } = session.deps;
  if (options.mirrorTraffic) {
    throw new UsageError('batch endpoints take no mirror traffic', 'mirror-traffic');
  }
  if (options.smokeRequests && !options.gateWhenServing) {
    io.warn(
      'smoke-request-file gates online rollouts; a batch deployment is checked with a job (batch-input)',
    );
  }
  const specs = batchSpecs(request);
  requireCompute(specs.deployment);
  const rule = batchDefaultRule(options.traffic, {
    deployment: specs.deployment.name,
    endpointFileDefault: specs.endpoint.defaultDeployment,
  });
  return {
    endpointName: request.endpointName,
    deploymentName: request.deploymentName,
    useModel(ref) {
      specs.deployment.model = ref;
    },
    deploy: (report, section) => deployBatch(specs, rule, options, session, report, section),
  };
}

async function deployBatch(
  specs: BatchSpecs,
  rule: BatchDefaultRule,
  options: DeployOptions,
  session: AzureSession,
  report: Report,
  section: ReportSection,
): Promise<DeployOutcome> {
  const { deps } = session;
  const { io } = deps;
  const ws = await session.workspace();
  workspaceFacts(
    section,
    ws,
    { name: specs.endpoint.name, kind: 'batch', target: 'Azure ML batch endpoint' },
    session.tenantId,
  );
  addFacts(section, fact('Compute', specs.deployment.compute, { code: true }));
  const scope = {
    deadline: session.deadline,
    ...(deps.signal ? { signal: deps.signal } : {}),
    followSymlinks: options.followSymlinks,
  };
  let modelPlanLine: string | undefined;
  if (specs.deployment.model?.kind === 'path') {
    // As for online deployments: a dry run plans the model with reads only; a real run checks the plan first.
    const { model: _inline, ...withoutModel } = specs.deployment;
    const resolved = await resolveInlineModel(
      specs.deployment.model,
      ws,
      session,
      {
        dryRun: options.dryRun,
        followSymlinks: options.followSymlinks,
        precheck: () => planBatchDeployment(ws, { ...specs, deployment: withoutModel }, rule, scope),
      },
      section,
    );
    specs.deployment.model = resolved.model;
    modelPlanLine = resolved.planLine;
  }
  const plan = await planBatchDeployment(ws, specs, rule, scope);
  const lines = [...(modelPlanLine ? [modelPlanLine] : []), ...describeBatchPlan(plan)];
  await io.group('Plan', async () => {
    for (const line of lines) io.info(line);
  });
  section.tables.push({ caption: 'Plan', columns: ['Step'], rows: lines.map((l) => [l]) });
  const planOutput = { ...summarizeBatchPlan(plan), dryRun: options.dryRun };
  const asTraffic = (name: string | undefined) => (name ? { [name]: 100 } : {});

  if (options.dryRun) {
    report.finish(section, 'planned');
    return {
      endpointName: plan.endpointName,
      deploymentName: plan.deploymentName,
      plan: planOutput,
      state: 'Transitioning',
      provisioningState: 'NotStarted',
      changed: plan.changed,
      traffic: asTraffic(plan.defaults.before),
      previousTraffic: asTraffic(plan.defaults.before),
    };
  }

  const result = await applyBatchPlan(ws, plan, {
    deadline: session.deadline,
    deleteFailedDeployment: options.deleteFailedDeployment,
    ...(deps.signal ? { signal: deps.signal } : {}),
    onProgress: progressReporter(session, report, section),
  });
  addFacts(
    section,
    fact('State', stateText(result.state, result.provisioningState)),
    fact('Changed', result.changed ? 'yes' : 'no (nothing to do)'),
    fact('Invoke URI', result.scoringUri, { code: true }),
    fact('Default deployment before', result.defaultBefore ?? '(none)'),
    fact('Default deployment after', result.defaultAfter ?? '(none)'),
  );
  const outcome: DeployOutcome = {
    endpointName: plan.endpointName,
    deploymentName: plan.deploymentName,
    plan: planOutput,
    state: result.state,
    provisioningState: result.provisioningState,
    changed: result.changed,
    ...(result.scoringUri ? { scoringUri: result.scoringUri } : {}),
    traffic: asTraffic(result.defaultAfter),
    previousTraffic: asTraffic(result.defaultBefore),
  };
  if (result.ok) {
    report.finish(section, result.changed ? 'succeeded' : 'unchanged');
    return outcome;
  }
  const kept = result.defaultAfter
    ? ` The default deployment is still ${result.defaultAfter}.`
    : ' The endpoint has no default deployment.';
  report.fail(section, `${result.error ?? 'the batch deployment failed'}${kept}`);
  throw new DeployFailure(
    `batch deployment ${plan.endpointName}/${plan.deploymentName} ${result.state}: ${result.error ?? 'failed'}.${kept}`,
    outcome,
  );
}

function progressReporter(session: AzureSession, report: Report, section: ReportSection) {
  const started = session.deps.clock.now();
  return (message: string) => {
    session.deps.io.info(`[+${Math.round((session.deps.clock.now() - started) / 1000)}s] ${message}`);
    report.event(section, message);
  };
}

export type { BatchPlan };
