import path from 'node:path';
import type { LoadedDeploymentConfig } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import type { ActionIO } from '../../io/action-io.ts';
import type { Log } from '../../log.ts';
import { loadRequests } from '../../probe/requests.ts';
import type { Report } from '../../report/report.ts';
import { parseTrafficMap, parseTrafficStrategy } from '../../targets/azureml/traffic.ts';
import type { ActionContext, ActionDeps } from '../shared/action-definition.ts';
import { defineAction } from '../shared/action-definition.ts';
import type { ParsedInputs } from '../shared/define-inputs.ts';
import { resolveTarget } from '../shared/target.ts';
import type { AzureDeployOptions } from './azure-spec.ts';
import {
  type DeployOutcome,
  deployLocal,
  type LocalDeployOptions,
  validateLocalRequest,
} from './deploy-local.ts';
import { deployInputs, deployOutputs } from './inputs.ts';
import { type DeployRequest, mergeDeployRequest } from './merge-spec.ts';

export type DeployInputs = ParsedInputs<typeof deployInputs>;

export const deployModelAction = defineAction({
  name: 'deploy-model',
  title: 'Deploy a model',
  description:
    'Deploy a model with its entry script and environment to an online endpoint (or this machine), wait for a terminal state, and explain failures with the logs.',
  inputs: deployInputs,
  outputs: deployOutputs,
  validate(inputs) {
    const v2 = inputs['endpoint-file'] || inputs['deployment-file'];
    const v1 = inputs['inference-config'] || inputs['deployment-config'];
    if (v2 && v1) {
      throw new UsageError(
        'give either the v2 YAML files (endpoint-file, deployment-file) or the v1 JSON files (inference-config, deployment-config), not both',
        inputs['endpoint-file'] ? 'endpoint-file' : 'deployment-file',
      );
    }
  },
  async post(inputs, ctx) {
    const saved = ctx.io.getState('restore-traffic');
    if (!saved) return;
    const prepared = await prepareDeploy(inputs, ctx.deps, ctx.io);
    if (prepared.target !== 'azureml') return;
    const { restoreAfterCancel } = await import('./deploy-azure.ts');
    await restoreAfterCancel(saved, prepared.options, ctx.deps, ctx.io);
  },
  async run(inputs, ctx) {
    try {
      const prepared = await prepareDeploy(inputs, ctx.deps, ctx.io);
      const outcome = await applyDeploy(prepared, ctx.deps, ctx.report, ctx.io);
      writeDeployOutputs(outcome, ctx);
    } catch (err) {
      const outcome = (err as { outcome?: DeployOutcome }).outcome;
      if (outcome) writeDeployOutputs(outcome, ctx);
      throw err;
    }
  },
});

export type PreparedDeploy =
  | { target: 'local'; request: DeployRequest; options: LocalDeployOptions }
  | { target: 'azureml'; request: DeployRequest; options: AzureDeployOptions };

/** Loads and validates every config file and input; no side effect. Shared with the pipeline. */
export async function prepareDeploy(
  inputs: DeployInputs,
  deps: ActionDeps,
  log: Log,
): Promise<PreparedDeploy> {
  const loaded = await loadConfig(inputs, deps.cwd);
  for (const note of loaded?.notes ?? []) {
    const where = note.file ? { file: note.file, ...(note.line ? { line: note.line } : {}) } : undefined;
    const text = `${note.field ? `${note.field}: ` : ''}${note.message}`;
    if (note.level === 'warning') log.warn(text, where);
    else
      log.info(
        `${note.file ? `${path.basename(note.file)}${note.line ? `:${note.line}` : ''}: ` : ''}${text}`,
      );
  }
  const target = await resolveTarget(inputs, deps.cwd, loaded?.targetHint);
  const request = mergeDeployRequest(inputs, loaded, deps.cwd, deps.env);
  const timeoutMinutes = inputs['timeout-minutes'] ?? 30;
  if (!inputs.wait) {
    log.warn(
      'wait: false is not supported yet: the deployment is waited for (within timeout-minutes) so that traffic moves safely',
    );
  }
  if (target.kind === 'azureml') {
    const options: AzureDeployOptions = {
      workspace: target.workspace,
      azure: inputs,
      localDir: target.localDir,
      timeoutMinutes,
      dryRun: inputs['dry-run'],
      ...(inputs.traffic ? { traffic: parseTrafficStrategy(inputs.traffic, 'traffic') } : {}),
      ...(inputs['mirror-traffic']
        ? { mirrorTraffic: parseTrafficMap(inputs['mirror-traffic'], 'mirror-traffic') }
        : {}),
      ...(inputs['smoke-request-file']
        ? {
            smokeRequests: await loadRequests({
              requestFile: inputs['smoke-request-file'],
              baseDir: deps.cwd,
            }),
          }
        : {}),
      rollbackOnFailure: inputs['rollback-on-failure'],
      deleteFailedDeployment: inputs['delete-failed-deployment'],
      ...(inputs['instance-type'] ? { instanceType: inputs['instance-type'] } : {}),
      ...(inputs['instance-count'] !== undefined ? { instanceCount: inputs['instance-count'] } : {}),
      ...(inputs['compute-name'] ? { computeName: inputs['compute-name'] } : {}),
    };
    if (
      options.smokeRequests &&
      !(options.traffic?.kind === 'blue-green' || options.traffic?.kind === 'canary')
    ) {
      log.warn(
        'smoke-request-file gates blue-green and canary rollouts only; it is not used with this traffic strategy',
      );
    }
    // Checks that need no Azure call (a managed deployment's instance type, ...).
    const { azureDeploymentSpec } = await import('./azure-spec.ts');
    azureDeploymentSpec(request, options);
    return { target: 'azureml', request, options };
  }
  for (const name of ['traffic', 'mirror-traffic', 'smoke-request-file', 'compute-name'] as const) {
    if (inputs[name]) log.warn(`${name} applies to Azure ML endpoints; the local target ignores it`);
  }
  const options: LocalDeployOptions = {
    localDir: target.localDir,
    timeoutMinutes,
    dryRun: inputs['dry-run'],
    runtime: inputs['local-runtime'] ?? 'auto',
    python: inputs.python,
  };
  validateLocalRequest(request, { python: options.python, runtime: options.runtime, env: deps.env });
  return { target: 'local', request, options };
}

export async function applyDeploy(
  prepared: PreparedDeploy,
  deps: ActionDeps,
  report: Report,
  io: ActionIO,
): Promise<DeployOutcome> {
  const { request } = prepared;
  const section = report.section('deploy-model', `Deploy ${request.endpointName}/${request.deploymentName}`);
  if (prepared.target === 'azureml') {
    // The Azure stack (undici, credentials, blob upload) loads only for the azureml target.
    const { deployAzure } = await import('./deploy-azure.ts');
    return deployAzure(request, prepared.options, deps, io, report, section);
  }
  return deployLocal(request, prepared.options, deps, io, report, section);
}

async function loadConfig(inputs: DeployInputs, cwd: string): Promise<LoadedDeploymentConfig | undefined> {
  const files = {
    ...(inputs['endpoint-file'] ? { endpointFile: path.resolve(cwd, inputs['endpoint-file']) } : {}),
    ...(inputs['deployment-file'] ? { deploymentFile: path.resolve(cwd, inputs['deployment-file']) } : {}),
    ...(inputs['inference-config'] ? { inferenceConfig: path.resolve(cwd, inputs['inference-config']) } : {}),
    ...(inputs['deployment-config']
      ? { deploymentConfig: path.resolve(cwd, inputs['deployment-config']) }
      : {}),
  };
  if (Object.keys(files).length === 0) return undefined;
  // The YAML/JSON loaders (and their schemas) load only when a file is given: start-up stays small.
  const { loadDeploymentConfig } = await import('../../config/load-deployment-config.ts');
  return loadDeploymentConfig(files);
}

export function writeDeployOutputs(
  outcome: DeployOutcome,
  ctx: Pick<ActionContext<typeof deployOutputs>, 'setOutput'>,
): void {
  ctx.setOutput('endpoint-name', outcome.endpointName);
  ctx.setOutput('deployment-name', outcome.deploymentName);
  ctx.setOutput('scoring-uri', outcome.scoringUri);
  ctx.setOutput('swagger-uri', outcome.swaggerUri);
  ctx.setOutput('state', outcome.state);
  ctx.setOutput('provisioning-state', outcome.provisioningState);
  ctx.setOutput('traffic', outcome.traffic);
  ctx.setOutput('previous-traffic', outcome.previousTraffic);
  ctx.setOutput('changed', outcome.changed);
  ctx.setOutput('plan', outcome.plan);
  ctx.setOutput('logs-file', outcome.logsFile);
}
