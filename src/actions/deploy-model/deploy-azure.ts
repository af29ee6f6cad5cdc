// deploy-model on an Azure ML online endpoint (managed or Kubernetes): register a local model first, plan
// (reads only), then apply with the smoke gate, rollback and log capture of src/targets/azureml.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelRef } from '../../config/spec.ts';
import { ActionFailure, UsageError } from '../../errors.ts';
import type { ActionIO } from '../../io/action-io.ts';
import { runSmokeTest } from '../../probe/smoke-test.ts';
import { AzureModelRegistry } from '../../registry/azureml-registry.ts';
import { addFacts, fact, type Report, type ReportSection } from '../../report/report.ts';
import { applyPlan } from '../../targets/azureml/apply.ts';
import { formatDeploymentLogs } from '../../targets/azureml/deployment-logs.ts';
import { getEndpoint } from '../../targets/azureml/online-resources.ts';
import { describePlan, planDeployment, summarizePlan } from '../../targets/azureml/plan.ts';
import { restoreTraffic } from '../../targets/azureml/restore-traffic.ts';
import { scoringCredentials } from '../../targets/azureml/scoring-credentials.ts';
import { formatMap } from '../../targets/azureml/traffic.ts';
import type { ActionDeps } from '../shared/action-definition.ts';
import { connectWorkspace } from '../shared/azure-context.ts';
import { type AzureDeployOptions, azureDeploymentSpec } from './azure-spec.ts';
import type { DeployOutcome } from './deploy-local.ts';
import type { DeployRequest } from './merge-spec.ts';

/** The state key under which a rollout in progress records the traffic maps to restore. */
export const RESTORE_STATE = 'restore-traffic';

/** The post: step after a cancelled run: put back the traffic maps a killed rollout had changed. */
export async function restoreAfterCancel(
  saved: string,
  opts: AzureDeployOptions,
  deps: ActionDeps,
  io: ActionIO,
): Promise<void> {
  const { endpoint, previous } = JSON.parse(saved) as {
    endpoint: string;
    previous: Parameters<typeof restoreTraffic>[2];
  };
  const deadline = deps.clock.now() + 10 * 60_000;
  const ws = await connectWorkspace(opts.azure, opts.workspace, io, deps, deadline);
  const r = await restoreTraffic(ws, endpoint, previous, { deadline });
  io.info(
    r.restored
      ? `cancelled run: traffic of ${endpoint} restored to ${formatMap(previous.traffic)}`
      : `cancelled run: traffic of ${endpoint} was already ${formatMap(previous.traffic)}`,
  );
}

export async function deployAzure(
  req: DeployRequest,
  opts: AzureDeployOptions,
  deps: ActionDeps,
  io: ActionIO,
  report: Report,
  section: ReportSection,
): Promise<DeployOutcome> {
  const desired = azureDeploymentSpec(req, opts);
  const started = deps.clock.now();
  const deadline = started + opts.timeoutMinutes * 60_000;
  const ws = await connectWorkspace(opts.azure, opts.workspace, io, deps, deadline);
  addFacts(
    section,
    fact('Target', `Azure ML ${desired.endpoint.computeKind} online endpoint`),
    fact('Workspace', `${opts.workspace.workspaceName} (${opts.workspace.resourceGroup})`),
  );

  if (desired.deployment.model?.kind === 'path') {
    desired.deployment.model = await registerModelPath(
      desired.deployment.model,
      ws,
      deps,
      io,
      deadline,
      opts.dryRun,
      opts.localDir,
    );
    addFacts(section, fact('Model', refText(desired.deployment.model), { code: true }));
  }

  let traffic = opts.traffic;
  if (!traffic && opts.gateWhenServing && opts.smokeRequests) {
    const current = (await getEndpoint(ws, desired.endpoint.name, { deadline }))?.properties.traffic ?? {};
    const serving = Object.entries(current as Record<string, number>).filter(([, share]) => share > 0);
    const servesItself = serving.some(([name]) => name.toLowerCase() === desired.deployment.name);
    if (serving.length > 0 && !servesItself) {
      traffic = { kind: 'blue-green' };
      io.info(
        `${desired.endpoint.name} already serves traffic: ${desired.deployment.name} is smoke tested at 0 % before it takes over`,
      );
    }
  }
  const plan = await planDeployment(
    ws,
    {
      ...desired,
      ...(traffic ? { traffic } : {}),
      ...(opts.mirrorTraffic ? { mirrorTraffic: opts.mirrorTraffic } : {}),
    },
    { deadline, ...(deps.signal ? { signal: deps.signal } : {}) },
  );
  const lines = describePlan(plan);
  await io.group('Plan', async () => {
    for (const line of lines) io.info(line);
  });
  const summary = summarizePlan(plan);
  const base = {
    endpointName: plan.endpointName,
    deploymentName: plan.deploymentName,
    plan: { ...summary, dryRun: opts.dryRun },
  };
  section.tables.push({ caption: 'Plan', columns: ['Step'], rows: lines.map((l) => [l]) });

  if (opts.dryRun) {
    report.finish(section, 'planned');
    return {
      ...base,
      state: 'Transitioning',
      provisioningState: 'NotStarted',
      changed: plan.changed,
      traffic: plan.previous.traffic,
      previousTraffic: plan.previous.traffic,
    };
  }

  const smokeRequests = opts.smokeRequests;
  // If the job is cancelled and this process dies before it can roll back, the post: step restores these.
  if (plan.changed)
    io.saveState(RESTORE_STATE, JSON.stringify({ endpoint: plan.endpointName, previous: plan.previous }));
  const result = await (async () => {
    try {
      return await applyPlan(ws, plan, {
        deadline,
        rollbackOnFailure: opts.rollbackOnFailure,
        deleteFailedDeployment: opts.deleteFailedDeployment,
        ...(deps.signal ? { signal: deps.signal } : {}),
        onProgress: (p) => {
          const line = `[+${Math.round(p.elapsedMs / 1000)}s] ${p.message}`;
          io.info(line);
          report.event(section, p.message);
        },
        ...(smokeRequests
          ? {
              smokeGate: async (target) => {
                const creds = await scoringCredentials(ws, target.endpointName, { deadline });
                const scoringUri = target.scoringUri ?? creds.scoringUri;
                if (!scoringUri)
                  throw new ActionFailure(`endpoint ${target.endpointName} has no scoring URI to smoke test`);
                const gate = await runSmokeTest(
                  {
                    scoringUri,
                    headers: { ...creds.headers(), 'azureml-model-deployment': target.deploymentName },
                    requests: smokeRequests,
                    readyTimeoutSeconds: 300,
                  },
                  { clock: deps.clock, log: io, dispatcher: ws.dispatcher },
                );
                io.info(`smoke gate on ${target.deploymentName}: ${gate.message}`);
                return gate.passed;
              },
            }
          : {}),
      });
    } catch (err) {
      // Cancelled mid-rollout: put the traffic back as it was before this run, then stop.
      if (deps.signal?.aborted) {
        io.warn(
          `cancelled: restoring the traffic of ${plan.endpointName} to ${formatMap(plan.previous.traffic)}`,
        );
        await restoreTraffic(ws, plan.endpointName, plan.previous, {
          deadline: deps.clock.now() + 10 * 60_000,
        });
      }
      throw err;
    }
  })();
  io.saveState(RESTORE_STATE, '');

  addFacts(
    section,
    fact('State', `${result.state} (${result.provisioningState})`),
    fact('Changed', result.changed ? 'yes' : 'no (nothing to do)'),
    fact('Scoring URI', result.scoringUri, { code: true }),
    fact('Traffic before', formatMap(result.previousTraffic)),
    fact('Traffic after', formatMap(result.traffic)),
  );
  const outcome: DeployOutcome = {
    ...base,
    state: result.state,
    provisioningState: result.provisioningState,
    changed: result.changed,
    ...(result.scoringUri ? { scoringUri: result.scoringUri } : {}),
    ...(result.swaggerUri ? { swaggerUri: result.swaggerUri } : {}),
    traffic: result.traffic,
    previousTraffic: result.previousTraffic,
  };
  if (result.ok) {
    report.finish(section, result.changed ? 'succeeded' : 'unchanged');
    return outcome;
  }

  let logTail: string | undefined;
  if (result.logs) {
    logTail = formatDeploymentLogs(result.logs);
    const file = path.join(opts.localDir, 'logs', `${plan.endpointName}-${plan.deploymentName}-azure.log`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, logTail);
    outcome.logsFile = file;
    await io.group(`Container logs of ${plan.deploymentName}`, async () => io.info(logTail!));
  }
  const rollback = result.rolledBack
    ? ` Traffic restored to ${formatMap(result.previousTraffic)}.`
    : result.rollbackError
      ? ` Rollback failed: ${result.rollbackError}`
      : '';
  report.fail(
    section,
    `${result.error ?? 'the deployment failed'}${rollback}`,
    logTail?.split('\n').slice(-60).join('\n'),
    outcome.logsFile,
  );
  throw Object.assign(
    new ActionFailure(
      `deployment ${plan.endpointName}/${plan.deploymentName} ${result.state}: ${result.error ?? 'failed'}.${rollback}`,
    ),
    { outcome },
  );
}

async function registerModelPath(
  ref: Extract<ModelRef, { kind: 'path' }>,
  ws: Awaited<ReturnType<typeof connectWorkspace>>,
  deps: ActionDeps,
  io: ActionIO,
  deadline: number,
  dryRun: boolean,
  localDir: string,
): Promise<ModelRef> {
  if (dryRun) {
    throw new UsageError(
      'dry-run with a local model path would have to upload it; register it first (register-model) and pass NAME:VERSION',
      'model',
    );
  }
  const registry = new AzureModelRegistry(ws, {
    hashCacheFile: path.join(localDir, 'hash-cache.json'),
    log: io,
    clock: deps.clock,
    deadline,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const name =
    ref.name ??
    path
      .basename(ref.path)
      .replace(/\.[^.]+$/, '')
      .replace(/[^a-zA-Z0-9._-]/g, '-');
  const model = await registry.register(
    {
      name,
      ...(ref.version ? { version: ref.version } : {}),
      type: ref.type ?? 'custom_model',
      path: ref.path,
      tags: {},
      properties: {},
    },
    { dedupe: true },
  );
  return { kind: 'version', name: model.name, version: model.version };
}

function refText(ref: ModelRef): string {
  switch (ref.kind) {
    case 'version':
      return `azureml:${ref.name}:${ref.version}`;
    case 'latest':
      return `azureml:${ref.name}@latest`;
    case 'arm-id':
      return ref.id;
    case 'registry':
      return ref.uri;
    case 'path':
      return ref.path;
  }
}
